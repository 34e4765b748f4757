// `leadrules run`: score the input, write the results, record firings, summarise.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "leadrules/leadrules.hpp"

namespace leadrules::cli {

int run(Options const& o) {
  Loaded in;
  if (int rc = load(o, in)) return rc;
  auto const& policy = *in.policy;
  auto& batch = *in.batch;
  std::optional<FiringStore> state;
  if (!o.state.empty()) {
    DataError error;
    state = FiringStore::open(o.state, &error);
    if (!state) {
      print_data_error(error);
      return 2;
    }
    if (auto e = state->load(policy, batch)) {
      print_data_error(*e);
      return 2;
    }
  }
  auto t0 = Clock::now();
  auto results = policy.evaluate(batch, {.now = in.now, .explain = o.explain, .threads = thread_count(o)});
  double eval_seconds = seconds_since(t0);

  std::string out = o.format == "csv" ? results.to_csv() : results.to_jsonl(o.explain);
  if (!o.rejects.empty()) write_rejects(o.rejects, batch);
  if (o.output.empty() || o.output == "-") {
    std::cout.write(out.data(), std::streamsize(out.size()));
    std::cout.flush();
  } else {
    write_or_throw(o.output, out);
  }
  if (state) {
    if (auto e = state->record(policy, batch, results, in.now)) {
      print_data_error(*e);
      return 2;
    }
  }
  size_t read = batch.prospects_read(), rejected = read - batch.size();
  std::cerr << fmt::format(
      "leadrules: read {} prospect{} ({} activities, {:.1f} MB in {:.2f} s); scored {}, rejected {} in "
      "{:.3f} s\n",
      read, read == 1 ? "" : "s", batch.activity_count(), double(batch.bytes()) / 1e6, in.load_seconds,
      batch.size(), rejected, eval_seconds);
  print_data_summary(batch);
  return 0;
}

}  // namespace leadrules::cli
