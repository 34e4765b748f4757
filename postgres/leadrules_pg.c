/* The PostgreSQL half of the extension: SQL-callable functions, SPI and errors. It never calls
 * C++ (bridge.h is plain C that never throws), so an ERROR's longjmp out of here skips no
 * destructor. Memory from the bridge is malloc'd and freed with lrpg_* calls; what outlives a
 * call that may raise an ERROR is freed by a memory-context reset callback. */
/* Compiled with -fvisibility=hidden: PostgreSQL 15 marks its entry points with an empty
 * PGDLLEXPORT on Linux, so give them default visibility here (exports.map still lists them). */
#define PGDLLEXPORT __attribute__((visibility("default")))
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/md5.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "bridge.h"

PG_MODULE_MAGIC;

/* The SQL-callable functions and _PG_init: the only symbols the library exports (exports.map). */
PGDLLEXPORT void _PG_init(void);
PGDLLEXPORT Datum lrpg_register(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum lrpg_register_compiled(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum lrpg_unregister(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum lrpg_score(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum lrpg_score_tables(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(lrpg_register);
PG_FUNCTION_INFO_V1(lrpg_register_compiled);
PG_FUNCTION_INFO_V1(lrpg_unregister);
PG_FUNCTION_INFO_V1(lrpg_score);
PG_FUNCTION_INFO_V1(lrpg_score_tables);

enum { ENGINE_JIT, ENGINE_INTERP };
static const struct config_enum_entry engine_options[] = {
    {"jit", ENGINE_JIT, false}, {"interp", ENGINE_INTERP, false}, {NULL, 0, false}};
static int engine_setting = ENGINE_JIT;
static char* cache_dir_setting = NULL;
static int threads_setting = 1;

void _PG_init(void) {
  DefineCustomEnumVariable("leadrules.engine", "Engine that runs policies: jit (native code) or interp.",
                           NULL, &engine_setting, ENGINE_JIT, engine_options, PGC_USERSET, 0, NULL, NULL,
                           NULL);
  DefineCustomStringVariable("leadrules.cache_dir",
                             "Directory of the JIT's object cache (empty: compile in every backend).", NULL,
                             &cache_dir_setting, "", PGC_SUSET, 0, NULL, NULL, NULL);
  DefineCustomIntVariable("leadrules.threads",
                          "Threads score_tables spreads accounts over, inside the backend.", NULL,
                          &threads_setting, 1, 1, 64, PGC_USERSET, 0, NULL, NULL, NULL);
  MarkGUCPrefixReserved("leadrules");
}

static const char* engine_name(void) { return engine_setting == ENGINE_INTERP ? "interp" : "jit"; }

/* Raises the bridge's error as an ERROR: the strings are copied into palloc'd memory and the
 * malloc'd ones freed before ereport jumps. */
static void pg_attribute_noreturn() raise_error(lrpg_error* error) {
  char* message = pstrdup(error->message ? error->message : "leadrules: unknown error");
  char* detail = error->detail ? pstrdup(error->detail) : NULL;
  char* hint = error->hint ? pstrdup(error->hint) : NULL;
  int code = error->kind == LRPG_POLICY_ERROR ? ERRCODE_INVALID_PARAMETER_VALUE
             : error->kind == LRPG_DATA_ERROR ? ERRCODE_DATA_EXCEPTION
                                              : ERRCODE_INTERNAL_ERROR;
  lrpg_error_clear(error);
  ereport(ERROR, (errcode(code), errmsg("%s", message), detail ? errdetail("%s", detail) : 0,
                  hint ? errhint("%s", hint) : 0));
}

/* The cache key: the text's MD5 (as md5() in SQL, the table's source_md5) and the engine. */
static char* cache_key(const char* source_md5) { return psprintf("%s/%s", source_md5, engine_name()); }

static const lrpg_policy* compile_or_raise(const char* name, const char* key, const char* source,
                                           size_t length) {
  lrpg_error error = {0};
  char* warnings = NULL;
  const lrpg_policy* policy =
      lrpg_cache_compile(name, key, source, length, engine_name(), cache_dir_setting ? cache_dir_setting : "",
                         &warnings, &error);
  if (!policy) raise_error(&error);
  if (warnings) {
    char* copy = pstrdup(warnings);
    lrpg_free(warnings);
    ereport(WARNING,
            (errmsg("leadrules: policy \"%s\" compiled with warnings", name), errdetail("%s", copy)));
  }
  return policy;
}

/* A rule set compiled ahead of time, loaded in this backend (an ERROR when it cannot be). */
static const lrpg_policy* load_compiled_or_raise(const char* name, const char* path) {
  lrpg_error error = {0};
  const lrpg_policy* policy = lrpg_cache_load_compiled(name, path, &error);
  if (!policy) raise_error(&error);
  return policy;
}

/* The registered policy `name`, compiled once per backend and again when its text changes; a
 * registered rule set is loaded once per backend. Inside SPI_connect. */
static const lrpg_policy* registered_policy(const char* name) {
  static SPIPlanPtr md5_plan = NULL, source_plan = NULL;
  Oid types[1] = {TEXTOID};
  Datum args[1];
  bool isnull;
  char *md5, *key;
  const lrpg_policy* policy;
  text* source;

  if (!md5_plan) {
    md5_plan = SPI_prepare(
        "SELECT source_md5, compiled_path, fingerprint FROM leadrules.policies WHERE name = $1", 1, types);
    if (!md5_plan) elog(ERROR, "leadrules: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
    SPI_keepplan(md5_plan);
  }
  args[0] = CStringGetTextDatum(name);
  if (SPI_execute_plan(md5_plan, args, NULL, true, 1) != SPI_OK_SELECT)
    elog(ERROR, "leadrules: reading leadrules.policies failed");
  if (SPI_processed == 0)
    ereport(ERROR,
            (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("leadrules: no policy named \"%s\"", name),
             errhint("Register it first: SELECT leadrules.register('%s', $policy$ ... $policy$);", name)));
  md5 = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
  SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
  if (!isnull) { /* a rule set compiled ahead of time: its fingerprint and path are the key */
    char* path = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
    char* fingerprint =
        TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
    policy = lrpg_cache_find(name, psprintf("aot:%s:%s", fingerprint, path));
    if (policy) return policy;
    policy = load_compiled_or_raise(name, path);
    if (strcmp(lrpg_policy_fingerprint(policy), fingerprint) != 0)
      ereport(ERROR,
              (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
               errmsg("leadrules: the rule set %s is not the one registered as \"%s\" (fingerprint %s, "
                      "registered %s)",
                      path, name, lrpg_policy_fingerprint(policy), fingerprint),
               errhint("Register it again: SELECT leadrules.register_compiled('%s', '%s');", name, path)));
    return policy;
  }
  key = cache_key(md5);
  policy = lrpg_cache_find(name, key);
  if (policy) return policy;
  /* Not compiled in this backend yet, or the text changed. */
  if (!source_plan) {
    source_plan = SPI_prepare("SELECT source FROM leadrules.policies WHERE name = $1", 1, types);
    if (!source_plan) elog(ERROR, "leadrules: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
    SPI_keepplan(source_plan);
  }
  if (SPI_execute_plan(source_plan, args, NULL, true, 1) != SPI_OK_SELECT || SPI_processed == 0)
    elog(ERROR, "leadrules: reading leadrules.policies failed");
  source = DatumGetTextPP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
  return compile_or_raise(name, key, VARDATA_ANY(source), VARSIZE_ANY_EXHDR(source));
}

static int64 unix_micros(TimestampTz now) {
  if (TIMESTAMP_NOT_FINITE(now))
    ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE), errmsg("leadrules: now must be finite")));
  return now + (int64)(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
}

/* Stores policy `name` in leadrules.policies, replacing one of that name: its text, the
 * fingerprint of its plan, and the rule set it was loaded from (NULL: compiled from the text). */
static void store_policy(const char* name, Datum source, const lrpg_policy* policy,
                         const char* compiled_path) {
  Oid types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
  Datum args[4];
  char nulls[4] = {' ', ' ', ' ', compiled_path ? ' ' : 'n'};

  args[0] = CStringGetTextDatum(name);
  args[1] = source;
  args[2] = CStringGetTextDatum(lrpg_policy_fingerprint(policy));
  args[3] = compiled_path ? CStringGetTextDatum(compiled_path) : (Datum)0;
  SPI_connect();
  if (SPI_execute_with_args(
          "INSERT INTO leadrules.policies (name, source, fingerprint, compiled_path) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT (name) DO UPDATE SET source = excluded.source, fingerprint = excluded.fingerprint, "
          "compiled_path = excluded.compiled_path, registered_at = now()",
          4, types, args, nulls, false, 0) != SPI_OK_INSERT)
    elog(ERROR, "leadrules: writing leadrules.policies failed");
  SPI_finish();
}

/* leadrules.register(name text, source text) returns text: compiles the policy (an ERROR with
 * the diagnostic when it does not), stores it in leadrules.policies, returns its summary. */
Datum lrpg_register(PG_FUNCTION_ARGS) {
  char* name = text_to_cstring(PG_GETARG_TEXT_PP(0));
  text* source = PG_GETARG_TEXT_PP(1);
  char md5[33];
  const char* md5_error = NULL;
  const lrpg_policy* policy;
  text* summary;

  if (name[0] == '\0')
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("leadrules: a policy needs a name")));
  if (!pg_md5_hash(VARDATA_ANY(source), VARSIZE_ANY_EXHDR(source), md5, &md5_error))
    elog(ERROR, "leadrules: md5 failed: %s", md5_error ? md5_error : "?");
  policy = compile_or_raise(name, cache_key(md5), VARDATA_ANY(source), VARSIZE_ANY_EXHDR(source));
  summary = cstring_to_text(lrpg_policy_summary(policy));
  store_policy(name, PointerGetDatum(source), policy, NULL);
  PG_RETURN_TEXT_P(summary);
}

/* leadrules.register_compiled(name text, path text) returns text: loads a rule set made by
 * `leadrules compile --shared` (native code: superusers only, as LOAD), stores it with the policy
 * text it carries, returns its summary. Each backend loads it again from `path` when first used. */
Datum lrpg_register_compiled(PG_FUNCTION_ARGS) {
  char* name = text_to_cstring(PG_GETARG_TEXT_PP(0));
  char* path = text_to_cstring(PG_GETARG_TEXT_PP(1));
  const lrpg_policy* policy;
  text* summary;

  if (!superuser())
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("leadrules: only a superuser may register a compiled rule set"),
                    errdetail("A rule set is native code loaded into the server process.")));
  if (name[0] == '\0')
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("leadrules: a policy needs a name")));
  if (!is_absolute_path(path))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("leadrules: the rule set's path must be absolute: %s", path)));
  policy = load_compiled_or_raise(name, path);
  summary = cstring_to_text(lrpg_policy_summary(policy));
  store_policy(name, CStringGetTextDatum(lrpg_policy_source(policy)), policy, path);
  PG_RETURN_TEXT_P(summary);
}

