// The actions of the rules that recognise a mistake users make (grammar.hpp names them: `7days`,
// `60 days`, `50%` outside decay, a time without `@`, `A -`, `F-`, `=`/`=>`/`<>` in a condition):
// each raises a SyntaxError that says what to write instead. PEGTL: included by parser.cpp alone.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

#include "grammar/grammar.hpp"
#include "grammar/parser_actions_expr.hpp"
#include "grammar/parser_errors.hpp"
#include "grammar/parser_internal.hpp"

namespace leadrules::parser_detail {

namespace g = leadrules::grammar;

// The unit of the language a unit word of other notations means (`days` -> `d`), or "".
inline std::string_view duration_unit(std::string_view u) {
  for (std::string_view m : {"min", "mins", "minute", "minutes", "m"})
    if (u == m) return "min";
  for (std::string_view h : {"h", "hr", "hrs", "hour", "hours"})
    if (u == h) return "h";
  for (std::string_view d : {"d", "day", "days"})
    if (u == d) return "d";
  for (std::string_view w : {"w", "week", "weeks"})
    if (u == w) return "w";
  return "";
}
inline bool looks_like_unit(std::string_view u) {
  if (!duration_unit(u).empty()) return true;
  for (std::string_view o :
       {"s", "sec", "secs", "second", "seconds", "y", "year", "years", "month", "months"})
    if (u == o) return true;
  return false;
}
// "`60 days` is not a duration" with "write `60d`" (or why there is no such unit).
[[noreturn]] inline void bad_duration(Span s, std::string_view text, std::string_view num,
                                      std::string_view unit) {
  std::string_view to = duration_unit(unit);
  std::string hint = kDurations;
  if (!to.empty() && num.find('.') == std::string_view::npos)
    hint = fmt::format("write `{}{}`; {}", num, to, kDurations);
  else if (unit.starts_with("y") || unit.starts_with("month"))
    hint =
        fmt::format("months and years differ in length: write days or weeks (`90d`, `52w`); {}", kDurations);
  else if (unit.starts_with("s"))
    hint = fmt::format("the smallest unit is `min`; {}", kDurations);
  fail(s, fmt::format("`{}` is not a duration", text), hint);
}

template <>
struct action<g::spaced_duration> {
  template <typename In>
  static void apply(In const& in, State& st) {
    std::string_view t = in.string_view();
    size_t i = t.find_first_of(" \t");
    size_t u = t.find_first_not_of(" \t", i);
    bad_duration(st.span(in), t, t.substr(0, i), t.substr(u));
  }
};

template <>
struct action<g::bad_number> {
  template <typename In>
  static void apply(In const& in, State& st) {
    std::string_view t = in.string_view();
    size_t i = 0;
    while (i < t.size() && ((t[i] >= '0' && t[i] <= '9') || t[i] == '.')) ++i;
    std::string_view num = t.substr(0, i), suffix = t.substr(i);
    if (looks_like_unit(suffix) || num.find('.') != std::string_view::npos)
      bad_duration(st.span(in), t, num, suffix);
    fail(st.span(in), fmt::format("`{}` is not a number", t),
         "numbers are written 42 or 3.5; durations 30min, 48h, 90d, 2w");
  }
};

template <>
struct action<g::bad_percent> {
  template <typename In>
  static void apply(In const& in, State& st) {
    fail(st.span(in), fmt::format("`{}` is only allowed in `decay`", in.string_view()),
         "decay 50% after 90d; elsewhere write a number");
  }
};

template <>
struct action<g::bare_time> {
  template <typename In>
  static void apply(In const& in, State& st) {
    fail(st.span(in), fmt::format("a time is written with `@`: write `@{}`", in.string_view()),
         "times are written @2026-11-22 or @2026-11-22T10:00:00Z");
  }
};

// `A -` (a sign apart from its letter) and `F-` (F has no sign).
template <>
struct action<g::bad_grade> {
  template <typename In>
  static void apply(In const& in, State& st) {
    std::string_view t = in.string_view();
    char letter = t.front(), sign = t.back();
    Span s = st.span(in);
    constexpr char const* kGrades = "grades are A+ A A- B+ B B- C+ C C- D+ D D- F";
    if (letter == 'F')
      fail(s, fmt::format("there is no grade `F{}`: F has no + or -", sign),
           fmt::format("{}; for F and then a negative value, put the value in parentheses: `F (-x)`",
                       kGrades));
    // Underline from the letter to the sign when they are on one line, else the letter alone.
    if (t.find('\n') != std::string_view::npos) s.end = s.begin + 1;
    fail(s, fmt::format("grade literals have no inner space: write `{}{}`", letter, sign),
         fmt::format(
             "as written, `{0} {1}` is the grade {0} and then a `{1}` that applies to what follows; {2}",
             letter, sign, kGrades));
  }
};

// `=`, `=>`, `<>`, … after an operand: name the operator to write.
template <>
struct action<g::bad_cmp_op> {
  template <typename In>
  static void apply(In const& in, State& st) {
    std::string_view t = in.string_view();
    std::string_view want = t == "=>" || t == "\u2265"   ? ">="
                            : t == "=<" || t == "\u2264" ? "<="
                            : t == "<>" || t == "\u2260" ? "!="
                            : t == "=~"                  ? "~"
                                                         : "==";
    std::string hint =
        want == "==" ? "`=` gives values (`let x = …`, `do set status = …`); a condition compares with `==`"
        : want == "~" ? "`~` matches a regular expression (`~*` ignoring case): `title ~ \"^VP\"`"
                      : "comparisons are == != < <= > >=";
    fail(st.span(in),
         fmt::format("`{}` is not {}: write `{}`", t, t == "=" ? "a comparison" : "an operator here", want),
         hint);
  }
};

}  // namespace leadrules::parser_detail
