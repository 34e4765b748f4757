// Text helpers of the REPL: errors with a caret, did-you-mean, colour, scanning command
// arguments (`page="/pricing" at=-1h`), and whether an entry continues on the next line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leadrules/value.hpp"

namespace leadrules::cli::repl {

// Where the culprit is in the entry the user typed (byte offsets), for the caret line.
struct Span {
  size_t begin = 0, end = 0;
};

// A one-line error the session reports and then goes on.
struct Failure {
  std::string message;
  std::optional<Span> at;  // in the entry; none when the error has no position
  std::string hint;        // "did you mean `:set`?"
};

struct Style {
  bool colour = false;
  std::string paint(std::string_view text, char const* sgr) const;  // "\x1b[<sgr>m...\x1b[0m" when colour
};

// "error: MESSAGE (HINT)\n" and, with a position, the entry and a caret line under the culprit.
std::string render_failure(Failure const& f, std::string_view entry, Style const& style);

// "did you mean `X`?" or "".
std::string did_you_mean(std::string_view word, std::vector<std::string> const& candidates,
                         std::string_view prefix = "");

// Display columns of UTF-8 text (CJK and other wide characters count two).
size_t display_width(std::string_view text);

// True when the entry has more opening brackets than closing ones outside strings and comments:
// the REPL reads another line and appends it.
bool continues(std::string_view entry);

// A cursor over a command's arguments, remembering offsets into the whole entry.
class Scanner {
 public:
  Scanner(std::string_view entry, size_t from) : s_(entry), i_(from) {}
  void skip_space();
  bool done();  // only spaces (or a comment) left
  size_t pos() const { return i_; }
  std::string_view rest();  // the rest of the entry, trimmed
  // An identifier [A-Za-z_][A-Za-z0-9_]*; empty when none here.
  std::string_view identifier();
  // A string literal "..." decoded (\" \\ \n \t \u{X}); nullopt when none here, throws Failure
  // when it is not terminated.
  std::optional<std::string> string_literal();
  // A literal's text as test blocks write it: a quoted string, a [list], or a run of characters
  // up to a space, a comma or a closing brace.
  std::string_view literal_text();
  bool eat(char c);  // skips spaces, then c if it is there
  char peek();
  Span span_from(size_t begin) const { return {begin, i_}; }

 private:
  std::string_view s_;
  size_t i_;
};

// Literals as test blocks write them (the inverse of parse_literal for :save).
std::string quote(std::string_view text);                   // "a \"b\"" with the language's escapes
std::string relative_or_absolute(int64_t at, int64_t now);  // -2d, -90min, or @2026-11-20T09:00:00Z
std::string test_literal(Value const& v, int64_t now);      // missing values: "missing"
// For people: "2d 3h ago", "in 1h", "now" (to the minute).
std::string ago(int64_t at, int64_t now);

}  // namespace leadrules::cli::repl