/* leadrules.unregister(name text) returns boolean: whether there was such a policy. */
Datum lrpg_unregister(PG_FUNCTION_ARGS) {
  char* name = text_to_cstring(PG_GETARG_TEXT_PP(0));
  Oid types[1] = {TEXTOID};
  Datum args[1];
  bool found;

  args[0] = CStringGetTextDatum(name);
  SPI_connect();
  if (SPI_execute_with_args("DELETE FROM leadrules.policies WHERE name = $1", 1, types, args, NULL, false,
                            0) != SPI_OK_DELETE)
    elog(ERROR, "leadrules: writing leadrules.policies failed");
  found = SPI_processed > 0;
  SPI_finish();
  lrpg_cache_forget(name);
  PG_RETURN_BOOL(found);
}

/* leadrules.score(policy text, prospect jsonb, now timestamptz) returns jsonb: one prospect as
 * one JSON Lines record, scored alone; the object `leadrules run` writes for it. */
Datum lrpg_score(PG_FUNCTION_ARGS) {
  char* name = text_to_cstring(PG_GETARG_TEXT_PP(0));
  Jsonb* prospect = PG_GETARG_JSONB_P(1);
  int64 now = unix_micros(PG_GETARG_TIMESTAMPTZ(2));
  char* record = JsonbToCString(NULL, &prospect->root, VARSIZE(prospect));
  const lrpg_policy* policy;
  lrpg_error error = {0};
  char *scored, *copy;

  SPI_connect();
  policy = registered_policy(name);
  SPI_finish();
  scored = lrpg_score_one(policy, record, strlen(record), now, &error);
  if (!scored) raise_error(&error);
  copy = pstrdup(scored);
  lrpg_free(scored);
  PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(copy)));
}

