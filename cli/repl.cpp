// `leadrules repl POLICY [--input FILE [--activities FILE]] [--now TIME]`: what-if checks on a
// policy being edited, one prospect at a time (docs/repl.md).
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "repl_session.hpp"
#include "repl_terminal.hpp"

namespace leadrules::cli {

int run_repl(Options const& o) {
  bool tty = isatty(fileno(stdin));
  CompileOptions co = compile_options(o);
  auto compiled = Policy::compile_file(o.policy, co);
  std::cerr << compiled.rendered(o.colour);
  if (!compiled) return 1;
  int64_t now = 0;
  if (!read_now(o, now)) return 2;
  std::optional<Batch> batch;
  if (!o.input.empty()) {
    auto data = compiled.policy->read_file({.prospects = o.input, .activities = o.activities});
    if (!data) {
      std::cerr << data.errors.front().message() << "\n";
      return 2;
    }
    batch = std::move(data.batch);
  } else if (!o.activities.empty()) {
    std::cerr << "leadrules: --activities needs --input\n";
    return 2;
  }
  repl::Config config{o.policy, o.input, o.activities, co, tty && o.colour_out};
  if (tty) {
    std::cout << fmt::format("leadrules repl: {} ({})", compiled.policy->name(), o.policy);
    if (batch) std::cout << fmt::format(", {} prospects from {}", batch->size(), o.input);
    std::cout << fmt::format(
        ", now {}\n:help lists the commands, :load ID studies a prospect, Ctrl-D leaves\n", format_time(now));
  }
  repl::Session session(std::move(config), *compiled.policy, std::move(batch), now);
  return repl::run_terminal(session, tty);
}

}  // namespace leadrules::cli
