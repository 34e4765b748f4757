/* The C API (include/leadrules/leadrules.h) from plain C11: compile errors as rendered
 * diagnostics, one record and many records as JSON, data errors, tests, handles and the holder.
 * The expected JSON lines are what `leadrules run` writes for the same policy and records:
 *
 *   leadrules run small.lr --input one.jsonl --now 2026-11-22T00:00:00Z
 *
 * Run: build/capi_test [SOURCE_DIR]   (ctest -R capi)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadrules/leadrules.h"

#ifndef LEADRULES_SOURCE_DIR
#define LEADRULES_SOURCE_DIR "."
#endif

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    ++checks;                                                                  \
    if (!(cond)) {                                                             \
      ++failures;                                                              \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

#define CHECK_STR(actual, expected)                                                                     \
  do {                                                                                                  \
    const char *a_ = (actual), *e_ = (expected);                                                        \
    ++checks;                                                                                           \
    if (!a_ || strcmp(a_, e_) != 0) {                                                                   \
      ++failures;                                                                                       \
      fprintf(stderr, "%s:%d: CHECK_STR failed:\n  got:      %s\n  expected: %s\n", __FILE__, __LINE__, \
              a_ ? a_ : "(null)", e_);                                                                  \
    }                                                                                                   \
  } while (0)

#define CHECK_CONTAINS(haystack, needle)                                                          \
  do {                                                                                            \
    const char *h_ = (haystack), *n_ = (needle);                                                  \
    ++checks;                                                                                     \
    if (!h_ || !strstr(h_, n_)) {                                                                 \
      ++failures;                                                                                 \
      fprintf(stderr, "%s:%d: CHECK_CONTAINS failed: `%s` not in:\n%s\n", __FILE__, __LINE__, n_, \
              h_ ? h_ : "(null)");                                                                \
    }                                                                                             \
  } while (0)

/* tests/capi: the same text as the `small.lr` the expected lines were made with. FORM_POINTS is
   25 in version 1 and 45 in version 2. */
static const char* small_policy_format =
    "policy \"Small\"\n"
    "\n"
    "schema prospect {\n"
    "  id: string\n"
    "  account: string?\n"
    "  email: string\n"
    "  employees: number?\n"
    "  status: string = \"Lead\"\n"
    "}\n"
    "\n"
    "schema activity {\n"
    "  kinds visit, form\n"
    "  page: string?\n"
    "}\n"
    "\n"
    "points +1 per visit\n"
    "points +10 per visit where page ~ \"^/pricing\"\n"
    "points +%d per form\n"
    "points +5 if count(colleague where any form) >= 1\n"
    "\n"
    "grade start D\n"
    "grade +1 if employees >= 100 else -1/3\n"
    "\n"
    "segment hot when score >= 30\n"
    "rule \"Hot list\" when hot do add_to_list(\"HOT\"), set status = \"MQL\"\n"
    "\n"
    "test \"one form\" {\n"
    "  now @2026-11-22T00:00:00Z\n"
    "  prospect { id: \"t1\", email: \"a@b.example\" }\n"
    "  form { at: -1d }\n"
    "  expect score == 25\n"
    "}\n"
    "test \"fails on purpose\" {\n"
    "  now @2026-11-22T00:00:00Z\n"
    "  prospect { id: \"t2\", email: \"a@b.example\" }\n"
    "  expect score == 99\n"
    "}\n";

static char small_v1[4096], small_v2[4096];

static const char* one_record =
    "{\"id\":\"p1\",\"email\":\"ana@acme.example\",\"employees\":250,\"activities\":["
    "{\"type\":\"visit\",\"at\":\"2026-11-21T10:00:00Z\",\"page\":\"/pricing\"},"
    "{\"type\":\"form\",\"at\":\"2026-11-21T11:00:00Z\"}]}\n";

static const char* expected_v1 =
    "{\"id\":\"p1\",\"score\":36,\"scores\":{\"score\":36},\"grade\":\"C\",\"segments\":[\"hot\"],"
    "\"actions\":[{\"rule\":\"Hot list\",\"action\":\"add_to_list\",\"args\":[\"HOT\"]},"
    "{\"rule\":\"Hot list\",\"action\":\"set\",\"args\":[\"status\",\"MQL\"]}],\"set\":{\"status\":\"MQL\"}}";

