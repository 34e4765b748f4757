// The parser's error messages, one per must<> target of grammar.hpp (a missing one is a compile
// error), and the control that turns a failed must<> into a SyntaxError. PEGTL: included by
// parser.cpp alone.
#pragma once

#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "grammar/grammar.hpp"
#include "grammar/operators.hpp"
#include "grammar/parser_internal.hpp"

namespace leadrules::parser_detail {

namespace pg = tao::pegtl;
namespace g = leadrules::grammar;

// ---------------------------------------------------------------------------------------------
// Error messages of must<> targets: {message, hint}. `found` is appended by raise().

struct Msg {
  std::string text;
  std::string hint;
};

template <typename Rule>
struct error {
  static constexpr bool defined = false;
};

#define LEADRULES_ERROR(rule, message, hint_text)                 \
  template <>                                                     \
  struct error<rule> {                                            \
    static constexpr bool defined = true;                         \
    static Msg get(State const&) { return {message, hint_text}; } \
  }

// Messages that depend on what is being parsed.
#define LEADRULES_ERROR_FN(rule)          \
  template <>                             \
  struct error<rule> {                    \
    static constexpr bool defined = true; \
    static Msg get(State const& st);      \
  };                                      \
  inline Msg error<rule>::get(State const& st)

constexpr char const* kTypes = "types are string, number, bool, time, duration, grade and [string]";
constexpr char const* kDurations = "durations are whole numbers with a unit: 30min, 48h, 90d, 2w";
constexpr char const* kValue =
    "a value is a string, a number, a duration (`-2d`), a time (`@2026-11-22`), `true`/`false`, "
    "a grade or a list [\"a\", \"b\"]";

LEADRULES_ERROR(g::declaration,
                "expected a declaration (schema, set, let, score, points, decay, grade, zone, "
                "segment, rule, test)",
                "");
LEADRULES_ERROR(g::expression_req, "expected an expression", "");
LEADRULES_ERROR(g::expression_end, "unexpected text after the expression", "");

// Lexical
LEADRULES_ERROR(g::time_body, "expected a date like `@2026-11-22` after `@`",
                "times are written @2026-11-22 or @2026-11-22T10:00:00Z");
LEADRULES_ERROR(g::time_clock, "expected a time of day like `10:00:00` after `T`",
                "times are written @2026-11-22T10:00:00Z");
LEADRULES_ERROR(g::time_zone, "expected `Z` or an offset like `+09:00` after the time of day",
                "a time of day needs its zone: @2026-11-22T10:00:00Z or …T10:00:00+09:00");
LEADRULES_ERROR(g::time_end, "unexpected character in the time",
                "times are written @2026-11-22 or @2026-11-22T10:00:00Z");

// Expressions
LEADRULES_ERROR(g::paren_inner, "expected an expression after `(`", "");
// Where the rule that contains a failed must<> began. (raise() runs inside the must<>, whose
// own mark is the last one.)
inline char const* enclosing_begin(State const& st) {
  return st.marks.size() >= 2 ? st.marks[st.marks.size() - 2].begin : st.base;
}
inline std::string_view word_at(State const& st, char const* b) {
  char const* e = b;
  while (e < st.end && is_ident_char(*e)) ++e;
  return std::string_view(b, size_t(e - b));
}

LEADRULES_ERROR_FN(g::paren_close) {
  auto pos = st.src.position(st.off(enclosing_begin(st)));
  return {"expected `)` to close `(`", fmt::format("the `(` is at line {}, column {}", pos.line, pos.column)};
}
LEADRULES_ERROR(g::set_close, "expected `}` to close the set",
                "set members are strings separated by commas: {\"a\", \"b\"}");
LEADRULES_ERROR(g::call_arg_next, "expected an argument after `,`", "an argument list has no trailing comma");
LEADRULES_ERROR_FN(g::call_close) {
  return {fmt::format("expected `)` to close the call to `{}`", word_at(st, enclosing_begin(st))),
          "arguments are separated by commas"};
}
LEADRULES_ERROR_FN(g::agg_close) {
  return {fmt::format("expected `)` to close `{}(`", word_at(st, enclosing_begin(st))), ""};
}
LEADRULES_ERROR(g::agg_kind<g::ctx_count>,
                "expected an activity kind, `activity` or `colleague` after `count(`",
                "count(visit where page ~ \"^/pricing\" within 14d), count(colleague where …)");
LEADRULES_ERROR(g::agg_kind<g::ctx_any>, "expected an activity kind, `activity` or `colleague` after `any`",
                "any form where form == \"contact\", any activity within 30d");
LEADRULES_ERROR(g::agg_kind<g::ctx_no>, "expected an activity kind or `activity` after `no`",
                "no activity within 90d");
LEADRULES_ERROR(g::agg_kind<g::ctx_last>, "expected an activity kind or `activity` after `last(`",
                "last(activity), last(form where form == \"contact\")");
LEADRULES_ERROR(g::agg_kind<g::ctx_first>, "expected an activity kind or `activity` after `first(`",
                "first(activity), first(visit where page ~ \"^/pricing\")");
LEADRULES_ERROR(g::where_condition, "expected a condition after `where`", "");
LEADRULES_ERROR(g::colleague_condition, "expected a condition after `where`", "");
LEADRULES_ERROR(g::window, "expected a duration after `within`, like `30d`", kDurations);
LEADRULES_ERROR(g::colleague_where, "expected `where` and a condition after `colleague`",
                "colleague aggregates read: count(colleague where any activity within 30d)");
LEADRULES_ERROR(g::colleague_comma, "expected `,` and a value after `colleague`",
                "for example sum(colleague, score)");
LEADRULES_ERROR(g::colleague_value, "expected a value after `colleague,`",
                "for example sum(colleague, score)");
LEADRULES_ERROR(g::past_value, "expected an expression as the first argument of `past`",
                "past(score, 1d) is the score as of one day ago");
LEADRULES_ERROR(g::past_comma, "expected `,` and a duration in `past(…)`",
                "past(score, 1d) is the score as of one day ago");
LEADRULES_ERROR(g::past_duration, "expected a duration like `1d` as the second argument of `past`",
                kDurations);
LEADRULES_ERROR(g::neg_operand, "expected an expression after `-`", "");
LEADRULES_ERROR(g::in_rhs, "expected a set name or `{\"a\", \"b\"}` after `in`", "");
LEADRULES_ERROR(g::coalesce_rhs, "expected an expression after `??`", "");
LEADRULES_ERROR(g::not_operand<true>, "expected a condition after `not`", "");
LEADRULES_ERROR(g::not_operand<false>, "expected a condition after `not`", "");
LEADRULES_ERROR(g::and_rhs<true>, "expected a condition after `and`", "");
LEADRULES_ERROR(g::and_rhs<false>, "expected a condition after `and`", "");
LEADRULES_ERROR(g::or_rhs<true>, "expected a condition after `or`", "");
LEADRULES_ERROR(g::or_rhs<false>, "expected a condition after `or`", "");

inline Msg after_operator(State const& st) {
  std::string op = "the operator";
  if (!st.items.empty())
    if (auto* o = std::get_if<OpItem>(&st.items.back())) op = fmt::format("`{}`", op_text(o->op));
  return {"expected an expression after " + op, ""};
}
LEADRULES_ERROR_FN(g::mul_rhs) { return after_operator(st); }
LEADRULES_ERROR_FN(g::add_rhs) { return after_operator(st); }
LEADRULES_ERROR_FN(g::cmp_rhs) {
  Msg m = after_operator(st);
  if (!st.items.empty())
    if (auto* o = std::get_if<OpItem>(&st.items.back()); o && o->op == BinOp::Within)
      m = {"expected a duration after `within`, like `7d`", kDurations};
  return m;
}

// Templates
LEADRULES_ERROR(g::tmpl_expr, "expected an expression inside `{…}`",
                "write `{{` and `}}` for literal braces");
LEADRULES_ERROR(g::tmpl_close, "expected `}` to close the `{` of the interpolation",
                "interpolate with {expr} or {expr|fallback text}; `{{` and `}}` are literal braces");

// Contexts
LEADRULES_ERROR(g::if_condition, "expected a condition after `if`", "");
LEADRULES_ERROR(g::when_condition, "expected a condition after `when`", "");
LEADRULES_ERROR_FN(g::zone_condition) {
  return {fmt::format("expected a condition after the grade in zone `{}`", st.open_name),
          "each row is a grade and a condition: `B- score >= 40`"};
}
LEADRULES_ERROR(g::let_value, "expected an expression after `=`", "");

// Names
template <typename Ctx>
struct ctx_info;
template <>
struct ctx_info<g::ctx_let> {
  static constexpr char const* what = "a let";
  static constexpr char const* after = "after `let`";
};
template <>
struct ctx_info<g::ctx_set> {
  static constexpr char const* what = "a set";
  static constexpr char const* after = "after `set`";
};
template <>
struct ctx_info<g::ctx_score> {
  static constexpr char const* what = "a score block";
  static constexpr char const* after = "after `score`";
};
template <>
struct ctx_info<g::ctx_zone> {
  static constexpr char const* what = "a zone";
  static constexpr char const* after = "after `zone`";
};
template <>
struct ctx_info<g::ctx_segment> {
  static constexpr char const* what = "a segment";
  static constexpr char const* after = "after `segment`";
};
template <>
struct ctx_info<g::ctx_field> {
  static constexpr char const* what = "a field";
  static constexpr char const* after = "here";
};
template <>
struct ctx_info<g::ctx_kind> {
  static constexpr char const* what = "an activity kind";
  static constexpr char const* after = "after `kinds`";
};

template <typename Ctx>
struct error<g::decl_name<Ctx>> {
  static constexpr bool defined = true;
  static Msg get(State const&) {
    return {fmt::format("expected the name of {} {}", ctx_info<Ctx>::what, ctx_info<Ctx>::after),
            "names are letters, digits and `_`, starting with a letter or `_`"};
  }
};
LEADRULES_ERROR(g::kind_name, "expected an activity kind name after `kinds`",
                "kinds visit, form, email_open");
LEADRULES_ERROR(g::equals<g::ctx_let>, "expected `=` after the let's name", "let NAME = expression");
LEADRULES_ERROR(g::equals<g::ctx_set>, "expected `=` after the set's name",
                "set NAME = {\"a\", \"b\"} or set NAME = file(\"path\")");

// Declarations
LEADRULES_ERROR(g::policy_name, "expected the policy's name as a string after `policy`",
                "policy \"Acme B2B\"");
LEADRULES_ERROR(g::timezone_name, "expected a time zone name as a string after `timezone`",
                "timezone \"Asia/Tokyo\"");
LEADRULES_ERROR(g::schema_target, "expected `prospect` or `activity` after `schema`", "");
LEADRULES_ERROR(g::open_brace<g::ctx_schema>, "expected `{` to open the schema", "");
LEADRULES_ERROR(g::close_brace<g::ctx_schema>, "expected `}` to close the schema",
                "fields are written `name: type`, e.g. `email: string`");
LEADRULES_ERROR(g::field_colon, "expected `:` and a type after the field name",
                "fields are written `name: type`, e.g. `email: string`");
LEADRULES_ERROR(g::type_ref, "expected a type after `:`", kTypes);
LEADRULES_ERROR(g::list_elem_type, "only `[string]` lists are supported", kTypes);
LEADRULES_ERROR(g::list_type_close, "expected `]` to close `[string`", kTypes);
LEADRULES_ERROR(g::literal_req, "expected a value", kValue);
LEADRULES_ERROR(g::from_column, "expected a column name as a string after `from`",
                "visits: number? from \"TotalVisits\"");
LEADRULES_ERROR(g::missing_value, "expected a string after `missing`",
                "industry: string? missing \"Select\", \"N/A\"");
LEADRULES_ERROR(g::set_value, "expected `{\"a\", \"b\"}` or `file(\"path\")` after `=`", "");
LEADRULES_ERROR(g::file_path, "expected a path as a string in `file(…)`", "file(\"accounts.txt\")");
LEADRULES_ERROR(g::file_close, "expected `)` after the path of `file(…)`", "");
LEADRULES_ERROR(g::score_body, "expected a score block name, `cap` or `floor` after `score`",
                "score behavior { … }, score cap 100, score floor -40");
LEADRULES_ERROR(g::bound_number, "expected a number", "for example `cap 100` or `floor -40`");
LEADRULES_ERROR_FN(g::open_brace<g::ctx_score>) {
  return {fmt::format("expected `{{` to open score block `{}`", st.open_name),
          "score NAME [cap M] [floor F] { points… }"};
}
LEADRULES_ERROR_FN(g::close_brace<g::ctx_score>) {
  return {fmt::format("expected `}}` to close score block `{}`", st.open_name),
          "a score block holds `points` rules"};
}
LEADRULES_ERROR(g::points_amount, "expected the points after `points`, like `+10` or `-5`", "");
LEADRULES_ERROR(g::points_body, "expected `per` or `if` after the points",
                "points +10 per visit … or points -20 if …");
LEADRULES_ERROR(g::per_kind, "expected an activity kind or `activity` after `per`", "points +1 per visit");
LEADRULES_ERROR(g::cap_number, "expected a number after `cap`", "");
LEADRULES_ERROR(g::once_per_kw, "expected `per` after `once`", "once per asset");
LEADRULES_ERROR(g::once_field, "expected a field name after `once per`", "once per asset");
LEADRULES_ERROR(g::decay_percent, "expected a percentage like `50%` after `decay`",
                "decay 50% after 90d, or decay 10% per 30d");
LEADRULES_ERROR(g::decay_mode, "expected `after` or `per` and a duration after the percentage",
                "decay 50% after 90d, or decay 10% per 30d");
LEADRULES_ERROR(g::duration_req, "expected a duration like `90d`", kDurations);
LEADRULES_ERROR(g::grade_body, "expected `start` or a grade move like `+1/3` after `grade`",
                "grade start D, grade +1/3 if …, grade -1 if …");
LEADRULES_ERROR(g::grade_req, "expected a grade like `D` or `B+`",
                "grades are A+ A A- B+ B B- C+ C C- D+ D D- F");
LEADRULES_ERROR(g::grade_if, "expected `if` and a condition after the grade move",
                "grade +1/3 if industry in target_industries");
LEADRULES_ERROR(g::else_move, "expected a grade move like `-1/3` after `else`", "");
LEADRULES_ERROR_FN(g::open_brace<g::ctx_zone>) {
  return {fmt::format("expected `{{` to open zone `{}`", st.open_name), "zone NAME { B- score >= 40 … }"};
}
LEADRULES_ERROR_FN(g::close_brace<g::ctx_zone>) {
  return {fmt::format("expected `}}` to close zone `{}`", st.open_name),
          "each row is a grade and a condition: `B- score >= 40`"};
}
LEADRULES_ERROR(g::segment_when, "expected `when` and a condition after the segment's name",
                "segment NAME when CONDITION");
LEADRULES_ERROR(g::rule_name, "expected the rule's name as a string after `rule`",
                "rule \"Hot list\" when hot do tag(\"hot\")");
LEADRULES_ERROR(g::max_count, "expected a whole number after `max`", "");
LEADRULES_ERROR(g::every_duration, "expected a duration after `every`, like `every 7d`", kDurations);
LEADRULES_ERROR(g::rule_when, "expected `when` after the rule's name",
                "rule \"name\" [once | always | every 7d] when CONDITION do ACTIONS");
LEADRULES_ERROR(g::rule_do, "expected `do` and the actions after the condition",
                "write `do` before the actions, also when they continue on the next line: rule \"name\" when "
                "CONDITION do tag(\"x\"), set status = \"MQL\"");
LEADRULES_ERROR(g::first_action, "expected an action after `do`",
                "actions are calls like tag(\"hot\") or `set FIELD = value`");
LEADRULES_ERROR(g::next_action, "expected an action after `,`",
                "actions are calls like tag(\"hot\") or `set FIELD = value`");
LEADRULES_ERROR(g::action_open, "expected `(` after the action's name",
                "actions are calls like tag(\"hot\") or `set FIELD = value`");
LEADRULES_ERROR(g::action_close, "expected `,` or `)` in the action's arguments", "");
LEADRULES_ERROR(g::action_arg_next, "expected an argument after `,`",
                "an argument list has no trailing comma");
LEADRULES_ERROR(g::set_field, "expected a field name after `set`", "set status = \"MQL\"");
LEADRULES_ERROR(g::set_equals, "expected `=` after the field name", "set status = \"MQL\"");
LEADRULES_ERROR(g::set_action_value, "expected a value after `=`", "set status = \"MQL\"");
LEADRULES_ERROR(g::test_name, "expected the test's name as a string after `test`",
                "test \"a student stays cold\" { … }");
LEADRULES_ERROR_FN(g::open_brace<g::ctx_test>) {
  return {fmt::format("expected `{{` to open test `{}`", st.open_name), ""};
}
LEADRULES_ERROR_FN(g::close_brace<g::ctx_test>) {
  return {fmt::format("expected `}}` to close test `{}`", st.open_name),
          "a test holds `now`, `prospect {…}`, activities like `visit {…}`, `colleague {…}`, "
          "`history \"rule\" {…}` and `expect`"};
}
LEADRULES_ERROR(g::open_brace<g::ctx_prospect>, "expected `{` after `prospect`",
                "prospect { id: \"p1\", email: \"a@example.com\" }");
LEADRULES_ERROR(g::close_brace<g::ctx_prospect>, "expected `}` to close `prospect {`",
                "fields are written `name: value`, separated by commas or newlines");
LEADRULES_ERROR(g::open_brace<g::ctx_colleague>, "expected `{` after `colleague`",
                "colleague { id: \"p2\", account: \"initech\" }");
LEADRULES_ERROR(g::close_brace<g::ctx_colleague>, "expected `}` to close `colleague {`",
                "fields are written `name: value`; activities `visit { … }`");
LEADRULES_ERROR(g::close_brace<g::ctx_activity>, "expected `}` to close the activity",
                "fields are written `name: value`, separated by commas or newlines");
LEADRULES_ERROR(g::open_brace<g::ctx_history>, "expected `{` after the rule's name",
                "history \"Hot list\" { count: 1, last: -3d }");
LEADRULES_ERROR(g::close_brace<g::ctx_history>, "expected `}` to close `history`",
                "history \"Hot list\" { count: 1, last: -3d }");
LEADRULES_ERROR(g::history_rule, "expected the rule's name as a string after `history`",
                "history \"Hot list\" { count: 1, last: -3d }");
LEADRULES_ERROR(g::test_colon, "expected `:` and a value after the field name", kValue);
LEADRULES_ERROR(g::test_time, "expected a time like `@2026-11-22T00:00:00Z` after `now`", "");
LEADRULES_ERROR(g::expect_body,
                "expected a condition, `set FIELD == value` or `action NAME(…)` after `expect`", "");
LEADRULES_ERROR(g::expect_field, "expected a field name after `expect set`", "expect set status == \"MQL\"");
LEADRULES_ERROR(g::expect_eq, "expected `==` after the field name", "expect set status == \"MQL\"");
LEADRULES_ERROR(g::expect_value, "expected a value after `==`", "expect set status == \"MQL\"");
LEADRULES_ERROR(g::list_close, "expected `]` to close the list", "lists are written [\"a\", \"b\"]");

#undef LEADRULES_ERROR
#undef LEADRULES_ERROR_FN

// Messages of must<> targets that are an operand: missing at the end of a line, the error is
// reported there.
inline bool operand_expected(std::string_view message) {
  for (std::string_view m : {"expected an expression",
                             "expected a condition",
                             "expected a value",
                             "expected an argument",
                             "expected a grade",
                             "expected a duration",
                             "expected a time",
                             "expected a number",
                             "expected a whole number",
                             "expected the points",
                             "expected a percentage",
                             "expected the name of",
                             "expected the rule's name",
                             "expected the test's name",
                             "expected the policy's name",
                             "expected a field name",
                             "expected `)`",
                             "expected `,` or `)`",
                             "expected `]`",
                             "expected `}` to close the set"})
    if (message.starts_with(m)) return true;
  return false;
}

// Keywords that may stand where a must<> failed: a misspelt one found there gets "did you mean".
template <typename Rule>
inline std::vector<std::string> words_here() {
  return {};
}
#define LEADRULES_WORDS(rule, ...)                     \
  template <>                                          \
  inline std::vector<std::string> words_here<rule>() { \
    return {__VA_ARGS__};                              \
  }
LEADRULES_WORDS(g::close_brace<g::ctx_score>, "points")
LEADRULES_WORDS(g::close_brace<g::ctx_test>, "now", "prospect", "colleague", "history", "expect")
LEADRULES_WORDS(g::close_brace<g::ctx_schema>, "kinds")
LEADRULES_WORDS(g::schema_target, "prospect", "activity")
LEADRULES_WORDS(g::rule_when, "when", "once", "always", "every")
LEADRULES_WORDS(g::rule_do, "do")
LEADRULES_WORDS(g::segment_when, "when")
LEADRULES_WORDS(g::grade_body, "start")
LEADRULES_WORDS(g::grade_if, "if")
LEADRULES_WORDS(g::points_body, "per", "if")
LEADRULES_WORDS(g::decay_mode, "after", "per")
LEADRULES_WORDS(g::once_per_kw, "per")
#undef LEADRULES_WORDS

// "did you mean `points`?" when the word at p is a misspelling of a keyword of `words`.
inline std::string keyword_hint(State const& st, char const* p, std::vector<std::string> const& words) {
  if (words.empty() || p >= st.end || !is_ident_char(*p)) return {};
  std::string_view w = word_at(st, p);
  for (auto const& k : words)
    if (w == k) return {};
  std::string close = closest_name(w, words);
  return close.empty() ? std::string() : fmt::format("did you mean `{}`?", close);
}

// ---------------------------------------------------------------------------------------------
// Control: stack marks, the nesting guard, and raise().

template <typename Rule>
struct control : pg::normal<Rule> {
  template <typename ParseInput>
  static void start(ParseInput const& in, State& st) {
    st.marks.push_back({st.items.size(), in.current()});
    if constexpr (std::is_same_v<Rule, g::primary>) {
      if (++st.depth > kMaxNesting)
        fail(token_at(st, in.current()), "expression nested too deeply",
             fmt::format("parentheses, calls and aggregates may nest at most {} levels", kMaxNesting));
    }
  }
  template <typename ParseInput>
  static void success(ParseInput const&, State& st) {
    st.marks.pop_back();
    if constexpr (std::is_same_v<Rule, g::primary>) --st.depth;
  }
  template <typename ParseInput>
  static void failure(ParseInput const&, State& st) {
    st.items.resize(st.marks.back().items);
    st.marks.pop_back();
    if constexpr (std::is_same_v<Rule, g::primary>) --st.depth;
  }
  template <typename ParseInput>
  [[noreturn]] static void raise(ParseInput const& in, State& st) {
    static_assert(error<Rule>::defined, "every must<> target needs a message in parser_errors.hpp");
    Msg m = error<Rule>::get(st);
    // At the start of the rule that failed (the must<>'s own mark), not wherever inside it the
    // match stopped.
    char const* p = st.marks.empty() ? in.current() : st.marks.back().begin;
    std::string found = describe_found(st, p);
    std::string hint = hint_for_found(st, p);
    if (hint.empty()) hint = keyword_hint(st, p, words_here<Rule>());
    if (hint.empty()) hint = m.hint;
    Span at = token_at(st, p);
    // Where the last token ends, and whether a line break separates it from p.
    char const* q = p;
    bool new_line = false;
    while (q > st.base && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\r' || q[-1] == '\n'))
      new_line |= *--q == '\n';
    if (p >= st.end) {
      // At the end of the file: point just after the last token, where the text is missing.
      at = {st.off(q), st.off(q)};
    } else if (new_line && operand_expected(m.text)) {
      // An operand missing at the end of a line (`grade >=` then the next declaration): the
      // error is on that line, not at whatever the next line starts with.
      at = {st.off(q), st.off(q)};
      found = "the end of the line";
      hint = m.hint;
    }
    fail(at, m.text + ", found " + found, hint);
  }
};

}  // namespace leadrules::parser_detail
