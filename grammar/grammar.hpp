// The leadrules grammar as PEGTL rules (LANGUAGE.md is the contract).
//
// Only rules live here: no actions, no state. The parser attaches the actions that build the
// syntax tree and the control that turns a failed `must<>` into a diagnostic, so every rule
// that can fail with a message of its own is a distinct type (e.g. `close_brace<ctx_score>`).
// Include this header from one translation unit only (parser.cpp): PEGTL is template heavy.
//
// Conventions:
//   - `ws` (blanks, newlines and `#` comments) is written explicitly between tokens, and only
//     in front of a token inside optional parts, so that a rule's match never ends in blanks:
//     the matched range of a rule is the byte span of the node it builds.
//   - A must<> target is what the parser expects next; its error message is in parser_errors.hpp.
//   - `W` (bool) selects whether the comparison level accepts the infix `within`: a `where`
//     condition of an activity aggregate does not (a trailing `within D` is the aggregate's
//     window); parentheses restore it.
#pragma once

#include <string_view>

#include <tao/pegtl.hpp>

namespace leadrules::grammar {

namespace pg = tao::pegtl;

using pg::at;
using pg::eof;
using pg::must;
using pg::not_at;
using pg::not_one;
using pg::one;
using pg::opt;
using pg::plus;
using pg::ranges;
using pg::rep;
using pg::rep_min_max;
using pg::seq;
using pg::sor;
using pg::star;

// ---------------------------------------------------------------------------------------------
// Lexical

struct digit : pg::ascii::digit {};
struct xdigit : pg::ascii::xdigit {};
struct ident_first : ranges<'a', 'z', 'A', 'Z', '_'> {};
struct ident_other : ranges<'a', 'z', 'A', 'Z', '0', '9', '_'> {};
struct code_point : pg::utf8::any {};

// Any identifier-shaped word, reserved or not.
struct word : seq<ident_first, star<ident_other>> {};

// `#` to the end of the line (the newline is not part of the comment).
struct comment : seq<one<'#'>, star<not_one<'\n'>>> {};
struct blank : one<' ', '\t', '\r', '\n', '\f', '\v'> {};
struct ws : star<sor<plus<blank>, comment>> {};

// The reserved words of LANGUAGE.md "Lexical": never identifiers.
inline constexpr std::string_view reserved_words[] = {
    "policy", "schema",    "set",      "let",      "score",   "grade",  "zone",  "segment", "rule", "test",
    "points", "decay",     "when",     "do",       "if",      "else",   "where", "within",  "per",  "once",
    "cap",    "every",     "always",   "start",    "after",   "and",    "or",    "not",     "in",   "any",
    "no",     "colleague", "activity", "prospect", "history", "expect", "now",   "true",    "false"};

inline bool is_reserved(std::string_view w) {
  for (auto r : reserved_words)
    if (r == w) return true;
  return false;
}

// A whole word that is a reserved word. (A custom rule: one scan and a table look-up instead
// of forty keyword alternatives.)
struct reserved_word {
  using rule_t = reserved_word;
  using subs_t = pg::type_list<>;

  template <typename ParseInput>
  static bool match(ParseInput& in) {
    auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
    auto alnum = [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); };
    char const* b = in.current();
    char const* e = b;
    if (e == in.end() || !alpha(*e)) return false;
    while (e != in.end() && alnum(*e)) ++e;
    if (!is_reserved(std::string_view(b, std::size_t(e - b)))) return false;
    in.bump(std::size_t(e - b));
    return true;
  }
};

// Grade literals A+ A A- … D- F; never followed by a letter, digit or `_`. `A-1` is `A` then `-1`.
struct grade_letter : one<'A', 'B', 'C', 'D', 'F'> {};
struct grade_lit : sor<seq<one<'A', 'B', 'C', 'D'>, one<'+', '-'>, not_at<ident_other>>,
                       seq<grade_letter, not_at<ident_other>>> {};

struct identifier : seq<not_at<reserved_word>, not_at<grade_lit>, word> {};

// Mistakes in grade literals (errors, raised by their actions): a sign apart from its letter
// (`A -`, `B +` at the end of a line: grade literals have no inner space), and F with a sign
// (`F-`: F has none). Tried before grade_lit wherever a grade literal may stand.
struct grade_sign_apart : seq<one<'A', 'B', 'C', 'D'>, sor<blank, comment>, ws, one<'+', '-'>> {};
struct grade_f_sign : seq<one<'F'>, ws, one<'+', '-'>> {};
struct bad_grade : sor<grade_sign_apart, grade_f_sign> {};