static const char* expected_v2 =
    "{\"id\":\"p1\",\"score\":56,\"scores\":{\"score\":56},\"grade\":\"C\",\"segments\":[\"hot\"],"
    "\"actions\":[{\"rule\":\"Hot list\",\"action\":\"add_to_list\",\"args\":[\"HOT\"]},"
    "{\"rule\":\"Hot list\",\"action\":\"set\",\"args\":[\"status\",\"MQL\"]}],\"set\":{\"status\":\"MQL\"}}";

static const char* colleagues =
    "{\"id\":\"p1\",\"account\":\"acme\",\"email\":\"ana@acme.example\",\"employees\":250,\"activities\":["
    "{\"type\":\"visit\",\"at\":\"2026-11-21T10:00:00Z\",\"page\":\"/pricing\"}]}\n"
    "{\"id\":\"p2\",\"account\":\"acme\",\"email\":\"bo@acme.example\",\"activities\":["
    "{\"type\":\"form\",\"at\":\"2026-11-20T10:00:00Z\"}]}\n"
    "\n"
    "{\"id\":\"p3\",\"email\":\"cy@other.example\",\"employees\":5}\n";

static const char* expected_colleagues =
    "{\"id\":\"p1\",\"score\":16,\"scores\":{\"score\":16},\"grade\":\"C\",\"segments\":[],\"actions\":[],"
    "\"set\":{}}\n"
    "{\"id\":\"p2\",\"score\":25,\"scores\":{\"score\":25},\"grade\":\"D\",\"segments\":[],\"actions\":[],"
    "\"set\":{}}\n"
    "{\"id\":\"p3\",\"score\":0,\"scores\":{\"score\":0},\"grade\":\"D-\",\"segments\":[],\"actions\":[],"
    "\"set\":{}}\n";

static int64_t now_micros;

static void test_compile_errors(void) {
  const char* bad = "policy \"Bad\"\nschema prospect {\n  id: string\n}\npoints +1 if nosuch > 3\n";
  char* diag = NULL;
  lr_policy* p = lr_compile(bad, strlen(bad), "bad.lr", &diag);
  CHECK(p == NULL);
  CHECK_CONTAINS(diag, "bad.lr:5:14: error: unknown name `nosuch`");
  CHECK_CONTAINS(diag, "points +1 if nosuch > 3");
  CHECK_CONTAINS(diag, "^~~~~~");
  lr_free(diag);

  /* the same through the interpreter, and without an origin */
  diag = NULL;
  p = lr_compile_with(bad, strlen(bad), NULL, "interp", NULL, &diag);
  CHECK(p == NULL);
  CHECK_CONTAINS(diag, ":5:14: error: unknown name `nosuch`");
  lr_free(diag);

  /* an unknown engine is an error, not a crash */
  diag = NULL;
  p = lr_compile_with(small_v1, strlen(small_v1), "small.lr", "gpu", NULL, &diag);
  CHECK(p == NULL);
  CHECK_CONTAINS(diag, "gpu");
  lr_free(diag);

  /* a missing file */
  diag = NULL;
  p = lr_compile_file("/nonexistent/policy.lr", &diag);
  CHECK(p == NULL);
  CHECK(diag != NULL && diag[0] != '\0');
  lr_free(diag);

  /* diagnostics may be NULL */
  p = lr_compile(bad, strlen(bad), "bad.lr", NULL);
  CHECK(p == NULL);
}

