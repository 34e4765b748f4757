// leadrules_bench: the benchmark of /work/shared/bench (policy.lr on gen.py's data).
//
//   leadrules_bench [--input prospects.jsonl] [--prospects N] [--threads T] [--repeat R]
//                   [--policy FILE] [--mismatch-out FILE] [--engines baseline,jit,interp]
//                   [--latency | --no-latency] [--latency-calls N]
//
// Uses the public API only (include/leadrules/). Compiles the policy (parse + check, then the JIT
// cold and warm from the object cache), loads the data once (Policy::read_file), then times on
// the same in-memory batch, in one run: the hand-written baseline (bench/baseline.cpp), the JIT
// and the interpreter on one thread, then on T threads. Each timing is the best of R repeats (a
// run over 5 s is not repeated). It verifies that the baseline, the JIT and the interpreter agree
// on every prospect (total, block scores, grade, segments, fired rules) and exits 1 on the first
// mismatch (printed); it never fails on a time. Without --input it generates N prospects
// (default 200000) with gen.py --seed 1 in a temporary directory. Evaluation time:
// now = 2026-11-22T00:00:00Z.
//
// Then (unless --no-latency; alone with --latency) the latency of one prospect: one with 20
// activities whose account it shares with two colleagues, evaluated --latency-calls times
// (default 100000), each call timed alone: (a) a ProspectBuilder filled once, Policy::evaluate
// per call; (b) the builder refilled per call (reset, fields, activities, colleagues), then
// evaluated: a service's path; (c) lr_evaluate_json on the prospect's JSON line (no colleagues),
// parsing included. p50, p90, p99 and max for each, JIT and interpreter. It checks that (a)'s
// score is the batch's for that prospect (exit 1 if not).
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "baseline.hpp"
#include "latency.hpp"
#include "leadrules/leadrules.h"
#include "leadrules/leadrules.hpp"
#include "prospects.hpp"

#ifndef LEADRULES_BENCH_DIR
#define LEADRULES_BENCH_DIR "/work/shared/bench"
#endif

namespace fs = std::filesystem;
using namespace leadrules;
using namespace leadrules::bench;

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
  bool run_jit = true, run_interp = true;     // --engines (the baseline always runs: it is the reference)
  bool run_batch = true, run_latency = true;  // --latency: the latency only; --no-latency: the batch only
  size_t latency_calls = 100000;
};

[[noreturn]] void usage(std::string const& why) {
  if (!why.empty()) fmt::print(stderr, "leadrules_bench: {}\n", why);
  fmt::print(stderr,
             "usage: leadrules_bench [--input prospects.jsonl] [--prospects N] [--threads T] [--repeat R]\n"
             "                       [--policy FILE] [--mismatch-out FILE] [--engines baseline,jit,interp]\n"
             "                       [--latency | --no-latency] [--latency-calls N]\n"
             "  --latency           only the single-prospect latency (no batch timings)\n"
             "  --no-latency        only the batch timings\n"
             "  --latency-calls N   timed calls per latency path (default 100000)\n");
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
      if (v.empty() || *end || n < lo)
        usage(fmt::format("{}: expected a whole number >= {}, got \"{}\"", k, lo, v));
      return n;
    };
    if (k == "--input")
      a.input = value();
    else if (k == "--prospects")
      a.prospects = size_t(number(1));
    else if (k == "--threads")
      a.threads = unsigned(number(1));
    else if (k == "--repeat")
      a.repeat = int(number(1));
    else if (k == "--policy")
      a.policy = value();
    else if (k == "--mismatch-out")
      a.mismatch_out = value();
    else if (k == "--engines") {
      std::string v = "," + value() + ",";
      a.run_jit = v.find(",jit,") != std::string::npos;
      a.run_interp = v.find(",interp,") != std::string::npos;
    } else if (k == "--latency")
      a.run_batch = false, a.run_latency = true;
    else if (k == "--no-latency")
      a.run_latency = false, a.run_batch = true;
    else if (k == "--latency-calls")
      a.latency_calls = size_t(number(1));
    else if (k == "--help" || k == "-h")
      usage("");
    else
      usage("unknown option " + k);
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