// Keywords (whole words).
#define LEADRULES_KW(name, text) \
  struct kw_##name : TAO_PEGTL_KEYWORD(text) {}
LEADRULES_KW(policy, "policy");
LEADRULES_KW(schema, "schema");
LEADRULES_KW(set, "set");
LEADRULES_KW(let, "let");
LEADRULES_KW(score, "score");
LEADRULES_KW(grade, "grade");
LEADRULES_KW(zone, "zone");
LEADRULES_KW(segment, "segment");
LEADRULES_KW(rule, "rule");
LEADRULES_KW(test, "test");
LEADRULES_KW(points, "points");
LEADRULES_KW(decay, "decay");
LEADRULES_KW(when, "when");
LEADRULES_KW(do, "do");
LEADRULES_KW(if, "if");
LEADRULES_KW(else, "else");
LEADRULES_KW(where, "where");
LEADRULES_KW(within, "within");
LEADRULES_KW(per, "per");
LEADRULES_KW(once, "once");
LEADRULES_KW(cap, "cap");
LEADRULES_KW(every, "every");
LEADRULES_KW(always, "always");
LEADRULES_KW(start, "start");
LEADRULES_KW(after, "after");
LEADRULES_KW(and, "and");
LEADRULES_KW(or, "or");
LEADRULES_KW(not, "not");
LEADRULES_KW(in, "in");
LEADRULES_KW(any, "any");
LEADRULES_KW(no, "no");
LEADRULES_KW(colleague, "colleague");
LEADRULES_KW(activity, "activity");
LEADRULES_KW(prospect, "prospect");
LEADRULES_KW(history, "history");
LEADRULES_KW(expect, "expect");
LEADRULES_KW(now, "now");
LEADRULES_KW(true, "true");
LEADRULES_KW(false, "false");
// Contextual keywords: identifiers everywhere else.
LEADRULES_KW(max, "max");
LEADRULES_KW(min, "min");
LEADRULES_KW(sum, "sum");
LEADRULES_KW(floor, "floor");
LEADRULES_KW(from, "from");
LEADRULES_KW(file, "file");
LEADRULES_KW(kinds, "kinds");
LEADRULES_KW(missing, "missing");
LEADRULES_KW(timezone, "timezone");
LEADRULES_KW(count, "count");
LEADRULES_KW(last, "last");
LEADRULES_KW(first, "first");
LEADRULES_KW(past, "past");
LEADRULES_KW(action, "action");
// Type names (only after `:` in a schema field).
LEADRULES_KW(t_string, "string");
LEADRULES_KW(t_number, "number");
LEADRULES_KW(t_bool, "bool");
LEADRULES_KW(t_time, "time");
LEADRULES_KW(t_duration, "duration");
#undef LEADRULES_KW

// The words that start a top-level declaration (error recovery resynchronises on them).
struct top_keyword : sor<kw_policy, kw_schema, kw_set, kw_let, kw_score, kw_points, kw_decay, kw_grade,
                         kw_zone, kw_segment, kw_rule, kw_test> {};

// Contexts: tag types that make otherwise identical rules distinct (for messages and actions).
struct ctx_let {};
struct ctx_set {};
struct ctx_score {};
struct ctx_zone {};
struct ctx_segment {};
struct ctx_field {};
struct ctx_kind {};
struct ctx_schema {};
struct ctx_test {};
struct ctx_prospect {};
struct ctx_colleague {};
struct ctx_activity {};
struct ctx_history {};
struct ctx_any {};
struct ctx_no {};
struct ctx_count {};
struct ctx_last {};
struct ctx_first {};
struct ctx_per {};

template <typename Ctx>
struct open_brace : one<'{'> {};
template <typename Ctx>
struct close_brace : one<'}'> {};
template <typename Ctx>
struct equals : one<'='> {};

// A name being declared: an identifier, or a reserved word / grade letter (an error with a
// message of its own, raised by the action of bad_name).
template <typename Ctx>
struct bad_name : word {};
template <typename Ctx>
struct decl_name : sor<identifier, bad_name<Ctx>> {};

