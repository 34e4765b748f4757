// Fuzz target: CSV prospects + activities -> the reader, with the fixed policy's schema. The
// input is split at the first 0x1E (ASCII record separator): prospects before it, activities
// after it (none when it is absent). Strict and keep-going; what it reads is evaluated.
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
  using namespace leadrules;
  Policy const& policy = fuzz::fixed_policy();
  std::string_view text = fuzz::as_text(data, size);
  size_t cut = text.find('\x1e');
  std::string_view prospects = text.substr(0, cut);
  std::string_view activities = cut == std::string_view::npos ? std::string_view{} : text.substr(cut + 1);
  for (bool keep_going : {false, true}) {
    LoadResult read = policy.read_csv(prospects, activities, "fuzz.csv", keep_going);
    for (auto const& e : read.errors) (void)e.json(), (void)e.message();
    if (!read) continue;
    for (auto const& e : read.batch->rejects()) (void)e.json(), (void)e.message();
    if (!keep_going) continue;  // a strict read that succeeds reads what keep-going reads
    auto results = policy.evaluate(*read.batch, {.now = fuzz::kNow});
    (void)results.to_jsonl();
    (void)results.to_csv({"revenue", "rating"});
  }
  return 0;
}
