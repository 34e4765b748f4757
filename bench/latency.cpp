#include "latency.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "prospects.hpp"

namespace leadrules::bench {

namespace {

using Clock = std::chrono::steady_clock;

// The prospect the section looks for (the closest there is otherwise).
constexpr size_t kLatencyActivities = 20;
constexpr size_t kLatencyColleagues = 2;

volatile double g_sink = 0;  // what the timed calls return: kept, so they are not optimised away

// Each call of fn timed alone (after `warmup` untimed calls): the sorted durations, ns.
template <class Fn>
std::vector<int64_t> time_calls(size_t calls, size_t warmup, Fn&& fn) {
  double sink = 0;
  for (size_t i = 0; i < warmup; ++i) sink += fn();
  std::vector<int64_t> ns(calls);
  for (size_t i = 0; i < calls; ++i) {
    auto t0 = Clock::now();
    sink += fn();
    auto t1 = Clock::now();
    ns[i] = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
  }
  g_sink = g_sink + sink;
  std::sort(ns.begin(), ns.end());
  return ns;
}

double percentile_us(std::vector<int64_t> const& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t i = std::min(sorted.size() - 1, size_t(q * double(sorted.size() - 1) + 0.5));
  return double(sorted[i]) / 1e3;
}

// ---- latency ----------------------------------------------------------------------------------

}  // namespace

// The single-prospect section. Returns false when (a)'s result is not the batch's.
bool run_latency(size_t calls, std::string const& input, Batch const& batch, Policy const& policy,
                 std::vector<LatencyEngine> const& engines, int64_t now) {
  // The prospect: 20 activities, two colleagues; else the closest there is.
  size_t n = batch.size();
  auto off = batch.activity_offsets();
  std::vector<uint32_t> group;  // rows per account code
  std::optional<Batch::Column> account;
  if (auto af = policy.field_index("account")) {
    account = batch.field(*af);
    group.assign(account->dictionary_size, 0);
    for (size_t r = 0; r < n; ++r)
      if (account->present[r]) ++group[account->codes[r]];
  }
  auto colleagues = [&](size_t r) -> size_t {
    return account && account->present[r] ? group[account->codes[r]] - 1 : 0;
  };
  auto distance = [&](size_t r) {
    size_t acts = off[r + 1] - off[r], c = colleagues(r);
    return (c > kLatencyColleagues ? c - kLatencyColleagues : kLatencyColleagues - c) * 1000 +
           (acts > kLatencyActivities ? acts - kLatencyActivities : kLatencyActivities - acts);
  };
  if (n == 0) {
    fmt::print("latency: no prospect in the batch\n");
    return true;
  }
  size_t row = 0;
  for (size_t r = 0; r < n; ++r) {
    if (distance(r) < distance(row)) row = r;
    if (distance(row) == 0) break;
  }
  size_t acts = off[row + 1] - off[row];
  std::vector<RecordData> records = records_of(batch, policy, row);
  size_t warmup = std::clamp<size_t>(calls / 10, 100, 10000);

  fmt::print("latency: one prospect, {} timed calls a path after {} warm-up calls, one thread; now {}\n",
             calls, warmup, format_time(now));
  fmt::print("  prospect {} (row {}, input line {}): {} activities, {} colleagues{}\n", batch.id(row), row,
             batch.line(row), acts, records.size() - 1,
             distance(row) == 0 ? ""
                                : fmt::format(" (none with {} activities and {} colleagues: the closest)",
                                              kLatencyActivities, kLatencyColleagues));

  // The prospect's JSON line, for lr_evaluate_json (JSON Lines input only).
  std::string json_line;
  bool jsonl = !input.ends_with(".csv");
  if (!jsonl) fmt::print("  (input is CSV: no JSON line for lr_evaluate_json, path (c) skipped)\n");
  if (jsonl && batch.line(row) > 0) {
    auto lines = read_lines(input, {batch.line(row)});
    if (!lines.empty()) json_line = lines.begin()->second;
  }

  struct Row {
    std::string path, engine;
    std::vector<int64_t> ns;
  };
  std::vector<Row> rows;
  bool ok = true;
  std::vector<std::string> checks;

  for (auto const& e : engines) {
    Policy const& p = *e.policy;
    Scratch scratch;

    // (a) filled once
    ProspectBuilder once(p);
    fill(once, records);
    ResultView view = p.evaluate(once, now, scratch);
    if (e.batch_results) {
      Outcome one = from_view(view, p), all = from_results(*e.batch_results, p, row);
      if (auto d = first_difference(all, one, p)) {
        ok = false;
        checks.push_back(
            fmt::format("LATENCY MISMATCH ({}): batch vs builder: {}\n  batch:   {}\n  builder: {}", e.name,
                        *d, describe(all, p), describe(one, p)));
      } else {
        std::string bj = e.batch_results->json(row), vj = view.json();
        while (!vj.empty() && vj.back() == '\n') vj.pop_back();
        while (!bj.empty() && bj.back() == '\n') bj.pop_back();
        checks.push_back(fmt::format(
            "check ({}): builder = batch for {} (score {}, grade {}){}", e.name, batch.id(row), view.score(),
            view.grade(),
            bj == vj ? ", JSON identical" : "; JSON DIFFERS:\n  batch:   " + bj + "\n  builder: " + vj));
      }
    }
    rows.push_back({"(a) builder filled once + evaluate", e.name,
                    time_calls(calls, warmup, [&] { return p.evaluate(once, now, scratch).score(); })});

    // (b) refilled per call
    ProspectBuilder builder(p);
    rows.push_back({"(b) builder refilled + evaluate", e.name, time_calls(calls, warmup, [&] {
                      fill(builder, records);
                      return p.evaluate(builder, now, scratch).score();
                    })});

    // (c) the C API on the JSON line
    if (e.c_policy && !json_line.empty()) {
      char* err = nullptr;
      char* out = lr_evaluate_json(e.c_policy, json_line.data(), json_line.size(), now, &err);
      if (!out) {
        checks.push_back(fmt::format("lr_evaluate_json ({}) failed: {}", e.name, err ? err : "?"));
        lr_free(err);
        ok = false;
        continue;
      }
      // Its result is the builder's for the prospect alone (a JSON record has no colleagues).
      ProspectBuilder alone(p);
      fill(alone, {records[0]});
      std::string aj = p.evaluate(alone, now, scratch).json();
      while (!aj.empty() && aj.back() == '\n') aj.pop_back();
      checks.push_back(
          fmt::format("check ({}): lr_evaluate_json {} the builder's result for the prospect alone{}", e.name,
                      aj == out ? "=" : "DIFFERS FROM",
                      aj == out ? "" : fmt::format(":\n  c api:   {}\n  builder: {}", out, aj)));
      lr_free(out);
      size_t failures = 0;
      rows.push_back({"(c) lr_evaluate_json + lr_free", e.name, time_calls(calls, warmup, [&] {
                        char* error = nullptr;
                        char* o =
                            lr_evaluate_json(e.c_policy, json_line.data(), json_line.size(), now, &error);
                        failures += o == nullptr;
                        double len = o ? double(std::strlen(o)) : 0;
                        lr_free(o);
                        lr_free(error);
                        return len;
                      })});
      if (failures) {
        checks.push_back(fmt::format("lr_evaluate_json ({}) failed {} times while timed", e.name, failures));
        ok = false;
      }
    }
  }

  fmt::print("{:<36} {:<7} {:>9} {:>9} {:>9} {:>9}\n", "path", "engine", "p50 us", "p90 us", "p99 us",
             "max us");
  for (auto const& r : rows)
    fmt::print("{:<36} {:<7} {:>9.2f} {:>9.2f} {:>9.2f} {:>9.2f}\n", r.path, r.engine,
               percentile_us(r.ns, 0.50), percentile_us(r.ns, 0.90), percentile_us(r.ns, 0.99),
               double(r.ns.back()) / 1e3);
  fmt::print(
      "(each call timed alone with steady_clock, the clock's own ~20-50 ns included; (a) evaluates a "
      "builder\n"
      " filled once, with the {} colleagues; (b) refills it each call: reset, {} fields, {} activities, the\n"
      " colleagues' records; (c) parses the prospect's JSON line: a single JSON record has no colleagues, "
      "so\n"
      " its result is the prospect's alone (engaged_colleagues = 0))\n",
      records.size() - 1, records[0].fields.size(), acts);
  auto find = [&](std::string_view path, std::string_view engine) -> Row const* {
    for (auto const& r : rows)
      if (r.path.starts_with(path) && r.engine == engine) return &r;
    return nullptr;
  };
  Row const* a = find("(a)", "jit");
  Row const* c = find("(c)", "jit");
  if (a || c) {
    std::string goal = "goal (one core, not a test): p99 <= 2 us through the C++ builder with the JIT";
    if (a)
      goal += fmt::format(" ({:.2f} us: {})", percentile_us(a->ns, 0.99),
                          percentile_us(a->ns, 0.99) <= 2.0 ? "met" : "NOT met");
    goal += ", <= 10 us through lr_evaluate_json";
    if (c)
      goal += fmt::format(" ({:.2f} us: {})", percentile_us(c->ns, 0.99),
                          percentile_us(c->ns, 0.99) <= 10.0 ? "met" : "NOT met");
    fmt::print("{}\n", goal);
  }
  for (auto const& line : checks) fmt::print("{}\n", line);
  return ok;
}

}  // namespace leadrules::bench
