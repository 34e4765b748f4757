// The `leadrules` command: a thin shell over the engine library. Exit codes: 0 success,
// 1 a policy error or a failed test, 2 a data or usage error.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"

using namespace leadrules;

namespace {

// The names a command's options answer to: `--input`, `-h`.
std::vector<std::string> option_names(CLI::App const& cmd) {
  std::vector<std::string> names;
  for (auto const* opt : cmd.get_options()) {
    for (auto const& l : opt->get_lnames()) names.push_back("--" + l);
    for (auto const& s : opt->get_snames()) names.push_back("-" + s);
  }
  return names;
}

// "leadrules run: unknown option `--activity`; did you mean `--activities`? (see …)", one line.
std::string unknown_option(CLI::App const& cmd, std::string const& name) {
  std::string who = cmd.get_parent() ? "leadrules " + cmd.get_name() : "leadrules";
  auto near = name.size() > 2 ? suggest_name(name, option_names(cmd)) : std::string();
  return fmt::format("{}: unknown option `{}`{} (see `{} --help`)\n", who, name,
                     near.empty() ? "" : fmt::format("; did you mean `{}`?", near), who);
}

// Usage errors are one line a person can act on: what is wrong, a did-you-mean when a name is
// close to a real one, and where the help is. CLI11's exception names never reach the user.
int usage_error(CLI::App& app, CLI::ParseError const& e) {
  CLI::App* cmd = &app;
  for (auto* sub : app.get_subcommands()) cmd = sub;  // the subcommand being parsed, if any
  std::string who = cmd == &app ? "leadrules" : "leadrules " + cmd->get_name();
  std::string help = cmd == &app ? "leadrules --help" : who + " --help";
  std::string what = e.what();
  std::string hint;
  if (dynamic_cast<CLI::ExtrasError const*>(&e)) {
    // "The following argument(s) was/were not expected: --activity x"
    std::string extra = what.substr(what.find(": ") == std::string::npos ? 0 : what.find(": ") + 2);
    extra = extra.substr(0, extra.find(' '));
    if (extra.starts_with("-")) {
      std::cerr << unknown_option(*cmd, extra.substr(0, extra.find('=')));
      return 2;
    }
    what = fmt::format("unexpected argument `{}`", extra);
  } else if (dynamic_cast<CLI::RequiredError const*>(&e) && cmd == &app) {
    std::cerr << app.help();
    return 2;
  } else if (auto at = what.find("File does not exist: "); at != std::string::npos) {
    what = "no such file: " + what.substr(at + 21);
  }
  std::cerr << fmt::format("{}: {}{}{} (see `{}`)\n", who, what, hint.empty() ? "" : "; ", hint, help);
  return 2;
}

// Unknown commands and options are found before CLI11 parses: it would report them after a
// positional's validation ("no such file"), or take a misspelt command for an extra argument.
std::optional<int> unknown_word(CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return std::nullopt;
  std::string word = argv[1];
  std::vector<std::string> names;
  for (auto const* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  if (std::find(names.begin(), names.end(), word) == names.end()) {
    std::string list;
    for (auto const& n : names) list += (list.empty() ? "" : ", ") + n;
    auto near = suggest_name(word, names);
    std::cerr << fmt::format(
        "leadrules: unknown command `{}`{}; the commands are {} (see `leadrules --help`)\n", word,
        near.empty() ? "" : fmt::format(" (did you mean `{}`?)", near), list);
    return 2;
  }
  CLI::App* cmd = app.get_subcommand(word);
  std::vector<std::string> options = option_names(*cmd);
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-' || std::isdigit(static_cast<unsigned char>(arg[1]))) continue;
    std::string name = arg.substr(0, arg.find('='));
    if (std::find(options.begin(), options.end(), name) != options.end()) {
      auto const* opt = cmd->get_option_no_throw(name);
      if (opt && opt->get_type_size() != 0 && name.size() == arg.size()) ++i;  // its value: `--id -x`
      continue;
    }
    std::cerr << unknown_option(*cmd, name);
    return 2;
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"leadrules — lead-management policies: check, test, run and explain them"};
  app.require_subcommand(1);
  app.set_version_flag("--version", fmt::format("leadrules {} ({})", version(), build_info()));

  cli::Options o;
  // Every command that compiles a policy: --limit NAME=VALUE raises a resource limit (Limits).
  std::string limit_help = "Raise a resource limit, NAME=VALUE (K, M, G allowed); repeatable. Defaults:";
  for (auto const& e : Limits::table())
    limit_help += fmt::format(" {}={}", e.name, Limits::show(Limits{}.*e.field));
  auto add_limit = [&](CLI::App* cmd) {
    cmd->add_option("--limit", o.limit_args, limit_help)
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->check(CLI::Validator(
            [](std::string& arg) -> std::string {
              auto eq = arg.find('=');
              if (eq == std::string::npos) return "expected NAME=VALUE, e.g. --limit depth=2000";
              Limits scratch;
              return scratch.set(std::string_view(arg).substr(0, eq), std::string_view(arg).substr(eq + 1))
                  .value_or("");
            },
            "NAME=VALUE"));
  };
  // Every command that compiles a policy: directories its set files may be read from besides its own.
  auto add_allow_path = [&](CLI::App* cmd) {
    cmd->add_option("--allow-path", o.allowed_paths,
                    "Also read set files (file(\"...\")) from this directory; repeatable (default: "
                    "only the policy's folder and below)")
        ->expected(1)  // one directory per --allow-path: `--allow-path DIR policy.lr`
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    add_limit(cmd);
  };

  auto* check = app.add_subcommand("check", "Check policies for errors (exit 1 when any has one)");
  check->add_option("POLICY", o.policies, "Policy files (.lr)")->required()->check(CLI::ExistingFile);
  add_allow_path(check);

  auto* fmt_cmd = app.add_subcommand("fmt", "Print a policy in canonical form, or rewrite it in place");
  fmt_cmd->add_option("POLICY", o.policies, "Policy files (.lr)")->required()->check(CLI::ExistingFile);
  fmt_cmd->add_flag("--check", o.fmt_check, "Only report files that are not formatted (exit 1)");
  fmt_cmd->add_flag("-w,--write", o.fmt_write, "Rewrite the files in place");

  auto* test = app.add_subcommand("test", "Run the policies' test blocks");
  test->add_option("POLICY", o.policies, "Policy files (.lr)")->required()->check(CLI::ExistingFile);
  add_allow_path(test);

  auto add_data_options = [&](CLI::App* cmd) {
    cmd->add_option("POLICY", o.policy, "Policy file (.lr)")->required()->check(CLI::ExistingFile);
    cmd->add_option("--input", o.input, "Prospects: .jsonl/.ndjson, .csv, or - for JSON Lines on stdin")
        ->required();
    cmd->add_option("--activities", o.activities, "Activities CSV (prospect_id,type,at,...)");
    cmd->add_option("--now", o.now, "Evaluation time, RFC 3339 or YYYY-MM-DD (default: the current time)");
    cmd->add_option(
           "--engine", o.engine,
           "jit (native code, the default), interp (the reference interpreter) or aot (compiled ahead "
           "of time to a temporary rule set and loaded back, as `leadrules compile` would)")
        ->check(CLI::IsMember({"jit", "interp", "aot"}));
    cmd->add_option("--threads", o.threads, "Threads to score with (default: all cores)");
    add_allow_path(cmd);
  };

  auto* run = app.add_subcommand("run", "Score prospects and decide actions");
  add_data_options(run);
  run->add_option("--output", o.output, "Results file (default: standard output)");
  run->add_option("--format", o.format, "jsonl or csv")->check(CLI::IsMember({"jsonl", "csv"}));
  run->add_flag("--explain", o.explain, "Add the rule-by-rule why to each result");
  run->add_option("--keep", o.keep, "With --format csv: schema fields to pass through (--keep email,company)")
      ->delimiter(',');
  run->add_option("--rejects", o.rejects, "Write bad input lines here and go on");
  auto* state =
      run->add_option("--state", o.state, "SQLite firing history, read before and updated after the run");
  run->add_flag("--dry-run", o.dry_run, "With --state: read the firing history but record nothing")
      ->needs(state);

  auto* explain = app.add_subcommand("explain", "Explain one prospect's score, grade, segments and rules");
  add_data_options(explain);
  explain->add_option("--id", o.id, "The prospect's id")->required();

  // diff, backtest, report: the data options of run, text or JSON out, an HTML report with pictures.
  auto add_report_options = [&](CLI::App* cmd) {
    cmd->add_option("--input", o.input, "Prospects: .jsonl/.ndjson, .csv, or - for JSON Lines on stdin")
        ->required();
    cmd->add_option("--activities", o.activities, "Activities CSV (prospect_id,type,at,...)");
    cmd->add_option("--now", o.now, "Evaluation time, RFC 3339 or YYYY-MM-DD (default: the current time)");
    cmd->add_option("--engine", o.engine, "jit (the default), interp or aot")
        ->check(CLI::IsMember({"jit", "interp", "aot"}));
    cmd->add_option("--threads", o.threads, "Threads to score with (default: all cores)");
    cmd->add_option("--rejects", o.rejects, "Write bad input records here and go on");
    cmd->add_option("--format", o.format, "text (the default) or json")
        ->check(CLI::IsMember({"text", "json"}));
    cmd->add_option("--html", o.html, "Also write a self-contained HTML report with charts");
    add_allow_path(cmd);
  };
  auto* diff = app.add_subcommand("diff", "Compare two versions of a policy over the same data");
  diff->add_option("OLD", o.policy, "The current policy (.lr)")->required()->check(CLI::ExistingFile);
  diff->add_option("NEW", o.new_policy, "The new version (.lr)")->required()->check(CLI::ExistingFile);
  add_report_options(diff);
  diff->add_flag("--fail-on-change", o.fail_on_change, "Exit 1 when any prospect's results change (CI)");

  auto* backtest = app.add_subcommand("backtest", "Hold a policy's results against a conversion label");
  backtest->add_option("POLICY", o.policy, "Policy file (.lr)")->required()->check(CLI::ExistingFile);
  add_report_options(backtest);
  backtest->add_option("--label", o.label, "The conversion label: a bool or 0/1 field, or an input column")
      ->required();

  auto* report = app.add_subcommand("report", "Count prospects by a field, the grade or a segment");
  report->add_option("POLICY", o.policy, "Policy file (.lr)")->required()->check(CLI::ExistingFile);
  add_report_options(report);
  report->add_option("--by", o.by, "A field, `grade`, or a segment's name")->required();
  report->add_option("--where", o.where, "Only prospects for which this condition holds");

  auto* bench =
      app.add_subcommand("bench", "Time the engines side by side on the same data (never fails on a time)");
  bench->add_option("POLICY", o.policy, "Policy file (.lr)")->required()->check(CLI::ExistingFile);
  bench->add_option("--input", o.input, "Prospects: .jsonl/.ndjson or .csv")->required();
  bench->add_option("--activities", o.activities, "Activities CSV");
  bench->add_option("--now", o.now, "Evaluation time (default: the current time)");
  bench->add_option("--threads", o.threads, "Threads for the parallel runs (default: all cores)");
  bench->add_option("--repeat", o.repeat, "Best of N runs per engine (default 3)");
  add_allow_path(bench);

  auto* repl = app.add_subcommand("repl", "What-if checks on one prospect, interactively or from a script");
  repl->add_option("POLICY", o.policy, "Policy file (.lr)")->required()->check(CLI::ExistingFile);
  repl->add_option("--input", o.input, "Prospects to :load and :diff: .jsonl/.ndjson or .csv");
  repl->add_option("--activities", o.activities, "Activities CSV (with a CSV --input)");
  repl->add_option("--now", o.now, "Evaluation time, RFC 3339 or YYYY-MM-DD (default: the current time)");
  repl->add_option("--engine", o.engine, "jit (the default), interp or aot")
      ->check(CLI::IsMember({"jit", "interp", "aot"}));
  add_allow_path(repl);

  auto* compile = app.add_subcommand(
      "compile", "Compile a policy ahead of time: native code for a service without a compiler");
  compile->add_option("POLICY", o.policy, "Policy file (.lr)")->required()->check(CLI::ExistingFile);
  auto* object_out = compile->add_option("-o,--output", o.object_out,
                                         "Write a relocatable object (.o) to link into a program");
  auto* shared_out = compile->add_option(
      "--shared", o.shared_out, "Write a shared object (.so) for lr_load_compiled / Policy::load_compiled");
  object_out->excludes(shared_out);
  compile->add_option("--cpu", o.cpu,
                      "The CPU to compile for: an LLVM name (x86-64-v2, the default; x86-64-v3, znver3, ...) "
                      "or host");
  compile->add_option("--symbol", o.symbol,
                      "With -o: the descriptor is leadrules_ruleset_SYMBOL (default: the file's stem)");
  compile->add_option("-O,--opt", o.opt_level, "Optimisation level 0..3 (default: by the policy's size)")
      ->check(CLI::Range(0, 3));
  add_allow_path(compile);

  if (auto rc = unknown_word(app, argc, argv)) return *rc;
  try {
    app.parse(argc, argv);
  } catch (CLI::CallForHelp const& e) {
    return app.exit(e);
  } catch (CLI::CallForAllHelp const& e) {
    return app.exit(e);
  } catch (CLI::CallForVersion const& e) {
    return app.exit(e);
  } catch (CLI::ParseError const& e) {
    return usage_error(app, e);
  }

  for (auto const& arg : o.limit_args)  // validated while parsing
    (void)o.limits.set(std::string_view(arg).substr(0, arg.find('=')),
                       std::string_view(arg).substr(arg.find('=') + 1));
  o.colour = isatty(fileno(stderr)) && !std::getenv("NO_COLOR");
  o.colour_out = isatty(fileno(stdout)) && !std::getenv("NO_COLOR");
  try {
    if (*check) return cli::check(o);
    if (*compile) return cli::compile_command(o);
    if (*fmt_cmd) return cli::format(o);
    if (*test) return cli::test(o);
    if (*run) return cli::run(o);
    if (*explain) return cli::explain(o);
    if (*bench) return cli::bench(o);
    if (*diff) return cli::diff(o);
    if (*backtest) return cli::backtest(o);
    if (*report) return cli::report(o);
    if (*repl) return cli::run_repl(o);
  } catch (std::exception const& e) {
    std::cerr << "leadrules: " << e.what() << "\n";
    return 2;
  }
  return 2;
}