/* What score_tables holds outside palloc, freed if an ERROR cuts the call short. */
typedef struct held_memory {
  lrpg_buffer* buffer;
  lrpg_results* results;
} held_memory;

static void free_held(void* arg) {
  held_memory* held = (held_memory*)arg;
  if (held->buffer) lrpg_buffer_free(held->buffer);
  if (held->results) lrpg_results_free(held->results);
  held->buffer = NULL;
  held->results = NULL;
}

/* Runs `query` (columns: a JSON object as text, an id as text) through a cursor, 1,000 rows at a
 * time, handing each row to `add` (a NULL id as ""). */
typedef int (*row_adder)(lrpg_buffer*, const char*, size_t, const char*, size_t);
static void collect(const char* query, const char* what, lrpg_buffer* buffer, row_adder add) {
  SPIPlanPtr plan = SPI_prepare(query, 0, NULL);
  Portal portal;
  if (!plan)
    elog(ERROR, "leadrules: preparing the %s query failed: %s", what, SPI_result_code_string(SPI_result));
  portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
  for (;;) {
    SPI_cursor_fetch(portal, true, 1000);
    if (SPI_processed == 0) break;
    for (uint64 i = 0; i < SPI_processed; ++i) {
      bool json_null, id_null;
      Datum json = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &json_null);
      Datum id = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &id_null);
      text* json_text;
      text* id_text = id_null ? NULL : DatumGetTextPP(id);
      if (json_null) continue; /* a NULL activities row; a prospect row is never NULL */
      json_text = DatumGetTextPP(json);
      if (!add(buffer, id_text ? VARDATA_ANY(id_text) : "", id_text ? VARSIZE_ANY_EXHDR(id_text) : 0,
               VARDATA_ANY(json_text), VARSIZE_ANY_EXHDR(json_text)))
        ereport(ERROR,
                (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("leadrules: out of memory collecting the %s", what)));
    }
    SPI_freetuptable(SPI_tuptable);
    CHECK_FOR_INTERRUPTS();
  }
  SPI_cursor_close(portal);
}