static void test_evaluate_json(const char* engine) {
  char *diag = (char*)1, *err = NULL;
  lr_policy* p = lr_compile_with(small_v1, strlen(small_v1), "small.lr", engine, NULL, &diag);
  CHECK(p != NULL);
  CHECK(diag == NULL); /* no warnings */
  if (!p) {
    fprintf(stderr, "%s\n", diag ? diag : "");
    lr_free(diag);
    return;
  }
  CHECK_STR(lr_policy_name(p), "Small");
  CHECK(strlen(lr_policy_fingerprint(p)) == 32);

  char* out = lr_evaluate_json(p, one_record, strlen(one_record), now_micros, &err);
  CHECK_STR(out, expected_v1);
  CHECK(err == NULL);
  lr_free(out);

  /* without the trailing newline, and with blank lines around it: the same */
  out = lr_evaluate_json(p, one_record, strlen(one_record) - 1, now_micros, &err);
  CHECK_STR(out, expected_v1);
  lr_free(out);
  {
    char buf[1024];
    snprintf(buf, sizeof buf, "\n  \n%s\n", one_record);
    out = lr_evaluate_json(p, buf, strlen(buf), now_micros, &err);
    CHECK_STR(out, expected_v1);
    lr_free(out);
  }

  /* a value of the wrong type: NULL, the error names the line and the field */
  {
    const char* rec = "{\"id\":\"p1\",\"email\":\"a@b.example\",\"employees\":\"many\"}";
    err = NULL;
    out = lr_evaluate_json(p, rec, strlen(rec), now_micros, &err);
    CHECK(out == NULL);
    CHECK_CONTAINS(err, ":1: data error in `employees`");
    CHECK_CONTAINS(err, "many");
    lr_free(err);
  }
  /* a bad time inside an activity */
  {
    const char* rec =
        "{\"id\":\"p1\",\"email\":\"a@b.example\",\"activities\":[{\"type\":\"visit\",\"at\":\"yesterday\"}]"
        "}";
    err = NULL;
    out = lr_evaluate_json(p, rec, strlen(rec), now_micros, &err);
    CHECK(out == NULL);
    CHECK_CONTAINS(err, ":1: data error in `activities[0].at`");
    lr_free(err);
  }
  /* broken JSON */
  {
    const char* rec = "{\"id\":\"p1\",\"email\":\"x\", ";
    err = NULL;
    out = lr_evaluate_json(p, rec, strlen(rec), now_micros, &err);
    CHECK(out == NULL);
    CHECK_CONTAINS(err, ":1: data error");
    CHECK_CONTAINS(err, "JSON");
    lr_free(err);
  }
  /* a missing required field */
  {
    const char* rec = "{\"id\":\"p1\"}";
    err = NULL;
    out = lr_evaluate_json(p, rec, strlen(rec), now_micros, &err);
    CHECK(out == NULL);
    CHECK_CONTAINS(err, "`email`");
    lr_free(err);
  }
  /* two records, or none, are not one record */
  err = NULL;
  out = lr_evaluate_json(p, colleagues, strlen(colleagues), now_micros, &err);
  CHECK(out == NULL);
  CHECK(err != NULL);
  lr_free(err);
  err = NULL;
  out = lr_evaluate_json(p, "  \n", 3, now_micros, &err);
  CHECK(out == NULL);
  CHECK(err != NULL);
  lr_free(err);
  err = NULL;
  out = lr_evaluate_json(p, NULL, 0, now_micros, &err);
  CHECK(out == NULL);
  CHECK(err != NULL);
  lr_free(err);
  /* error may be NULL */
  out = lr_evaluate_json(p, "{", 1, now_micros, NULL);
  CHECK(out == NULL);
  /* a NULL policy */
  err = NULL;
  out = lr_evaluate_json(NULL, one_record, strlen(one_record), now_micros, &err);
  CHECK(out == NULL);
  CHECK(err != NULL);
  lr_free(err);

  /* many records with colleagues (p2's form gives p1 its +5), input order; blank lines skipped */
  err = NULL;
  out = lr_evaluate_jsonl(p, colleagues, strlen(colleagues), now_micros, &err);
  CHECK_STR(out, expected_colleagues);
  CHECK(err == NULL);
  lr_free(out);
  /* a data error on line 2 of many */
  {
    const char* lines =
        "{\"id\":\"a\",\"email\":\"a@x\"}\n{\"id\":\"b\",\"email\":\"b@x\",\"employees\":true}\n";
    err = NULL;
    out = lr_evaluate_jsonl(p, lines, strlen(lines), now_micros, &err);
    CHECK(out == NULL);
    CHECK_CONTAINS(err, ":2: data error in `employees`");
    lr_free(err);
  }
  /* a duplicate id */
  {
    const char* lines = "{\"id\":\"a\",\"email\":\"a@x\"}\n{\"id\":\"a\",\"email\":\"b@x\"}\n";
    err = NULL;
    out = lr_evaluate_jsonl(p, lines, strlen(lines), now_micros, &err);
    CHECK(out == NULL);
    CHECK_CONTAINS(err, ":2:");
    lr_free(err);
  }

  /* explain */
  err = NULL;
  out = lr_explain_jsonl(p, colleagues, strlen(colleagues), "p1", now_micros, &err);
  CHECK_CONTAINS(out, "prospect p1");
  CHECK_CONTAINS(out, "points +10 per visit where page ~ \"^/pricing\"");
  lr_free(out);
  err = NULL;
  out = lr_explain_jsonl(p, colleagues, strlen(colleagues), "nobody", now_micros, &err);
  CHECK(out == NULL);
  CHECK_CONTAINS(err, "nobody");
  lr_free(err);

  /* tests: one passes, one fails */
  {
    char* report = NULL;
    int failed = lr_run_tests(p, &report);
    CHECK(failed == 1);
    CHECK_CONTAINS(report, "PASS one form\n");
    CHECK_CONTAINS(report, "FAIL fails on purpose (line 33)\n");
    CHECK_CONTAINS(report, "score is 0");
    CHECK_CONTAINS(report, "1 passed, 1 failed\n");
    lr_free(report);
    CHECK(lr_run_tests(p, NULL) == 1);
  }

  /* another handle outlives the first */
  {
    lr_policy* q = lr_policy_ref(p);
    CHECK(q != NULL);
    lr_policy_free(p);
    out = lr_evaluate_json(q, one_record, strlen(one_record), now_micros, NULL);
    CHECK_STR(out, expected_v1);
    lr_free(out);
    lr_policy_free(q);
  }
}

