// Text -> syntax tree: the actions and the control for the rules of grammar.hpp.
//
// How the tree is built. Actions push typed items on one stack (State::items); the action of a
// composite rule takes the items its sub-rules pushed and replaces them by the node it builds.
// The control records, for every rule it starts, the height of that stack and where the rule
// began (State::marks): a rule that fails drops what its sub-rules pushed (so backtracking never
// leaves stray nodes behind), and an action knows exactly which items are its own.
//
// Errors are exceptions (SyntaxError) with a byte span: thrown by the control's raise() when a
// must<> fails (messages below, one per rule; a missing one is a compile error), and by actions
// that recognise a mistake (`7days`, a reserved word used as a name, a chained comparison, …).
// The top-level loop parses one declaration at a time, so one error costs one declaration:
// it records the diagnostic and resynchronises at the next line starting with a declaration
// keyword.
#include "grammar/parser.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "grammar/grammar.hpp"

namespace leadrules {
namespace {

namespace pg = tao::pegtl;
namespace g = leadrules::grammar;
using namespace ast;

// Parentheses, calls and aggregates may nest this deep (native recursion of the parser), and
// an expression tree may be this high (operator chains, prefix operators): beyond, an error.
constexpr int kMaxNesting = 200;
constexpr int kMaxHeight = 256;

struct SyntaxError {
  Span span;
  std::string message;
  std::string hint;
};

// ---------------------------------------------------------------------------------------------
// Items: what actions push.

struct ExprItem {
  ExprPtr e;
  Span outer;      // the span including enclosing parentheses (what a parent's span starts at)
  int height = 1;  // height of the tree
};
struct OpItem { BinOp op; Span span; };
struct PrefixItem { UnOp op; Span span; };
struct StrItem { std::string text; Span span; };
struct WhereItem { ExprItem cond; bool colleague = false; };
struct WithinItem { ExprItem window; };
struct CapItem { Number n; };
struct FloorItem { Number n; };
struct MaxItem { Number n; };
struct OnceItem { Ident field; };
struct FnItem { AggFn fn; Span span; };
struct MoveItem { int thirds; std::string text; Span span; };
struct FallbackItem { std::string text; };
struct PieceItem { TemplatePiece piece; int height = 0; };
struct FromItem { std::string column; };
struct MissingItem { std::vector<std::string> values; };
struct FileItem { std::string path; };
struct KindItem { Ident kind; };
struct TargetItem { bool activity; };
struct LinearItem {};
struct QualItem { RuleDecl::Qualifier q; ExprPtr every; std::optional<Number> max; };
struct NowItem { ExprPtr time; Span span; };
struct ProspectItem { TestProspect p; bool colleague; };
struct PolicyItem { std::string name; Span name_span; std::optional<std::string> tz; Span tz_span; Span span; };
struct DeclItem { Decl decl; };

using Item = std::variant<ExprItem, OpItem, PrefixItem, StrItem, WhereItem, WithinItem, CapItem,
                          FloorItem, MaxItem, OnceItem, FnItem, MoveItem, FallbackItem, PieceItem,
                          FromItem, MissingItem, FileItem, KindItem, TargetItem, LinearItem,
                          QualItem, NowItem, ProspectItem, PolicyItem, DeclItem, Ident, Number,
                          TypeRef, FieldDecl, PointsRule, ZoneRow, Action, TestField, TestActivity,
                          TestHistory, Expect>;

struct Mark {
  size_t items;
  char const* begin;
};

struct State {
  SourceFile const& src;
  char const* base;
  char const* end;
  std::vector<Item> items;
  std::vector<Mark> marks;
  int depth = 0;
  std::string open_name;          // the score block, zone or test being parsed (for messages)
  Span last_comma{};              // the last comma of an action list
  std::map<uint32_t, Comment> comments;

  explicit State(SourceFile const& s)
      : src(s), base(s.text().data()), end(s.text().data() + s.text().size()) {
    items.reserve(64);
    marks.reserve(256);
  }

  void reset() {
    items.clear();
    marks.clear();
    depth = 0;
    open_name.clear();
  }

  uint32_t off(char const* p) const { return uint32_t(p - base); }
  template <typename In>
  Span span(In const& in) const { return {off(in.begin()), off(in.end())}; }

  // The items pushed by the sub-rules of the rule whose action runs now.
  std::vector<Item> take() {
    size_t m = marks.empty() ? 0 : marks.back().items;
    std::vector<Item> out;
    out.reserve(items.size() - m);
    for (size_t i = m; i < items.size(); ++i) out.push_back(std::move(items[i]));
    items.resize(m);
    return out;
  }
  template <typename T>
  T pop() {
    T v = std::move(std::get<T>(items.back()));
    items.pop_back();
    return v;
  }
  template <typename T>
  void push(T&& v) { items.emplace_back(std::forward<T>(v)); }
};

[[noreturn]] void fail(Span span, std::string message, std::string hint = {}) {
  throw SyntaxError{span, std::move(message), std::move(hint)};
}

// ---------------------------------------------------------------------------------------------
// Small helpers

bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

size_t utf8_length(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c >> 5) == 0x6) return 2;
  if ((c >> 4) == 0xE) return 3;
  if ((c >> 3) == 0x1E) return 4;
  return 1;
}

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
    return "a list literal can only be a test value; test membership with `\"vip\" in tags`, or the size with `len(tags)`";
  if (rest.starts_with("{"))
    return "a set literal can only stand right of `in`; to name a set, declare it: `set NAME = {\"a\", \"b\"}`";
  return {};
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

// Unescapes the raw text of a string (or a template's literal run) that the grammar has
// already validated, at byte offset `at`. In templates `{{`/`}}` are literal braces.
std::string unescape(State const& st, std::string_view raw, uint32_t at, bool braces) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (braces && (c == '{' || c == '}') && i + 1 < raw.size() && raw[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c != '\\' || i + 1 >= raw.size()) {
      out += c;
      continue;
    }
    char e = raw[++i];
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case 'u': {
        size_t close = raw.find('}', i);
        std::string_view hex = raw.substr(i + 2, close - (i + 2));
        uint32_t cp = 0;
        std::from_chars(hex.data(), hex.data() + hex.size(), cp, 16);
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0)
          fail({uint32_t(at + i - 1), uint32_t(at + close + 1)},
               fmt::format("`\\u{{{}}}` is not a Unicode character", hex),
               "use a code point from 1 to 10FFFF, outside D800-DFFF");
        append_utf8(out, cp);
        i = close;
        break;
      }
      default: out += e; break;
    }
  }
  (void)st;
  return out;
}

ExprItem node(ExprKind k, Span s) {
  ExprItem it;
  it.e = std::make_unique<Expr>();
  it.e->kind = k;
  it.e->span = s;
  it.outer = s;
  return it;
}

void check_height(ExprItem const& it) {
  if (it.height > kMaxHeight)
    fail(it.outer, "expression nested too deeply",
         fmt::format("an expression may nest at most {} levels; split it with `let`", kMaxHeight));
}

// Makes `child` an argument of `parent`.
void adopt(ExprItem& parent, ExprItem child) {
  parent.height = std::max(parent.height, child.height + 1);
  parent.e->args.push_back(std::move(child.e));
  check_height(parent);
}
void adopt_into(ExprItem& parent, ExprPtr& slot, ExprItem child) {
  parent.height = std::max(parent.height, child.height + 1);
  slot = std::move(child.e);
  check_height(parent);
}

ExprItem binary(BinOp op, ExprItem lhs, ExprItem rhs) {
  ExprItem it = node(ExprKind::Binary, {lhs.outer.begin, rhs.outer.end});
  it.e->bin = op;
  adopt(it, std::move(lhs));
  adopt(it, std::move(rhs));
  return it;
}

ExprItem unary(UnOp op, Span op_span, ExprItem operand) {
  ExprItem it = node(ExprKind::Unary, {op_span.begin, operand.outer.end});
  it.e->un = op;
  adopt(it, std::move(operand));
  return it;
}

int grade_index(std::string_view g) {
  int base = 0;
  switch (g[0]) {
    case 'F': return 0;
    case 'D': base = 2; break;
    case 'C': base = 5; break;
    case 'B': base = 8; break;
    case 'A': base = 11; break;
    default: return 0;
  }
  if (g.size() > 1) base += g[1] == '+' ? 1 : -1;
  return base;
}

