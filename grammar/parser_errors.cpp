// What a syntax error says about where it stopped: the token found there and hints for the
// tokens other languages use (the messages of the rules are in parser_errors.hpp).

#include <algorithm>

#include <fmt/format.h>

#include "grammar/parser_internal.hpp"

namespace leadrules::parser_detail {

// The extent of the token at p (for carets and "found `…`").
Span token_at(State const& st, char const* p) {
  uint32_t b = st.off(p);
  if (p >= st.end) return {b, b};
  char const* q = p;
  if (is_ident_char(*q)) {
    while (q < st.end && is_ident_char(*q)) ++q;
  } else {
    static constexpr std::string_view two[] = {"==", "!=", "<=", ">=", "~*", "??", "&&", "||"};
    q += utf8_length(static_cast<unsigned char>(*q));
    for (auto t : two)
      if (size_t(st.end - p) >= 2 && std::string_view(p, 2) == t) q = p + 2;
  }
  return {b, st.off(std::min(q, st.end))};
}

std::string describe_found(State const& st, char const* p) {
  if (p >= st.end) return "the end of the file";
  if (*p == '\n' || *p == '\r') return "the end of the line";
  Span t = token_at(st, p);
  return fmt::format("`{}`", std::string_view(st.base + t.begin, t.end - t.begin));
}

// Hints for tokens other languages use.
std::string hint_for_found(State const& st, char const* p) {
  if (p >= st.end) return {};
  std::string_view rest(p, size_t(st.end - p));
  if (rest.starts_with("&&")) return "write `and` to combine conditions";
  if (rest.starts_with("||")) return "write `or` for either condition";
  if (rest.starts_with("=") && !rest.starts_with("==")) return "to compare values, write `==`";
  if (rest.starts_with("!") && !rest.starts_with("!=")) return "write `not` to negate a condition";
  if (rest.starts_with("'")) return "strings are written in double quotes: \"…\"";
  if (rest.starts_with(";")) return "declarations end at the end of the line; no `;` is needed";
  if (rest.starts_with("["))
    return "a list literal can only be a test value; test membership with `\"vip\" in tags`, or the size "
           "with `len(tags)`";
  if (rest.starts_with("{"))
    return "a set literal can only stand right of `in`; to name a set, declare it: `set NAME = {\"a\", "
           "\"b\"}`";
  return {};
}

}  // namespace leadrules::parser_detail
