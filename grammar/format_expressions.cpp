// Expressions for the formatter: precedence levels, the parentheses the grammar needs (and the
// ones the user wrote), templates, calls, aggregates and actions.
#include <fmt/format.h>

#include "grammar/operators.hpp"

#include "grammar/format_internal.hpp"

namespace leadrules::formatting {

namespace {

// The infix tokens an expression's printed tail would swallow if they followed it: an `any X
// where C` reads everything after it into C, a bare `any X` takes a following `within` as its
// window, and a window (`within D`, at the `??` level) takes `+ - * / ??`.
enum : unsigned {
  kTMul = 1,
  kTAdd = 2,
  kTCoal = 4,
  kTCmp = 8,
  kTWithin = 16,
  kTAnd = 32,
  kTOr = 64,
  kTAll = 127
};

struct Out {
  std::string text;
  unsigned tail = 0;
  int level = kPrimary;
};

Out paren(Out o) { return {"(" + o.text + ")", 0, kPrimary}; }

int level_of(BinOp op) {
  switch (op) {
    case BinOp::Or: return kOr;
    case BinOp::And: return kAnd;
    case BinOp::Coalesce: return kCoal;
    case BinOp::Add:
    case BinOp::Sub: return kAdd;
    case BinOp::Mul:
    case BinOp::Div: return kMul;
    default: return kCmp;
  }
}

unsigned token_of(BinOp op) {
  switch (op) {
    case BinOp::Or: return kTOr;
    case BinOp::And: return kTAnd;
    case BinOp::Coalesce: return kTCoal;
    case BinOp::Add:
    case BinOp::Sub: return kTAdd;
    case BinOp::Mul:
    case BinOp::Div: return kTMul;
    case BinOp::Within: return kTWithin;
    default: return kTCmp;
  }
}

char const* agg_name(AggFn f) {
  switch (f) {
    case AggFn::Count: return "count";
    case AggFn::Any: return "any";
    case AggFn::No: return "no";
    case AggFn::Last: return "last";
    case AggFn::First: return "first";
    case AggFn::Sum: return "sum";
    case AggFn::Min: return "min";
    case AggFn::Max: return "max";
  }
  return "?";
}

Out print_expr(Expr const& e, bool no_within);

// `e` printed where the grammar expects level `min` or tighter. `no_within`: the context is an
// activity aggregate's `where`, where an infix `within` must be parenthesised.
// Parentheses the user wrote (`parenthesized`) are always kept, and they satisfy every need for
// parentheses at this place, so `e` is never wrapped twice. Inside them the grammar reads a whole
// expression again, where an infix `within` needs no parentheses of its own.
Out print_at(Expr const* e, int min, bool no_within) {
  if (!e) return {};
  if (e->parenthesized) return paren(print_expr(*e, false));
  Out o = print_expr(*e, no_within);
  bool infix_within = e->kind == ExprKind::Binary && e->bin == BinOp::Within;
  if (o.level < min || (no_within && infix_within)) return paren(std::move(o));
  return o;
}

std::string join_args(std::vector<ExprPtr> const& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i) out += ", ";
    out += text_of(args[i].get());
  }
  return out;
}

std::string template_text(Expr const& e) {
  std::string out = "\"";
  for (auto const& p : e.pieces) {
    if (!p.expr) {
      append_escaped(out, p.text, Esc::TemplateText);
      continue;
    }
    out += '{';
    out += text_of(p.expr.get());
    if (p.fallback) {
      out += '|';
      append_escaped(out, *p.fallback, Esc::Fallback);
    }
    out += '}';
  }
  out += '"';
  return out;
}