static void test_holder(void) {
  char* diag = NULL;
  lr_policy* p = lr_compile(small_v1, strlen(small_v1), "small.lr", &diag);
  CHECK(p != NULL);
  if (!p) return;
  lr_holder* h = lr_holder_new(p);
  lr_policy_free(p); /* the holder keeps its own reference */
  CHECK(h != NULL);
  CHECK(lr_holder_version(h) == 1);

  lr_policy* v1 = lr_holder_get(h);
  char* out = lr_evaluate_json(v1, one_record, strlen(one_record), now_micros, NULL);
  CHECK_STR(out, expected_v1);
  lr_free(out);

  /* a bad version: 0, diagnostics with line:col, the old version stays */
  {
    const char* bad =
        "policy \"Small\"\nschema prospect {\n  id: string\n  email: string\n}\npoints +1 if emial == "
        "\"x\"\n";
    diag = NULL;
    CHECK(lr_holder_reload(h, bad, strlen(bad), "small-v2.lr", &diag) == 0);
    CHECK_CONTAINS(diag, "small-v2.lr:6:14: error");
    CHECK_CONTAINS(diag, "^");
    lr_free(diag);
    CHECK(lr_holder_version(h) == 1);
    lr_policy* cur = lr_holder_get(h);
    out = lr_evaluate_json(cur, one_record, strlen(one_record), now_micros, NULL);
    CHECK_STR(out, expected_v1);
    lr_free(out);
    lr_policy_free(cur);
  }
  /* a missing file: 0, the old version stays */
  diag = NULL;
  CHECK(lr_holder_reload_file(h, "/nonexistent/policy.lr", &diag) == 0);
  CHECK(diag != NULL);
  lr_free(diag);
  CHECK(lr_holder_version(h) == 1);

  /* a good version: swapped; the handle taken before stays on version 1 */
  diag = (char*)1;
  CHECK(lr_holder_reload(h, small_v2, strlen(small_v2), "small.lr", &diag) == 1);
  CHECK(diag == NULL);
  CHECK(lr_holder_version(h) == 2);
  lr_policy* v2 = lr_holder_get(h);
  out = lr_evaluate_json(v2, one_record, strlen(one_record), now_micros, NULL);
  CHECK_STR(out, expected_v2);
  lr_free(out);
  out = lr_evaluate_json(v1, one_record, strlen(one_record), now_micros, NULL);
  CHECK_STR(out, expected_v1);
  lr_free(out);
  CHECK(strcmp(lr_policy_fingerprint(v1), lr_policy_fingerprint(v2)) != 0);
  lr_policy_free(v1);
  lr_holder_free(h);
  /* the handle outlives the holder */
  out = lr_evaluate_json(v2, one_record, strlen(one_record), now_micros, NULL);
  CHECK_STR(out, expected_v2);
  lr_free(out);
  lr_policy_free(v2);
}

