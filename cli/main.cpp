// The `leadrules` command: a thin shell over the engine library. Exit codes: 0 success,
// 1 a policy error or a failed test, 2 a data or usage error.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"

using namespace leadrules;

int main(int argc, char** argv) {
  CLI::App app{"leadrules — lead-management policies: check, test, run and explain them"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "leadrules 0.1");
  app.failure_message(CLI::FailureMessage::help);

  cli::Options o;

  auto* check = app.add_subcommand("check", "Check policies for errors (exit 1 when any has one)");
  check->add_option("POLICY", o.policies, "Policy files (.lr)")->required()->check(CLI::ExistingFile);

  auto* fmt_cmd = app.add_subcommand("fmt", "Print a policy in canonical form, or rewrite it in place");
  fmt_cmd->add_option("POLICY", o.policies, "Policy files (.lr)")->required()->check(CLI::ExistingFile);
  fmt_cmd->add_flag("--check", o.fmt_check, "Only report files that are not formatted (exit 1)");
  fmt_cmd->add_flag("-w,--write", o.fmt_write, "Rewrite the files in place");

  auto* test = app.add_subcommand("test", "Run the policies' test blocks");
  test->add_option("POLICY", o.policies, "Policy files (.lr)")->required()->check(CLI::ExistingFile);

  auto add_data_options = [&](CLI::App* cmd) {
    cmd->add_option("POLICY", o.policy, "Policy file (.lr)")->required()->check(CLI::ExistingFile);
    cmd->add_option("--input", o.input, "Prospects: .jsonl/.ndjson, .csv, or - for JSON Lines on stdin")
        ->required();
    cmd->add_option("--activities", o.activities, "Activities CSV (prospect_id,type,at,...)");
    cmd->add_option("--now", o.now, "Evaluation time, RFC 3339 or YYYY-MM-DD (default: the current time)");
    cmd->add_option("--engine", o.engine,
                    "jit (native code, the default) or interp (the reference interpreter)")
        ->check(CLI::IsMember({"jit", "interp"}));
    cmd->add_option("--threads", o.threads, "Threads to score with (default: all cores)");
  };

  auto* run = app.add_subcommand("run", "Score prospects and decide actions");
  add_data_options(run);
  run->add_option("--output", o.output, "Results file (default: standard output)");
  run->add_option("--format", o.format, "jsonl or csv")->check(CLI::IsMember({"jsonl", "csv"}));
  run->add_flag("--explain", o.explain, "Add the rule-by-rule why to each result");
  run->add_option("--rejects", o.rejects, "Write bad input lines here and go on");
  run->add_option("--state", o.state, "SQLite firing history, read before and updated after the run");

  auto* explain = app.add_subcommand("explain", "Explain one prospect's score, grade, segments and rules");
  add_data_options(explain);
  explain->add_option("--id", o.id, "The prospect's id")->required();

  auto* bench =
      app.add_subcommand("bench", "Time the engines side by side on the same data (never fails on a time)");
  bench->add_option("POLICY", o.policy, "Policy file (.lr)")->required()->check(CLI::ExistingFile);
  bench->add_option("--input", o.input, "Prospects: .jsonl/.ndjson or .csv")->required();
  bench->add_option("--activities", o.activities, "Activities CSV");
  bench->add_option("--now", o.now, "Evaluation time (default: the current time)");
  bench->add_option("--threads", o.threads, "Threads for the parallel runs (default: all cores)");
  bench->add_option("--repeat", o.repeat, "Best of N runs per engine (default 3)");

  auto* repl = app.add_subcommand("repl", "What-if checks on one prospect, interactively or from a script");
  repl->add_option("POLICY", o.policy, "Policy file (.lr)")->required()->check(CLI::ExistingFile);
  repl->add_option("--input", o.input, "Prospects to :load and :diff: .jsonl/.ndjson or .csv");
  repl->add_option("--activities", o.activities, "Activities CSV (with a CSV --input)");
  repl->add_option("--now", o.now, "Evaluation time, RFC 3339 or YYYY-MM-DD (default: the current time)");
  repl->add_option("--engine", o.engine, "jit (the default) or interp")
      ->check(CLI::IsMember({"jit", "interp"}));

  try {
    app.parse(argc, argv);
  } catch (CLI::ParseError const& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  o.colour = isatty(fileno(stderr)) && !std::getenv("NO_COLOR");
  o.colour_out = isatty(fileno(stdout)) && !std::getenv("NO_COLOR");
  try {
    if (*check) return cli::check(o);
    if (*fmt_cmd) return cli::format(o);
    if (*test) return cli::test(o);
    if (*run) return cli::run(o);
    if (*explain) return cli::explain(o);
    if (*bench) return cli::bench(o);
    if (*repl) return cli::run_repl(o);
  } catch (std::exception const& e) {
    std::cerr << "leadrules: " << e.what() << "\n";
    return 2;
  }
  return 2;
}