struct Mismatch {
  std::string engine;
  unsigned threads = 1;
  size_t row = 0;
  std::string what;
  Outcome baseline, engine_outcome;
};

std::optional<Mismatch> verify(bench::BaselineResults const& base, Results const& res, Policy const& p,
                               std::string const& engine, unsigned threads) {
  if (res.size() != base.total.size()) {
    Mismatch m;
    m.engine = engine;
    m.threads = threads;
    m.row = SIZE_MAX;
    m.what = fmt::format("{} results for {} prospects", res.size(), base.total.size());
    return m;
  }
  for (size_t r = 0; r < base.total.size(); ++r) {
    Outcome b = from_baseline(base, r), e = from_results(res, p, r);
    if (auto d = first_difference(b, e, p))
      return Mismatch{engine, threads, r, "baseline vs " + engine + ": " + *d, b, e};
  }
  return std::nullopt;
}

// ---- one prospect through the builder ---------------------------------------------------------

// The input lines of a prospect and of its colleagues (same account), for a reproducer.
void write_reproducer(std::string const& input, Batch const& batch, Policy const& p, size_t row,
                      std::string const& out) {
  std::set<uint32_t> lines{batch.line(row)};
  for (size_t r : colleagues_of(batch, p, row)) lines.insert(batch.line(r));
  std::ofstream o(out);
  for (auto const& [n, text] : read_lines(input, lines)) o << text << '\n';
  fmt::print("  reproducer: {} ({} lines: the prospect and its colleagues); run with --now {}\n", out,
             lines.size(), kNow);
}

// ---- timing -----------------------------------------------------------------------------------

struct Timing {
  std::string engine;
  unsigned threads = 1;
  double seconds = 0;  // wall, best run
  double cpu = 0;      // process CPU seconds of that run
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
  int64_t now = *parse_time(kNow);
  struct TempDirs {  // removed however main ends (also on an exception)
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
    std::string cmd = fmt::format("python3 '{}' --prospects {} --seed 1 --format jsonl --out-dir '{}'",
                                  args.generator, args.prospects, dir);
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

  // ---- policy: parse + check (the interpreter's compile), then the JIT cold and warm
  CompileOptions interp_options;
  interp_options.engine = Engine::interp;
  CompileResult interp_compiled = Policy::compile_file(args.policy, interp_options);
  if (!interp_compiled) {
    fmt::print(stderr, "{}", interp_compiled.rendered());
    return 2;
  }
  Policy interp = *interp_compiled.policy;
  fmt::print("policy {}: parse + check {:.1f} ms ({} plan nodes)\n", args.policy, interp.stats().check_ms,
             interp.stats().plan_nodes);

  std::optional<Policy> jit;
  std::string cache_dir;
  if (args.run_jit) {
    CompileOptions cold_options;  // engine jit, no cache, opt level by size
    CompileResult cold = Policy::compile_file(args.policy, cold_options);
    if (!cold) {
      fmt::print(stderr, "{}", cold.rendered());
      return 2;
    }
    jit = *cold.policy;
    CompileStats const& cs = jit->stats();
    if (jit->engine() != Engine::jit)
      fmt::print("note: the JIT could not take the policy: `jit` runs on {}\n{}", engine_name(jit->engine()),
                 cold.rendered());

    cache_dir = make_temp_dir("leadrules_bench_cache");
    temp_dirs.push_back(cache_dir);
    CompileOptions cached;
    cached.cache_dir = cache_dir;
    (void)Policy::compile_file(args.policy, cached);  // fills the cache
    CompileResult warm = Policy::compile_file(args.policy, cached);
    if (!warm) {
      fmt::print(stderr, "{}", warm.rendered());
      return 2;
    }
    CompileStats const& ws = warm.policy->stats();

    fmt::print(
        "jit compile cold (no cache): {:.1f} ms (O{}: generate {:.1f}, optimize {:.1f}, codegen {:.1f}, link "
        "{:.1f} ms)\n",
        cs.jit_ms, cs.opt_level, cs.generate_ms, cs.optimize_ms, cs.codegen_ms, cs.link_ms);
    fmt::print("jit compile warm (object cache{}): {:.1f} ms (link {:.1f} ms)\n",
               ws.from_cache ? "" : " NOT USED", ws.jit_ms, ws.link_ms);
  }
  Policy const& policy = jit ? *jit : interp;  // reads the data (both have the same schema)

