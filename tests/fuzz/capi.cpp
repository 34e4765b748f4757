// Fuzz target: the C API's lr_evaluate_json (one JSON record) on the fixed policy, through both
// engines: the JIT must answer exactly what the interpreter answers, result or error.
#include <cstring>
#include <string>

#include "fuzz_common.hpp"
#include "leadrules/leadrules.h"

namespace {

lr_policy* compile(char const* engine) {
  std::string const& text = leadrules::fuzz::fixed_policy_text();
  char* diagnostics = nullptr;
  lr_policy* p = lr_compile_with(text.data(), text.size(), "fixed_policy.lr", engine, nullptr, &diagnostics);
  if (!p) leadrules::fuzz::fail(std::string("fixed_policy.lr: ") + (diagnostics ? diagnostics : "?"));
  lr_free(diagnostics);
  return p;
}

// The result, or "error: " and the message.
std::string evaluate(lr_policy* policy, char const* data, size_t size) {
  char* error = nullptr;
  char* out = lr_evaluate_json(policy, data, size, leadrules::fuzz::kNow, &error);
  std::string text = out ? std::string(out) : "error: " + std::string(error ? error : "(no message)");
  if (!out && !error) leadrules::fuzz::fail("lr_evaluate_json failed without a message");
  lr_free(out);
  lr_free(error);
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
  static lr_policy* const interp = compile("interp");
  static lr_policy* const jit = compile("jit");
  auto const* record = reinterpret_cast<char const*>(data);
  std::string by_interp = evaluate(interp, record, size);
  std::string by_jit = evaluate(jit, record, size);
  if (by_interp != by_jit)
    leadrules::fuzz::fail("the engines disagree:\ninterp: " + by_interp + "\njit:    " + by_jit);
  return 0;
}
