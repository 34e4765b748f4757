// leadrules_bench: the benchmark of /work/shared/bench (policy.lr on gen.py's data).
//
//   leadrules_bench [--input prospects.jsonl] [--prospects N] [--threads T] [--repeat R]
//                   [--policy FILE] [--mismatch-out FILE] [--engines baseline,jit,interp]
//
// Loads the data once (runtime::read_input), compiles the policy (parse + check, then the JIT
// cold and warm from the object cache), then times on the same in-memory batch, in one run: the
// hand-written baseline (bench/baseline.cpp), the JIT and the interpreter on one thread, then on
// T threads. Each timing is the best of R repeats (a run over 5 s is not repeated). It verifies
// that the baseline, the JIT and the interpreter agree on every prospect (total, block scores,
// grade, segments, fired rules) and exits 1 on the first mismatch (printed); it never fails on a
// time. Without --input it generates N prospects (default 200000) with gen.py --seed 1 in a
// temporary directory. Evaluation time: now = 2026-11-22T00:00:00Z.
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "bench/baseline.hpp"
#include "compiler/checker/checker.hpp"
#include "api/engines.hpp"
#include "leadrules/diagnostic.hpp"
#include "runtime/interp/interpreter.hpp"
#include "runtime/data/readers.hpp"
#include "stdlib/time.hpp"

#ifndef LEADRULES_BENCH_DIR
#define LEADRULES_BENCH_DIR "/work/shared/bench"
#endif

namespace fs = std::filesystem;
using namespace leadrules;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
// CPU time of the whole process (every thread), seconds: on a shared machine, what a run used.
double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

constexpr char const* kNow = "2026-11-22T00:00:00Z";
constexpr double kNoRepeatSeconds = 5.0;

struct Args {
  std::string input;
  size_t prospects = 200000;
  unsigned threads = 0;
  int repeat = 3;
  std::string policy = LEADRULES_BENCH_DIR "/policy.lr";
  std::string generator = LEADRULES_BENCH_DIR "/gen.py";
  std::string mismatch_out;
  bool run_jit = true, run_interp = true;   // --engines (the baseline always runs: it is the reference)
};

[[noreturn]] void usage(std::string const& why) {
  if (!why.empty()) fmt::print(stderr, "leadrules_bench: {}\n", why);
  fmt::print(stderr,
             "usage: leadrules_bench [--input prospects.jsonl] [--prospects N] [--threads T] [--repeat R]\n"
             "                       [--policy FILE] [--mismatch-out FILE] [--engines baseline,jit,interp]\n");
  std::exit(2);
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(k + " needs a value");
      return argv[++i];
    };
    auto number = [&](long lo) -> long {
      std::string v = value();
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end || n < lo) usage(fmt::format("{}: expected a whole number >= {}, got \"{}\"", k, lo, v));
      return n;
    };
    if (k == "--input") a.input = value();
    else if (k == "--prospects") a.prospects = size_t(number(1));
    else if (k == "--threads") a.threads = unsigned(number(1));
    else if (k == "--repeat") a.repeat = int(number(1));
    else if (k == "--policy") a.policy = value();
    else if (k == "--mismatch-out") a.mismatch_out = value();
    else if (k == "--engines") {
      std::string v = "," + value() + ",";
      a.run_jit = v.find(",jit,") != std::string::npos;
      a.run_interp = v.find(",interp,") != std::string::npos;
    }
    else if (k == "--help" || k == "-h") usage("");
    else usage("unknown option " + k);
  }
  if (a.threads == 0) a.threads = std::max(1u, std::thread::hardware_concurrency());
  return a;
}