// Numbers, durations, percentages.
struct digits : plus<digit> {};
struct number_tok : seq<digits, opt<one<'.'>, digits>> {};
struct dur_unit : sor<TAO_PEGTL_STRING("min"), one<'h'>, one<'d'>, one<'w'>> {};
struct duration_lit : seq<digits, dur_unit, not_at<ident_other>> {};
struct number_lit : seq<number_tok, not_at<ident_other>> {};
struct bad_number : seq<number_tok, plus<ident_other>> {};  // `7days`, `2.5h`: an error
struct bad_percent : seq<number_tok, one<'%'>> {};          // `50%` outside `decay`: an error
// `60 days`, `48 hours`, `30 min`: a number, blanks on the same line and a unit word (not a
// field `d: …` of a test object): an error (durations are written `60d`).
struct unit_word
    : seq<sor<TAO_PEGTL_STRING("minutes"), TAO_PEGTL_STRING("minute"), TAO_PEGTL_STRING("mins"),
              TAO_PEGTL_STRING("min"), TAO_PEGTL_STRING("hours"), TAO_PEGTL_STRING("hour"),
              TAO_PEGTL_STRING("hrs"), TAO_PEGTL_STRING("hr"), TAO_PEGTL_STRING("days"),
              TAO_PEGTL_STRING("day"), TAO_PEGTL_STRING("weeks"), TAO_PEGTL_STRING("week"),
              TAO_PEGTL_STRING("months"), TAO_PEGTL_STRING("month"), TAO_PEGTL_STRING("years"),
              TAO_PEGTL_STRING("year"), TAO_PEGTL_STRING("seconds"), TAO_PEGTL_STRING("second"),
              TAO_PEGTL_STRING("secs"), TAO_PEGTL_STRING("sec"), one<'h', 'd', 'w', 'm', 's', 'y'>>,
          not_at<ident_other>> {};
struct spaced_duration : seq<number_tok, plus<one<' ', '\t'>>, unit_word, not_at<star<blank>, one<':'>>> {};
struct sign : one<'+', '-'> {};
struct signed_number : seq<opt<sign>, number_lit> {};
struct duration_req : sor<duration_lit, spaced_duration, bad_number> {};

// Strings: `"…"` with \" \\ \n \t \u{XXXX}; no raw line breaks.
struct dquote : one<'"'> {};
struct escape
    : seq<one<'\\'>,
          sor<one<'"', '\\', 'n', 't'>, seq<one<'u'>, one<'{'>, rep_min_max<1, 6, xdigit>, one<'}'>>>> {};
struct bad_escape : seq<one<'\\'>, opt<code_point>> {};  // an error at the backslash
struct str_chars : plus<not_one<'"', '\\', '\n', '\r'>> {};
struct unterminated_string : seq<dquote, star<not_one<'\n'>>> {};  // an error
struct string_lit : sor<seq<dquote, star<sor<str_chars, escape, bad_escape>>, dquote>, unterminated_string> {
};

// Times: @2026-11-22, @2026-11-22T10:00:00Z, @2026-11-22T10:00:00.123456+09:00.
struct time_date : seq<rep<4, digit>, one<'-'>, rep<2, digit>, one<'-'>, rep<2, digit>> {};
struct time_clock
    : seq<rep<2, digit>, one<':'>, rep<2, digit>, one<':'>, rep<2, digit>, opt<one<'.'>, digits>> {};
struct time_zone : sor<one<'Z'>, seq<one<'+', '-'>, rep<2, digit>, one<':'>, rep<2, digit>>> {};
struct time_of_day : seq<one<'T'>, must<time_clock>, must<time_zone>> {};
struct time_body : seq<time_date, opt<time_of_day>> {};
struct time_end : not_at<sor<ident_other, one<':', '.'>>> {};
struct time_lit : seq<one<'@'>, must<time_body>, must<time_end>> {};
// A time without its `@` (`2026-11-20`, `2026-11-20T10:00:00Z`): an error.
struct bare_time : seq<time_date, star<sor<ident_other, one<':', '.'>, seq<one<'+', '-'>, digit>>>> {};

struct bool_lit : sor<kw_true, kw_false> {};

// ---------------------------------------------------------------------------------------------
// Expressions

struct expression;
template <bool W>
struct or_expr;
struct where_condition;
struct window;
struct coalesce;

struct comma : one<','> {};
struct list_sep : seq<ws, comma, ws> {};

// ( … )
struct paren_inner : seq<expression> {};
struct paren_close : one<')'> {};
struct paren_expr : seq<one<'('>, ws, must<paren_inner>, ws, must<paren_close>> {};

// {"a", "b"} (right of `in`, and `set NAME = {…}`); a trailing comma is allowed.
struct set_member : seq<string_lit> {};
struct set_members : seq<set_member, star<list_sep, set_member>, opt<list_sep>> {};
struct set_close : one<'}'> {};
struct set_literal : seq<one<'{'>, ws, opt<set_members>, ws, must<set_close>> {};

