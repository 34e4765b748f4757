// The subcommands, each a function over parsed options.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "leadrules/leadrules.hpp"

namespace leadrules::cli {

struct Options {
  std::vector<std::string> policies;
  std::string policy, input, activities, now, output, format, rejects, state, id;
  std::vector<std::string> keep;           // run --keep: fields passed through to CSV
  std::vector<std::string> allowed_paths;  // --allow-path: set files may be read there too
  std::vector<std::string> limit_args;     // --limit NAME=VALUE, as given
  Limits limits;                           // ... applied to the defaults
  std::string new_policy;                  // diff: NEW (OLD is `policy`)
  std::string label, by, where;            // backtest --label, report --by / --where
  std::string html;                        // diff, backtest, report: --html FILE
  bool fail_on_change = false;             // diff --fail-on-change
  std::string engine = "jit";
  unsigned threads = 0;  // 0: all cores
  bool explain = false, fmt_check = false, fmt_write = false, dry_run = false;
  unsigned repeat = 3;
  std::string object_out, shared_out, cpu = "x86-64-v2", symbol;  // compile -o / --shared
  int opt_level = -1;
  bool colour = false, colour_out = false;
};

int check(Options const& o);
int format(Options const& o);
int test(Options const& o);
int run(Options const& o);
int explain(Options const& o);
int bench(Options const& o);
int run_repl(Options const& o);         // repl.cpp
int diff(Options const& o);             // diff.cpp
int backtest(Options const& o);         // backtest.cpp
int report(Options const& o);           // report.cpp
int compile_command(Options const& o);  // compile.cpp

// Shared by the subcommands: the compile options the environment asks for (cache, IR dump),
// and --now (the current time when empty; throws std::invalid_argument when malformed).
CompileOptions compile_options(Options const& o);
int64_t parse_now(std::string const& text);
bool read_now(Options const& o, int64_t& now);  // --now, or false after saying what is wrong
// A policy file, or a rule set made by `leadrules compile --shared` (an ELF file); diagnostics
// to stderr.
std::optional<Policy> compile(std::string const& path, Options const& o);
bool is_rule_set(std::string const& path);

using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}
unsigned thread_count(Options const& o);  // --threads, or all cores
std::string count_text(size_t n);         // 1733 -> "1,733": summaries are read by people
int grade_rank(std::string_view grade);   // 0 = F .. 12 = A+ (Value::of_grade); -1 if not a grade

// load.cpp: the policy compiled (unless `out.policy` is already set) and the input read, or an
// exit code (errors already printed).
class ProgressBar;
struct Loaded {
  std::shared_ptr<ProgressBar> progress;  // the run's progress bar (progress.hpp), erased after reading
  std::optional<Policy> policy;
  std::optional<Batch> batch;
  int64_t now = 0;
  double load_seconds = 0;
};
int load(Options const& o, Loaded& out);
void print_data_error(DataError const& e);
void write_or_throw(std::string const& path, std::string const& data);
void write_rejects(std::string const& path, Batch const& batch);  // --rejects
// After the run's summary line: the rejects file (--rejects), skipped kinds, data warnings.
void print_data_summary(Batch const& batch, std::string const& rejects = {});

}  // namespace leadrules::cli