std::string make_temp_dir(char const* stem) {
  std::string tmpl = (fs::temp_directory_path() / (std::string(stem) + ".XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a temporary directory");
  return tmpl;
}

std::string human(double x) {
  if (x >= 1e9) return fmt::format("{:.2f}G", x / 1e9);
  if (x >= 1e6) return fmt::format("{:.2f}M", x / 1e6);
  if (x >= 1e3) return fmt::format("{:.1f}k", x / 1e3);
  return fmt::format("{:.0f}", x);
}

// ---- comparison -------------------------------------------------------------------------------

// What the benchmark compares, whatever the engine.
struct Outcome {
  double total = 0;
  std::vector<double> blocks;
  int grade = 0;
  uint32_t segments = 0;
  uint32_t fired = 0;
};

Outcome from_baseline(bench::BaselineResults const& b, size_t row) {
  return {b.total[row], {b.blocks[0][row], b.blocks[1][row]}, b.grade[row], b.segments[row], b.fired[row]};
}

Outcome from_engine(runtime::ProspectResult const& r) {
  Outcome o{r.total, r.blocks, r.grade, 0, 0};
  for (size_t s = 0; s < r.segments.size(); ++s)
    if (r.segments[s]) o.segments |= 1u << s;
  for (int32_t x : r.fired) o.fired |= 1u << x;
  return o;
}

bool same_double(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }   // bit for bit

std::string describe(Outcome const& o, plan::Plan const& p) {
  std::string s = fmt::format("total {}", o.total);
  for (size_t b = 0; b < o.blocks.size() && b < p.blocks.size(); ++b) s += fmt::format(", {} {}", p.blocks[b].name, o.blocks[b]);
  s += fmt::format(", grade {}", plan::grade_name(o.grade));
  s += ", segments [";
  bool first = true;
  for (size_t x = 0; x < p.segments.size(); ++x)
    if (o.segments >> x & 1) s += fmt::format("{}{}", std::exchange(first, false) ? "" : " ", p.segments[x].name);
  s += "], fired [";
  first = true;
  for (size_t x = 0; x < p.rules.size(); ++x)
    if (o.fired >> x & 1) s += fmt::format("{}\"{}\"", std::exchange(first, false) ? "" : ", ", p.rules[x].name);
  return s + "]";
}

std::optional<std::string> first_difference(Outcome const& a, Outcome const& b, plan::Plan const& p) {
  if (!same_double(a.total, b.total)) return fmt::format("total {} vs {}", a.total, b.total);
  if (a.blocks.size() != b.blocks.size()) return fmt::format("{} vs {} blocks", a.blocks.size(), b.blocks.size());
  for (size_t x = 0; x < a.blocks.size(); ++x)
    if (!same_double(a.blocks[x], b.blocks[x]))
      return fmt::format("score {} {} vs {}", p.blocks[x].name, a.blocks[x], b.blocks[x]);
  if (a.grade != b.grade) return fmt::format("grade {} vs {}", plan::grade_name(a.grade), plan::grade_name(b.grade));
  for (size_t x = 0; x < p.segments.size(); ++x)
    if ((a.segments ^ b.segments) >> x & 1)
      return fmt::format("segment {} {} vs {}", p.segments[x].name, a.segments >> x & 1, b.segments >> x & 1);
  for (size_t x = 0; x < p.rules.size(); ++x)
    if ((a.fired ^ b.fired) >> x & 1)
      return fmt::format("rule \"{}\" fired {} vs {}", p.rules[x].name, a.fired >> x & 1, b.fired >> x & 1);
  return std::nullopt;
}

struct Mismatch {
  std::string engine;
  unsigned threads = 1;
  size_t row = 0;
  std::string what;
  Outcome baseline, engine_outcome;
};

// What Engine::evaluate returns: one ProspectResult per row, or the columnar runtime::Results.
using EvalResult = decltype(std::declval<runtime::Engine const&>().evaluate(std::declval<runtime::Batch const&>(),
                                                                             std::declval<runtime::EvalOptions const&>()));

template <class R>
size_t rows_of(R const& res) {
  if constexpr (requires { res.rows; }) return res.rows;
  else return res.size();
}

template <class R>
Outcome outcome_at(R const& res, size_t row) {
  if constexpr (requires { res.n_blocks; }) {   // columnar results
    Outcome o;
    o.total = res.total[row];
    o.blocks.assign(res.blocks.begin() + std::ptrdiff_t(row * res.n_blocks),
                    res.blocks.begin() + std::ptrdiff_t((row + 1) * res.n_blocks));
    o.grade = res.grade[row];
    for (size_t s = 0; s < res.n_segments; ++s)
      if (res.segments[row * res.n_segments + s]) o.segments |= 1u << s;
    for (size_t x = 0; x < res.n_rules; ++x)
      if (res.fired[row * res.n_rules + x]) o.fired |= 1u << x;
    return o;
  } else {
    return from_engine(res[row]);
  }
}

std::optional<Mismatch> verify(bench::BaselineResults const& base, EvalResult const& res, plan::Plan const& p,
                               std::string const& engine, unsigned threads) {
  if (rows_of(res) != base.total.size()) {
    Mismatch m;
    m.engine = engine;
    m.threads = threads;
    m.row = SIZE_MAX;
    m.what = fmt::format("{} results for {} prospects", rows_of(res), base.total.size());
    return m;
  }
  for (size_t r = 0; r < base.total.size(); ++r) {
    Outcome b = from_baseline(base, r), e = outcome_at(res, r);
    if (auto d = first_difference(b, e, p)) return Mismatch{engine, threads, r, "baseline vs " + engine + ": " + *d, b, e};
  }
  return std::nullopt;
}

// The input lines of a prospect and of its colleagues (same account), for a reproducer.
void write_reproducer(std::string const& input, runtime::Batch const& batch, plan::Plan const& p, size_t row,
                      std::string const& out) {
  std::set<uint32_t> lines{batch.source_lines[row]};
  int32_t af = p.schema.account_field;
  if (af >= 0) {
    auto const& col = batch.fields[size_t(af)];
    if (col.is_present(row))
      for (size_t r = 0; r < batch.rows; ++r)
        if (col.is_present(r) && col.codes[r] == col.codes[row]) lines.insert(batch.source_lines[r]);
  }
  std::ifstream in(input);
  std::ofstream o(out);
  std::string line;
  for (uint32_t n = 1; std::getline(in, line); ++n)
    if (lines.count(n)) o << line << '\n';
  fmt::print("  reproducer: {} ({} lines: the prospect and its colleagues); run with --now {}\n", out, lines.size(), kNow);
}

// ---- timing -----------------------------------------------------------------------------------

struct Timing {
  std::string engine;
  unsigned threads = 1;
  double seconds = 0;       // wall, best run
  double cpu = 0;           // process CPU seconds of that run
  int runs = 0;
};

// Best of `repeat` runs of fn(first_run); a run longer than kNoRepeatSeconds is not repeated.
// `release` runs after each timed run, outside the timing (to free the results).
Timing best_of(std::string engine, unsigned threads, int repeat, std::function<void(bool)> const& fn,
               std::function<void()> const& release = {}) {
  Timing t{std::move(engine), threads, 0, 0, 0};
  for (int i = 0; i < repeat; ++i) {
    double c0 = cpu_seconds();
    auto t0 = Clock::now();
    fn(i == 0);
    double s = seconds_since(t0);
    double c = cpu_seconds() - c0;
    if (release) release();
    if (i == 0 || s < t.seconds) {
      t.seconds = s;
      t.cpu = c;
    }
    ++t.runs;
    if (s > kNoRepeatSeconds) break;
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) try {
  Args args = parse_args(argc, argv);
  int64_t now = *stdlib::parse_time(kNow);
  struct TempDirs {   // removed however main ends (also on an exception)
    std::vector<std::string> dirs;
    ~TempDirs() {
      std::error_code ec;
      for (auto const& d : dirs) fs::remove_all(d, ec);
    }
  } temps;
  auto& temp_dirs = temps.dirs;

  // ---- data
  std::string input = args.input;
  if (input.empty()) {
    std::string dir = make_temp_dir("leadrules_bench");
    temp_dirs.push_back(dir);
    std::string cmd = fmt::format("python3 '{}' --prospects {} --seed 1 --format jsonl --out-dir '{}'", args.generator,
                                  args.prospects, dir);
    fmt::print("generating: {}\n", cmd);
    std::fflush(stdout);
    auto t0 = Clock::now();
    int rc = std::system(cmd.c_str());
    if (rc != 0) {
      fmt::print(stderr, "leadrules_bench: the generator failed (status {})\n", rc);
      return 2;
    }
    fmt::print("generated in {:.2f} s\n", seconds_since(t0));
    input = dir + "/prospects.jsonl";
  }

  // ---- policy: parse + check, then the JIT cold and warm
  Diagnostics diags;
  auto t0 = Clock::now();
  auto plan = compile_policy_file(args.policy, diags);
  double check_s = seconds_since(t0);
  if (!plan) {
    fmt::print(stderr, "{}", render(diags));
    return 2;
  }

  fmt::print("policy {}: parse + check {:.1f} ms ({} plan nodes)\n", args.policy, check_s * 1e3, plan->nodes.size());
  std::unique_ptr<runtime::Engine> engine;
  if (args.run_jit) {
    jit::CompileStats cold_stats, warm_stats;
    t0 = Clock::now();
    engine = api::make_jit(plan, {}, &cold_stats);
    double cold_s = seconds_since(t0);

    std::string cache_dir = make_temp_dir("leadrules_bench_cache");
    temp_dirs.push_back(cache_dir);
    jit::ObjectOptions cached;
    cached.cache_dir = cache_dir;
    api::make_jit(plan, cached);   // fills the cache
    t0 = Clock::now();
    auto warm_engine = api::make_jit(plan, cached, &warm_stats);
    double warm_s = seconds_since(t0);
    warm_engine.reset();

    fmt::print("jit compile cold (no cache): {:.1f} ms (O{}: generate {:.1f}, optimize {:.1f}, codegen {:.1f}, link {:.1f} ms)\n",
               cold_s * 1e3, cold_stats.opt_level, cold_stats.generate_ms, cold_stats.optimize_ms,
               cold_stats.codegen_ms, cold_stats.link_ms);
    fmt::print("jit compile warm (object cache{}): {:.1f} ms (link {:.1f} ms)\n",
               warm_stats.from_cache ? "" : " NOT USED", warm_s * 1e3, warm_stats.link_ms);
  }

  // ---- load
  runtime::ReadOptions ro;
  ro.prospects = input;
  t0 = Clock::now();
  runtime::ReadResult rr = runtime::read_input(*plan, ro);
  double load_s = seconds_since(t0);
  runtime::Batch const& batch = rr.batch;
  size_t rows = batch.rows, acts = batch.activity_count();
  fmt::print("load {}: {} prospects, {} activities, {:.1f} MB in {:.3f} s ({}/s prospects, {:.0f} MB/s)\n", input, rows,
             acts, double(rr.bytes) / 1e6, load_s, human(double(rows) / load_s), double(rr.bytes) / 1e6 / load_s);
  fmt::print("now {}; {} repeat(s), best taken; {} threads\n\n", kNow, args.repeat, args.threads);
  std::fflush(stdout);

  // ---- evaluate
  bench::Baseline baseline(*plan);
  runtime::Interpreter interp(plan);
  std::vector<Timing> timings;
  std::optional<Mismatch> mismatch;
  bench::BaselineResults base;   // the single-thread baseline: the reference of the comparison

  auto run_baseline = [&](unsigned threads) {
    bench::BaselineResults out;
    timings.push_back(best_of("baseline", threads, args.repeat, [&](bool first) {
      baseline.evaluate(batch, now, first && threads == 1 ? base : out, threads);
    }));
    if (threads != 1 && !mismatch) {   // the threaded baseline must agree with itself
      for (size_t r = 0; r < rows; ++r)
        if (auto d = first_difference(from_baseline(base, r), from_baseline(out, r), *plan)) {
          mismatch = Mismatch{"baseline", threads, r, "baseline vs threaded baseline: " + *d, from_baseline(base, r),
                              from_baseline(out, r)};
          break;
        }
    }
  };
  auto run_engine = [&](runtime::Engine const& e, std::string const& name, unsigned threads) {
    EvalResult kept, res;
    timings.push_back(best_of(
        name, threads, args.repeat,
        [&](bool first) { (first ? kept : res) = e.evaluate(batch, {now, false, threads}); },
        [&] { res = EvalResult(); }));   // freed outside the timing
    if (!mismatch) mismatch = verify(base, kept, *plan, name, threads);
  };

  run_baseline(1);
  if (args.run_jit) run_engine(*engine, "jit", 1);
  if (args.run_interp) run_engine(interp, "interp", 1);
  if (args.threads > 1) {
    run_baseline(args.threads);
    if (args.run_jit) run_engine(*engine, "jit", args.threads);
    if (args.run_interp) run_engine(interp, "interp", args.threads);
  }

  // ---- the table
  auto find = [&](std::string const& e, unsigned th) -> Timing const* {
    for (auto const& t : timings)
      if (t.engine == e && t.threads == th) return &t;
    return nullptr;
  };
  fmt::print("{:<9} {:>7} {:>9} {:>8} {:>4} {:>12} {:>13} {:>11} {:>11} {:>9}\n", "engine", "threads", "seconds",
             "cpu s", "runs", "prospects/s", "activities/s", "vs baseline", "jit/interp", "speed-up");
  for (auto const& t : timings) {
    Timing const* b = find("baseline", t.threads);
    std::string vs_base = b ? fmt::format("{:.3f}x", b->seconds / t.seconds) : "-";
    std::string ji = "-";
    if (t.engine == "jit")
      if (auto const* i = find("interp", t.threads)) ji = fmt::format("{:.1f}x", i->seconds / t.seconds);
    std::string up = "-";
    if (t.threads > 1)
      if (auto const* one = find(t.engine, 1)) up = fmt::format("{:.2f}x", one->seconds / t.seconds);
    fmt::print("{:<9} {:>7} {:>9.4f} {:>8.4f} {:>4} {:>12} {:>13} {:>11} {:>11} {:>9}\n", t.engine, t.threads, t.seconds,
               t.cpu, t.runs, human(double(rows) / t.seconds), human(double(acts) / t.seconds), vs_base, ji, up);
  }
  fmt::print("(seconds = wall time of the best run, cpu s = process CPU time of that run; rates from wall time;\n"
             " vs baseline = baseline seconds / engine seconds at the same thread count, 1 = the speed of light;\n"
             " jit/interp = interpreter seconds / JIT seconds; speed-up = 1-thread seconds / T-thread seconds)\n\n");

  // ---- agreement
  if (mismatch) {
    auto const& m = *mismatch;
    fmt::print("MISMATCH ({}, {} thread(s)): {}\n", m.engine, m.threads, m.what);
    if (m.row < rows) {
      fmt::print("  prospect {} (row {}, input line {})\n", batch.id(m.row, plan->schema), m.row, batch.source_lines[m.row]);
      fmt::print("  baseline: {}\n", describe(m.baseline, *plan));
      fmt::print("  {:<8}: {}\n", m.engine, describe(m.engine_outcome, *plan));
      auto one = interp.evaluate_row(batch, m.row, {now, false, 1});
      fmt::print("  interp (evaluate_row): {}\n", describe(from_engine(one), *plan));
      if (engine) {
        auto onej = engine->evaluate_row(batch, m.row, {now, false, 1});
        fmt::print("  jit (evaluate_row):    {}\n", describe(from_engine(onej), *plan));
      }
      if (!args.mismatch_out.empty()) write_reproducer(input, batch, *plan, m.row, args.mismatch_out);
    }
    return 1;
  }
  fmt::print("agreement: baseline{}{} agree on all {} prospects (total, blocks, grade, segments, fired)\n",
             args.run_jit ? ", jit" : "", args.run_interp ? ", interp" : "", rows);
  return 0;
} catch (runtime::DataError const& e) {
  fmt::print(stderr, "leadrules_bench: data error: {}:{}: {}: {}\n", e.file, e.line, e.field, e.reason);
  return 2;
} catch (std::exception const& e) {
  fmt::print(stderr, "leadrules_bench: {}\n", e.what());
  return 2;
}