// Numbers: at most 400 digits, finite as a double.
double number_value(std::string_view text, Span span) {
  size_t digits = 0;
  for (char c : text) digits += c >= '0' && c <= '9';
  double v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  std::string_view whole = text.substr(0, text.find('.'));
  bool big = whole.find_first_not_of('0') != std::string_view::npos;
  if (digits > 400 || (r.ec == std::errc::result_out_of_range && big) ||
      (r.ec == std::errc() && !std::isfinite(v)))
    fail(span, "number is too large", "numbers are IEEE doubles: at most about 1.8e308");
  if (r.ec == std::errc::result_out_of_range)
    fail(span, "number is too small to be represented", "numbers are IEEE doubles");
  return v;
}

int64_t duration_micros(std::string_view text, Span span) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  std::string_view num = text.substr(0, i), unit = text.substr(i);
  int64_t per = unit == "min" ? 60'000'000LL
                : unit == "h" ? 3'600'000'000LL
                : unit == "d" ? 86'400'000'000LL
                              : 604'800'000'000LL;
  int64_t n = 0, out = 0;
  auto r = std::from_chars(num.data(), num.data() + num.size(), n);
  if (r.ec != std::errc() || __builtin_mul_overflow(n, per, &out))
    fail(span, fmt::format("duration `{}` is too large", text),
         "durations are kept in microseconds (at most about 292,000 years)");
  return out;
}

ExprItem duration_node(std::string_view text, Span span) {
  ExprItem it = node(ExprKind::Duration, span);
  it.e->text = std::string(text);
  it.e->micros = duration_micros(text, span);
  return it;
}

ExprItem number_node(std::string_view text, Span span) {
  ExprItem it = node(ExprKind::Number, span);
  it.e->text = std::string(text);
  it.e->number = number_value(text, span);
  return it;
}

Number number_struct(std::string_view text, Span span) {
  Number n;
  n.text = std::string(text);
  n.span = span;
  std::string_view digits = text;
  bool neg = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    neg = digits[0] == '-';
    digits.remove_prefix(1);
  }
  n.value = number_value(digits, span);
  if (neg) n.value = -n.value;
  return n;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t const era = (y >= 0 ? y : y - 399) / 400;
  unsigned const yoe = unsigned(y - era * 400);
  unsigned const doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + int64_t(doe) - 719468;
}

ExprItem time_node(std::string_view text, Span span) {
  // text without '@': YYYY-MM-DD[THH:MM:SS[.f…](Z|±HH:MM)]; the grammar checked the shape.
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = 0; i < len; ++i) v = v * 10 + (text[pos + i] - '0');
    return v;
  };
  std::string shown = "@" + std::string(text);
  int y = num(0, 4), mo = num(5, 2), d = num(8, 2);
  if (mo < 1 || mo > 12) fail(span, fmt::format("invalid time `{}`: month {} does not exist", shown, mo));
  static constexpr int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int dim = mdays[mo - 1] + (mo == 2 && leap);
  if (d < 1 || d > dim)
    fail(span, fmt::format("invalid time `{}`: {:04}-{:02} has no day {}", shown, y, mo, d));
  int64_t secs = days_from_civil(y, unsigned(mo), unsigned(d)) * 86400;
  int64_t frac = 0;
  if (text.size() > 10) {
    int h = num(11, 2), mi = num(14, 2), s = num(17, 2);
    if (h > 23 || mi > 59 || s > 59)
      fail(span, fmt::format("invalid time `{}`: {:02}:{:02}:{:02} is not a time of day", shown, h, mi, s));
    secs += h * 3600 + mi * 60 + s;
    size_t i = 19;
    if (i < text.size() && text[i] == '.') {
      size_t b = ++i;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
      if (i - b > 6)
        fail(span, fmt::format("invalid time `{}`: at most 6 fractional digits", shown),
             "times are kept to the microsecond");
      frac = num(b, i - b);
      for (size_t k = i - b; k < 6; ++k) frac *= 10;
    }
    if (text[i] != 'Z') {
      int oh = num(i + 1, 2), om = num(i + 4, 2);
      if (oh > 23 || om > 59)
        fail(span, fmt::format("invalid time `{}`: offset {} is out of range", shown, text.substr(i)));
      int64_t off = oh * 3600 + om * 60;
      secs -= text[i] == '+' ? off : -off;
    }
  }
  ExprItem it = node(ExprKind::Time, span);
  it.e->text = std::string(text);
  it.e->micros = secs * 1'000'000 + frac;
  return it;
}

// Collects the items of a composite rule by type.
template <typename T>
T* first_of(std::vector<Item>& items) {
  for (auto& i : items)
    if (auto* p = std::get_if<T>(&i)) return p;
  return nullptr;
}

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

#define LEADRULES_ERROR(rule, message, hint_text)                         \
  template <>                                                            \
  struct error<rule> {                                                   \
    static constexpr bool defined = true;                                \
    static Msg get(State const&) { return {message, hint_text}; }        \
  }

// Messages that depend on what is being parsed.
#define LEADRULES_ERROR_FN(rule)                                         \
  template <>                                                            \
  struct error<rule> {                                                   \
    static constexpr bool defined = true;                                \
    static Msg get(State const& st);                                     \
  };                                                                     \
  Msg error<rule>::get(State const& st)

constexpr char const* kTypes = "types are string, number, bool, time, duration, grade and [string]";
constexpr char const* kDurations = "durations are whole numbers with a unit: 30min, 48h, 90d, 2w";
constexpr char const* kValue =
    "a value is a string, a number, a duration (`-2d`), a time (`@2026-11-22`), `true`/`false`, "
    "a grade or a list [\"a\", \"b\"]";

LEADRULES_ERROR(g::declaration,
                "expected a declaration (schema, set, let, score, points, decay, grade, zone, "
                "segment, rule, test)", "");
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
char const* enclosing_begin(State const& st) {
  return st.marks.size() >= 2 ? st.marks[st.marks.size() - 2].begin : st.base;
}
std::string_view word_at(State const& st, char const* b) {
  char const* e = b;
  while (e < st.end && is_ident_char(*e)) ++e;
  return std::string_view(b, size_t(e - b));
}

LEADRULES_ERROR_FN(g::paren_close) {
  auto pos = st.src.position(st.off(enclosing_begin(st)));
  return {"expected `)` to close `(`",
          fmt::format("the `(` is at line {}, column {}", pos.line, pos.column)};
}
LEADRULES_ERROR(g::set_close, "expected `}` to close the set",
                "set members are strings separated by commas: {\"a\", \"b\"}");
