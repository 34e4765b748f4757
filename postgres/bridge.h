/* The wall between PostgreSQL and the C++ engine (bridge.cpp).
 *
 * PostgreSQL reports an ERROR with longjmp, which skips C++ destructors, and C++ throws exceptions
 * that must never unwind through PostgreSQL's frames. So the extension is two halves that never
 * meet on one stack frame: leadrules_pg.c (C, calls PostgreSQL, never C++) and bridge.cpp (C++,
 * calls the engine, never PostgreSQL). Every function here catches everything and returns an
 * error instead; every string it returns is malloc'd and freed by lrpg_free (never palloc'd:
 * palloc may longjmp). */
#ifndef LEADRULES_PG_BRIDGE_H
#define LEADRULES_PG_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What went wrong, sorted so the C side can choose an SQLSTATE. */
typedef enum lrpg_error_kind {
  LRPG_POLICY_ERROR = 1, /* the policy text does not compile */
  LRPG_DATA_ERROR = 2,   /* a prospect record the policy cannot read */
  LRPG_INTERNAL = 3,     /* out of memory, or a bug: never a crashed backend */
} lrpg_error_kind;

typedef struct lrpg_error {
  lrpg_error_kind kind;
  char* message; /* one line: "<hot>:3:5: unknown field `emial`" */
  char* detail;  /* may be NULL: every diagnostic with its source line and caret */
  char* hint;    /* may be NULL */
  unsigned row;  /* data errors: the 1-based record (row of the prospects query); 0 if none */
} lrpg_error;

typedef struct lrpg_policy lrpg_policy;   /* a compiled policy (shared handle) */
typedef struct lrpg_buffer lrpg_buffer;   /* JSON Lines being collected, outside palloc's 1 GB cap */
typedef struct lrpg_results lrpg_results; /* a scored batch */

void lrpg_free(void* p);
void lrpg_error_clear(lrpg_error* error); /* frees its strings */

/* The backend's cache of compiled policies, keyed by name and the MD5 of the text: a policy is
   compiled once per backend and again only when its text changes. The handle belongs to the
   cache and stays valid for the backend's life (replaced versions are kept). */
const lrpg_policy* lrpg_cache_find(const char* name, const char* source_md5);
/* Compiles `source` as policy `name` (origin "<name>": no folder, so no file() sets) and stores
   it under (name, source_md5). NULL with *error filled on a policy error. *warnings (may be
   NULL) gets the rendered warnings, or NULL. engine: "jit" or "interp"; cache_dir may be "". */
const lrpg_policy* lrpg_cache_compile(const char* name, const char* source_md5, const char* source,
                                      size_t length, const char* engine, const char* cache_dir,
                                      char** warnings, lrpg_error* error);
/* Forgets a name (after leadrules.unregister). */
void lrpg_cache_forget(const char* name);
/* A rule set compiled ahead of time (`leadrules compile --shared`), loaded from `path` (its own
   checks: ABI version, CPU features, its policy against its code) and stored under the key
   "aot:<fingerprint>:<path>", the rule set's own fingerprint. NULL with *error on failure. */
const lrpg_policy* lrpg_cache_load_compiled(const char* name, const char* path, lrpg_error* error);

const char* lrpg_policy_summary(const lrpg_policy* policy);     /* `leadrules check`'s line */
const char* lrpg_policy_fingerprint(const lrpg_policy* policy); /* 32 hex digits */
const char* lrpg_policy_id_column(const lrpg_policy* policy);   /* JSON key of the id field */
const char* lrpg_policy_source(const lrpg_policy* policy);      /* the policy's text */

/* One prospect as a JSON object (activities and "fired" inside), scored alone (no colleagues):
   the object `leadrules run` writes for it, as malloc'd JSON text. */
char* lrpg_score_one(const lrpg_policy* policy, const char* record, size_t length, int64_t now_unix_micros,
                     lrpg_error* error);

/* JSON Lines collected row by row; the append functions return 0 when out of memory. */
lrpg_buffer* lrpg_buffer_new(void);
int lrpg_buffer_append_line(lrpg_buffer* buffer, const char* data, size_t length);
/* An activity (a JSON object) of the prospect with this id, kept until that prospect comes. */
int lrpg_buffer_add_activity(lrpg_buffer* buffer, const char* id, size_t id_length, const char* json,
                             size_t length);
/* A prospect (a JSON object) as one line, with the activities added for its id as "activities". */
int lrpg_buffer_append_prospect(lrpg_buffer* buffer, const char* id, size_t id_length, const char* json,
                                size_t length);
void lrpg_buffer_free(lrpg_buffer* buffer);

/* Reads the buffer as JSON Lines (strict: the first bad record is the error) and scores every
   prospect, colleagues being the records with the same account. */
lrpg_results* lrpg_score_batch(const lrpg_policy* policy, const lrpg_buffer* lines, int64_t now_unix_micros,
                               unsigned threads, lrpg_error* error);
size_t lrpg_results_count(const lrpg_results* results);
void lrpg_results_free(lrpg_results* results);

/* One row of the results, as `leadrules run` writes it, taken apart. The pointers are owned by
   `results` and valid until the next lrpg_results_row call or lrpg_results_free. */
typedef struct lrpg_row {
  const char* id;
  size_t id_length;
  double score;
  const char* grade; /* NULL when the result has none */
  size_t segment_count;
  const char* const* segments;
  const char* scores_json;  /* {"engagement":12,...} */
  const char* actions_json; /* [{"rule":..,"action":..,"args":[..]}] */
  const char* set_json;     /* {"status":"MQL"} */
} lrpg_row;
int lrpg_results_row(lrpg_results* results, size_t row, lrpg_row* out, lrpg_error* error);

#ifdef __cplusplus
}
#endif

#endif /* LEADRULES_PG_BRIDGE_H */
