// Fuzz target: the formatter round-trip as a property. For a policy that compiles, `fmt`'s text
// must compile to the same plan (same fingerprint), and formatting it again must change nothing.
#include "fuzz_common.hpp"

static constexpr char kOrigin[] = "/nonexistent-fuzz-dir/policy.lr";

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
  using namespace leadrules;
  std::string_view text = fuzz::as_text(data, size);
  FormatResult formatted = format_policy(text, kOrigin);
  if (!formatted.text) return 0;  // a syntax error: nothing to compare
  auto before = Policy::compile(text, kOrigin, {.engine = Engine::interp});
  if (!before) return 0;
  auto after = Policy::compile(*formatted.text, kOrigin, {.engine = Engine::interp});
  if (!after)
    fuzz::fail("the formatted policy does not compile:\n" + after.rendered() + "\n--- formatted:\n" +
               *formatted.text);
  if (before.policy->fingerprint() != after.policy->fingerprint())
    fuzz::fail("formatting changed the plan; formatted:\n" + *formatted.text);
  FormatResult again = format_policy(*formatted.text, kOrigin);
  if (!again.text || *again.text != *formatted.text)
    fuzz::fail("formatting is not idempotent; first:\n" + *formatted.text + "\n--- second:\n" +
               again.text.value_or("(syntax error)"));
  return 0;
}