  // ---- load
  InputOptions in;
  in.prospects = input;
  auto t0 = Clock::now();
  LoadResult loaded = policy.read_file(in);
  double load_s = seconds_since(t0);
  if (!loaded) {
    fmt::print(stderr, "leadrules_bench: data error: {}\n",
               loaded.errors.empty() ? std::string("cannot read the input") : loaded.errors[0].message());
    return 2;
  }
  Batch const& batch = *loaded.batch;
  size_t rows = batch.size(), acts = batch.activity_count();
  fmt::print("load {}: {} prospects, {} activities, {:.1f} MB in {:.3f} s ({}/s prospects, {:.0f} MB/s)\n",
             input, rows, acts, double(batch.bytes()) / 1e6, load_s, human(double(rows) / load_s),
             double(batch.bytes()) / 1e6 / load_s);
  fmt::print("now {}; {} repeat(s), best taken; {} threads\n\n", kNow, args.repeat, args.threads);
  std::fflush(stdout);

  // ---- evaluate
  std::optional<Results> jit_results, interp_results;  // one thread: the latency check's reference
  EvalOptions one_thread;
  one_thread.now = now;
  if (args.run_batch) {
    bench::Baseline baseline(policy);
    std::vector<Timing> timings;
    std::optional<Mismatch> mismatch;
    bench::BaselineResults base;  // the single-thread baseline: the reference of the comparison

    auto run_baseline = [&](unsigned threads) {
      bench::BaselineResults out;
      timings.push_back(best_of("baseline", threads, args.repeat, [&](bool first) {
        baseline.evaluate(batch, now, first && threads == 1 ? base : out, threads);
      }));
      if (threads != 1 && !mismatch) {  // the threaded baseline must agree with itself
        for (size_t r = 0; r < rows; ++r)
          if (auto d = first_difference(from_baseline(base, r), from_baseline(out, r), policy)) {
            mismatch = Mismatch{"baseline",
                                threads,
                                r,
                                "baseline vs threaded baseline: " + *d,
                                from_baseline(base, r),
                                from_baseline(out, r)};
            break;
          }
      }
    };
    auto run_engine = [&](Policy const& e, std::string const& name, unsigned threads) {
      std::optional<Results> kept, res;
      EvalOptions options;
      options.now = now;
      options.threads = threads;
      timings.push_back(best_of(
          name, threads, args.repeat, [&](bool first) { (first ? kept : res) = e.evaluate(batch, options); },
          [&] { res.reset(); }));  // freed outside the timing
      if (!mismatch) mismatch = verify(base, *kept, e, name, threads);
      if (threads == 1) (name == "jit" ? jit_results : interp_results) = std::move(kept);
    };

    run_baseline(1);
    if (args.run_jit) run_engine(*jit, "jit", 1);
    if (args.run_interp) run_engine(interp, "interp", 1);
    if (args.threads > 1) {
      run_baseline(args.threads);
      if (args.run_jit) run_engine(*jit, "jit", args.threads);
      if (args.run_interp) run_engine(interp, "interp", args.threads);
    }

    // ---- the table
    auto find = [&](std::string const& e, unsigned th) -> Timing const* {
      for (auto const& t : timings)
        if (t.engine == e && t.threads == th) return &t;
      return nullptr;
    };
    fmt::print("{:<9} {:>7} {:>9} {:>8} {:>4} {:>12} {:>13} {:>11} {:>11} {:>9}\n", "engine", "threads",
               "seconds", "cpu s", "runs", "prospects/s", "activities/s", "vs baseline", "jit/interp",
               "speed-up");
    for (auto const& t : timings) {
      Timing const* b = find("baseline", t.threads);
      std::string vs_base = b ? fmt::format("{:.3f}x", b->seconds / t.seconds) : "-";
      std::string ji = "-";
      if (t.engine == "jit")
        if (auto const* i = find("interp", t.threads)) ji = fmt::format("{:.1f}x", i->seconds / t.seconds);
      std::string up = "-";
      if (t.threads > 1)
        if (auto const* one = find(t.engine, 1)) up = fmt::format("{:.2f}x", one->seconds / t.seconds);
      fmt::print("{:<9} {:>7} {:>9.4f} {:>8.4f} {:>4} {:>12} {:>13} {:>11} {:>11} {:>9}\n", t.engine,
                 t.threads, t.seconds, t.cpu, t.runs, human(double(rows) / t.seconds),
                 human(double(acts) / t.seconds), vs_base, ji, up);
    }
    fmt::print(
        "(seconds = wall time of the best run, cpu s = process CPU time of that run; rates from wall time;\n"
        " vs baseline = baseline seconds / engine seconds at the same thread count, 1 = the speed of light;\n"
        " jit/interp = interpreter seconds / JIT seconds; speed-up = 1-thread seconds / T-thread "
        "seconds)\n\n");

    // ---- agreement
    if (mismatch) {
      auto const& m = *mismatch;
      fmt::print("MISMATCH ({}, {} thread(s)): {}\n", m.engine, m.threads, m.what);
      if (m.row < rows) {
        fmt::print("  prospect {} (row {}, input line {})\n", batch.id(m.row), m.row, batch.line(m.row));
        fmt::print("  baseline: {}\n", describe(m.baseline, policy));
        fmt::print("  {:<8}: {}\n", m.engine, describe(m.engine_outcome, policy));
        // The prospect alone with its colleagues, through the builder (no firing history: the
        // public Batch does not show it, and the baseline does not apply it).
        auto records = records_of(batch, policy, m.row);
        Scratch scratch;
        ProspectBuilder one(interp);
        fill(one, records);
        fmt::print("  interp (one prospect): {}\n",
                   describe(from_view(interp.evaluate(one, now, scratch), interp), interp));
        if (jit) {
          Scratch jit_scratch;
          fmt::print("  jit (one prospect):    {}\n",
                     describe(from_view(jit->evaluate(one, now, jit_scratch), *jit), *jit));
        }
        if (!args.mismatch_out.empty()) write_reproducer(input, batch, policy, m.row, args.mismatch_out);
      }
      return 1;
    }
    fmt::print("agreement: baseline{}{} agree on all {} prospects (total, blocks, grade, segments, fired)\n",
               args.run_jit ? ", jit" : "", args.run_interp ? ", interp" : "", rows);
  }