LEADRULES_ERROR(g::call_arg_next, "expected an argument after `,`",
                "an argument list has no trailing comma");
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
LEADRULES_ERROR(g::agg_kind<g::ctx_any>,
                "expected an activity kind, `activity` or `colleague` after `any`",
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

std::string op_text(BinOp op) {
  switch (op) {
    case BinOp::Add: return "+";
    case BinOp::Sub: return "-";
    case BinOp::Mul: return "*";
    case BinOp::Div: return "/";
    case BinOp::Coalesce: return "??";
    case BinOp::Eq: return "==";
    case BinOp::Ne: return "!=";
    case BinOp::Lt: return "<";
    case BinOp::Le: return "<=";
    case BinOp::Gt: return ">";
    case BinOp::Ge: return ">=";
    case BinOp::Match: return "~";
    case BinOp::IMatch: return "~*";
    case BinOp::In: return "in";
    case BinOp::Within: return "within";
    case BinOp::And: return "and";
    case BinOp::Or: return "or";
  }
  return "?";
}
Msg after_operator(State const& st) {
  std::string op = "the operator";
  if (!st.items.empty())
    if (auto* o = std::get_if<OpItem>(&st.items.back())) op = "`" + op_text(o->op) + "`";
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
template <typename Ctx> struct ctx_info;
template <> struct ctx_info<g::ctx_let> { static constexpr char const* what = "a let"; static constexpr char const* after = "after `let`"; };
template <> struct ctx_info<g::ctx_set> { static constexpr char const* what = "a set"; static constexpr char const* after = "after `set`"; };
template <> struct ctx_info<g::ctx_score> { static constexpr char const* what = "a score block"; static constexpr char const* after = "after `score`"; };
template <> struct ctx_info<g::ctx_zone> { static constexpr char const* what = "a zone"; static constexpr char const* after = "after `zone`"; };
template <> struct ctx_info<g::ctx_segment> { static constexpr char const* what = "a segment"; static constexpr char const* after = "after `segment`"; };
template <> struct ctx_info<g::ctx_field> { static constexpr char const* what = "a field"; static constexpr char const* after = "here"; };
template <> struct ctx_info<g::ctx_kind> { static constexpr char const* what = "an activity kind"; static constexpr char const* after = "after `kinds`"; };

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
LEADRULES_ERROR(g::per_kind, "expected an activity kind or `activity` after `per`",
                "points +1 per visit");
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
                "rule \"name\" when CONDITION do tag(\"x\"), notify(\"owner\", \"…\")");
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
LEADRULES_ERROR(g::expect_body, "expected a condition, `set FIELD == value` or `action NAME(…)` after `expect`", "");
LEADRULES_ERROR(g::expect_field, "expected a field name after `expect set`", "expect set status == \"MQL\"");
LEADRULES_ERROR(g::expect_eq, "expected `==` after the field name", "expect set status == \"MQL\"");
LEADRULES_ERROR(g::expect_value, "expected a value after `==`", "expect set status == \"MQL\"");
LEADRULES_ERROR(g::list_close, "expected `]` to close the list", "lists are written [\"a\", \"b\"]");

#undef LEADRULES_ERROR
#undef LEADRULES_ERROR_FN

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
    static_assert(error<Rule>::defined, "every must<> target needs a message in parser.cpp");
    Msg m = error<Rule>::get(st);
    // At the start of the rule that failed (the must<>'s own mark), not wherever inside it the
    // match stopped.
    char const* p = st.marks.empty() ? in.current() : st.marks.back().begin;
    std::string found = describe_found(st, p);
    std::string hint = hint_for_found(st, p);
    if (hint.empty()) hint = m.hint;
    Span at = token_at(st, p);
    if (p >= st.end) {
      // At the end of the file: point just after the last token, where the text is missing.
      char const* q = p;
      while (q > st.base && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\r' || q[-1] == '\n')) --q;
      at = {st.off(q), st.off(q)};
    }
    fail(at, m.text + ", found " + found, hint);
  }
};

// ---------------------------------------------------------------------------------------------
// Actions

template <typename Rule>
struct action : pg::nothing<Rule> {};

// Lexical -------------------------------------------------------------------------------------

template <>
struct action<g::comment> {
  template <typename In>
  static void apply(In const& in, State& st) {
    Span s = st.span(in);
    std::string text = in.string();
    while (!text.empty() && text.back() == '\r') {
      text.pop_back();
      --s.end;
    }
    st.comments.emplace(s.begin, Comment{std::move(text), s});
  }
};

template <>
struct action<g::bad_escape> {
  template <typename In>
  static void apply(In const& in, State& st) {
    std::string_view t = in.string_view();
    if (t.size() < 2) fail(st.span(in), "unterminated string", "a string ends on the line where it starts");
    if (t[1] == 'u')
      fail(st.span(in), "malformed `\\u` escape", "write \\u{XXXX} with 1 to 6 hex digits, e.g. \\u{1F600}");
    fail(st.span(in), fmt::format("unknown escape `{}` in a string", t),
         "escapes are \\\" \\\\ \\n \\t and \\u{XXXX}; in a regular expression write the backslash twice: \"\\\\d\"");
  }
};

template <>
struct action<g::unterminated_string> {
  template <typename In>
  static void apply(In const& in, State& st) {
    Span s = st.span(in);
    std::string_view t = in.string_view();
    while (!t.empty() && t.back() == '\r') {
      t.remove_suffix(1);
      --s.end;
    }
    fail(s, "unterminated string", "a string ends with `\"` on the line where it starts; write \\n for a line break");
  }
};

