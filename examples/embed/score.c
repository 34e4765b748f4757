/* score: compile a policy and score one prospect given as a JSON object, through the C API.
 *
 *   score POLICY.lr ['{"id":"p1","email":"ana@acme.example",...}'] [--now TIME]
 *   score RULESET.so ...      a rule set made by `leadrules compile POLICY --shared RULESET.so`
 *
 * Built as score_runtime it links libleadrules-runtime (no LLVM, no compiler): rule sets only.
 * Without a record it scores a built-in example prospect (for examples/pardot/policy.lr).
 * Prints the result object as `leadrules run` writes it. Exit 1 on a policy error, 2 on a data
 * error. Build: see CMakeLists.txt here, or
 *   cc score.c $(pkg-config --cflags --libs leadrules) -o score
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leadrules/leadrules.h>

static const char* example =
    "{\"id\":\"p-100\",\"email\":\"ken.sato@initech.example\",\"first_name\":\"Ken\",\"company\":\"Initech\","
    "\"title\":\"Director of Marketing\",\"industry\":\"SaaS\",\"employees\":1200,\"country\":\"JP\","
    "\"activities\":[{\"type\":\"visit\",\"at\":\"2026-11-20T09:00:00Z\",\"page\":\"/pricing\"},"
    "{\"type\":\"form\",\"at\":\"2026-11-20T09:05:00Z\",\"form\":\"demo\"}]}";

int main(int argc, char** argv) {
  const char *policy_path = NULL, *record = NULL, *now_text = "2026-11-22T00:00:00Z";
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--now") == 0 && i + 1 < argc) {
      now_text = argv[++i];
    } else if (!policy_path) {
      policy_path = argv[i];
    } else if (!record) {
      record = argv[i];
    } else {
      fprintf(stderr, "usage: score POLICY.lr [RECORD-JSON] [--now TIME]\n");
      return 2;
    }
  }
  if (!policy_path) {
    fprintf(stderr, "usage: score POLICY.lr [RECORD-JSON] [--now TIME]\n");
    return 2;
  }
  if (!record) record = example;

  int64_t now = 0;
  if (strcmp(now_text, "now") == 0) {
    now = lr_now();
  } else if (!lr_parse_time(now_text, &now)) {
    fprintf(stderr, "score: --now: not a time: %s\n", now_text);
    return 2;
  }

  char* diagnostics = NULL;
  size_t length = strlen(policy_path);
  int rule_set = length > 3 && strcmp(policy_path + length - 3, ".so") == 0;
  lr_policy* policy =
      rule_set ? lr_load_compiled(policy_path, &diagnostics) : lr_compile_file(policy_path, &diagnostics);
  if (!policy) {
    fputs(diagnostics, stderr);
    lr_free(diagnostics);
    return 1;
  }
  if (diagnostics) { /* warnings */
    fputs(diagnostics, stderr);
    lr_free(diagnostics);
  }

  char* error = NULL;
  char* result = lr_evaluate_json(policy, record, strlen(record), now, &error);
  int status = 0;
  if (!result) {
    fprintf(stderr, "score: %s\n", error);
    lr_free(error);
    status = 2;
  } else {
    puts(result);
    lr_free(result);
  }
  lr_policy_free(policy);
  return status;
}