  // ---- one prospect at a time
  if (args.run_latency) {
    if (args.run_batch) fmt::print("\n");
    std::vector<LatencyEngine> engines;
    std::optional<std::string> text = read_file(args.policy);
    auto c_compile = [&](char const* engine) -> lr_policy* {
      if (!text) return nullptr;
      char* diag = nullptr;
      lr_policy* p = lr_compile_with(text->data(), text->size(), args.policy.c_str(), engine,
                                     cache_dir.empty() ? nullptr : cache_dir.c_str(), &diag);
      if (!p)
        fmt::print(stderr, "leadrules_bench: lr_compile_with ({}) failed:\n{}", engine, diag ? diag : "?");
      lr_free(diag);
      return p;
    };
    if (args.run_jit) {
      if (!jit_results) jit_results = jit->evaluate(batch, one_thread);
      engines.push_back({"jit", &*jit, &*jit_results, c_compile("jit")});
    }
    if (args.run_interp) {
      if (!interp_results) interp_results = interp.evaluate(batch, one_thread);
      engines.push_back({"interp", &interp, &*interp_results, c_compile("interp")});
    }
    bool ok = bench::run_latency(args.latency_calls, input, batch, policy, engines, now);
    for (auto const& e : engines) lr_policy_free(e.c_policy);
    if (!ok) return 1;
  }
  return 0;
} catch (std::exception const& e) {
  fmt::print(stderr, "leadrules_bench: {}\n", e.what());
  return 2;
}
