#include "commands.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "leadrules/leadrules.hpp"

namespace leadrules::cli {

namespace {

// The library reads no environment: the CLI maps LEADRULES_CACHE_DIR, XDG_CACHE_HOME, HOME,
// LEADRULES_NO_CACHE and LEADRULES_DUMP_IR to compile options here.
std::string cache_directory() {
  if (char const* off = std::getenv("LEADRULES_NO_CACHE"); off && *off) return {};
  if (char const* d = std::getenv("LEADRULES_CACHE_DIR"); d && *d) return d;
  if (char const* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/leadrules";
  if (char const* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/leadrules";
  return {};
}

}  // namespace

CompileOptions compile_options(Options const& o) {
  CompileOptions co;
  co.engine = o.engine == "interp" ? Engine::interp : o.engine == "aot" ? Engine::aot : Engine::jit;
  co.cache_dir = cache_directory();
  co.allowed_paths = o.allowed_paths;
  co.limits = o.limits;
  if (char const* dump = std::getenv("LEADRULES_DUMP_IR"); dump && *dump) co.dump_ir = dump;
  return co;
}

// An ELF file not named .lr (a binary named like a policy gets the policy's error).
bool is_rule_set(std::string const& path) {
  if (path.ends_with(".lr")) return false;
  char magic[4] = {};
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  size_t n = std::fread(magic, 1, sizeof magic, f);
  std::fclose(f);
  return n == 4 && std::memcmp(magic,
                               "\x7f"
                               "ELF",
                               4) == 0;
}

std::optional<Policy> compile(std::string const& path, Options const& o) {
  // A rule set made by `leadrules compile --shared` runs as it was compiled.
  auto compiled = is_rule_set(path) ? Policy::load_compiled(path, compile_options(o))
                                    : Policy::compile_file(path, compile_options(o));
  std::cerr << compiled.rendered(o.colour);
  return compiled.policy;
}

int64_t parse_now(std::string const& text) {
  if (text.empty()) return current_time();
  auto t = parse_time(text);
  if (!t)
    throw std::invalid_argument(fmt::format(
        "--now: bad time \"{}\": expected RFC 3339 like 2026-11-22T10:00:00Z or 2026-11-22", text));
  return *t;
}

// `leadrules check`: each policy's diagnostics (syntax errors and the name and type errors of
// what parsed, in the order of the file), then, when there was at least one, the count:
// "acme.lr: 2 errors, 1 warning".
int check(Options const& o) {
  int status = 0;
  auto plural = [](size_t n, std::string_view one) {
    return fmt::format("{} {}{}", n, one, n == 1 ? "" : "s");
  };
  for (auto const& path : o.policies) {
    if (is_rule_set(path)) {  // its policy checked again, its code and its CPU checked too
      auto loaded = Policy::load_compiled(path, {.limits = o.limits});
      std::cerr << loaded.rendered(o.colour);
      if (!loaded) {
        status = 1;
        continue;
      }
      auto m = *loaded.policy->manifest();
      std::cout << fmt::format("{}: ok (rule set of {}, compiled by leadrules {} for {}; {})\n", path,
                               m.source_path, m.leadrules_version, m.cpu, loaded.policy->summary());
      continue;
    }
    auto checked = check_policy_file(path, {.allowed_paths = o.allowed_paths, .limits = o.limits});
    std::cerr << checked.rendered(o.colour);
    if (!checked.diagnostics.items.empty()) {
      size_t errors = checked.diagnostics.errors();
      size_t warnings = 0;
      for (auto const& d : checked.diagnostics.items) warnings += d.severity == Severity::Warning;
      std::cerr << fmt::format("{}: {}, {}\n", path, plural(errors, "error"), plural(warnings, "warning"));
    }
    if (!checked) {
      status = 1;
      continue;
    }
    std::cout << fmt::format("{}: ok ({})\n", path, checked.policy->summary());
  }
  return status;
}

int format(Options const& o) {
  int status = 0;
  for (auto const& path : o.policies) {
    std::string error;
    auto text = read_file(path, &error);
    if (!text) throw std::runtime_error(fmt::format("cannot read {}: {}", path, error));
    auto formatted = format_policy(*text, path);
    std::cerr << render(formatted.diagnostics, o.colour);
    if (!formatted.text) {
      status = 1;
      continue;
    }
    if (o.fmt_check) {
      if (formatted.changed) {
        std::cout << path << ": not formatted (run `leadrules fmt -w " << path << "`)\n";
        status = 1;
      }
    } else if (o.fmt_write) {
      if (formatted.changed) write_or_throw(path, *formatted.text);
    } else {
      std::cout << *formatted.text;
    }
  }
  return status;
}

int test(Options const& o) {
  size_t passed = 0, failed = 0;
  bool policy_error = false;
  for (auto const& path : o.policies) {
    auto checked = check_policy_file(path, {.allowed_paths = o.allowed_paths, .limits = o.limits});
    std::cerr << checked.rendered(o.colour);
    if (!checked) {
      policy_error = true;
      continue;
    }
    for (auto const& t : checked.policy->run_tests()) {
      if (t.passed) {
        ++passed;
        std::cout << fmt::format("{} {}\n", o.colour_out ? "\x1b[32mPASS\x1b[0m" : "PASS", t.name);
      } else {
        ++failed;
        std::cout << fmt::format("{} {}  ({}:{})\n", o.colour_out ? "\x1b[1;31mFAIL\x1b[0m" : "FAIL", t.name,
                                 path, t.line);
        for (auto const& f : t.failures) std::cout << "    expect failed on " << f << "\n";
      }
    }
  }
  std::cout << fmt::format("{} passed, {} failed\n", passed, failed);
  return policy_error || failed ? 1 : 0;
}

int explain(Options const& o) {
  Loaded in;
  if (int rc = load(o, in)) return rc;
  auto const& batch = *in.batch;
  auto row = batch.find(o.id);
  if (!row) {
    std::cerr << fmt::format("leadrules: no prospect with id \"{}\" in {}\n", o.id, o.input);
    return 2;
  }
  auto all = in.policy->evaluate(batch, {.now = in.now, .explain = true, .threads = thread_count(o)});
  std::cout << all.explain(*row, o.colour_out);
  if (batch.size() > 1) {
    auto scores = all.scores();
    double mine = all.score(*row);
    size_t below = 0;
    for (double s : scores) below += s < mine;
    std::cout << fmt::format("\nscores of all {} prospects in {} (this one is above {:.0f}%)\n",
                             scores.size(), o.input, 100.0 * double(below) / double(scores.size()));
    std::cout << score_histogram(scores, mine, o.colour_out);
  }
  return 0;
}

int bench(Options const& o) {
  Loaded in;
  if (int rc = load(o, in)) return rc;
  auto const& batch = *in.batch;
  double mb = double(batch.bytes()) / 1e6;
  std::cout << fmt::format("data: {} prospects, {} activities, {:.1f} MB loaded in {:.2f} s ({:.0f} MB/s)\n",
                           batch.size(), batch.activity_count(), mb, in.load_seconds, mb / in.load_seconds);
  // Compile latency: text -> runnable, cold (no object cache) and warm (from a fresh cache).
  namespace fs = std::filesystem;
  auto cache = fs::temp_directory_path() / fmt::format("leadrules-bench-{}", ::getpid());
  CompileOptions cold{.engine = Engine::jit, .allowed_paths = o.allowed_paths, .limits = o.limits},
      warm = cold;
  warm.cache_dir = cache.string();
  auto cold_policy = Policy::compile_file(o.policy, cold);
  Policy::compile_file(o.policy, warm);  // fills the cache
  auto warm_policy = Policy::compile_file(o.policy, warm);
  std::error_code ec;
  fs::remove_all(cache, ec);
  if (!cold_policy || !warm_policy) return 1;
  auto const& cs = cold_policy.policy->stats();
  auto const& ws = warm_policy.policy->stats();
  std::cout << fmt::format(
      "compile: parse+check {:.1f} ms; JIT cold {:.1f} ms (IR {:.1f}, optimise O{} {:.1f}, "
      "machine code {:.1f}, link {:.1f}); from cache {:.1f} ms\n",
      cs.check_ms, cs.jit_ms, cs.generate_ms, cs.opt_level, cs.optimize_ms, cs.codegen_ms, cs.link_ms,
      ws.jit_ms);
  auto interp = Policy::compile_file(
      o.policy, {.engine = Engine::interp, .allowed_paths = o.allowed_paths, .limits = o.limits});
  unsigned all = thread_count(o);
  struct Row {
    std::string name;
    unsigned threads;
    double seconds;
  };
  std::vector<Row> rows;
  auto time = [&](Policy const& p, unsigned threads) {
    double best = 1e300;
    for (unsigned r = 0; r < std::max(1u, o.repeat); ++r) {
      auto t = Clock::now();
      auto res = p.evaluate(batch, {.now = in.now, .threads = threads});
      best = std::min(best, seconds_since(t));
      if (best > 5) break;  // slow engines run once
    }
    rows.push_back({std::string(engine_name(p.engine())), threads, best});
  };
  time(*warm_policy.policy, 1);
  time(*interp.policy, 1);
  if (all > 1) {
    time(*warm_policy.policy, all);
    time(*interp.policy, all);
  }
  // Compiled ahead of time for this machine, loaded back as `leadrules compile` output would be.
  auto aot = Policy::compile_file(
      o.policy, {.engine = Engine::aot, .allowed_paths = o.allowed_paths, .limits = o.limits});
  bool has_aot = aot && aot.policy->engine() == Engine::aot;
  if (has_aot) time(*aot.policy, 1);
  std::cout << fmt::format("\n{:<8} {:>7} {:>10} {:>14} {:>16}\n", "engine", "threads", "seconds",
                           "prospects/s", "activities/s");
  for (auto const& r : rows)
    std::cout << fmt::format("{:<8} {:>7} {:>10.4f} {:>14.0f} {:>16.0f}\n", r.name, r.threads, r.seconds,
                             double(batch.size()) / r.seconds, double(batch.activity_count()) / r.seconds);
  std::cout << fmt::format("\njit / interp (1 thread): {:.1f}x\n", rows[1].seconds / rows[0].seconds);
  if (all > 1)
    std::cout << fmt::format("jit {} threads / 1 thread: {:.2f}x; interp: {:.2f}x\n", all,
                             rows[0].seconds / rows[2].seconds, rows[1].seconds / rows[3].seconds);
  if (has_aot)
    std::cout << fmt::format("aot / jit (1 thread): {:.2f}x\n", rows[0].seconds / rows.back().seconds);
  else
    std::cerr << "leadrules bench: no aot row: " << aot.rendered(false);
  return 0;
}

}  // namespace leadrules::cli
