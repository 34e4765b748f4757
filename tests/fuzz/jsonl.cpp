// Fuzz target: JSON Lines bytes -> the reader, with the fixed policy's schema (every field type,
// activities, "fired" histories), strict and keep-going; what the keep-going read keeps is
// evaluated, explained and written out as JSON Lines and CSV.
#include "fuzz_common.hpp"

namespace {

void evaluate(leadrules::Policy const& policy, leadrules::Batch const& batch) {
  auto results = policy.evaluate(batch, {.now = leadrules::fuzz::kNow, .explain = true});
  (void)results.to_jsonl(true);
  (void)results.to_csv({"email", "tags"});
  if (results.size() > 0) (void)results.explain(0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
  using namespace leadrules;
  Policy const& policy = fuzz::fixed_policy();
  std::string_view text = fuzz::as_text(data, size);
  for (bool keep_going : {false, true}) {
    LoadResult read = policy.read_jsonl(text, "fuzz.jsonl", keep_going);
    for (auto const& e : read.errors) (void)e.json(), (void)e.message();
    if (!read) continue;
    for (auto const& e : read.batch->rejects()) (void)e.json(), (void)e.message();
    for (auto const& w : read.batch->warnings()) (void)w.message();
    if (!keep_going && !read.batch->rejects().empty()) fuzz::fail("a strict read returned rejects");
    if (keep_going) evaluate(policy, *read.batch);  // a strict read that succeeds reads the same
  }
  return 0;
}
