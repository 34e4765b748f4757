// `leadrules run`: score the input, write the results, record firings, summarise.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "leadrules/leadrules.hpp"
#include "progress.hpp"

namespace leadrules::cli {

namespace {

// How many prospects each segment (zones included) holds for and each rule fired for: the first
// question after a run. Long lists stop after kShown entries.
void print_outcome_summary(Policy const& policy, Results const& results) {
  constexpr size_t kShown = 12;
  auto line = [](std::string_view label, std::vector<std::string> const& items) {
    std::string text;
    for (size_t i = 0; i < items.size() && i < kShown; ++i) text += (i ? " · " : "") + items[i];
    if (items.size() > kShown) text += fmt::format(" · … {} more", items.size() - kShown);
    std::cerr << fmt::format("  {:<9}{}\n", label, text);
  };
  std::vector<std::string> segments, rules;
  for (size_t s = 0; s < policy.segments().size(); ++s) {
    size_t n = 0;
    for (size_t r = 0; r < results.size(); ++r) n += results.in_segment(r, s);
    segments.push_back(fmt::format("{} {}", policy.segments()[s].name, count_text(n)));
  }
  for (size_t k = 0; k < policy.rules().size(); ++k) {
    size_t n = 0;
    for (size_t r = 0; r < results.size(); ++r) n += results.fired(r, k);
    rules.push_back(fmt::format("\"{}\" {}", policy.rules()[k], count_text(n)));
  }
  if (!segments.empty()) line("segments", segments);
  if (!rules.empty()) line("rules", rules);
}

}  // namespace

int run(Options const& o) {
  if (!o.keep.empty() && o.format != "csv") {
    std::cerr << "leadrules run: --keep passes fields through to CSV; add --format csv\n";
    return 2;
  }
  Loaded in;
  in.policy = compile(o.policy, o);
  if (!in.policy) return 1;
  // The state is opened (and locked) before the input is read: a second run on the same file is
  // refused at once, and nobody changes the history between our load and our record.
  std::optional<FiringStore> state;
  auto state_error = [&](DataError const& e, std::string_view after) {
    std::cerr << "leadrules: " << e.reason << "; " << after << "\n";
    return 2;
  };
  if (!o.state.empty()) {
    DataError error;
    state = FiringStore::open(o.state, &error,
                              o.dry_run ? FiringStore::Mode::read_only : FiringStore::Mode::read_write);
    if (!state) return state_error(error, "nothing was written");
  }
  if (int rc = load(o, in)) return rc;
  auto const& policy = *in.policy;
  auto& batch = *in.batch;
  if (state)
    if (auto e = state->load(policy, batch)) return state_error(*e, "nothing was written");
  auto t0 = Clock::now();
  unsigned threads = thread_count(o);
  in.progress->phase(fmt::format("scoring {} prospects on {} thread{}", count_text(batch.size()), threads,
                                 threads == 1 ? "" : "s"));
  auto results = policy.evaluate(batch, {.now = in.now, .explain = o.explain, .threads = threads});
  double eval_seconds = seconds_since(t0);

  // The results go out piece by piece (never all in memory at once); a file is written whole
  // or not at all (OutputFile: renamed into place at commit).
  in.progress->phase(fmt::format("writing {} results", count_text(results.size())));
  auto write = [&](std::function<void(std::string_view)> const& sink) {
    if (o.format == "csv")
      results.write_csv(sink, o.keep);
    else
      results.write_jsonl(sink, o.explain);
  };
  if (!o.rejects.empty()) write_rejects(o.rejects, batch);
  if (o.output.empty() || o.output == "-") {
    in.progress->clear();  // stdout may be the same terminal
    write([](std::string_view piece) { std::cout.write(piece.data(), std::streamsize(piece.size())); });
    std::cout.flush();
  } else {
    OutputFile file(o.output);
    write([&](std::string_view piece) { file.write(piece); });
    file.commit();
    in.progress->clear();
  }
  // Outputs first, then the history: a crash in between repeats the firings on the next run
  // rather than losing them.
  if (state && !o.dry_run) {
    if (auto e = state->record(policy, batch, results, in.now))
      return state_error(*e, "the firing history is unchanged (the results were written)");
  }
  size_t read = batch.prospects_read(), rejected = read - batch.size();
  std::cerr << fmt::format(
      "leadrules: read {} prospect{} ({} activities, {:.1f} MB in {:.2f} s); scored {}, rejected {} in "
      "{:.3f} s\n",
      count_text(read), read == 1 ? "" : "s", count_text(batch.activity_count()), double(batch.bytes()) / 1e6,
      in.load_seconds, count_text(batch.size()), count_text(rejected), eval_seconds);
  print_outcome_summary(policy, results);
  if (state && o.dry_run)
    std::cerr << "  (--dry-run: the firing history in " << o.state << " is unchanged)\n";
  print_data_summary(batch, o.rejects);
  return 0;
}

}  // namespace leadrules::cli