template <>
struct action<g::string_lit> {
  template <typename In>
  static void apply(In const& in, State& st) {
    std::string_view t = in.string_view();
    Span s = st.span(in);
    st.push(StrItem{unescape(st, t.substr(1, t.size() - 2), s.begin + 1, false), s});
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
    bool looks_duration = false;
    for (std::string_view u : {"min", "h", "d", "w", "m", "s", "y", "sec", "mins", "hr", "hrs", "hour",
                               "hours", "day", "days", "week", "weeks", "month", "months", "year", "years"})
      looks_duration |= suffix == u;
    if (looks_duration || num.find('.') != std::string_view::npos)
      fail(st.span(in), fmt::format("`{}` is not a duration", t), kDurations);
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
struct action<g::time_lit> {
  template <typename In>
  static void apply(In const& in, State& st) {
    st.push(time_node(in.string_view().substr(1), st.span(in)));
  }
};

template <>
struct action<g::number_expr> {
  template <typename In>
  static void apply(In const& in, State& st) { st.push(number_node(in.string_view(), st.span(in))); }
};

template <>
struct action<g::duration_expr> {
  template <typename In>
  static void apply(In const& in, State& st) { st.push(duration_node(in.string_view(), st.span(in))); }
};

template <>
struct action<g::duration_req> {
  template <typename In>
  static void apply(In const& in, State& st) { st.push(duration_node(in.string_view(), st.span(in))); }
};

template <>
struct action<g::signed_number> {
  template <typename In>
  static void apply(In const& in, State& st) { st.push(number_struct(in.string_view(), st.span(in))); }
};

template <>
struct action<g::decay_percent> {
  template <typename In>
  static void apply(In const& in, State& st) {
    std::string_view t = in.string_view();
    Span s = st.span(in);
    Number n = number_struct(t.substr(0, t.size() - 1), {s.begin, s.end - 1});
    n.span = s;
    st.push(std::move(n));
  }
};

// A signed literal: `-2d` is Unary Neg over a Duration (likewise numbers); `+` is dropped.
template <ExprKind K>
void signed_literal(std::string_view t, Span s, State& st) {
  uint32_t skip = (t[0] == '+' || t[0] == '-') ? 1 : 0;
  Span inner{s.begin + skip, s.end};
  ExprItem v = K == ExprKind::Duration ? duration_node(t.substr(skip), inner)
                                       : number_node(t.substr(skip), inner);
  if (t[0] == '-') v = unary(UnOp::Neg, {s.begin, s.begin + 1}, std::move(v));
  else v.outer = s;
  st.push(std::move(v));
}
template <>
struct action<g::signed_duration> {
  template <typename In>
  static void apply(In const& in, State& st) {
    signed_literal<ExprKind::Duration>(in.string_view(), st.span(in), st);
  }
};
template <>
struct action<g::signed_value> {
  template <typename In>
  static void apply(In const& in, State& st) {
    signed_literal<ExprKind::Number>(in.string_view(), st.span(in), st);
  }
};

template <>
struct action<g::bool_lit> {
  template <typename In>
  static void apply(In const& in, State& st) {
    ExprItem it = node(ExprKind::Bool, st.span(in));
    it.e->boolean = in.string_view() == "true";
    it.e->text = in.string();
    st.push(std::move(it));
  }
};

template <typename In>
void push_grade(In const& in, State& st) {
  ExprItem it = node(ExprKind::Grade, st.span(in));
  it.e->text = in.string();
  it.e->grade = grade_index(in.string_view());
  st.push(std::move(it));
}
template <>
struct action<g::grade_expr> {
  template <typename In>
  static void apply(In const& in, State& st) { push_grade(in, st); }
};
template <>
struct action<g::grade_req> {
  template <typename In>
  static void apply(In const& in, State& st) { push_grade(in, st); }
};

template <>
struct action<g::move_tok> {
  template <typename In>
  static void apply(In const& in, State& st) {
    std::string_view t = in.string_view();
    Span s = st.span(in);
    size_t slash = t.find('/');
    std::string_view num = t.substr(1, slash == std::string_view::npos ? std::string_view::npos : slash - 1);
    if (slash != std::string_view::npos && t.substr(slash + 1) != "3")
      fail(s, fmt::format("`{}` is not a grade move: the denominator must be 3", t),
           "grade moves are in thirds of a letter: +1/3, +2/3, +1, +4/3, -1/3");
    if (num.size() > 3)
      fail(s, fmt::format("grade move `{}` is too large", t), "there are only 13 grades, F to A+");
    int n = 0;
    for (char c : num) n = n * 10 + (c - '0');
    int thirds = slash == std::string_view::npos ? n * 3 : n;
    if (t[0] == '-') thirds = -thirds;
    st.push(MoveItem{thirds, std::string(t), s});
  }
};

// Names ---------------------------------------------------------------------------------------

template <typename Ctx>
struct action<g::bad_name<Ctx>> {
  template <typename In>
  static void apply(In const& in, State& st) {
    std::string w = in.string();
    if (w == "score" && std::string_view(ctx_info<Ctx>::what) == "a score block")
      fail(st.span(in), "a score block cannot be named `score`",
           "`score` is the total; top-level `points` already form the implicit block \"score\"");
    if (g::is_reserved(w))
      fail(st.span(in), fmt::format("`{}` is a reserved word and cannot name {}", w, ctx_info<Ctx>::what),
           std::string_view(ctx_info<Ctx>::what) == "a field"
               ? fmt::format("rename the field and keep reading its column: e.g. `{0}_value: TYPE from \"{0}\"`", w)
               : fmt::format("choose another name, e.g. `{}_name` or something more specific", w));
    fail(st.span(in), fmt::format("`{}` is a grade and cannot name {}", w, ctx_info<Ctx>::what),
         "the letters A, B, C, D and F alone are grade literals; choose a longer name");
  }
};

template <typename Ctx>
struct action<g::decl_name<Ctx>> {
  template <typename In>
  static void apply(In const& in, State& st) {
    if constexpr (std::is_same_v<Ctx, g::ctx_score> || std::is_same_v<Ctx, g::ctx_zone>)
      st.open_name = in.string();
    st.push(Ident{in.string(), st.span(in)});
  }
};

template <typename In>
void push_ident(In const& in, State& st) {
  st.take();
  st.push(Ident{in.string(), st.span(in)});
}
#define LEADRULES_IDENT_ACTION(rule)                                      \
  template <>                                                             \
  struct action<rule> {                                                   \
    template <typename In>                                                \
    static void apply(In const& in, State& st) { push_ident(in, st); }    \
  }
LEADRULES_IDENT_ACTION(g::callee);
LEADRULES_IDENT_ACTION(g::once_field);
LEADRULES_IDENT_ACTION(g::action_name);
LEADRULES_IDENT_ACTION(g::set_field);
LEADRULES_IDENT_ACTION(g::activity_kind);
LEADRULES_IDENT_ACTION(g::expect_field);
LEADRULES_IDENT_ACTION(g::field_name);
#undef LEADRULES_IDENT_ACTION

template <typename Ctx>
struct action<g::agg_kind<Ctx>> {
  template <typename In>
  static void apply(In const& in, State& st) { push_ident(in, st); }
};

template <>
struct action<g::name_ref> {
  template <typename In>
  static void apply(In const& in, State& st) {
    st.take();
    ExprItem it = node(ExprKind::Name, st.span(in));
    it.e->text = in.string();
    st.push(std::move(it));
  }
};

// Expressions ---------------------------------------------------------------------------------

template <>
struct action<g::string_expr> {
  template <typename In>
  static void apply(In const&, State& st) {
    StrItem s = st.pop<StrItem>();
    ExprItem it = node(ExprKind::String, s.span);
    it.e->text = std::move(s.text);
    st.push(std::move(it));
  }
};

template <>
struct action<g::now_expr> {
  template <typename In>
  static void apply(In const& in, State& st) {
    ExprItem it = node(ExprKind::Now, st.span(in));
    it.e->text = "now";
    st.push(std::move(it));
  }
};

// `( E )`: E itself, marked as written in parentheses (so `fmt` keeps them); its span stays
// the inner expression's, `outer` takes in the parentheses. Doubled parentheses `((E))` collapse
// to one flag: the tree records that E was parenthesised, not how many times.
template <>
struct action<g::paren_expr> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto& it = std::get<ExprItem>(st.items.back());
    it.e->parenthesized = true;
    it.outer = st.span(in);
  }
};

template <>
struct action<g::set_literal> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    ExprItem it = node(ExprKind::SetLiteral, st.span(in));
    for (auto& i : items) {
      auto& s = std::get<StrItem>(i);
      ExprItem m = node(ExprKind::String, s.span);
      m.e->text = std::move(s.text);
      adopt(it, std::move(m));
    }
    st.push(std::move(it));
  }
};

template <>
struct action<g::list_value> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    ExprItem it = node(ExprKind::List, st.span(in));
    for (auto& i : items) adopt(it, std::move(std::get<ExprItem>(i)));
    st.push(std::move(it));
  }
};

template <>
struct action<g::call> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    auto& name = std::get<Ident>(items[0]);
    ExprItem it = node(ExprKind::Call, st.span(in));
    it.e->text = name.name;
    for (size_t i = 1; i < items.size(); ++i) adopt(it, std::move(std::get<ExprItem>(items[i])));
    st.push(std::move(it));
  }
};

template <>
struct action<g::agg_where> {
  template <typename In>
  static void apply(In const&, State& st) { st.push(WhereItem{st.pop<ExprItem>(), false}); }
};
template <>
struct action<g::colleague_where> {
  template <typename In>
  static void apply(In const&, State& st) { st.push(WhereItem{st.pop<ExprItem>(), true}); }
};
template <>
struct action<g::agg_within> {
  template <typename In>
  static void apply(In const&, State& st) { st.push(WithinItem{st.pop<ExprItem>()}); }
};

template <>
struct action<g::agg_no_window> {
  template <typename In>
  static void apply(In const& in, State& st) {
    fail(st.span(in), "`last(…)` and `first(…)` take no `within` window",
         "compare the result instead: `last(visit) within 7d`; or for the infix inside the "
         "condition write `where (at within 7d)`");
  }
};

template <>
struct action<g::no_colleague> {
  template <typename In>
  static void apply(In const& in, State& st) {
    fail(st.span(in), "`no colleague` is not an aggregate",
         "write `not any colleague where …`");
  }
};

// An aggregate from the items of its sub-rules: a kind (Ident) with optional where/within, or
// a colleague `where`.
ExprItem aggregate(AggFn fn, Span span, std::vector<Item>& items) {
  ExprItem it = node(ExprKind::ActivityAgg, span);
  it.e->agg = fn;
  for (auto& i : items) {
    if (auto* k = std::get_if<Ident>(&i)) {
      it.e->kind_name = std::move(*k);
    } else if (auto* w = std::get_if<WhereItem>(&i)) {
      if (w->colleague) it.e->kind = ExprKind::ColleagueAgg;
      adopt_into(it, it.e->where, std::move(w->cond));
    } else if (auto* d = std::get_if<WithinItem>(&i)) {
      adopt_into(it, it.e->within, std::move(d->window));
    }
  }
  return it;
}

#define LEADRULES_AGG_ACTION(rule, fn)                                     \
  template <>                                                              \
  struct action<rule> {                                                    \
    template <typename In>                                                 \
    static void apply(In const& in, State& st) {                           \
      auto items = st.take();                                              \
      st.push(aggregate(fn, st.span(in), items));                          \
    }                                                                      \
  }
LEADRULES_AGG_ACTION(g::count_agg, AggFn::Count);
LEADRULES_AGG_ACTION(g::any_agg, AggFn::Any);
LEADRULES_AGG_ACTION(g::no_agg, AggFn::No);
LEADRULES_AGG_ACTION(g::last_agg, AggFn::Last);
LEADRULES_AGG_ACTION(g::first_agg, AggFn::First);
#undef LEADRULES_AGG_ACTION

template <>
struct action<g::colleague_fn> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto t = in.string_view();
    st.push(FnItem{t == "sum" ? AggFn::Sum : t == "min" ? AggFn::Min : AggFn::Max, st.span(in)});
  }
};