// f(a, b)
struct callee : seq<identifier> {};
struct call_arg : seq<expression> {};
struct call_arg_next : seq<expression> {};
struct call_close : one<')'> {};
struct call_args : seq<call_arg, star<list_sep, must<call_arg_next>>> {};
struct call : seq<callee, ws, one<'('>, ws, opt<call_args>, ws, must<call_close>> {};

// Aggregates.
struct agg_close : one<')'> {};
template <typename Ctx>
struct agg_kind : sor<kw_activity, identifier> {};
struct agg_where : seq<kw_where, ws, must<where_condition>> {};
struct agg_within : seq<kw_within, ws, must<window>> {};
struct agg_no_window : kw_within {};  // `last(X within D)`: an error
template <typename Ctx>
struct activity_agg_body : seq<must<agg_kind<Ctx>>, opt<ws, agg_where>, opt<ws, agg_within>> {};
template <typename Ctx>
struct activity_pick_body : seq<must<agg_kind<Ctx>>, opt<ws, agg_where>, opt<ws, agg_no_window>> {};

struct colleague_condition : seq<expression> {};
struct colleague_where : seq<kw_where, ws, must<colleague_condition>> {};
struct count_colleague : seq<kw_colleague, ws, must<colleague_where>> {};
struct any_colleague : seq<kw_colleague, ws, must<colleague_where>> {};
struct no_colleague : kw_colleague {};  // `no colleague`: an error (write `not any colleague`)

struct count_agg : seq<kw_count, ws, one<'('>, ws, sor<count_colleague, activity_agg_body<ctx_count>>, ws,
                       must<agg_close>> {};
struct last_agg : seq<kw_last, ws, one<'('>, ws, activity_pick_body<ctx_last>, ws, must<agg_close>> {};
struct first_agg : seq<kw_first, ws, one<'('>, ws, activity_pick_body<ctx_first>, ws, must<agg_close>> {};
struct any_agg : seq<kw_any, ws, sor<any_colleague, activity_agg_body<ctx_any>>> {};
struct no_agg : seq<kw_no, ws, sor<no_colleague, activity_agg_body<ctx_no>>> {};

struct colleague_fn : sor<kw_sum, kw_min, kw_max> {};
struct colleague_comma : one<','> {};
struct colleague_value : seq<expression> {};
struct colleague_fold : seq<colleague_fn, ws, one<'('>, ws, kw_colleague, ws, must<colleague_comma>, ws,
                            must<colleague_value>, ws, must<agg_close>> {};

// past(E, d)
struct past_value : seq<expression> {};
struct past_comma : one<','> {};
struct past_duration : seq<duration_req> {};
struct past_expr : seq<kw_past, ws, one<'('>, ws, must<past_value>, ws, must<past_comma>, ws,
                       must<past_duration>, ws, must<agg_close>> {};

struct string_expr : seq<string_lit> {};
struct number_expr : seq<number_lit> {};
struct duration_expr : seq<duration_lit> {};
struct grade_expr : seq<grade_lit> {};
struct grade_value : sor<bad_grade, grade_expr> {};
struct now_expr : kw_now {};
struct name_ref : sor<identifier, kw_score, kw_grade> {};

struct primary : sor<paren_expr, time_lit, bare_time, duration_expr, bad_percent, spaced_duration,
                     number_expr, bad_number, string_expr, bool_lit, now_expr, grade_value, count_agg,
                     last_agg, first_agg, any_agg, no_agg, colleague_fold, past_expr, call, name_ref> {};

// Unary minus (iterative: `- - x` does not recurse).
struct neg_op : one<'-'> {};
struct neg_operand : seq<primary> {};
struct unary : sor<seq<plus<neg_op, ws>, must<neg_operand>>, primary> {};

// * /
struct mul_op : one<'*', '/'> {};
struct mul_rhs : seq<unary> {};
struct mul_tail : seq<ws, mul_op, ws, must<mul_rhs>> {};
struct multiplicative : seq<unary, star<mul_tail>> {};

// + -
struct add_op : one<'+', '-'> {};
struct add_rhs : seq<multiplicative> {};
struct add_tail : seq<ws, add_op, ws, must<add_rhs>> {};
struct additive : seq<multiplicative, star<add_tail>> {};