static void test_file_and_misc(const char* source_dir) {
  char path[2048];
  snprintf(path, sizeof path, "%s/examples/pardot/policy.lr", source_dir);
  char* diag = NULL;
  lr_policy* p = lr_compile_file(path, &diag);
  CHECK(p != NULL);
  if (p) {
    CHECK_STR(lr_policy_name(p), "Pardot-style scoring and grading");
    char* report = NULL;
    CHECK(lr_run_tests(p, &report) == 0);
    CHECK_CONTAINS(report, "9 passed, 0 failed");
    lr_free(report);
    lr_policy_free(p);
  } else {
    fprintf(stderr, "%s\n", diag ? diag : "");
  }
  lr_free(diag);

  int64_t t = 0;
  CHECK(lr_parse_time("2026-11-22T00:00:00Z", &t) == 1);
  CHECK(t == INT64_C(1795305600000000));
  CHECK(lr_parse_time("2026-11-22", &t) == 1);
  CHECK(t == INT64_C(1795305600000000));
  CHECK(lr_parse_time("2026-11-22T09:00:00+09:00", &t) == 1);
  CHECK(t == INT64_C(1795305600000000));
  CHECK(lr_parse_time("yesterday", &t) == 0);
  CHECK(lr_parse_time(NULL, &t) == 0);
  CHECK(lr_now() > INT64_C(1700000000000000));
  CHECK_STR(lr_version(), LEADRULES_EXPECTED_VERSION);

  lr_free(NULL);
  lr_policy_free(NULL);
  lr_holder_free(NULL);
  CHECK(lr_policy_ref(NULL) == NULL);
  CHECK(lr_holder_new(NULL) == NULL);
  CHECK(lr_holder_get(NULL) == NULL);
  CHECK(lr_holder_version(NULL) == 0);
}

/* Set files are read from the policy's folder and below, and from the allowed directories only. */
static void test_set_paths(const char* source_dir) {
  char policy[2048], dir[1024];
  snprintf(dir, sizeof dir, "%s/examples/agency", source_dir);
  snprintf(policy, sizeof policy,
           "schema prospect {\n  id: string\n  account: string?\n}\n"
           "set named = file(\"%s/priority_accounts.txt\")\n"
           "segment named_account when account in named\n",
           dir);
  char* diag = NULL;
  lr_policy* p = lr_compile_allowing(policy, strlen(policy), NULL, "interp", NULL, NULL, &diag);
  CHECK(p == NULL); /* "<policy>" has no folder: nothing is allowed */
  CHECK_CONTAINS(diag, "is not in an allowed directory");
  CHECK_CONTAINS(diag, "--allow-path DIR");
  lr_free(diag);
  const char* allowed[] = {dir, NULL};
  p = lr_compile_allowing(policy, strlen(policy), NULL, "interp", NULL, allowed, &diag);
  CHECK(p != NULL);
  CHECK(diag == NULL);
  lr_policy_free(p);
}

int main(int argc, char** argv) {
  const char* source_dir = argc > 1 ? argv[1] : LEADRULES_SOURCE_DIR;
  snprintf(small_v1, sizeof small_v1, small_policy_format, 25);
  snprintf(small_v2, sizeof small_v2, small_policy_format, 45);
  if (!lr_parse_time("2026-11-22T00:00:00Z", &now_micros)) {
    fprintf(stderr, "lr_parse_time failed\n");
    return 1;
  }

  test_compile_errors();
  test_evaluate_json("jit");
  test_evaluate_json("interp");
  test_holder();
  test_file_and_misc(source_dir);
  test_set_paths(source_dir);

  if (failures) {
    fprintf(stderr, "capi_test: %d of %d checks failed\n", failures, checks);
    return 1;
  }
  printf("capi_test: all %d checks passed\n", checks);
  return 0;
}
