// Reading entries: line by line from a pipe or file (no prompt, no editing), or from a terminal
// through libedit (histedit.h) with line editing, history in ~/.leadrules_history, completion on
// Tab and Ctrl-C cancelling the line. An entry whose brackets are still open continues on the
// next line; the whole entry is one history item.
#include "repl_terminal.hpp"

#include <histedit.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "repl_session.hpp"

namespace leadrules::cli::repl {

namespace {

constexpr char const* kPrompt = "lr> ";
constexpr char const* kContinue = "... ";

std::string trim_newline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// --- completion ----------------------------------------------------------------------------

struct Completion {
  size_t start = 0;  // where the word being completed begins (in `line`)
  std::vector<std::string> candidates;
  char suffix = ' ';  // appended after a unique match
};

std::vector<std::string> const& language_words() {
  static std::vector<std::string> const words = {
      "activity",    "and",       "any",   "abs",     "clamp", "colleague", "contains", "count", "days_since",
      "domain",      "ends_with", "fired", "first",   "hour",  "in",        "last",     "len",   "lower",
      "max",         "min",       "no",    "not",     "or",    "past",      "present",  "round", "since",
      "starts_with", "sum",       "upper", "weekday", "where", "within"};
  return words;
}

Completion complete(Session const& session, std::string const& line) {
  Completion c;
  Policy const& policy = session.policy();
  size_t first = line.find_first_not_of(" \t");
  bool command = first != std::string::npos && line[first] == ':';
  size_t cmd_end = command ? line.find_first_of(" \t", first) : std::string::npos;
  std::string cmd =
      command ? line.substr(first, cmd_end == std::string::npos ? std::string::npos : cmd_end - first) : "";
  // Inside an unclosed string: rule, segment and zone names.
  bool in_string = false;
  size_t quote_at = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (in_string && line[i] == '\\')
      ++i;
    else if (line[i] == '"')
      in_string = !in_string, quote_at = i;
  }
  if (in_string) {
    c.start = quote_at + 1;
    c.suffix = '"';
    c.candidates = policy.rules();
    for (auto const& s : policy.segments()) c.candidates.push_back(s.name);
    return c;
  }
  if (command && cmd_end == std::string::npos) {  // the command itself
    c.start = first;
    for (auto const& k : commands()) c.candidates.push_back(k.name);
    return c;
  }
  if (command && (cmd == ":load" || cmd == ":whynot")) {  // the rest of the line is one name
    c.start = line.find_first_not_of(" \t", cmd_end);
    if (c.start == std::string::npos) c.start = line.size();
    c.suffix = '\0';
    if (cmd == ":load" && session.batch())
      for (size_t r = 0; r < session.batch()->size() && r < 10000; ++r)
        c.candidates.emplace_back(session.batch()->id(r));
    if (cmd == ":whynot") {
      for (auto const& s : policy.segments()) c.candidates.push_back(s.name);
      for (auto const& r : policy.rules()) c.candidates.push_back(r);
    }
    return c;
  }
  size_t start = line.size();
  while (start > 0 && (std::isalnum(static_cast<unsigned char>(line[start - 1])) || line[start - 1] == '_'))
    --start;
  c.start = start;
  if (command) {
    size_t words = 0;  // words before this one, the command included
    for (size_t i = first; i < start;) {
      size_t e = line.find_first_of(" \t", i);
      if (e == std::string::npos || e >= start) break;
      ++words;
      i = line.find_first_not_of(" \t", e);
      if (i == std::string::npos) break;
    }
    if (cmd == ":set" || cmd == ":unset") {
      if (words == 1)
        for (auto const& f : policy.fields()) c.candidates.push_back(f.name);
    } else if (cmd == ":add") {
      if (words == 1)
        c.candidates = policy.activity_kinds();
      else {
        c.suffix = '=';
        c.candidates.push_back("at");
        for (auto const& f : policy.activity_fields()) c.candidates.push_back(f.name);
      }
    } else if (cmd == ":history" && words >= 2) {
      c.suffix = '=';
      c.candidates = {"count", "last"};
    }
    return c;
  }
  c.candidates = session.names();
  for (auto const& w : language_words()) c.candidates.push_back(w);
  return c;
}

// --- libedit ---------------------------------------------------------------------------------

Session* g_session = nullptr;
bool g_cancelled = false;
bool g_continuing = false;
std::string g_pending;  // the entry's lines so far, when it continues

char* prompt(EditLine*) { return const_cast<char*>(g_continuing ? kContinue : kPrompt); }

unsigned char on_cancel(EditLine*, int) {
  std::fputs("^C\n", stdout);  // at the cursor, as shells show it
  std::fflush(stdout);
  g_cancelled = true;
  return CC_NEWLINE;  // el_gets returns the line, which the loop throws away
}

unsigned char on_tab(EditLine* el, int) {
  LineInfo const* li = el_line(el);
  std::string before(li->buffer, size_t(li->cursor - li->buffer));
  Completion c = complete(*g_session, before);
  std::string word = before.substr(c.start);
  std::vector<std::string> matches;
  for (auto const& cand : c.candidates)
    if (cand.compare(0, word.size(), word) == 0) matches.push_back(cand);
  std::sort(matches.begin(), matches.end());
  matches.erase(std::unique(matches.begin(), matches.end()), matches.end());
  if (matches.empty()) return CC_ERROR;
  std::string common = matches[0];
  for (auto const& m : matches) {
    size_t n = 0;
    while (n < common.size() && n < m.size() && common[n] == m[n]) ++n;
    common.resize(n);
  }
  std::string add = common.substr(word.size());
  if (matches.size() == 1 && c.suffix) add += c.suffix;
  if (!add.empty()) {
    el_insertstr(el, add.c_str());
    return CC_REFRESH;
  }
  // Ambiguous and nothing to add: list the matches under the line.
  std::string list = "\n";
  size_t width = 0;
  for (auto const& m : matches) width = std::max(width, m.size());
  size_t per_line = std::max<size_t>(1, 78 / (width + 2)), i = 0;
  for (auto const& m : matches)
    list += fmt::format("{:<{}}{}", m, width + 2, ++i % per_line == 0 ? "\n" : "");
  if (list.back() != '\n') list += "\n";
  std::fputs(list.c_str(), stdout);
  std::fflush(stdout);
  return CC_REDISPLAY;
}

std::string history_path() {
  char const* home = std::getenv("HOME");
  if (!home || !*home) return {};
  return std::string(home) + "/.leadrules_history";
}

// Ctrl-C as a key, not a signal, while the REPL runs: libedit binds it to cancelling the line
// (libedit takes its editing modes from the terminal as el_init finds it). Restored at the end.
struct NoInterruptSignal {
  termios saved{};
  bool ok = false;
  NoInterruptSignal() {
    if (tcgetattr(STDIN_FILENO, &saved) != 0) return;
    termios t = saved;
    t.c_lflag &= tcflag_t(~ISIG);
    ok = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
  }
  ~NoInterruptSignal() {
    if (ok) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  }
};

int interactive(Session& session, std::ostream& out) {
  g_session = &session;
  std::signal(SIGINT, SIG_IGN);  // should one come from elsewhere (kill -INT): the session goes on
  NoInterruptSignal no_sigint;
  EditLine* el = el_init("leadrules", stdin, stdout, stderr);
  History* hist = history_init();
  HistEvent ev;
  history(hist, &ev, H_SETSIZE, 1000);
  history(hist, &ev, H_SETUNIQUE, 1);
  std::string path = history_path();
  if (!path.empty()) history(hist, &ev, H_LOAD, path.c_str());
  el_set(el, EL_EDITOR, "emacs");
  el_set(el, EL_PROMPT, &prompt);
  el_set(el, EL_HIST, history, hist);
  el_set(el, EL_SETTY, "-d", "-isig", nullptr);  // Ctrl-C reaches the editor as a key
  el_set(el, EL_ADDFN, "lr-complete", "complete a command or name", &on_tab);
  el_set(el, EL_ADDFN, "lr-cancel", "cancel the line", &on_cancel);
  el_set(el, EL_BIND, "^I", "lr-complete", nullptr);
  el_set(el, EL_BIND, "^C", "lr-cancel", nullptr);
  el_source(el, nullptr);  // the user's ~/.editrc, if any
  bool go_on = true;
  while (go_on) {
    g_continuing = !g_pending.empty();
    g_cancelled = false;
    out.flush();
    int count = 0;
    char const* raw = el_gets(el, &count);
    if (!raw || count <= 0) {  // Ctrl-D (or the terminal went away)
      out << "\n";
      break;
    }
    std::string line = trim_newline(raw);
    if (g_cancelled) {
      g_pending.clear();
      continue;
    }
    g_pending += (g_pending.empty() ? "" : " ") + line;
    if (continues(g_pending)) continue;
    std::string entry = std::move(g_pending);
    g_pending.clear();
    if (entry.find_first_not_of(" \t") == std::string::npos) continue;
    history(hist, &ev, H_ENTER, entry.c_str());
    if (!path.empty()) history(hist, &ev, H_SAVE, path.c_str());
    go_on = session.execute(entry, out);
  }
  history_end(hist);
  el_end(el);
  return 0;
}

}  // namespace

int run_terminal(Session& session, bool tty) {
  if (tty) return interactive(session, std::cout);
  return run_script(session, std::cin, std::cout);
}

}  // namespace leadrules::cli::repl