// ?? (right associative; folded by the action of `coalesce`)
struct coalesce_op : TAO_PEGTL_STRING("??") {};
struct coalesce_rhs : seq<additive> {};
struct coalesce_tail : seq<ws, coalesce_op, ws, must<coalesce_rhs>> {};
struct coalesce : seq<additive, star<coalesce_tail>> {};

// Comparisons: one level, not associative.
struct op_eq : TAO_PEGTL_STRING("==") {};
struct op_ne : TAO_PEGTL_STRING("!=") {};
struct op_le : TAO_PEGTL_STRING("<=") {};
struct op_ge : TAO_PEGTL_STRING(">=") {};
struct op_lt : one<'<'> {};
struct op_gt : one<'>'> {};
struct op_imatch : TAO_PEGTL_STRING("~*") {};
struct op_match : one<'~'> {};
struct op_in : kw_in {};
struct op_within : kw_within {};
struct cmp_op_base : sor<op_eq, op_ne, op_le, op_ge, op_lt, op_gt, op_imatch, op_match> {};
// Operators of other languages (`=`, `=>`, `=<`, `<>`, `===`, `=~`, `≠`, `≤`, `≥`): an error
// that names the one to write. `=` never follows an operand in a valid policy.
struct bad_cmp_op : sor<TAO_PEGTL_STRING("==="), TAO_PEGTL_STRING("=>"), TAO_PEGTL_STRING("=<"),
                        TAO_PEGTL_STRING("=~"), TAO_PEGTL_STRING("<>"), seq<one<'='>, not_at<one<'='>>>,
                        TAO_PEGTL_STRING("\u2260"), TAO_PEGTL_STRING("\u2264"), TAO_PEGTL_STRING("\u2265")> {
};
template <bool W>
struct cmp_op : sor<cmp_op_base, op_within> {};
template <>
struct cmp_op<false> : cmp_op_base {};
struct cmp_rhs : seq<coalesce> {};
struct in_rhs : sor<set_literal, name_ref> {};
template <bool W>
struct cmp_tail
    : sor<seq<ws, bad_cmp_op>, seq<ws, op_in, ws, must<in_rhs>>, seq<ws, cmp_op<W>, ws, must<cmp_rhs>>> {};
template <bool W>
struct cmp_chain : seq<ws, sor<bad_cmp_op, op_in, cmp_op<W>>> {};  // a second one: an error
template <bool W>
struct comparison : seq<coalesce, opt<cmp_tail<W>, opt<cmp_chain<W>>>> {};

// not (prefix, below comparisons; iterative)
struct not_op : kw_not {};
template <bool W>
struct not_operand : seq<comparison<W>> {};
template <bool W>
struct not_expr : sor<seq<plus<not_op, ws>, must<not_operand<W>>>, comparison<W>> {};

template <bool W>
struct and_rhs : seq<not_expr<W>> {};
template <bool W>
struct and_tail : seq<ws, kw_and, ws, must<and_rhs<W>>> {};
template <bool W>
struct and_expr : seq<not_expr<W>, star<and_tail<W>>> {};

template <bool W>
struct or_rhs : seq<and_expr<W>> {};
template <bool W>
struct or_tail : seq<ws, kw_or, ws, must<or_rhs<W>>> {};
template <bool W>
struct or_expr : seq<and_expr<W>, star<or_tail<W>>> {};

struct expression : seq<or_expr<true>> {};
struct where_condition : seq<or_expr<false>> {};
struct window : seq<coalesce> {};

// Conditions in their contexts (one type each, for the messages).
struct if_condition : seq<expression> {};
struct when_condition : seq<expression> {};
struct zone_condition : seq<expression> {};
struct let_value : seq<expression> {};

// A whole text that is one expression (parse_expression).
struct expression_req : seq<expression> {};
struct expression_end : eof {};
struct single_expression : seq<ws, must<expression_req>, ws, must<expression_end>> {};

// ---------------------------------------------------------------------------------------------
// Templates: string arguments of actions and `set` values.

