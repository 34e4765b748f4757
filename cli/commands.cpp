#include "cli/commands.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "compiler/checker/checker.hpp"
#include "api/engines.hpp"
#include "grammar/format.hpp"
#include "grammar/parser.hpp"
#include "runtime/interp/interpreter.hpp"
#include "runtime/data/readers.hpp"
#include "runtime/data/state.hpp"
#include "runtime/interp/test_runner.hpp"
#include "runtime/data/writers.hpp"
#include "stdlib/time.hpp"

namespace leadrules::cli {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::shared_ptr<plan::Plan const> compile(std::string const& path, Options const& o) {
  Diagnostics diags;
  auto plan = compile_policy_file(path, diags);
  std::cerr << render(diags, o.colour);
  return plan;
}

std::string read_file(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// Writes `data` to `path` through a temporary file in the same directory and a rename, so a
// crash or a full disk never leaves half a file behind.
void write_atomically(std::string const& path, std::string const& data) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path tmp = target;
  tmp += fmt::format(".tmp-{}", ::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
    out.write(data.data(), std::streamsize(data.size()));
    out.flush();
    if (!out) {
      out.close();
      fs::remove(tmp);
      throw std::runtime_error("cannot write " + path + " (disk full?)");
    }
  }
  fs::rename(tmp, target);
}

int64_t parse_now(std::string const& text) {
  if (text.empty()) {
    auto now = std::chrono::system_clock::now();
    return std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  }
  auto t = stdlib::parse_time(text);
  if (!t) throw std::invalid_argument(fmt::format("--now: bad time \"{}\": expected RFC 3339 like 2026-11-22T10:00:00Z or 2026-11-22", text));
  return *t;
}

std::unique_ptr<runtime::Engine> make_engine(std::shared_ptr<plan::Plan const> const& plan, Options const& o) {
  if (o.engine == "interp") return std::make_unique<runtime::Interpreter>(plan);
  return api::make_jit(plan, {});
}

unsigned thread_count(Options const& o) {
  if (o.threads) return o.threads;
  unsigned n = std::thread::hardware_concurrency();
  return n ? n : 1;
}

void print_data_error(runtime::DataError const& e) {
  std::string where = e.file;
  if (e.line) where += fmt::format(":{}", e.line);
  std::cerr << fmt::format("{}: data error{}: {}\n", where, e.field.empty() ? "" : " in `" + e.field + "`", e.reason);
}

struct Loaded {
  std::shared_ptr<plan::Plan const> plan;
  runtime::ReadResult data;
  int64_t now = 0;
  double load_seconds = 0;
};

// Compiles the policy and reads the input. Returns an exit code on failure.
int load(Options const& o, Loaded& out) {
  out.plan = compile(o.policy, o);
  if (!out.plan) return 1;
  try {
    out.now = parse_now(o.now);
  } catch (std::invalid_argument const& e) {
    std::cerr << "leadrules: " << e.what() << "\n";
    return 2;
  }
  runtime::ReadOptions ro;
  ro.prospects = o.input;
  ro.activities = o.activities;
  ro.keep_going = !o.rejects.empty();
  auto t0 = Clock::now();
  try {
    out.data = runtime::read_input(*out.plan, ro);
  } catch (runtime::DataError const& e) {
    print_data_error(e);
    std::cerr << "leadrules: nothing was written\n";
    return 2;
  }
  out.load_seconds = seconds_since(t0);
  return 0;
}

}  // namespace

int check(Options const& o) {
  int status = 0;
  for (auto const& path : o.policies) {
    auto plan = compile(path, o);
    if (!plan) {
      status = 1;
      continue;
    }
    size_t points = plan->points.size(), zones = 0;
    for (auto const& s : plan->segments) zones += s.zone;
    std::cout << fmt::format("{}: ok ({} scoring rule{} in {} block{}, {} grade move{}, {} segment{}, {} zone{}, {} automation rule{}, {} test{})\n",
                             path, points, points == 1 ? "" : "s", plan->blocks.size(), plan->blocks.size() == 1 ? "" : "s",
                             plan->grade_moves.size(), plan->grade_moves.size() == 1 ? "" : "s",
                             plan->segments.size() - zones, plan->segments.size() - zones == 1 ? "" : "s", zones,
                             zones == 1 ? "" : "s", plan->rules.size(), plan->rules.size() == 1 ? "" : "s",
                             plan->tests.size(), plan->tests.size() == 1 ? "" : "s");
  }
  return status;
}