template <>
struct action<g::colleague_fold> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    ExprItem it = node(ExprKind::ColleagueAgg, st.span(in));
    it.e->agg = std::get<FnItem>(items[0]).fn;
    adopt(it, std::move(std::get<ExprItem>(items[1])));
    st.push(std::move(it));
  }
};

template <>
struct action<g::past_expr> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    ExprItem it = node(ExprKind::Past, st.span(in));
    it.e->text = "past";
    adopt(it, std::move(std::get<ExprItem>(items[0])));
    adopt(it, std::move(std::get<ExprItem>(items[1])));
    st.push(std::move(it));
  }
};

// Operators.
template <>
struct action<g::neg_op> {
  template <typename In>
  static void apply(In const& in, State& st) { st.push(PrefixItem{UnOp::Neg, st.span(in)}); }
};
template <>
struct action<g::not_op> {
  template <typename In>
  static void apply(In const& in, State& st) { st.push(PrefixItem{UnOp::Not, st.span(in)}); }
};

// Wraps the operand (last item) in the prefix operators pushed before it, innermost first.
void fold_prefix(State& st) {
  auto items = st.take();
  if (items.size() == 1) {
    st.push(std::move(items[0]));
    return;
  }
  ExprItem e = std::move(std::get<ExprItem>(items.back()));
  for (size_t i = items.size() - 1; i-- > 0;) {
    auto& p = std::get<PrefixItem>(items[i]);
    e = unary(p.op, p.span, std::move(e));
  }
  st.push(std::move(e));
}
template <>
struct action<g::unary> {
  template <typename In>
  static void apply(In const&, State& st) { fold_prefix(st); }
};
template <bool W>
struct action<g::not_expr<W>> {
  template <typename In>
  static void apply(In const&, State& st) { fold_prefix(st); }
};

#define LEADRULES_OP_ACTION(rule, opv)                                      \
  template <>                                                               \
  struct action<rule> {                                                     \
    template <typename In>                                                  \
    static void apply(In const& in, State& st) { st.push(OpItem{opv, st.span(in)}); } \
  }
LEADRULES_OP_ACTION(g::op_eq, BinOp::Eq);
LEADRULES_OP_ACTION(g::op_ne, BinOp::Ne);
LEADRULES_OP_ACTION(g::op_le, BinOp::Le);
LEADRULES_OP_ACTION(g::op_ge, BinOp::Ge);
LEADRULES_OP_ACTION(g::op_lt, BinOp::Lt);
LEADRULES_OP_ACTION(g::op_gt, BinOp::Gt);
LEADRULES_OP_ACTION(g::op_imatch, BinOp::IMatch);
LEADRULES_OP_ACTION(g::op_match, BinOp::Match);
LEADRULES_OP_ACTION(g::op_in, BinOp::In);
LEADRULES_OP_ACTION(g::op_within, BinOp::Within);
#undef LEADRULES_OP_ACTION

template <>
struct action<g::mul_op> {
  template <typename In>
  static void apply(In const& in, State& st) {
    st.push(OpItem{in.string_view() == "*" ? BinOp::Mul : BinOp::Div, st.span(in)});
  }
};
template <>
struct action<g::add_op> {
  template <typename In>
  static void apply(In const& in, State& st) {
    st.push(OpItem{in.string_view() == "+" ? BinOp::Add : BinOp::Sub, st.span(in)});
  }
};

// A tail `op rhs`: combines with the operand before it (left associative).
void fold_tail(State& st) {
  ExprItem rhs = st.pop<ExprItem>();
  OpItem op = st.pop<OpItem>();
  ExprItem lhs = st.pop<ExprItem>();
  st.push(binary(op.op, std::move(lhs), std::move(rhs)));
}
template <>
struct action<g::mul_tail> {
  template <typename In>
  static void apply(In const&, State& st) { fold_tail(st); }
};
template <>
struct action<g::add_tail> {
  template <typename In>
  static void apply(In const&, State& st) { fold_tail(st); }
};
template <bool W>
struct action<g::cmp_tail<W>> {
  template <typename In>
  static void apply(In const&, State& st) { fold_tail(st); }
};

template <bool W>
struct action<g::cmp_chain<W>> {
  template <typename In>
  static void apply(In const&, State& st) {
    OpItem op = st.pop<OpItem>();
    fail(op.span, fmt::format("comparisons cannot be chained: `{}` follows another comparison", op_text(op.op)),
         "combine two comparisons with `and`: `a < b and b < c`");
  }
};

template <>
struct action<g::coalesce> {
  template <typename In>
  static void apply(In const&, State& st) {
    auto items = st.take();
    ExprItem e = std::move(std::get<ExprItem>(items.back()));
    for (size_t i = items.size() - 1; i-- > 0;)
      e = binary(BinOp::Coalesce, std::move(std::get<ExprItem>(items[i])), std::move(e));
    st.push(std::move(e));
  }
};

template <bool W>
struct action<g::and_tail<W>> {
  template <typename In>
  static void apply(In const&, State& st) {
    ExprItem rhs = st.pop<ExprItem>();
    ExprItem lhs = st.pop<ExprItem>();
    st.push(binary(BinOp::And, std::move(lhs), std::move(rhs)));
  }
};
template <bool W>
struct action<g::or_tail<W>> {
  template <typename In>
  static void apply(In const&, State& st) {
    ExprItem rhs = st.pop<ExprItem>();
    ExprItem lhs = st.pop<ExprItem>();
    st.push(binary(BinOp::Or, std::move(lhs), std::move(rhs)));
  }
};

// Templates -----------------------------------------------------------------------------------

template <>
struct action<g::tmpl_text> {
  template <typename In>
  static void apply(In const& in, State& st) {
    TemplatePiece p;
    p.text = unescape(st, in.string_view(), st.off(in.begin()), true);
    st.push(PieceItem{std::move(p), 0});
  }
};
template <>
struct action<g::tmpl_fallback> {
  template <typename In>
  static void apply(In const& in, State& st) {
    st.push(FallbackItem{unescape(st, in.string_view().substr(1), st.off(in.begin()) + 1, false)});
  }
};
template <>
struct action<g::tmpl_interp> {
  template <typename In>
  static void apply(In const&, State& st) {
    auto items = st.take();
    TemplatePiece p;
    auto& e = std::get<ExprItem>(items[0]);
    int h = e.height;
    p.expr = std::move(e.e);
    if (items.size() > 1) p.fallback = std::move(std::get<FallbackItem>(items[1]).text);
    st.push(PieceItem{std::move(p), h});
  }
};
template <>
struct action<g::tmpl_lone_rbrace> {
  template <typename In>
  static void apply(In const& in, State& st) {
    fail(st.span(in), "a lone `}` in a string with interpolation",
         "write `}}` for a literal brace; `{expr}` interpolates");
  }
};
template <>
struct action<g::template_lit> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    ExprItem it = node(ExprKind::Template, st.span(in));
    for (auto& i : items) {
      auto& p = std::get<PieceItem>(i);
      it.height = std::max(it.height, p.height + 1);
      bool literal = !p.piece.expr;
      if (literal && !it.e->pieces.empty() && !it.e->pieces.back().expr)
        it.e->pieces.back().text += p.piece.text;  // merge adjacent literal runs
      else
        it.e->pieces.push_back(std::move(p.piece));
    }
    check_height(it);
    st.push(std::move(it));
  }
};
template <>
struct action<g::template_misuse> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto s = st.span(in);
    std::string_view t = in.string_view();
    size_t k = t.find_first_not_of(" \t\r\n");
    s.begin += uint32_t(k == std::string_view::npos ? 0 : k);
    fail(s, "a string here is a whole value and cannot be combined with an operator",
         "interpolate instead: \"Hello {name ?? \\\"there\\\"}\" or \"{a} {b}\"");
  }
};

// Declarations --------------------------------------------------------------------------------

template <>
struct action<g::policy_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    PolicyItem p;
    auto& name = std::get<StrItem>(items[0]);
    p.name = std::move(name.text);
    p.name_span = name.span;
    if (items.size() > 1) {
      auto& tz = std::get<StrItem>(items[1]);
      p.tz = std::move(tz.text);
      p.tz_span = tz.span;
    }
    p.span = st.span(in);
    st.push(std::move(p));
  }
};