struct tmpl_chars : plus<not_one<'"', '\\', '{', '}', '\n', '\r'>> {};
struct tmpl_lbrace2 : TAO_PEGTL_STRING("{{") {};
struct tmpl_rbrace2 : TAO_PEGTL_STRING("}}") {};
struct tmpl_text : plus<sor<tmpl_chars, escape, bad_escape, tmpl_lbrace2, tmpl_rbrace2>> {};
struct tmpl_lone_rbrace : one<'}'> {};  // an error
struct fallback_chars : plus<not_one<'"', '\\', '}', '\n', '\r'>> {};
struct tmpl_fallback : seq<one<'|'>, star<sor<fallback_chars, escape, bad_escape>>> {};
struct tmpl_expr : seq<expression> {};
struct tmpl_close : one<'}'> {};
struct tmpl_interp : seq<one<'{'>, ws, must<tmpl_expr>, ws, opt<tmpl_fallback>, must<tmpl_close>> {};
struct tmpl_piece : sor<tmpl_text, tmpl_interp, tmpl_lone_rbrace> {};
struct template_lit : sor<seq<dquote, star<tmpl_piece>, dquote>, unterminated_string> {};
// `"…" + x`: an error (a template is a whole value; interpolate instead).
struct template_misuse : seq<ws, sor<coalesce_op, cmp_op_base, one<'+', '-', '*', '/'>, op_in>> {};
struct template_value : seq<template_lit, opt<template_misuse>> {};

// ---------------------------------------------------------------------------------------------
// Declarations

// policy "Name" [timezone "Zone"]
struct policy_name : seq<string_lit> {};
struct timezone_name : seq<string_lit> {};
struct timezone_clause : seq<kw_timezone, ws, must<timezone_name>> {};
struct policy_decl : seq<kw_policy, ws, must<policy_name>, opt<ws, timezone_clause>> {};

// Literal values: field defaults and test values.
struct literal_value;
struct list_close : one<']'> {};
struct list_items : seq<literal_value, star<list_sep, literal_value>, opt<list_sep>> {};
struct list_value : seq<one<'['>, ws, opt<list_items>, ws, must<list_close>> {};
struct signed_duration : seq<opt<sign>, duration_lit> {};
struct signed_value : seq<opt<sign>, number_lit> {};
struct literal_value
    : sor<list_value, string_expr, bare_time, signed_duration, bad_percent, seq<opt<sign>, spaced_duration>,
          signed_value, time_lit, bool_lit, grade_value, seq<opt<sign>, bad_number>> {};
struct literal_req : seq<literal_value> {};

// schema prospect { … } / schema activity { kinds …  FIELD… }
struct schema_target : sor<kw_prospect, kw_activity> {};
struct type_name : sor<kw_t_string, kw_t_number, kw_t_bool, kw_t_time, kw_t_duration, kw_grade> {};
struct list_elem_type : kw_t_string {};
struct list_type_close : one<']'> {};
struct list_type : seq<one<'['>, ws, must<list_elem_type>, ws, must<list_type_close>> {};
struct bad_type : word {};  // an error: unknown type
struct type_base : sor<list_type, type_name, bad_type> {};
struct type_ref : seq<type_base, opt<ws, one<'?'>>> {};
struct field_colon : one<':'> {};
struct default_value : seq<one<'='>, ws, must<literal_req>> {};
struct from_column : seq<string_lit> {};
struct from_clause : seq<kw_from, not_at<ws, one<':'>>, ws, must<from_column>> {};
struct missing_value : seq<string_lit> {};
struct missing_clause
    : seq<kw_missing, not_at<ws, one<':'>>, ws, must<missing_value>, star<list_sep, missing_value>> {};
// A field's name; a reserved word followed by `:` is an error of its own (otherwise a reserved
// word ends the list: it is probably the next declaration after a missing `}`).
struct field_name : sor<identifier, seq<at<word, ws, one<':'>>, bad_name<ctx_field>>> {};
struct field_decl : seq<field_name, ws, must<field_colon>, ws, must<type_ref>, opt<ws, default_value>,
                        opt<ws, from_clause>, opt<ws, missing_clause>> {};
struct kind_name : seq<decl_name<ctx_kind>> {};
struct kind_plain : seq<not_at<kw_kinds>, identifier> {};
struct field_ahead : at<word, ws, one<':'>> {};
// More kinds: after a comma (a reserved word there is an error), or on the next line (only an
// identifier that does not start a field `name:`).
struct kind_more : sor<seq<ws, comma, ws, not_at<field_ahead>, must<kind_name>>,
                       seq<ws, not_at<field_ahead>, kind_plain>> {};
struct kinds_clause : seq<kw_kinds, not_at<ws, one<':'>>, ws, must<kind_name>, star<kind_more>> {};
struct schema_item : sor<kinds_clause, field_decl> {};
struct schema_decl : seq<kw_schema, ws, must<schema_target>, ws, must<open_brace<ctx_schema>>, ws,
                         star<schema_item, ws, opt<comma, ws>>, must<close_brace<ctx_schema>>> {};