/* The prospects as JSON Lines, one row a line in the prospects query's order (row_to_json of
 * each), each with its activities: the activities query's rows whose prospect_id is its id, as
 * "activities" (each row's row_to_json; the prospect_id member is ignored by the reader). The
 * merging is done in the bridge: cheaper than a join and json_agg in SQL. */
static void collect_records(const char* prospects, const char* activities, const char* id_column,
                            lrpg_buffer* buffer) {
  if (activities)
    collect(psprintf("SELECT row_to_json(a)::text, a.prospect_id::text FROM (%s) AS a", activities),
            "activities", buffer, lrpg_buffer_add_activity);
  collect(psprintf("SELECT row_to_json(q)::text, q.%s::text FROM (%s) AS q", quote_identifier(id_column),
                   prospects),
          "prospects", buffer, lrpg_buffer_append_prospect);
}

/* leadrules.score_tables(policy, prospects_query, activities_query, now) returns table (id,
 * score, scores, grade, segments, actions, set): every prospect of the query, whole accounts
 * together, one row each (materialize mode: a tuplestore). */
Datum lrpg_score_tables(PG_FUNCTION_ARGS) {
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  char *name, *prospects, *activities;
  int64 now;
  const lrpg_policy* policy;
  held_memory* held;
  MemoryContextCallback* callback;
  MemoryContext row_context, old;
  lrpg_error error = {0};
  size_t count;

  if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                    errmsg("leadrules: policy, prospects_query and now must not be NULL")));
  name = text_to_cstring(PG_GETARG_TEXT_PP(0));
  prospects = text_to_cstring(PG_GETARG_TEXT_PP(1));
  activities = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
  now = unix_micros(PG_GETARG_TIMESTAMPTZ(3));
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);

  held = palloc0(sizeof(held_memory));
  callback = palloc0(sizeof(MemoryContextCallback));
  callback->func = free_held;
  callback->arg = held;
  MemoryContextRegisterResetCallback(CurrentMemoryContext, callback);

  SPI_connect();
  policy = registered_policy(name);
  held->buffer = lrpg_buffer_new();
  if (!held->buffer) ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("leadrules: out of memory")));
  collect_records(prospects, activities, lrpg_policy_id_column(policy), held->buffer);
  SPI_finish();

  held->results = lrpg_score_batch(policy, held->buffer, now, (unsigned)threads_setting, &error);
  lrpg_buffer_free(held->buffer);
  held->buffer = NULL;
  if (!held->results) raise_error(&error);

  row_context = AllocSetContextCreate(CurrentMemoryContext, "leadrules row", ALLOCSET_DEFAULT_SIZES);
  count = lrpg_results_count(held->results);
  for (size_t r = 0; r < count; ++r) {
    lrpg_row row;
    Datum values[7];
    bool nulls[7] = {false};
    Datum* segments;

    if (!lrpg_results_row(held->results, r, &row, &error)) raise_error(&error);
    old = MemoryContextSwitchTo(row_context);
    values[0] = PointerGetDatum(cstring_to_text_with_len(row.id, (int)row.id_length));
    values[1] = Float8GetDatum(row.score);
    values[2] = DirectFunctionCall1(jsonb_in, CStringGetDatum(row.scores_json));
    if (row.grade)
      values[3] = CStringGetTextDatum(row.grade);
    else
      nulls[3] = true;
    segments = palloc(sizeof(Datum) * (row.segment_count ? row.segment_count : 1));
    for (size_t s = 0; s < row.segment_count; ++s) segments[s] = CStringGetTextDatum(row.segments[s]);
    values[4] =
        PointerGetDatum(construct_array(segments, (int)row.segment_count, TEXTOID, -1, false, TYPALIGN_INT));
    values[5] = DirectFunctionCall1(jsonb_in, CStringGetDatum(row.actions_json));
    values[6] = DirectFunctionCall1(jsonb_in, CStringGetDatum(row.set_json));
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    MemoryContextSwitchTo(old);
    MemoryContextReset(row_context);
    if (r % 1024 == 0) CHECK_FOR_INTERRUPTS();
  }
  lrpg_results_free(held->results);
  held->results = NULL;
  MemoryContextDelete(row_context);
  return (Datum)0;
}
