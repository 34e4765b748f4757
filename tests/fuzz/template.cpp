// Fuzz target: template interpolation in action arguments and `set` values. The input is the
// body of a template string ("Hi {first_name|there}") put into a rule of the fixed policy; when
// that compiles, it is rendered for prospects with every field present, and with all missing.
// Property: a body of printable ASCII without braces, quotes or backslashes renders as itself.
#include <algorithm>

#include "fuzz_common.hpp"

namespace {

// Two prospects: every field and activity field set, and only the required ones.
constexpr char kProspects[] =
    R"({"id":"p1","account":"a","email":"ana@gmail.com","first_name":"Ana","employees":1200,)"
    R"("Annual Revenue":3.5,"active":true,"signed_up":"2026-11-01","trial":"14d","rating":"B+",)"
    R"("tags":["vip","x"],"status":"Lead","activities":[{"type":"form","at":"2026-11-21T10:00:00Z",)"
    R"("page":"/pricing","seconds":40,"mobile":true,"due":"2026-12-01","wait":"48h","tier":"A-",)"
    R"("topics":["demo"]},{"type":"download","at":"2026-11-20"}],"fired":{"Jump":{"count":1}}})"
    "\n"
    R"({"id":"p2","account":"a","email":"bob"})"
    "\n";

bool plain(std::string_view body) {
  return std::none_of(body.begin(), body.end(), [](char c) {
    return c == '{' || c == '}' || c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20 ||
           static_cast<unsigned char>(c) >= 0x7f;
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
  using namespace leadrules;
  std::string_view body = fuzz::as_text(data, size);
  std::string text = fuzz::fixed_policy_text();
  text += "\nrule \"Fuzz\" always when true do notify(\"owner\", \"";
  text += body;
  text += "\"), set first_name = \"";
  text += body;
  text += "\"\n";
  auto compiled = Policy::compile(text, "template.lr", {.engine = Engine::interp});
  if (!compiled) {
    if (plain(body)) fuzz::fail("a plain template body does not compile:\n" + compiled.rendered());
    return 0;
  }
  Policy const& policy = *compiled.policy;
  LoadResult read = policy.read_jsonl(kProspects, "template.jsonl");
  if (!read) fuzz::fail("the template target's prospects do not read: " + read.errors.at(0).message());
  auto results = policy.evaluate(*read.batch, {.now = fuzz::kNow});
  (void)results.to_jsonl();
  for (size_t row = 0; row < results.size(); ++row) {
    Result r = results[row];
    auto notify =
        std::find_if(r.actions.begin(), r.actions.end(), [](Action const& a) { return a.rule == "Fuzz"; });
    if (notify == r.actions.end() || notify->args.size() != 2) fuzz::fail("the rule \"Fuzz\" did not notify");
    if (plain(body) && notify->args[1] != body)
      fuzz::fail("a plain template body rendered as \"" + notify->args[1] + "\"");
  }
  return 0;
}