int format(Options const& o) {
  int status = 0;
  for (auto const& path : o.policies) {
    SourceFile source(path, read_file(path));
    Diagnostics diags;
    auto tree = parse_policy(source, diags);
    std::cerr << render(diags, o.colour);
    if (!tree) {
      status = 1;
      continue;
    }
    std::string text = format_policy(*tree, source);
    if (o.fmt_check) {
      if (text != source.text()) {
        std::cout << path << ": not formatted (run `leadrules fmt -w " << path << "`)\n";
        status = 1;
      }
    } else if (o.fmt_write) {
      if (text != source.text()) write_atomically(path, text);
    } else {
      std::cout << text;
    }
  }
  return status;
}

int test(Options const& o) {
  size_t passed = 0, failed = 0;
  bool policy_error = false;
  for (auto const& path : o.policies) {
    auto plan = compile(path, o);
    if (!plan) {
      policy_error = true;
      continue;
    }
    runtime::Interpreter engine(plan);
    for (auto const& t : runtime::run_tests(engine)) {
      if (t.passed) {
        ++passed;
        std::cout << fmt::format("{} {}\n", o.colour_out ? "\x1b[32mPASS\x1b[0m" : "PASS", t.name);
      } else {
        ++failed;
        std::cout << fmt::format("{} {}  ({}:{})\n", o.colour_out ? "\x1b[1;31mFAIL\x1b[0m" : "FAIL", t.name, path, t.line);
        for (auto const& f : t.failures) std::cout << "    expect failed on " << f << "\n";
      }
    }
  }
  std::cout << fmt::format("{} passed, {} failed\n", passed, failed);
  return policy_error || failed ? 1 : 0;
}

int run(Options const& o) {
  Loaded in;
  if (int rc = load(o, in)) return rc;
  auto const& plan = *in.plan;
  auto& batch = in.data.batch;
  std::unique_ptr<runtime::FiringState> state;
  try {
    if (!o.state.empty()) {
      state = std::make_unique<runtime::FiringState>(o.state);
      state->load(plan, batch);
    }
  } catch (runtime::DataError const& e) {
    print_data_error(e);
    return 2;
  }
  auto engine = make_engine(in.plan, o);
  runtime::EvalOptions eo;
  eo.now = in.now;
  eo.explain = o.explain;
  eo.threads = thread_count(o);
  auto t0 = Clock::now();
  auto results = engine->evaluate(batch, eo);
  double eval_seconds = seconds_since(t0);

  std::string out;
  out.reserve(batch.rows * 160);
  bool csv = o.format == "csv";
  if (csv) runtime::append_csv_header(out, plan);
  for (size_t r = 0; r < batch.rows; ++r) {
    auto row = results.row(r);
    if (csv) runtime::append_csv_result(out, plan, batch, r, row);
    else runtime::append_json_result(out, plan, batch, r, row, o.explain);
  }
  if (!o.rejects.empty()) {
    std::string rej;
    for (auto const& j : in.data.rejects) {
      rej += fmt::format("{}:{}: {}{}\n", j.file, j.line, j.field.empty() ? "" : "`" + j.field + "`: ", j.reason);
      rej += j.text;
      if (j.text.empty() || j.text.back() != '\n') rej += '\n';
    }
    write_atomically(o.rejects, rej);
  }
  if (o.output.empty() || o.output == "-") {
    std::cout.write(out.data(), std::streamsize(out.size()));
    std::cout.flush();
  } else {
    write_atomically(o.output, out);
  }
  if (state) {
    try {
      state->record(plan, batch, results, in.now);
    } catch (runtime::DataError const& e) {
      print_data_error(e);
      return 2;
    }
  }
  auto const& d = in.data;
  std::cerr << fmt::format("leadrules: read {} prospect{} ({} activities, {:.1f} MB in {:.2f} s); scored {}, rejected {} in {:.3f} s\n",
                           d.prospects_read, d.prospects_read == 1 ? "" : "s", batch.activity_count(),
                           double(d.bytes) / 1e6, in.load_seconds, batch.rows, d.prospects_rejected, eval_seconds);
  if (!d.skipped_kinds.empty()) {
    std::string kinds;
    for (auto const& [k, n] : d.skipped_kinds) kinds += fmt::format("{}{} × {}", kinds.empty() ? "" : ", ", k, n);
    std::cerr << "leadrules: skipped activities of kinds the schema does not list: " << kinds << "\n";
  }
  return 0;
}

