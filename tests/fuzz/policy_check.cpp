// Fuzz target: policy text -> parse + check (check_policy, `leadrules check`: the plan for the
// interpreter) and, when it checks, the policy's own `test` blocks on the interpreter.
// Diagnostics are rendered too (carets under any bytes).
#include "fuzz_common.hpp"

// Set files are looked up next to the origin: a folder that does not exist keeps the fuzzer
// from reading the working directory's files.
static constexpr char kOrigin[] = "/nonexistent-fuzz-dir/policy.lr";

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
  using namespace leadrules;
  CompileResult checked = check_policy(fuzz::as_text(data, size), kOrigin);
  (void)checked.rendered();
  if (checked) {
    (void)checked.policy->summary();
    for (auto const& outcome : checked.policy->run_tests()) (void)outcome.failures.size();
  }
  return 0;
}
