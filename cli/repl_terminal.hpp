// The REPL's input loop: libedit on a terminal, plain lines from a pipe or a file.
#pragma once

namespace leadrules::cli::repl {

class Session;

// Reads entries until :quit or end of input; returns the exit code.
int run_terminal(Session& session, bool tty);

}  // namespace leadrules::cli::repl
