// Checker, expressions: literals, operators, calls of built-ins, regexes, templates (the
// aggregates are in checker_aggregates.cpp, names in checker_names.cpp).

#include "compiler/checker/checker_internal.hpp"

#include <re2/re2.h>

namespace leadrules::checker_detail {

int32_t Checker::condition(ast::Expr const& e, Scope s, std::string_view where_word) {
  int32_t n = expr(e, s);
  if (n < 0) return -1;
  if (type_of(n) != Type::Bool) {
    error(e.span, fmt::format("{} needs a condition, but this is a {}", where_word, type_name(type_of(n))),
          type_of(n) == Type::Number ? "compare it: e.g. `x >= 10`"
                                     : "compare it with `==`, `<`, `~`, `in` or `within`");
    return -1;
  }
  return n;
}

int32_t Checker::typed(ast::Expr const& e, Scope s, Type want, std::string_view what) {
  int32_t n = expr(e, s);
  if (n < 0) return -1;
  if (type_of(n) != want) {
    error(e.span,
          fmt::format("{} must be a {}, but this is a {}", what, type_name(want), type_name(type_of(n))));
    return -1;
  }
  return n;
}

int32_t Checker::expr(ast::Expr const& e, Scope s) {
  using K = ast::ExprKind;
  // Counts the levels a reference sits at, for the depth limit (check_depth).
  struct Level {
    int32_t& depth;
    explicit Level(int32_t& d) : depth(++d) {}
    ~Level() { --depth; }
  } level(expr_depth_);
  plan::Constant c;
  switch (e.kind) {
    case K::Number:
      c.type = Type::Number;
      c.number = e.number;
      return add_const(c, e.span);
    case K::String:
      c.type = Type::String;
      c.text = e.text;
      return add_const(c, e.span);
    case K::Bool:
      c.type = Type::Bool;
      c.boolean = e.boolean;
      return add_const(c, e.span);
    case K::Duration:
      c.type = Type::Duration;
      c.micros = e.micros;
      c.text = e.text;
      return add_const(c, e.span);
    case K::Time:
      c.type = Type::Time;
      c.micros = e.micros;
      return add_const(c, e.span);
    case K::Grade:
      c.type = Type::Grade;
      c.grade = e.grade;
      return add_const(c, e.span);
    case K::Now: {
      plan::Node n;
      n.op = Op::Now;
      n.type = Type::Time;
      return add(n, e.span);
    }
    case K::Name: return name(e, s);
    case K::Unary: return unary(e, s);
    case K::Binary: return binary(e, s);
    case K::Call: return call(e, s);
    case K::ActivityAgg: return activity_agg(e, s);
    case K::ColleagueAgg: return colleague_agg(e, s);
    case K::Past: return past(e, s);
    case K::Template: return templ(e, s);
    case K::SetLiteral:
      error(e.span, "a set literal can only stand right of `in`",
            "e.g. `industry in {\"SaaS\", \"Finance\"}`");
      return -1;
    case K::List:
      error(e.span, "a list literal can only be a test value",
            "lists appear in `test` data, e.g. `tags: [\"vip\"]`");
      return -1;
  }
  return -1;
}

int32_t Checker::unary(ast::Expr const& e, Scope s) {
  int32_t a = expr(*e.args[0], s);
  if (a < 0) return -1;
  plan::Node n;
  n.a = a;
  if (e.un == ast::UnOp::Not) {
    if (type_of(a) != Type::Bool) {
      error(e.args[0]->span, fmt::format("`not` needs a condition, but this is a {}", type_name(type_of(a))));
      return -1;
    }
    n.op = Op::Not;
    n.type = Type::Bool;
  } else {
    if (type_of(a) != Type::Number && type_of(a) != Type::Duration) {
      error(e.args[0]->span, fmt::format("cannot negate a {}", type_name(type_of(a))));
      return -1;
    }
    n.op = Op::Neg;
    n.type = type_of(a);
  }
  return add(n, e.span);
}

int32_t Checker::regex(ast::Expr const& pattern, bool icase) {
  if (pattern.kind != ast::ExprKind::String) {
    error(pattern.span, "a regular expression must be a string literal",
          "write the pattern in quotes: `title ~* \"director|vp\"`");
    return -1;
  }
  RE2::Options opt;
  opt.set_case_sensitive(!icase);
  opt.set_log_errors(false);
  opt.set_encoding(RE2::Options::EncodingUTF8);
  opt.set_max_mem(int64_t(std::min<uint64_t>(limits_.regex_bytes, uint64_t(INT64_MAX))));
  auto re = std::make_shared<RE2>(pattern.text, opt);
  if (re->error_code() == RE2::ErrorPatternTooLarge) {
    error(pattern.span,
          fmt::format("regular expression too large: it compiles to more than {} of memory",
                      Limits::show(limits_.regex_bytes)),
          "repeat counts multiply a pattern's size (`(a|b){1000}`); simplify it, or " +
              Limits::how_to_raise("regex-bytes", limits_.regex_bytes));
    return -1;
  }
  if (!re->ok()) {
    error(pattern.span, fmt::format("invalid regular expression: {}", re->error()),
          "patterns use RE2 syntax (no backreferences or lookaround)");
    return -1;
  }
  plan::Regex r;
  r.pattern = pattern.text;
  r.case_insensitive = icase;
  r.re = std::move(re);
  plan_->regexes.push_back(std::move(r));
  return int32_t(plan_->regexes.size() - 1);
}

int32_t Checker::binary(ast::Expr const& e, Scope s) {
  using B = ast::BinOp;
  auto const& lhs = *e.args[0];
  auto const& rhs = *e.args[1];
  plan::Node n;

  if (e.bin == B::Match || e.bin == B::IMatch) {
    int32_t a = expr(lhs, s);
    int32_t r = regex(rhs, e.bin == B::IMatch);
    if (a < 0 || r < 0) return -1;
    if (type_of(a) != Type::String) {
      error(lhs.span, fmt::format("`~` matches strings, but this is a {}", type_name(type_of(a))));
      return -1;
    }
    n.op = Op::Match;
    n.a = a;
    n.index = r;
    n.type = Type::Bool;
    return add(n, e.span);
  }

  if (e.bin == B::In) {
    int32_t a = expr(lhs, s);
    if (a < 0) return -1;
    if (type_of(a) != Type::String) {
      error(lhs.span, fmt::format("`in` tests a string, but this is a {}", type_name(type_of(a))),
            "sets and lists hold strings");
      return -1;
    }
    n.a = a;
    n.type = Type::Bool;
    if (rhs.kind == ast::ExprKind::SetLiteral) {
      plan::Set set;
      for (auto const& m : rhs.args) {
        if (m->kind != ast::ExprKind::String) {
          error(m->span, "set members are strings");
          return -1;
        }
        set.values.push_back(m->text);
      }
      std::sort(set.values.begin(), set.values.end());
      set.values.erase(std::unique(set.values.begin(), set.values.end()), set.values.end());
      plan_->sets.push_back(std::move(set));
      n.op = Op::InSet;
      n.index = int32_t(plan_->sets.size() - 1);
      return add(n, e.span);
    }
    if (rhs.kind == ast::ExprKind::Name) {
      auto it = names_.find(rhs.text);
      bool activity_shadow = s.activity && plan_->schema.activity_field(rhs.text) >= 0;
      if (it != names_.end() && it->second.kind == NameKind::Set && !activity_shadow) {
        n.op = Op::InSet;
        n.index = it->second.index;
        return add(n, e.span);
      }
    }
    int32_t b = expr(rhs, s);
    if (b < 0) return -1;
    if (type_of(b) != Type::StringList) {
      error(rhs.span,
            fmt::format("right of `in` comes a set or a [string] field, but this is a {}",
                        type_name(type_of(b))),
            "declare a set (`set names = {\"a\", \"b\"}`) or write one inline: `x in {\"a\", \"b\"}`");
      return -1;
    }
    n.op = Op::InList;
    n.b = b;
    return add(n, e.span);
  }

  if (e.bin == B::And || e.bin == B::Or) {
    int32_t a = expr(lhs, s);
    int32_t b = expr(rhs, s);
    if (a < 0 || b < 0) return -1;
    char const* word = e.bin == B::And ? "and" : "or";
    for (auto [node, side] : {std::pair{a, &lhs}, std::pair{b, &rhs}})
      if (type_of(node) != Type::Bool) {
        error(side->span,
              fmt::format("`{}` joins conditions, but this is a {}", word, type_name(type_of(node))));
        return -1;
      }
    n.op = e.bin == B::And ? Op::And : Op::Or;
    n.type = Type::Bool;
    // Flatten chains: `a and b and c` is one node with three operands, evaluated left to right.
    for (int32_t x : {a, b}) {
      auto const& xn = plan_->nodes[size_t(x)];
      if (xn.op == n.op)
        n.args.insert(n.args.end(), xn.args.begin(), xn.args.end());
      else
        n.args.push_back(x);
    }
    return add(n, e.span);
  }

  int32_t a = expr(lhs, s);
  int32_t b = expr(rhs, s);
  if (a < 0 || b < 0) return -1;
  Type ta = type_of(a), tb = type_of(b);
  n.a = a;
  n.b = b;

  if (e.bin == B::Within) {
    if (ta != Type::Time) {
      error(lhs.span, fmt::format("`within` needs a time on its left, but this is a {}", type_name(ta)),
            "e.g. `last(visit) within 7d`");
      return -1;
    }
    if (tb != Type::Duration) {
      error(rhs.span, fmt::format("`within` needs a duration on its right, but this is a {}", type_name(tb)),
            "e.g. `within 30d`");
      return -1;
    }
    n.op = Op::Within;
    n.type = Type::Bool;
    return add(n, e.span);
  }

  if (e.bin == B::Coalesce) {
    if (ta != tb) {
      error(e.span, fmt::format("both sides of `??` must have one type, found {} and {}", type_name(ta),
                                type_name(tb)));
      return -1;
    }
    n.op = Op::Coalesce;
    n.type = ta;
    return add(n, e.span);
  }

  if (e.bin == B::Add || e.bin == B::Sub || e.bin == B::Mul || e.bin == B::Div) {
    plan::Arith op = e.bin == B::Add   ? plan::Arith::Add
                     : e.bin == B::Sub ? plan::Arith::Sub
                     : e.bin == B::Mul ? plan::Arith::Mul
                                       : plan::Arith::Div;
    std::optional<Type> result;
    auto both = [&](Type x, Type y) { return ta == x && tb == y; };
    switch (op) {
      case plan::Arith::Add:
        if (both(Type::Number, Type::Number))
          result = Type::Number;
        else if (both(Type::Time, Type::Duration) || both(Type::Duration, Type::Time))
          result = Type::Time;
        else if (both(Type::Duration, Type::Duration))
          result = Type::Duration;
        break;
      case plan::Arith::Sub:
        if (both(Type::Number, Type::Number))
          result = Type::Number;
        else if (both(Type::Time, Type::Duration))
          result = Type::Time;
        else if (both(Type::Time, Type::Time))
          result = Type::Duration;
        else if (both(Type::Duration, Type::Duration))
          result = Type::Duration;
        break;
      case plan::Arith::Mul:
        if (both(Type::Number, Type::Number))
          result = Type::Number;
        else if (both(Type::Duration, Type::Number) || both(Type::Number, Type::Duration))
          result = Type::Duration;
        break;
      case plan::Arith::Div:
        if (both(Type::Number, Type::Number))
          result = Type::Number;
        else if (both(Type::Duration, Type::Duration))
          result = Type::Number;
        else if (both(Type::Duration, Type::Number))
          result = Type::Duration;
        break;
    }
    if (!result) {
      static char const* sym[] = {"+", "-", "*", "/"};
      std::string hint;
      if (ta == Type::String || tb == Type::String)
        hint = "strings do not add up; use a template \"{a} {b}\" in an action";
      else if (ta == Type::Time && tb == Type::Number)
        hint = "add a duration to a time: `assigned_at + 2d`";
      error(e.span, fmt::format("cannot compute {} {} {}", type_name(ta), sym[int(op)], type_name(tb)), hint);
      return -1;
    }
    n.op = Op::Arith;
    n.sub = uint8_t(op);
    n.type = *result;
    return add(n, e.span);
  }

  // Comparisons.
  plan::Cmp cmp = e.bin == B::Eq   ? plan::Cmp::Eq
                  : e.bin == B::Ne ? plan::Cmp::Ne
                  : e.bin == B::Lt ? plan::Cmp::Lt
                  : e.bin == B::Le ? plan::Cmp::Le
                  : e.bin == B::Gt ? plan::Cmp::Gt
                                   : plan::Cmp::Ge;
  static char const* sym[] = {"==", "!=", "<", "<=", ">", ">="};
  if (ta != tb) {
    std::string hint;
    if ((ta == Type::Grade && tb == Type::Number) || (ta == Type::Number && tb == Type::Grade))
      hint = "grades compare with grade literals: `grade >= B-`";
    else if (ta == Type::Time && tb == Type::Duration)
      hint = "for an age use `since(t) > 48h` or `t within 48h`";
    else if (ta == Type::Duration && tb == Type::Number)
      hint = "write the number with a unit: `48h`, `7d`";
    error(e.span,
          fmt::format("`{} {} {}` compares a {} with a {}", source_of(lhs.span), sym[int(cmp)],
                      source_of(rhs.span), type_name(ta), type_name(tb)),
          hint);
    return -1;
  }
  if (ta == Type::StringList) {
    error(e.span, "lists cannot be compared",
          "test membership with `\"vip\" in tags`, or the size with `len(tags)`");
    return -1;
  }
  if (ta == Type::Bool && cmp != plan::Cmp::Eq && cmp != plan::Cmp::Ne) {
    error(e.span, "true/false values have no order", "use `==` or `!=`");
    return -1;
  }
  n.op = Op::Compare;
  n.sub = uint8_t(cmp);
  n.type = Type::Bool;
  n.args = {a, b};
  return add(n, e.span);
}

int32_t Checker::call(ast::Expr const& e, Scope s) {
  std::string const& fn = e.text;
  if (fn == "fired") {
    if (!s.expect) {
      error(e.span, "`fired(\"rule\")` can only be used in a test's `expect`",
            "rules decide actions; to react to another rule, repeat its condition or name it as a segment");
      return -1;
    }
    if (e.args.size() != 1 || e.args[0]->kind != ast::ExprKind::String) {
      error(e.span, "`fired` takes one rule name in quotes", "e.g. `expect fired(\"Hot list\")`");
      return -1;
    }
    int32_t r = plan_->rule_index(e.args[0]->text);
    if (r < 0 && policy_.unparsed && policy_.unparsed->rules.count(e.args[0]->text)) return -1;
    if (r < 0) {
      std::vector<std::string> const names = names_of(plan_->rules);
      auto best = closest_name(e.args[0]->text, names);
      error(e.args[0]->span, fmt::format("no rule is named \"{}\"", e.args[0]->text),
            best.empty() ? "" : fmt::format("did you mean \"{}\"?", best));
      return -1;
    }
    plan::Node n;
    n.op = Op::Fired;
    n.index = r;
    n.type = Type::Bool;
    return add(n, e.span);
  }
  auto it = kBuiltins.find(fn);
  if (fn == "sum") {
    error(e.span, "this aggregate does not apply to activities",
          "`sum`, `min` and `max` aggregate over colleagues, e.g. `sum(colleague, score)`; count activities "
          "with "
          "`count(visit)`");
    return -1;
  }
  if (it == kBuiltins.end()) {
    std::vector<std::string> names;
    for (auto const& [k, v] : kBuiltins) names.push_back(k);
    names.push_back("count");
    names.push_back("last");
    names.push_back("first");
    names.push_back("past");
    names.push_back("sum");
    error(e.span, fmt::format("unknown function {}", ticked(fn)),
          did_you_mean(fn, names, "the built-in functions are listed in docs/language.md"));
    return -1;
  }
  auto const& sig = it->second;
  if (e.args.size() < sig.min_args || e.args.size() > sig.max_args) {
    error(e.span, sig.min_args == sig.max_args
                      ? fmt::format("{} takes {} argument{}, not {}", ticked(fn), sig.min_args,
                                    sig.min_args == 1 ? "" : "s", e.args.size())
                      : fmt::format("{} takes at least {} arguments", ticked(fn), sig.min_args));
    return -1;
  }
  std::vector<int32_t> args;
  for (auto const& a : e.args) {
    int32_t x = expr(*a, s);
    if (x < 0) return -1;
    args.push_back(x);
  }
  auto want = [&](size_t i, std::initializer_list<Type> types) {
    Type t = type_of(args[i]);
    for (Type ok : types)
      if (t == ok) return true;
    std::string list;
    for (Type ok : types) list += (list.empty() ? "" : " or ") + std::string(type_name(ok));
    error(e.args[i]->span,
          fmt::format("{} expects a {} here, but this is a {}", ticked(fn), list, type_name(t)));
    return false;
  };
  plan::Node n;
  n.op = Op::Call;
  n.sub = uint8_t(sig.id);
  n.args = args;
  using Bi = plan::Builtin;
  switch (sig.id) {
    case Bi::Lower:
    case Bi::Upper:
    case Bi::Domain:
      if (!want(0, {Type::String})) return -1;
      n.type = Type::String;
      break;
    case Bi::Len:
      if (!want(0, {Type::String, Type::StringList})) return -1;
      n.type = Type::Number;
      break;
    case Bi::Contains:
    case Bi::StartsWith:
    case Bi::EndsWith:
      if (!want(0, {Type::String}) || !want(1, {Type::String})) return -1;
      n.type = Type::Bool;
      break;
    case Bi::Min:
    case Bi::Max: {
      Type t = type_of(args[0]);
      if (!is_ordered(t)) {
        error(e.args[0]->span, fmt::format("{} compares ordered values, not a {}", ticked(fn), type_name(t)));
        return -1;
      }
      for (size_t i = 1; i < args.size(); ++i)
        if (!want(i, {t})) return -1;
      n.type = t;
      break;
    }
    case Bi::Abs:
    case Bi::Round:
      if (!want(0, {Type::Number})) return -1;
      n.type = Type::Number;
      break;
    case Bi::Clamp:
      for (size_t i = 0; i < 3; ++i)
        if (!want(i, {Type::Number})) return -1;
      n.type = Type::Number;
      break;
    case Bi::Since:
      if (!want(0, {Type::Time})) return -1;
      n.type = Type::Duration;
      break;
    case Bi::DaysSince:
    case Bi::Hour:
    case Bi::Weekday:
      if (!want(0, {Type::Time})) return -1;
      n.type = Type::Number;
      break;
    case Bi::Present: n.type = Type::Bool; break;
  }
  return add(n, e.span);
}

int32_t Checker::templ(ast::Expr const& e, Scope s) {
  plan::Template t;
  for (auto const& piece : e.pieces) {
    plan::Template::Piece p;
    p.text = piece.text;
    if (piece.expr) {
      p.expr = expr(*piece.expr, s);
      if (p.expr < 0) return -1;
      p.has_fallback = piece.fallback.has_value();
      if (piece.fallback) p.fallback = *piece.fallback;
    }
    t.pieces.push_back(std::move(p));
  }
  plan_->templates.push_back(std::move(t));
  plan::Node n;
  n.op = Op::Template;
  n.type = Type::String;
  n.index = int32_t(plan_->templates.size() - 1);
  return add(n, e.span);
}

}  // namespace leadrules::checker_detail