int explain(Options const& o) {
  Loaded in;
  if (int rc = load(o, in)) return rc;
  auto const& plan = *in.plan;
  auto const& batch = in.data.batch;
  size_t row = batch.rows;
  for (size_t r = 0; r < batch.rows; ++r)
    if (batch.id(r, plan.schema) == o.id) row = r;
  if (row == batch.rows) {
    std::cerr << fmt::format("leadrules: no prospect with id \"{}\" in {}\n", o.id, o.input);
    return 2;
  }
  auto engine = make_engine(in.plan, o);
  runtime::EvalOptions eo;
  eo.now = in.now;
  eo.explain = true;
  eo.threads = thread_count(o);
  auto all = engine->evaluate(batch, eo);
  auto mine = all.row(row);
  std::cout << runtime::explain_text(plan, batch, row, mine, in.now, o.colour_out);
  if (batch.rows > 1) {
    std::vector<double> const& scores = all.total;
    size_t below = 0;
    for (double s : scores) below += s < mine.total;
    std::cout << fmt::format("\nscores of all {} prospects in {} (this one is above {:.0f}%)\n", scores.size(), o.input,
                             100.0 * double(below) / double(scores.size()));
    std::cout << runtime::score_histogram(scores, mine.total, o.colour_out);
  }
  return 0;
}

int bench(Options const& o) {
  Loaded in;
  if (int rc = load(o, in)) return rc;
  auto const& batch = in.data.batch;
  double mb = double(in.data.bytes) / 1e6;
  std::cout << fmt::format("data: {} prospects, {} activities, {:.1f} MB loaded in {:.2f} s ({:.0f} MB/s)\n",
                           batch.rows, batch.activity_count(), mb, in.load_seconds, mb / in.load_seconds);
  // Compile latency: text -> runnable, cold (no object cache) and warm (from the cache).
  auto t0 = Clock::now();
  Diagnostics diags;
  auto plan = compile_policy_file(o.policy, diags);
  double check_ms = seconds_since(t0) * 1e3;
  jit::CompileStats cs, ws;
  auto cold_engine = api::make_jit(plan, {}, &cs);
  auto warm_engine = api::make_jit(plan, {}, &ws);
  std::cout << fmt::format("compile: parse+check {:.1f} ms; JIT cold {:.1f} ms (IR {:.1f}, optimise O{} {:.1f}, "
                           "machine code {:.1f}, link {:.1f}); from cache {:.1f} ms\n",
                           check_ms, cs.total_ms, cs.generate_ms, cs.opt_level, cs.optimize_ms, cs.codegen_ms,
                           cs.link_ms, ws.total_ms);
  runtime::Interpreter interp(plan);
  unsigned all = thread_count(o);
  struct Row {
    std::string name;
    unsigned threads;
    double seconds;
  };
  std::vector<Row> rows;
  auto time = [&](runtime::Engine const& e, unsigned threads) {
    double best = 1e300;
    for (unsigned r = 0; r < std::max(1u, o.repeat); ++r) {
      runtime::EvalOptions eo;
      eo.now = in.now;
      eo.threads = threads;
      auto t = Clock::now();
      auto res = e.evaluate(batch, eo);
      best = std::min(best, seconds_since(t));
      if (best > 5) break;   // slow engines run once
    }
    rows.push_back({std::string(e.name()), threads, best});
  };
  time(*warm_engine, 1);
  time(interp, 1);
  if (all > 1) {
    time(*warm_engine, all);
    time(interp, all);
  }
  std::cout << fmt::format("\n{:<8} {:>7} {:>10} {:>14} {:>16}\n", "engine", "threads", "seconds", "prospects/s",
                           "activities/s");
  for (auto const& r : rows)
    std::cout << fmt::format("{:<8} {:>7} {:>10.4f} {:>14.0f} {:>16.0f}\n", r.name, r.threads, r.seconds,
                             double(batch.rows) / r.seconds, double(batch.activity_count()) / r.seconds);
  std::cout << fmt::format("\njit / interp (1 thread): {:.1f}x\n", rows[1].seconds / rows[0].seconds);
  if (all > 1)
    std::cout << fmt::format("jit {} threads / 1 thread: {:.2f}x; interp: {:.2f}x\n", all,
                             rows[0].seconds / rows[2].seconds, rows[1].seconds / rows[3].seconds);
  return 0;
}

}  // namespace leadrules::cli