template <>
struct action<g::schema_target> {
  template <typename In>
  static void apply(In const& in, State& st) { st.push(TargetItem{in.string_view() == "activity"}); }
};

template <>
struct action<g::bad_type> {
  template <typename In>
  static void apply(In const& in, State& st) {
    std::string w = in.string();
    std::string hint = kTypes;
    auto close = closest_name(w, {"string", "number", "bool", "time", "duration", "grade"});
    if (w == "int" || w == "integer" || w == "float" || w == "double") close = "number";
    if (w == "boolean") close = "bool";
    if (w == "datetime" || w == "timestamp" || w == "date") close = "time";
    if (!close.empty()) hint = fmt::format("did you mean `{}`? {}", close, kTypes);
    fail(st.span(in), fmt::format("unknown type `{}`", w), hint);
  }
};

template <>
struct action<g::type_ref> {
  template <typename In>
  static void apply(In const& in, State& st) {
    st.take();
    std::string_view t = in.string_view();
    TypeRef r;
    r.span = st.span(in);
    r.optional = t.back() == '?';
    if (t[0] == '[') {
      r.list = true;
      r.base = TypeRef::Base::String;
    } else {
      size_t n = 0;
      while (n < t.size() && is_ident_char(t[n])) ++n;
      auto w = t.substr(0, n);
      r.base = w == "string" ? TypeRef::Base::String
               : w == "number" ? TypeRef::Base::Number
               : w == "bool" ? TypeRef::Base::Bool
               : w == "time" ? TypeRef::Base::Time
               : w == "duration" ? TypeRef::Base::Duration
                                 : TypeRef::Base::Grade;
    }
    st.push(std::move(r));
  }
};

template <>
struct action<g::from_clause> {
  template <typename In>
  static void apply(In const&, State& st) { st.push(FromItem{st.pop<StrItem>().text}); }
};

template <>
struct action<g::missing_clause> {
  template <typename In>
  static void apply(In const&, State& st) {
    auto items = st.take();
    MissingItem m;
    for (auto& i : items) m.values.push_back(std::move(std::get<StrItem>(i).text));
    st.push(std::move(m));
  }
};

template <>
struct action<g::field_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    FieldDecl f;
    f.span = st.span(in);
    for (auto& i : items) {
      if (auto* id = std::get_if<Ident>(&i)) f.name = std::move(*id);
      else if (auto* t = std::get_if<TypeRef>(&i)) f.type = *t;
      else if (auto* e = std::get_if<ExprItem>(&i)) f.default_value = std::move(e->e);
      else if (auto* fr = std::get_if<FromItem>(&i)) f.from = std::move(fr->column);
      else if (auto* m = std::get_if<MissingItem>(&i)) f.missing = std::move(m->values);
    }
    st.push(std::move(f));
  }
};

template <>
struct action<g::kind_name> {
  template <typename In>
  static void apply(In const&, State& st) { st.push(KindItem{st.pop<Ident>()}); }
};
template <>
struct action<g::kind_plain> {
  template <typename In>
  static void apply(In const& in, State& st) { st.push(KindItem{Ident{in.string(), st.span(in)}}); }
};

template <>
struct action<g::schema_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    SchemaDecl s;
    s.span = st.span(in);
    for (auto& i : items) {
      if (auto* t = std::get_if<TargetItem>(&i)) s.activity = t->activity;
      else if (auto* k = std::get_if<KindItem>(&i)) {
        if (!s.activity)
          fail(k->kind.span, "only `schema activity` declares `kinds`",
               "schema activity { kinds visit, form  page: string? }");
        s.kinds.push_back(std::move(k->kind));
      } else if (auto* f = std::get_if<FieldDecl>(&i)) {
        s.fields.push_back(std::move(*f));
      }
    }
    st.push(DeclItem{std::move(s)});
  }
};

template <>
struct action<g::file_ref> {
  template <typename In>
  static void apply(In const&, State& st) { st.push(FileItem{st.pop<StrItem>().text}); }
};

template <>
struct action<g::set_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    SetDecl s;
    s.span = st.span(in);
    s.name = std::move(std::get<Ident>(items[0]));
    if (auto* f = std::get_if<FileItem>(&items[1])) {
      s.file = std::move(f->path);
    } else {
      auto& lit = std::get<ExprItem>(items[1]);
      for (auto& m : lit.e->args) {
        s.values.push_back(std::move(m->text));
        s.value_spans.push_back(m->span);
      }
    }
    st.push(DeclItem{std::move(s)});
  }
};

template <>
struct action<g::let_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    LetDecl l;
    l.span = st.span(in);
    l.name = std::move(std::get<Ident>(items[0]));
    l.value = std::move(std::get<ExprItem>(items[1]).e);
    st.push(DeclItem{std::move(l)});
  }
};

template <>
struct action<g::rule_cap> {
  template <typename In>
  static void apply(In const&, State& st) { st.push(CapItem{st.pop<Number>()}); }
};
template <>
struct action<g::block_cap> {
  template <typename In>
  static void apply(In const&, State& st) { st.push(CapItem{st.pop<Number>()}); }
};
template <>
struct action<g::block_floor> {
  template <typename In>
  static void apply(In const&, State& st) { st.push(FloorItem{st.pop<Number>()}); }
};
template <>
struct action<g::once_per> {
  template <typename In>
  static void apply(In const&, State& st) { st.push(OnceItem{st.pop<Ident>()}); }
};

template <>
struct action<g::points_rule> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    PointsRule r;
    r.span = st.span(in);
    for (auto& i : items) {
      if (auto* n = std::get_if<Number>(&i)) r.points = std::move(*n);
      else if (auto* k = std::get_if<Ident>(&i)) {
        r.per = true;
        r.kind = std::move(*k);
      } else if (auto* w = std::get_if<WhereItem>(&i)) r.where = std::move(w->cond.e);
      else if (auto* d = std::get_if<WithinItem>(&i)) r.within = std::move(d->window.e);
      else if (auto* o = std::get_if<OnceItem>(&i)) r.once_per = std::move(o->field);
      else if (auto* c = std::get_if<CapItem>(&i)) r.cap = std::move(c->n);
      else if (auto* e = std::get_if<ExprItem>(&i)) r.condition = std::move(e->e);
    }
    st.push(std::move(r));
  }
};

template <>
struct action<g::points_decl> {
  template <typename In>
  static void apply(In const&, State& st) { st.push(DeclItem{st.pop<PointsRule>()}); }
};

template <typename In>
void push_bound(In const& in, State& st, bool cap) {
  ScoreBound b;
  b.is_cap = cap;
  b.value = st.pop<Number>();
  b.span = st.span(in);
  st.push(DeclItem{std::move(b)});
}
template <>
struct action<g::score_bound_cap> {
  template <typename In>
  static void apply(In const& in, State& st) { push_bound(in, st, true); }
};
template <>
struct action<g::score_bound_floor> {
  template <typename In>
  static void apply(In const& in, State& st) { push_bound(in, st, false); }
};

template <>
struct action<g::score_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    // The body pushed the declaration; a block's span starts at its name: widen it to `score`.
    auto& d = std::get<DeclItem>(st.items.back()).decl;
    std::visit([&](auto& x) { x.span = st.span(in); }, d);
  }
};

template <>
struct action<g::score_block> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    ScoreDecl s;
    s.span = st.span(in);
    for (auto& i : items) {
      if (auto* id = std::get_if<Ident>(&i)) s.name = std::move(*id);
      else if (auto* c = std::get_if<CapItem>(&i)) s.cap = std::move(c->n);
      else if (auto* f = std::get_if<FloorItem>(&i)) s.floor = std::move(f->n);
      else if (auto* r = std::get_if<PointsRule>(&i)) s.rules.push_back(std::move(*r));
    }
    st.push(DeclItem{std::move(s)});
  }
};

template <>
struct action<g::decay_per> {
  template <typename In>
  static void apply(In const&, State& st) { st.push(LinearItem{}); }
};

template <>
struct action<g::decay_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    DecayDecl d;
    d.span = st.span(in);
    d.percent = std::move(std::get<Number>(items[0]));
    d.duration = std::move(std::get<ExprItem>(items[1]).e);
    d.linear = items.size() > 2;
    st.push(DeclItem{std::move(d)});
  }
};