Out print_expr(Expr const& e, bool nw) {
  switch (e.kind) {
    case ExprKind::Number: return {e.text.empty() ? fmt::format("{}", e.number) : e.text};
    case ExprKind::String: return {quoted(e.text)};
    case ExprKind::Bool: return {e.boolean ? "true" : "false"};
    case ExprKind::Duration: return {e.text};
    case ExprKind::Time: return {"@" + e.text};
    case ExprKind::Grade: return {e.text};
    case ExprKind::Now: return {"now"};
    case ExprKind::Name: return {e.text};
    case ExprKind::Template: return {template_text(e)};

    case ExprKind::Unary: {
      Expr const* operand = e.args.empty() ? nullptr : e.args[0].get();
      if (e.un == UnOp::Neg) {
        Out o = print_at(operand, kUnary, nw);
        return {"-" + o.text, o.tail, kUnary};
      }
      Out o = print_at(operand, kNot, nw);
      return {"not " + o.text, o.tail, kNot};
    }

    case ExprKind::Binary: {
      int lv = level_of(e.bin);
      int lmin = lv, rmin = lv + 1;         // left associative
      if (lv == kCmp) lmin = rmin = kCoal;  // not associative
      if (lv == kCoal) {
        lmin = kAdd;
        rmin = kCoal;
      }                                         // right associative
      if (lv == kAnd) rmin = kNot;              // `a and not b`
      if (e.bin == BinOp::In) rmin = kPrimary;  // a set literal or a name
      Out l = print_at(e.args.size() > 0 ? e.args[0].get() : nullptr, lmin, nw);
      if (l.tail & token_of(e.bin)) l = paren(std::move(l));
      Out r = print_at(e.args.size() > 1 ? e.args[1].get() : nullptr, rmin, nw);
      return {l.text + " " + op_text(e.bin) + " " + r.text, r.tail, lv};
    }

    case ExprKind::SetLiteral: {
      std::string out = "{";
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (i) out += ", ";
        out += e.args[i] ? text_of(e.args[i].get()) : std::string("\"\"");
      }
      return {out + "}"};
    }
    case ExprKind::List: return {"[" + join_args(e.args) + "]"};
    case ExprKind::Call: return {e.text + "(" + join_args(e.args) + ")"};

    case ExprKind::ActivityAgg: {
      std::string body = e.kind_name.name;
      unsigned where_tail = 0;
      if (e.where) body += " where " + where_text(e.where.get(), e.within != nullptr, &where_tail);
      Out win;
      if (e.within) {
        win = print_at(e.within.get(), kCoal, false);
        body += " within " + win.text;
      }
      if (e.agg == AggFn::Any || e.agg == AggFn::No) {
        unsigned tail = e.within ? (kTMul | kTAdd | kTCoal | win.tail) : e.where ? kTAll : kTWithin;
        return {std::string(agg_name(e.agg)) + " " + body, tail, kPrimary};
      }
      return {std::string(agg_name(e.agg)) + "(" + body + ")"};
    }

    case ExprKind::ColleagueAgg: {
      switch (e.agg) {
        case AggFn::Count: return {"count(colleague where " + text_of(e.where.get()) + ")"};
        case AggFn::Any:
        case AggFn::No:
          return {std::string(agg_name(e.agg)) + " colleague where " + text_of(e.where.get()), kTAll,
                  kPrimary};
        default: {
          Expr const* value = e.args.empty() ? e.where.get() : e.args[0].get();
          return {std::string(agg_name(e.agg)) + "(colleague, " + text_of(value) + ")"};
        }
      }
    }

    case ExprKind::Past:
      return {"past(" + text_of(e.args.size() > 0 ? e.args[0].get() : nullptr) + ", " +
              text_of(e.args.size() > 1 ? e.args[1].get() : nullptr) + ")"};
  }
  return {};
}

}  // namespace

std::string text_of(Expr const* e, int min) { return print_at(e, min, false).text; }

std::string where_text(Expr const* where, bool window_follows, unsigned* tail) {
  Out w = print_at(where, kOr, true);
  if (window_follows && (w.tail & kTWithin)) w = paren(std::move(w));
  if (tail) *tail = w.tail;
  return w.text;
}

std::string action_text(Action const& a) {
  if (a.field) return "set " + a.field->name + " = " + text_of(a.value.get());
  return a.name.name + "(" + join_args(a.args) + ")";
}

}  // namespace leadrules::formatting
