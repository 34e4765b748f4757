// Checker, aggregates: over a prospect's activities, over its colleagues (same account), and
// `past`.

#include "compiler/checker/checker_internal.hpp"

namespace leadrules::checker_detail {

int32_t Checker::activity_agg(ast::Expr const& e, Scope s) {
  auto const& schema = plan_->schema;
  if (!schema.has_activities) {
    error(e.span, "this policy has no activities", "declare `schema activity { kinds visit, form ... }`");
    return -1;
  }
  plan::Node n;
  n.op = Op::ActAgg;
  n.sub = uint8_t(e.agg);
  if (e.kind_name.name == "activity") {
    n.index = -1;
  } else {
    n.index = schema.kind(e.kind_name.name);
    if (n.index < 0) {
      auto best = closest_name(e.kind_name.name, schema.kinds);
      std::string list;
      for (auto const& k : schema.kinds) list += (list.empty() ? "" : ", ") + k;
      error(e.kind_name.span, fmt::format("unknown activity kind {}", ticked(e.kind_name.name)),
            best.empty() ? fmt::format("the kinds are: {} (or `activity` for any)", list)
                         : fmt::format("did you mean {}?", ticked(best)));
      return -1;
    }
  }
  if (e.where) {
    Scope inner = s;
    inner.activity = true;
    n.a = condition(*e.where, inner, "`where`");
    if (n.a < 0) return -1;
  }
  if (e.within) {
    n.b = typed(*e.within, s, Type::Duration, "the window after `within`");
    if (n.b < 0) return -1;
  }
  switch (e.agg) {
    case ast::AggFn::Count: n.type = Type::Number; break;
    case ast::AggFn::Any:
    case ast::AggFn::No: n.type = Type::Bool; break;
    case ast::AggFn::Last:
    case ast::AggFn::First: n.type = Type::Time; break;
    default: error(e.span, "this aggregate does not apply to activities"); return -1;
  }
  return add(n, e.span);
}

int32_t Checker::colleague_agg(ast::Expr const& e, Scope s) {
  if (plan_->schema.account_field < 0) {
    error(e.span, "colleague aggregates need an `account` field",
          "add `account: string?` to the prospect schema: prospects of one account are colleagues");
    return -1;
  }
  plan_->uses_colleagues = true;
  Scope inner;
  inner.colleague = true;
  inner.expect = s.expect;
  plan::Node n;
  n.op = Op::ColAgg;
  n.sub = uint8_t(e.agg);
  switch (e.agg) {
    case ast::AggFn::Count:
    case ast::AggFn::Any:
      if (e.where) {
        n.a = condition(*e.where, inner, "`where`");
        if (n.a < 0) return -1;
      }
      n.type = e.agg == ast::AggFn::Count ? Type::Number : Type::Bool;
      break;
    case ast::AggFn::Sum:
    case ast::AggFn::Min:
    case ast::AggFn::Max: {
      if (e.args.empty()) {
        error(e.span, "a colleague aggregate needs a value", "e.g. `sum(colleague, score)`");
        return -1;
      }
      n.a = expr(*e.args[0], inner);
      if (n.a < 0) return -1;
      Type t = type_of(n.a);
      bool ok = e.agg == ast::AggFn::Sum ? (t == Type::Number || t == Type::Duration) : is_ordered(t);
      if (!ok) {
        error(e.args[0]->span, fmt::format("cannot {} a {} over colleagues",
                                           e.agg == ast::AggFn::Sum ? "sum" : "order", type_name(t)));
        return -1;
      }
      n.type = t;
      break;
    }
    default: error(e.span, "this aggregate does not apply to colleagues"); return -1;
  }
  return add(n, e.span);
}

int32_t Checker::past(ast::Expr const& e, Scope s) {
  auto const& d = *e.args[1];
  if (d.kind != ast::ExprKind::Duration) {
    error(d.span, "the second argument of `past` is a duration literal", "e.g. `past(score, 1d)`");
    return -1;
  }
  plan_->uses_past = true;
  plan::Node n;
  n.op = Op::Past;
  n.a = expr(*e.args[0], s);
  if (n.a < 0) return -1;
  n.imm = d.micros;
  n.type = type_of(n.a);
  return add(n, e.span);
}

}  // namespace leadrules::checker_detail