template <>
struct action<g::grade_start> {
  template <typename In>
  static void apply(In const&, State& st) {
    GradeStart gs;
    gs.grade = std::move(st.pop<ExprItem>().e);
    st.push(DeclItem{std::move(gs)});
  }
};

template <>
struct action<g::grade_move> {
  template <typename In>
  static void apply(In const&, State& st) {
    auto items = st.take();
    GradeMove m;
    auto& mv = std::get<MoveItem>(items[0]);
    m.thirds = mv.thirds;
    m.text = std::move(mv.text);
    m.condition = std::move(std::get<ExprItem>(items[1]).e);
    if (items.size() > 2) {
      auto& e = std::get<MoveItem>(items[2]);
      m.else_thirds = e.thirds;
      m.else_text = std::move(e.text);
    }
    st.push(DeclItem{std::move(m)});
  }
};

template <>
struct action<g::grade_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto& d = std::get<DeclItem>(st.items.back()).decl;
    std::visit([&](auto& x) { x.span = st.span(in); }, d);
  }
};

template <>
struct action<g::zone_row> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    ZoneRow r;
    r.span = st.span(in);
    r.grade = std::move(std::get<ExprItem>(items[0]).e);
    r.condition = std::move(std::get<ExprItem>(items[1]).e);
    st.push(std::move(r));
  }
};

template <>
struct action<g::zone_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    ZoneDecl z;
    z.span = st.span(in);
    z.name = std::move(std::get<Ident>(items[0]));
    for (size_t i = 1; i < items.size(); ++i) z.rows.push_back(std::move(std::get<ZoneRow>(items[i])));
    st.push(DeclItem{std::move(z)});
  }
};

template <>
struct action<g::segment_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    SegmentDecl s;
    s.span = st.span(in);
    s.name = std::move(std::get<Ident>(items[0]));
    s.condition = std::move(std::get<ExprItem>(items[1]).e);
    st.push(DeclItem{std::move(s)});
  }
};

// Rules.
template <>
struct action<g::max_clause> {
  template <typename In>
  static void apply(In const&, State& st) {
    ExprItem n = st.pop<ExprItem>();
    Number m;
    m.value = n.e->number;
    m.text = n.e->text;
    m.span = n.e->span;
    st.push(MaxItem{std::move(m)});
  }
};
template <>
struct action<g::max_count> {
  template <typename In>
  static void apply(In const& in, State& st) {
    if (in.string_view().find('.') != std::string_view::npos)
      fail(st.span(in), "`max` takes a whole number", "rule \"x\" every 7d max 3 when …");
    st.push(number_node(in.string_view(), st.span(in)));
  }
};
template <>
struct action<g::q_once> {
  template <typename In>
  static void apply(In const&, State& st) { st.push(QualItem{RuleDecl::Qualifier::Once, nullptr, {}}); }
};
template <>
struct action<g::q_always> {
  template <typename In>
  static void apply(In const&, State& st) {
    auto items = st.take();
    QualItem q{RuleDecl::Qualifier::Always, nullptr, {}};
    if (!items.empty()) q.max = std::move(std::get<MaxItem>(items[0]).n);
    st.push(std::move(q));
  }
};
template <>
struct action<g::q_every> {
  template <typename In>
  static void apply(In const&, State& st) {
    auto items = st.take();
    QualItem q{RuleDecl::Qualifier::Every, std::move(std::get<ExprItem>(items[0]).e), {}};
    if (items.size() > 1) q.max = std::move(std::get<MaxItem>(items[1]).n);
    st.push(std::move(q));
  }
};

template <>
struct action<g::action_call> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    Action a;
    a.span = st.span(in);
    a.name = std::move(std::get<Ident>(items[0]));
    for (size_t i = 1; i < items.size(); ++i) a.args.push_back(std::move(std::get<ExprItem>(items[i]).e));
    st.push(std::move(a));
  }
};
template <>
struct action<g::set_action> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    Action a;
    a.span = st.span(in);
    a.name = Ident{"set", {a.span.begin, a.span.begin + 3}};
    a.field = std::move(std::get<Ident>(items[0]));
    a.value = std::move(std::get<ExprItem>(items[1]).e);
    st.push(std::move(a));
  }
};
template <>
struct action<g::action_comma> {
  template <typename In>
  static void apply(In const& in, State& st) { st.last_comma = st.span(in); }
};
template <>
struct action<g::trailing_comma> {
  template <typename In>
  static void apply(In const&, State& st) {
    fail(st.last_comma, "trailing comma after the last action",
         "an action list has no trailing comma; remove it");
  }
};

template <>
struct action<g::rule_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    RuleDecl r;
    r.span = st.span(in);
    for (auto& i : items) {
      if (auto* s = std::get_if<StrItem>(&i)) {
        r.name = std::move(s->text);
        r.name_span = s->span;
      } else if (auto* q = std::get_if<QualItem>(&i)) {
        r.qualifier = q->q;
        r.qualifier_written = true;
        r.every = std::move(q->every);
        r.max = std::move(q->max);
      } else if (auto* e = std::get_if<ExprItem>(&i)) {
        r.condition = std::move(e->e);
      } else if (auto* a = std::get_if<Action>(&i)) {
        r.actions.push_back(std::move(*a));
      }
    }
    st.push(DeclItem{std::move(r)});
  }
};

// Tests.
template <>
struct action<g::test_name> {
  template <typename In>
  static void apply(In const&, State& st) {
    st.open_name = std::get<StrItem>(st.items.back()).text;
  }
};

template <>
struct action<g::test_field> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    TestField f;
    f.span = st.span(in);
    f.name = std::move(std::get<Ident>(items[0]));
    f.value = std::move(std::get<ExprItem>(items[1]).e);
    st.push(std::move(f));
  }
};

template <>
struct action<g::test_activity> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    TestActivity a;
    a.span = st.span(in);
    a.kind = std::move(std::get<Ident>(items[0]));
    for (size_t i = 1; i < items.size(); ++i) a.fields.push_back(std::move(std::get<TestField>(items[i])));
    st.push(std::move(a));
  }
};

template <typename In>
void push_prospect(In const& in, State& st, bool colleague) {
  auto items = st.take();
  ProspectItem p{{}, colleague};
  p.p.span = st.span(in);
  for (auto& i : items) {
    if (auto* f = std::get_if<TestField>(&i)) p.p.fields.push_back(std::move(*f));
    else if (auto* a = std::get_if<TestActivity>(&i)) p.p.activities.push_back(std::move(*a));
  }
  st.push(std::move(p));
}
template <>
struct action<g::test_prospect> {
  template <typename In>
  static void apply(In const& in, State& st) { push_prospect(in, st, false); }
};
template <>
struct action<g::test_colleague> {
  template <typename In>
  static void apply(In const& in, State& st) { push_prospect(in, st, true); }
};

template <>
struct action<g::test_history> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    TestHistory h;
    h.span = st.span(in);
    auto& name = std::get<StrItem>(items[0]);
    h.rule = std::move(name.text);
    h.rule_span = name.span;
    for (size_t i = 1; i < items.size(); ++i) h.fields.push_back(std::move(std::get<TestField>(items[i])));
    st.push(std::move(h));
  }
};

template <>
struct action<g::test_now> {
  template <typename In>
  static void apply(In const& in, State& st) { st.push(NowItem{std::move(st.pop<ExprItem>().e), st.span(in)}); }
};

template <>
struct action<g::expect_set> {
  template <typename In>
  static void apply(In const&, State& st) {
    auto items = st.take();
    Expect e;
    e.kind = Expect::Kind::Set;
    e.field = std::move(std::get<Ident>(items[0]));
    e.value = std::move(std::get<ExprItem>(items[1]).e);
    st.push(std::move(e));
  }
};
template <>
struct action<g::expect_action> {
  template <typename In>
  static void apply(In const&, State& st) {
    Expect e;
    e.kind = Expect::Kind::Action;
    e.action = st.pop<Action>();
    st.push(std::move(e));
  }
};
template <>
struct action<g::expect_condition> {
  template <typename In>
  static void apply(In const&, State& st) {
    Expect e;
    e.kind = Expect::Kind::Condition;
    e.condition = std::move(st.pop<ExprItem>().e);
    st.push(std::move(e));
  }
};
template <>
struct action<g::test_expect> {
  template <typename In>
  static void apply(In const& in, State& st) { std::get<Expect>(st.items.back()).span = st.span(in); }
};

