/* leadrules: lead-management policies as code — the C API.
 *
 * Opaque handles, plain C types, nothing thrown across it. Every string the library returns is
 * allocated by the library and freed with lr_free(). Every function may be called from any
 * thread; an lr_policy is immutable and may be used by many threads at once.
 *
 *   char *diag = NULL, *err = NULL;
 *   lr_policy *p = lr_compile_file("policy.lr", &diag);
 *   if (!p) { fputs(diag, stderr); lr_free(diag); return 1; }
 *   char *out = lr_evaluate_json(p, line, strlen(line), lr_now(), &err);
 *   if (!out) { fprintf(stderr, "%s\n", err); lr_free(err); } else { puts(out); lr_free(out); }
 *   lr_policy_free(p);
 */
#ifndef LEADRULES_H
#define LEADRULES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lr_policy lr_policy;
typedef struct lr_holder lr_holder;
typedef struct lr_ruleset lr_ruleset;

/* NULL on failure, with *diagnostics set to the rendered messages (free with lr_free).
   `origin` names the policy in messages and anchors file("...") sets; may be NULL.
   On success *diagnostics holds the warnings, or NULL when there are none. `diagnostics` may be NULL. */
lr_policy* lr_compile(const char* text, size_t length, const char* origin, char** diagnostics);
lr_policy* lr_compile_file(const char* path, char** diagnostics);
/* The same with the engine chosen: "jit" (the default) or "interp"; `cache_dir` may be NULL
   (no object cache). */
lr_policy* lr_compile_with(const char* text, size_t length, const char* origin, const char* engine,
                           const char* cache_dir, char** diagnostics);
/* Set files (file("...")) are read only from the policy's folder and below (the folder of
   `origin`; none when `origin` is NULL or a name like "<policy>"), `..` and symbolic links
   resolved; this variant also allows the directories of `allowed_paths`, a NULL-terminated array
   (may be NULL). A set file anywhere else is a policy error. */
lr_policy* lr_compile_allowing(const char* text, size_t length, const char* origin, const char* engine,
                               const char* cache_dir, const char* const* allowed_paths, char** diagnostics);
/* Rule sets compiled ahead of time (`leadrules compile`), for programs without a compiler: link
   with libleadrules-runtime, which does not link LLVM. NULL on failure, with *diagnostics set
   (a rule set built for another ABI version or a CPU feature this machine lacks, a damaged
   file): never a crash.
   A shared object made with `leadrules compile POLICY --shared FILE.so`: */
lr_policy* lr_load_compiled(const char* path, char** diagnostics);
/* An object made with `leadrules compile POLICY -o FILE.o --symbol NAME`, linked into the
   program: LR_RULESET_DECLARE(NAME); at file scope, then lr_load_ruleset(LR_RULESET(NAME), ...).
   `origin` names it in messages (may be NULL). */
#define LR_RULESET_DECLARE(name) extern const lr_ruleset leadrules_ruleset_##name
#define LR_RULESET(name) (&leadrules_ruleset_##name)
lr_policy* lr_load_ruleset(const lr_ruleset* ruleset, const char* origin, char** diagnostics);
/* "jit", "interp" or "aot". */
const char* lr_policy_engine(const lr_policy* policy);

/* Releases this handle; the policy itself lives on while other handles (or a holder) keep it. */
void lr_policy_free(lr_policy* policy);
/* Another handle to the same compiled policy. */
lr_policy* lr_policy_ref(const lr_policy* policy);
/* The policy's name and fingerprint (owned by the policy: do not free). */
const char* lr_policy_name(const lr_policy* policy);
const char* lr_policy_fingerprint(const lr_policy* policy);

/* One prospect as one JSON Lines record (activities and "fired" history included), no
   colleagues; returns the result object exactly as `leadrules run` writes it for that record. */
char* lr_evaluate_json(const lr_policy* policy, const char* record, size_t length, int64_t now_unix_micros,
                       char** error);
/* Many prospects as JSON Lines text (colleagues among them); results as JSON Lines, input order. */
char* lr_evaluate_jsonl(const lr_policy* policy, const char* lines, size_t length, int64_t now_unix_micros,
                        char** error);
/* `leadrules explain` for the prospect with this id among the lines. */
char* lr_explain_jsonl(const lr_policy* policy, const char* lines, size_t length, const char* id,
                       int64_t now_unix_micros, char** error);
/* The policy's test blocks: 0 when all pass; *report (may be NULL) gets PASS/FAIL lines. */
int lr_run_tests(const lr_policy* policy, char** report);

/* Hot reload: a holder keeps the current version; lr_holder_get returns a handle to it (free
   with lr_policy_free) that stays valid, on its version, however often the holder is swapped. */
lr_holder* lr_holder_new(lr_policy* initial); /* takes its own reference */
void lr_holder_free(lr_holder* holder);
lr_policy* lr_holder_get(const lr_holder* holder);
/* Compiles the new text with the current version's options and swaps to it: 1 on success.
   On failure 0, the old version stays, and *diagnostics says why. */
int lr_holder_reload(lr_holder* holder, const char* text, size_t length, const char* origin,
                     char** diagnostics);
int lr_holder_reload_file(lr_holder* holder, const char* path, char** diagnostics);
uint64_t lr_holder_version(const lr_holder* holder);

/* Times: microseconds since the Unix epoch, UTC. lr_parse_time takes RFC 3339 or YYYY-MM-DD;
   returns 1 and *out on success. */
int64_t lr_now(void);
int lr_parse_time(const char* text, int64_t* out);

/* The library's version, "0.1.0". */
const char* lr_version(void);

/* Frees any string the library returned. NULL is fine. */
void lr_free(void* p);

#ifdef __cplusplus
}
#endif

#endif /* LEADRULES_H */