// set NAME = {"a", …} | file("path")
struct file_path : seq<string_lit> {};
struct file_close : one<')'> {};
struct file_ref : seq<kw_file, ws, one<'('>, ws, must<file_path>, ws, must<file_close>> {};
struct set_value : sor<set_literal, file_ref> {};
struct set_decl : seq<kw_set, ws, must<decl_name<ctx_set>>, ws, must<equals<ctx_set>>, ws, must<set_value>> {
};

// let NAME = expr
struct let_decl : seq<kw_let, ws, must<decl_name<ctx_let>>, ws, must<equals<ctx_let>>, ws, must<let_value>> {
};

// points ±N per X [where C] [within D] [once per FIELD] [cap M]  |  points ±N if C [cap M]
struct points_amount : seq<signed_number> {};
struct cap_number : seq<signed_number> {};
struct rule_cap : seq<kw_cap, ws, must<cap_number>> {};
struct once_per_kw : kw_per {};
struct once_field : seq<identifier> {};
struct once_per : seq<kw_once, ws, must<once_per_kw>, ws, must<once_field>> {};
struct per_kind : seq<agg_kind<ctx_per>> {};
struct points_per : seq<kw_per, ws, must<per_kind>, opt<ws, agg_where>, opt<ws, agg_within>,
                        opt<ws, once_per>, opt<ws, rule_cap>> {};
struct points_if : seq<kw_if, ws, must<if_condition>, opt<ws, rule_cap>> {};
struct points_body : sor<points_per, points_if> {};
struct points_rule : seq<kw_points, ws, must<points_amount>, ws, must<points_body>> {};
struct points_decl : seq<points_rule> {};

// score NAME [cap M] [floor F] { points… }  |  score cap M  |  score floor F
struct bound_number : seq<signed_number> {};
struct score_bound_cap : seq<kw_cap, ws, must<bound_number>> {};
struct score_bound_floor : seq<kw_floor, ws, bound_number> {};
struct block_cap : seq<kw_cap, ws, must<bound_number>> {};
struct block_floor : seq<kw_floor, ws, must<bound_number>> {};
struct score_block
    : seq<decl_name<ctx_score>, opt<ws, block_cap>, opt<ws, block_floor>, ws, must<open_brace<ctx_score>>, ws,
          star<points_rule, ws>, must<close_brace<ctx_score>>> {};
struct score_body : sor<score_bound_cap, score_bound_floor, score_block> {};
struct score_decl : seq<kw_score, ws, must<score_body>> {};

// decay P% after D  |  decay P% per D
struct decay_percent : seq<number_tok, one<'%'>> {};
struct decay_after : seq<kw_after, ws, must<duration_req>> {};
struct decay_per : seq<kw_per, ws, must<duration_req>> {};
struct decay_mode : sor<decay_after, decay_per> {};
struct decay_decl : seq<kw_decay, ws, must<decay_percent>, ws, must<decay_mode>> {};

// grade start G  |  grade MOVE if C [else MOVE]
struct grade_req : sor<bad_grade, grade_lit> {};
struct grade_start : seq<kw_start, ws, must<grade_req>> {};
struct move_tok : seq<sign, digits, opt<one<'/'>, digits>, not_at<ident_other>> {};
struct grade_if : kw_if {};
struct else_move : seq<move_tok> {};
struct grade_else : seq<kw_else, ws, must<else_move>> {};
struct grade_move : seq<move_tok, ws, must<grade_if>, ws, must<if_condition>, opt<ws, grade_else>> {};
struct grade_body : sor<grade_start, grade_move> {};
struct grade_decl : seq<kw_grade, ws, must<grade_body>> {};

// zone NAME { GRADE COND … }
struct zone_row : seq<grade_value, ws, must<zone_condition>> {};
struct zone_decl : seq<kw_zone, ws, must<decl_name<ctx_zone>>, ws, must<open_brace<ctx_zone>>, ws,
                       star<zone_row, ws>, must<close_brace<ctx_zone>>> {};

// segment NAME when C
struct segment_when : kw_when {};
struct segment_decl
    : seq<kw_segment, ws, must<decl_name<ctx_segment>>, ws, must<segment_when>, ws, must<when_condition>> {};