template <>
struct action<g::test_decl> {
  template <typename In>
  static void apply(In const& in, State& st) {
    auto items = st.take();
    TestDecl t;
    t.span = st.span(in);
    std::optional<Span> now_span, prospect_span;
    for (auto& i : items) {
      if (auto* s = std::get_if<StrItem>(&i)) {
        t.name = std::move(s->text);
        t.name_span = s->span;
      } else if (auto* n = std::get_if<NowItem>(&i)) {
        if (now_span) fail(n->span, "a test has one `now`", "remove one of the `now` lines");
        now_span = n->span;
        t.now = std::move(n->time);
      } else if (auto* p = std::get_if<ProspectItem>(&i)) {
        if (p->colleague) {
          t.colleagues.push_back(std::move(p->p));
        } else {
          if (prospect_span)
            fail(p->p.span, "a test has one `prospect` block",
                 "other prospects of the same account are written `colleague { … }`");
          prospect_span = p->p.span;
          t.prospect = std::move(p->p);
        }
      } else if (auto* a = std::get_if<TestActivity>(&i)) {
        t.activities.push_back(std::move(*a));
      } else if (auto* h = std::get_if<TestHistory>(&i)) {
        t.history.push_back(std::move(*h));
      } else if (auto* e = std::get_if<Expect>(&i)) {
        t.expects.push_back(std::move(*e));
      }
    }
    st.push(DeclItem{std::move(t)});
  }
};

// ---------------------------------------------------------------------------------------------
// The driver

using Input = pg::memory_input<pg::tracking_mode::lazy, pg::eol::lf_crlf, char const*>;

Diagnostic to_diagnostic(SourceFile const& src, SyntaxError const& e) {
  return src.diagnostic(Severity::Error, e.span, e.message, e.hint);
}

// Rejects binary data and invalid UTF-8 before parsing.
bool check_text(SourceFile const& src, Diagnostics& diags) {
  std::string const& t = src.text();
  if (auto nul = t.find('\0'); nul != std::string::npos) {
    diags.add(src.diagnostic(Severity::Error, {uint32_t(nul), uint32_t(nul + 1)},
                             "this does not look like a policy (binary data)",
                             "a policy is a UTF-8 text file"));
    return false;
  }
  if (auto bad = find_invalid_utf8(t); bad != std::string_view::npos) {
    diags.add(src.diagnostic(Severity::Error, {uint32_t(bad), uint32_t(bad + 1)},
                             "invalid UTF-8 in the policy", "save the file as UTF-8"));
    return false;
  }
  return true;
}

size_t skip_ws(State& st, size_t pos) {
  Input in(st.base + pos, st.end, st.src.path().c_str());
  st.reset();
  (void)pg::parse<g::ws, action, control>(in, st);
  return size_t(in.current() - st.base);
}

bool is_top_keyword_at(std::string_view text, size_t p) {
  static constexpr std::string_view kws[] = {"policy", "schema", "set", "let", "score", "points", "decay",
                                             "grade", "zone", "segment", "rule", "test"};
  for (auto k : kws)
    if (text.substr(p, k.size()) == k &&
        (p + k.size() >= text.size() || !is_ident_char(text[p + k.size()])))
      return true;
  return false;
}

// After an error in the declaration starting at `start`, where to resume: the first line after
// the error that starts with a declaration keyword outside the braces of the failed
// declaration; or one at column 1, even inside them (an unclosed block); or the error's own
// position when it is such a keyword.
size_t resync(std::string_view text, size_t start, size_t err) {
  err = std::min(err, text.size());
  int depth = 0;
  bool line_start = false;
  for (size_t i = start; i < text.size(); ++i) {
    char c = text[i];
    if (line_start && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      line_start = false;
      size_t col0 = text.rfind('\n', i - 1);
      bool column1 = col0 == i - 1;
      if (i > start && i >= err && is_top_keyword_at(text, i) && (depth <= 0 || column1)) return i;
    }
    if (c == '\n') {
      line_start = true;
    } else if (c == '#') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
    } else if (c == '"') {
      ++i;
      while (i < text.size() && text[i] != '"' && text[i] != '\n') i += text[i] == '\\' ? 2 : 1;
      if (i < text.size() && text[i] == '\n') --i;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}') {
      --depth;
    }
  }
  return text.size();
}

}  // namespace

std::optional<ast::Policy> parse_policy(SourceFile const& source, Diagnostics& diags) {
  if (!check_text(source, diags)) return std::nullopt;
  State st(source);
  std::string_view text = source.text();
  Policy policy;
  bool ok = true;
  bool seen_decl = false;
  size_t pos = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // a UTF-8 byte order mark
  size_t prev_end = std::string_view::npos;

  while (true) {
    pos = skip_ws(st, pos);
    if (pos >= text.size()) break;
    size_t start = pos;
    st.reset();
    Input in(st.base + pos, st.end, source.path().c_str());
    try {
      (void)pg::parse<pg::must<g::declaration>, action, control>(in, st);
      pos = size_t(in.current() - st.base);
      prev_end = pos;
      auto& item = st.items.back();
      if (auto* p = std::get_if<PolicyItem>(&item)) {
        if (seen_decl || policy.name) {
          diags.add(source.diagnostic(Severity::Error, {uint32_t(start), uint32_t(start + 6)},
                                      policy.name ? "a second `policy` line"
                                                  : "`policy` must come first, before every declaration",
                                      "write `policy \"Name\"` once, at the top of the file"));
          ok = false;
        } else {
          policy.name = std::move(p->name);
          policy.name_span = p->name_span;
          policy.timezone = std::move(p->tz);
          policy.timezone_span = p->tz_span;
        }
      } else {
        policy.decls.push_back(std::move(std::get<DeclItem>(item).decl));
        seen_decl = true;
      }
    } catch (SyntaxError const& e) {
      ok = false;
      Diagnostic d = to_diagnostic(source, e);
      // "expected a declaration": suggest a keyword for a typo, or point at the previous line.
      if (e.span.begin == start && e.message.starts_with("expected a declaration")) {
        std::string_view word = source.slice(e.span);
        auto close = closest_name(std::string(word), {"policy", "schema", "set", "let", "score",
                                                      "points", "decay", "grade", "zone", "segment",
                                                      "rule", "test"});
        if (!d.hint.empty()) {
        } else if (!close.empty() && !word.empty() && is_ident_char(word[0]))
          d.hint = fmt::format("did you mean `{}`?", close);
        else if (prev_end != std::string_view::npos &&
                 source.position(uint32_t(prev_end)).line == source.position(uint32_t(start)).line)
          d.hint = "the declaration before ends here; is an operator or a comma missing?";
      }
      diags.add(std::move(d));
      pos = resync(text, start, e.span.begin);
      prev_end = std::string_view::npos;
    } catch (pg::parse_error const& e) {
      ok = false;
      size_t at = e.positions().empty() ? start : start + e.positions().front().byte;
      diags.add(source.diagnostic(Severity::Error, {uint32_t(at), uint32_t(at + 1)}, "syntax error"));
      pos = resync(text, start, at);
    }
  }

  for (auto& [_, c] : st.comments) policy.comments.push_back(std::move(c));
  if (!ok) return std::nullopt;
  return policy;
}

ast::ExprPtr parse_expression(SourceFile const& source, Diagnostics& diags) {
  if (!check_text(source, diags)) return nullptr;
  State st(source);
  Input in(st.base, st.end, source.path().c_str());
  try {
    (void)pg::parse<g::single_expression, action, control>(in, st);
    return std::move(std::get<ExprItem>(st.items.back()).e);
  } catch (SyntaxError const& e) {
    diags.add(to_diagnostic(source, e));
  } catch (pg::parse_error const& e) {
    size_t at = e.positions().empty() ? 0 : e.positions().front().byte;
    diags.add(source.diagnostic(Severity::Error, {uint32_t(at), uint32_t(at + 1)}, "syntax error"));
  }
  return nullptr;
}

}  // namespace leadrules
