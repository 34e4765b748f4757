// A REPL session: the policy (and the previous version after a :reload), the input batch, the
// prospect under study with its undo stack, and the commands. Terminal-free: execute() takes one
// entry and writes what it says to a stream, so scripted and interactive sessions share it.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "leadrules/leadrules.hpp"
#include "repl_model.hpp"
#include "repl_text.hpp"

namespace leadrules::cli::repl {

struct Config {
  std::string policy_path;
  std::string input, activities;  // --input / --activities ("" = none)
  CompileOptions compile;         // for :reload
  bool colour = false;
};

struct Command {
  char const* name;  // ":set"
  char const* args;  // "FIELD = VALUE"
  char const* help;  // one line
};
std::vector<Command> const& commands();

class Session {
 public:
  Session(Config config, Policy policy, std::optional<Batch> batch, int64_t now);

  // Runs one entry (a command or an expression). False when the session should end.
  bool execute(std::string const& entry, std::ostream& out);

  Policy const& policy() const { return policy_; }
  Batch const* batch() const { return batch_ ? &*batch_ : nullptr; }
  // The names a completion may offer: fields, kinds, activity fields, blocks, segments, zones.
  std::vector<std::string> names() const;

 private:
  struct State {
    ProspectModel prospect;
    int64_t now = 0;
  };
  struct Version {
    Policy policy;
    std::optional<Batch> batch;
  };
  using Handler = void (Session::*)(Scanner&, std::ostream&);

  Result evaluate(Policy const& policy, State const& state) const;
  // Applies an edit to a copy of the state, evaluates it and, if that works, keeps it (undoable)
  // and prints what changed. `change` throws Failure to refuse the edit.
  void edit(std::string const& what, std::ostream& out, std::function<std::string(State&)> const& change,
            bool report_changes = true);
  void print_changes(Result const& before, Result const& after, std::ostream& out) const;
  std::string summary(Result const& r) const;
  std::string action_text(Action const& a) const;

  void expression(std::ostream& out);
  void cmd_help(Scanner&, std::ostream&);
  void cmd_load(Scanner&, std::ostream&);
  void cmd_new(Scanner&, std::ostream&);
  void cmd_show(Scanner&, std::ostream&);
  void cmd_why(Scanner&, std::ostream&);
  void cmd_whynot(Scanner&, std::ostream&);
  void cmd_set(Scanner&, std::ostream&);
  void cmd_unset(Scanner&, std::ostream&);
  void cmd_add(Scanner&, std::ostream&);
  void cmd_drop(Scanner&, std::ostream&);
  void cmd_history(Scanner&, std::ostream&);
  void cmd_now(Scanner&, std::ostream&);
  void cmd_undo(Scanner&, std::ostream&);
  void cmd_reload(Scanner&, std::ostream&);  // repl_reload.cpp
  void cmd_diff(Scanner&, std::ostream&);    // repl_reload.cpp
  void cmd_test(Scanner&, std::ostream&);
  void cmd_save(Scanner&, std::ostream&);
  void cmd_quit(Scanner&, std::ostream&);

  // Argument helpers that throw Failure with a position in the entry.
  std::string name_argument(Scanner& s, char const* what);  // "quoted" or the rest of the line
  FieldInfo const& field_argument(Scanner& s, std::vector<FieldInfo> const& fields, char const* what);
  Value value_argument(std::string_view text, size_t at, FieldInfo const& field, int64_t now);
  void no_more(Scanner& s);
  bool required(FieldInfo const& field) const;  // not optional and no default

  Config config_;
  Policy policy_;
  std::optional<Batch> batch_;
  std::optional<Version> previous_;  // the version before the last successful :reload
  State state_;
  std::vector<std::pair<State, std::string>> undo_;
  std::string entry_;  // the entry being executed (for carets)
  bool quit_ = false;
  Style style_;
};

// Runs a script as `leadrules repl` reads a pipe: a line per entry, `#` lines skipped, an entry
// whose brackets are still open continued on the next line; stops at :quit or after
// max_entries entries. Returns 0 (errors are printed in the transcript, as typed).
int run_script(Session& session, std::istream& in, std::ostream& out, size_t max_entries = SIZE_MAX);

}  // namespace leadrules::cli::repl