// rule "name" [once | always [max N] | every D [max N]] when C do A1, A2, …
struct rule_name : seq<string_lit> {};
struct max_count : seq<number_lit> {};
struct max_clause : seq<kw_max, ws, must<max_count>> {};
struct q_once : kw_once {};
struct q_always : seq<kw_always, opt<ws, max_clause>> {};
struct every_duration : seq<duration_req> {};
struct q_every : seq<kw_every, ws, must<every_duration>, opt<ws, max_clause>> {};
struct qualifier : sor<q_once, q_always, q_every> {};
struct rule_when : kw_when {};
struct rule_do : kw_do {};

struct action_name : seq<identifier> {};
struct action_open : one<'('> {};
struct action_close : one<')'> {};
struct action_arg : sor<template_value, expression> {};
struct action_arg_next : sor<template_value, expression> {};
struct action_args : seq<action_arg, star<list_sep, must<action_arg_next>>> {};
struct action_call : seq<action_name, ws, must<action_open>, ws, opt<action_args>, ws, must<action_close>> {};
struct set_field : seq<identifier> {};
struct set_compare : TAO_PEGTL_STRING("==") {};  // `set status == "MQL"` in a rule: an error
struct set_equals : sor<set_compare, one<'='>> {};
struct set_action_value : sor<template_value, expression> {};
struct set_action : seq<kw_set, ws, must<set_field>, ws, must<set_equals>, ws, must<set_action_value>> {};
struct action : sor<set_action, action_call> {};
struct first_action : seq<action> {};
struct action_comma : comma {};
// After a comma: the next action, or (an error) a trailing comma before the next declaration.
struct top_set_ahead : seq<kw_set, ws, word, ws, one<'='>, ws, sor<one<'{'>, seq<kw_file, ws, one<'('>>>> {};
struct trailing_comma : at<sor<eof, top_set_ahead, seq<not_at<kw_set>, top_keyword>>> {};
struct next_action : sor<trailing_comma, action> {};
struct action_list : seq<must<first_action>, star<ws, action_comma, ws, must<next_action>>> {};
struct rule_decl : seq<kw_rule, ws, must<rule_name>, ws, opt<qualifier, ws>, must<rule_when>, ws,
                       must<when_condition>, ws, must<rule_do>, ws, action_list> {};

// test "name" { … }
struct test_name : seq<string_lit> {};
struct test_colon : one<':'> {};
struct test_field : seq<field_name, ws, must<test_colon>, ws, must<literal_req>> {};
template <typename Ctx>
struct object_body : seq<ws, star<test_field, ws, opt<comma, ws>>, must<close_brace<Ctx>>> {};
struct activity_kind : seq<identifier> {};
struct test_activity : seq<activity_kind, ws, open_brace<ctx_activity>, object_body<ctx_activity>> {};
struct test_prospect : seq<kw_prospect, ws, must<open_brace<ctx_prospect>>, object_body<ctx_prospect>> {};
struct colleague_item : sor<seq<at<identifier, ws, one<'{'>>, test_activity>, test_field> {};
struct test_colleague : seq<kw_colleague, ws, must<open_brace<ctx_colleague>>, ws,
                            star<colleague_item, ws, opt<comma, ws>>, must<close_brace<ctx_colleague>>> {};
struct history_rule : seq<string_lit> {};
struct test_history
    : seq<kw_history, ws, must<history_rule>, ws, must<open_brace<ctx_history>>, object_body<ctx_history>> {};
struct test_time : sor<time_lit, bare_time> {};
struct test_now : seq<kw_now, ws, must<test_time>> {};
struct expect_field : seq<identifier> {};
struct expect_eq : op_eq {};
struct expect_value : seq<coalesce> {};
struct expect_set : seq<kw_set, ws, must<expect_field>, ws, must<expect_eq>, ws, must<expect_value>> {};
struct expect_action : seq<kw_action, ws, at<identifier>, action_call> {};
struct expect_condition : seq<expression> {};
struct expect_body : sor<expect_set, expect_action, expect_condition> {};
struct test_expect : seq<kw_expect, ws, must<expect_body>> {};
struct test_item : sor<test_now, test_prospect, test_colleague, test_history, test_expect, test_activity> {};
struct test_decl : seq<kw_test, ws, must<test_name>, ws, must<open_brace<ctx_test>>, ws, star<test_item, ws>,
                       must<close_brace<ctx_test>>> {};

// One top-level declaration (the parser drives the loop, for error recovery).
struct declaration : sor<policy_decl, schema_decl, set_decl, let_decl, score_decl, points_decl, decay_decl,
                         grade_decl, zone_decl, segment_decl, rule_decl, test_decl> {};

}  // namespace leadrules::grammar
