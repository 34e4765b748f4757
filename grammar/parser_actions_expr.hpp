// The actions that build expressions: literals, names, operators, calls and aggregates,
// templates (see parser.cpp for how actions use the item stack). Uses the messages of
// parser_errors.hpp. PEGTL: included by parser.cpp alone.
#pragma once

#include <fmt/format.h>

#include "grammar/grammar.hpp"
#include "grammar/operators.hpp"
#include "grammar/parser_errors.hpp"
#include "grammar/parser_internal.hpp"

namespace leadrules::parser_detail {

namespace pg = tao::pegtl;
namespace g = leadrules::grammar;

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
         "escapes are \\\" \\\\ \\n \\t and \\u{XXXX}; in a regular expression write the backslash twice: "
         "\"\\\\d\"");
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
    fail(s, "unterminated string",
         "a string ends with `\"` on the line where it starts; write \\n for a line break");
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
struct action<g::time_lit> {
  template <typename In>
  static void apply(In const& in, State& st) {
    st.push(time_node(in.string_view().substr(1), st.span(in)));
  }
};

template <>
struct action<g::number_expr> {
  template <typename In>
  static void apply(In const& in, State& st) {
    st.push(number_node(in.string_view(), st.span(in)));
  }
};

template <>
struct action<g::duration_expr> {
  template <typename In>
  static void apply(In const& in, State& st) {
    st.push(duration_node(in.string_view(), st.span(in)));
  }
};

template <>
struct action<g::duration_req> {
  template <typename In>
  static void apply(In const& in, State& st) {
    st.push(duration_node(in.string_view(), st.span(in)));
  }
};

template <>
struct action<g::signed_number> {
  template <typename In>
  static void apply(In const& in, State& st) {
    st.push(number_struct(in.string_view(), st.span(in)));
  }
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
inline void signed_literal(std::string_view t, Span s, State& st) {
  uint32_t skip = (t[0] == '+' || t[0] == '-') ? 1 : 0;
  Span inner{s.begin + skip, s.end};
  ExprItem v =
      K == ExprKind::Duration ? duration_node(t.substr(skip), inner) : number_node(t.substr(skip), inner);
  if (t[0] == '-')
    v = unary(UnOp::Neg, {s.begin, s.begin + 1}, std::move(v));
  else
    v.outer = s;
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
inline void push_grade(In const& in, State& st) {
  ExprItem it = node(ExprKind::Grade, st.span(in));
  it.e->text = in.string();
  it.e->grade = grade_index(in.string_view());
  st.push(std::move(it));
}
template <>
struct action<g::grade_expr> {
  template <typename In>
  static void apply(In const& in, State& st) {
    push_grade(in, st);
  }
};
template <>
struct action<g::grade_req> {
  template <typename In>
  static void apply(In const& in, State& st) {
    push_grade(in, st);
  }
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
               ? fmt::format(
                     "rename the field and keep reading its column: e.g. `{0}_value: TYPE from \"{0}\"`", w)
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
inline void push_ident(In const& in, State& st) {
  st.take();
  st.push(Ident{in.string(), st.span(in)});
}
#define LEADRULES_IDENT_ACTION(rule)             \
  template <>                                    \
  struct action<rule> {                          \
    template <typename In>                       \
    static void apply(In const& in, State& st) { \
      push_ident(in, st);                        \
    }                                            \
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
  static void apply(In const& in, State& st) {
    push_ident(in, st);
  }
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
  static void apply(In const&, State& st) {
    st.push(WhereItem{st.pop<ExprItem>(), false});
  }
};
template <>
struct action<g::colleague_where> {
  template <typename In>
  static void apply(In const&, State& st) {
    st.push(WhereItem{st.pop<ExprItem>(), true});
  }
};
template <>
struct action<g::agg_within> {
  template <typename In>
  static void apply(In const&, State& st) {
    st.push(WithinItem{st.pop<ExprItem>()});
  }
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
    fail(st.span(in), "`no colleague` is not an aggregate", "write `not any colleague where …`");
  }
};

// An aggregate from the items of its sub-rules: a kind (Ident) with optional where/within, or
// a colleague `where`.
inline ExprItem aggregate(AggFn fn, Span span, std::vector<Item>& items) {
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

#define LEADRULES_AGG_ACTION(rule, fn)            \
  template <>                                     \
  struct action<rule> {                           \
    template <typename In>                        \
    static void apply(In const& in, State& st) {  \
      auto items = st.take();                     \
      st.push(aggregate(fn, st.span(in), items)); \
    }                                             \
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
  static void apply(In const& in, State& st) {
    st.push(PrefixItem{UnOp::Neg, st.span(in)});
  }
};
template <>
struct action<g::not_op> {
  template <typename In>
  static void apply(In const& in, State& st) {
    st.push(PrefixItem{UnOp::Not, st.span(in)});
  }
};

// Wraps the operand (last item) in the prefix operators pushed before it, innermost first.
inline void fold_prefix(State& st) {
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
  static void apply(In const&, State& st) {
    fold_prefix(st);
  }
};
template <bool W>
struct action<g::not_expr<W>> {
  template <typename In>
  static void apply(In const&, State& st) {
    fold_prefix(st);
  }
};

#define LEADRULES_OP_ACTION(rule, opv)           \
  template <>                                    \
  struct action<rule> {                          \
    template <typename In>                       \
    static void apply(In const& in, State& st) { \
      st.push(OpItem{opv, st.span(in)});         \
    }                                            \
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
inline void fold_tail(State& st) {
  ExprItem rhs = st.pop<ExprItem>();
  OpItem op = st.pop<OpItem>();
  ExprItem lhs = st.pop<ExprItem>();
  st.push(binary(op.op, std::move(lhs), std::move(rhs)));
}
template <>
struct action<g::mul_tail> {
  template <typename In>
  static void apply(In const&, State& st) {
    fold_tail(st);
  }
};
template <>
struct action<g::add_tail> {
  template <typename In>
  static void apply(In const&, State& st) {
    fold_tail(st);
  }
};
template <bool W>
struct action<g::cmp_tail<W>> {
  template <typename In>
  static void apply(In const&, State& st) {
    fold_tail(st);
  }
};

template <bool W>
struct action<g::cmp_chain<W>> {
  template <typename In>
  static void apply(In const&, State& st) {
    OpItem op = st.pop<OpItem>();
    fail(op.span,
         fmt::format("comparisons cannot be chained: `{}` follows another comparison", op_text(op.op)),
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

}  // namespace leadrules::parser_detail
