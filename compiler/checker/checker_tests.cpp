// Checker, tests: literal values of test records and activities, expects, the test cases
// resolved against the schema.

#include "compiler/checker/checker_internal.hpp"

#include <cmath>

namespace leadrules::checker_detail {

std::optional<plan::Constant> Checker::literal_value(ast::Expr const& e, Type want, bool optional,
                                                     int64_t now, std::string_view what) {
  using K = ast::ExprKind;
  plan::Constant c;
  c.type = want;
  auto mismatch = [&](std::string_view) {
    error(e.span, fmt::format("{} must be a {}, but this is {}", what, type_name(want), literal_kind(e)),
          want == Type::Time ? "write a time as @2026-11-22T10:00:00Z, or relative to the test's now: -2d"
          : want == Type::StringList ? "write a list: [\"a\", \"b\"]"
                                     : "");
    return std::nullopt;
  };
  (void)optional;
  switch (want) {
    case Type::Number:
      if (e.kind == K::Number) {
        c.number = e.number;
        return c;
      }
      if (e.kind == K::Unary && e.un == ast::UnOp::Neg && e.args[0]->kind == K::Number) {
        c.number = -e.args[0]->number;
        return c;
      }
      return mismatch("not a number");
    case Type::String:
      if (e.kind == K::String) {
        c.text = e.text;
        return c;
      }
      if (e.kind == K::Template && e.pieces.size() <= 1 && (e.pieces.empty() || !e.pieces[0].expr)) {
        c.text = e.pieces.empty() ? "" : e.pieces[0].text;
        return c;
      }
      return mismatch("not a string");
    case Type::Bool:
      if (e.kind == K::Bool) {
        c.boolean = e.boolean;
        return c;
      }
      return mismatch("not true or false");
    case Type::Grade:
      if (e.kind == K::Grade) {
        c.grade = e.grade;
        return c;
      }
      return mismatch("not a grade");
    case Type::Duration:
      if (e.kind == K::Duration) {
        c.micros = e.micros;
        c.text = e.text;
        return c;
      }
      if (e.kind == K::Unary && e.un == ast::UnOp::Neg && e.args[0]->kind == K::Duration) {
        c.micros = -e.args[0]->micros;
        c.text = "-" + e.args[0]->text;
        return c;
      }
      return mismatch("not a duration");
    case Type::Time:
      if (e.kind == K::Time) {
        c.micros = e.micros;
        return c;
      }
      // Relative to the test's now: `-2d`, `+1h`, `2d`.
      if (e.kind == K::Duration) {
        c.micros = now + e.micros;
        return c;
      }
      if (e.kind == K::Unary && e.un == ast::UnOp::Neg && e.args[0]->kind == K::Duration) {
        c.micros = now - e.args[0]->micros;
        return c;
      }
      return mismatch("not a time");
    case Type::StringList:
      if (e.kind == K::List) {
        for (auto const& item : e.args) {
          if (item->kind != K::String) {
            error(item->span, "list items are strings");
            return std::nullopt;
          }
          c.list.push_back(item->text);
        }
        return c;
      }
      return mismatch("not a list");
  }
  return std::nullopt;
}

std::optional<plan::TestActivity> Checker::test_activity(ast::TestActivity const& a, int64_t now) {
  auto const& schema = plan_->schema;
  plan::TestActivity out;
  out.kind = schema.kind(a.kind.name);
  if (out.kind < 0) {
    error(a.kind.span, fmt::format("unknown activity kind {}", ticked(a.kind.name)),
          did_you_mean(a.kind.name, schema.kinds));
    return std::nullopt;
  }
  bool has_at = false;
  for (auto const& f : a.fields) {
    if (f.name.name == "at") {
      auto c = literal_value(*f.value, Type::Time, false, now, "`at`");
      if (!c) return std::nullopt;
      out.at = c->micros;
      has_at = true;
      continue;
    }
    int32_t id = schema.activity_field(f.name.name);
    if (id < 0) {
      std::vector<std::string> names = {"at"};
      for (auto const& fd : schema.activity) names.push_back(fd.name);
      error(f.name.span, fmt::format("activities have no field {}", ticked(f.name.name)),
            did_you_mean(f.name.name, names));
      return std::nullopt;
    }
    auto const& fd = schema.activity[size_t(id)];
    auto c = literal_value(*f.value, fd.type, fd.optional, now, fmt::format("field {}", ticked(fd.name)));
    if (!c) return std::nullopt;
    out.fields.emplace_back(id, std::move(*c));
  }
  if (!has_at) {
    error(a.span, "a test activity needs `at`", "e.g. `visit { page: \"/pricing\", at: -2d }`");
    return std::nullopt;
  }
  return out;
}

plan::TestProspect Checker::test_record(ast::TestProspect const& rec, int64_t now, bool is_main) {
  auto const& schema = plan_->schema;
  plan::TestProspect out;
  std::vector<bool> given(schema.prospect.size(), false);
  for (auto const& f : rec.fields) {
    int32_t id = schema.prospect_field(f.name.name);
    if (id < 0) {
      std::vector<std::string> const names = names_of(schema.prospect);
      error(f.name.span, fmt::format("the prospect schema has no field {}", ticked(f.name.name)),
            did_you_mean(f.name.name, names));
      continue;
    }
    if (given[size_t(id)]) {
      error(f.name.span, fmt::format("field {} is given twice", ticked(f.name.name)));
      continue;
    }
    given[size_t(id)] = true;
    auto const& fd = schema.prospect[size_t(id)];
    auto c = literal_value(*f.value, fd.type, fd.optional, now, fmt::format("field {}", ticked(fd.name)));
    if (c) out.fields.emplace_back(id, std::move(*c));
  }
  for (size_t i = 0; i < schema.prospect.size(); ++i) {
    auto const& fd = schema.prospect[i];
    if (!given[i] && !fd.optional && !fd.default_value)
      error(rec.span,
            fmt::format("this {} lacks the required field {}", is_main ? "prospect" : "colleague",
                        ticked(fd.name)),
            fmt::format("add `{}: ...` (the schema declares it without `?`)", fd.name));
  }
  for (auto const& a : rec.activities)
    if (auto act = test_activity(a, now)) out.activities.push_back(std::move(*act));
  return out;
}

// What a failing expect prints: the operands of a comparison (`score is 47`), else the parts
// of `not`/`and`/`or`. Only names and values worth showing: literals are left out.
void Checker::show_operands(ast::Expr const& e, Scope s, plan::Expect& ex) {
  using K = ast::ExprKind;
  auto show = [&](ast::Expr const& part) {
    if (part.kind == K::Number || part.kind == K::String || part.kind == K::Bool ||
        part.kind == K::Duration || part.kind == K::Time || part.kind == K::Grade ||
        part.kind == K::SetLiteral)
      return;
    if (part.kind == K::Call && part.text == "fired") return;
    size_t before = diags_->items.size();
    int32_t n = expr(part, s);
    diags_->items.resize(before);  // already reported once, when the whole condition was checked
    if (n >= 0) ex.shown.emplace_back(source_of(part.span), n);
  };
  if (e.kind == K::Binary) {
    bool logical = e.bin == ast::BinOp::And || e.bin == ast::BinOp::Or;
    if (logical) {
      show_operands(*e.args[0], s, ex);
      show_operands(*e.args[1], s, ex);
    } else {
      show(*e.args[0]);
      show(*e.args[1]);
    }
  } else if (e.kind == K::Unary && e.un == ast::UnOp::Not) {
    show_operands(*e.args[0], s, ex);
  } else {
    show(e);
  }
}

void Checker::tests() {
  std::set<std::string> names;
  for (auto const& d : policy_.decls) {
    auto const* t = std::get_if<ast::TestDecl>(&d);
    if (!t) continue;
    plan::Test out;
    out.name = t->name;
    out.line = line_of(t->span);
    if (!names.insert(t->name).second)
      error(t->name_span, fmt::format("a second test named \"{}\"", t->name));
    out.now = t->now ? t->now->micros : kDefaultTestNow;
    if (!t->prospect) {
      error(t->span, "a test needs a `prospect { ... }`",
            "e.g. `prospect { id: \"t1\", email: \"a@b.example\" }`");
      continue;
    }
    out.prospect = test_record(*t->prospect, out.now, true);
    for (auto const& a : t->activities)
      if (auto act = test_activity(a, out.now)) out.prospect.activities.push_back(std::move(*act));
    for (auto const& c : t->colleagues) out.colleagues.push_back(test_record(c, out.now, false));
    for (auto const& h : t->history) {
      plan::TestHistory hist;
      hist.rule = plan_->rule_index(h.rule);
      if (hist.rule < 0 && policy_.unparsed && policy_.unparsed->rules.count(h.rule)) continue;
      if (hist.rule < 0) {
        std::vector<std::string> const names = names_of(plan_->rules);
        auto best = closest_name(h.rule, names);
        error(h.rule_span, fmt::format("no rule is named \"{}\"", h.rule),
              best.empty() ? "" : fmt::format("did you mean \"{}\"?", best));
        continue;
      }
      hist.count = 1;
      for (auto const& f : h.fields) {
        if (f.name.name == "count") {
          auto c = literal_value(*f.value, Type::Number, false, out.now, "`count`");
          // The range first: converting a double beyond int64 to an integer is undefined.
          if (c && (!(c->number >= 0 && c->number <= 1e15) || c->number != std::floor(c->number)))
            error(f.value->span, "`count` is a whole number of firings, from 0 to 10^15");
          else if (c)
            hist.count = int64_t(c->number);
        } else if (f.name.name == "last") {
          auto c = literal_value(*f.value, Type::Time, false, out.now, "`last`");
          if (c) hist.last = c->micros;
        } else {
          error(f.name.span, fmt::format("history has `count` and `last`, not {}", ticked(f.name.name)));
        }
      }
      out.history.push_back(hist);
    }
    for (auto const& x : t->expects) {
      plan::Expect ex;
      ex.line = line_of(x.span);
      ex.source = source_of(x.span);
      switch (x.kind) {
        case ast::Expect::Kind::Condition: {
          ex.kind = plan::Expect::Kind::Condition;
          Scope s;
          s.expect = true;
          ex.condition = condition(*x.condition, s, "`expect`");
          if (ex.condition >= 0) show_operands(*x.condition, s, ex);
          break;
        }
        case ast::Expect::Kind::Set: {
          ex.kind = plan::Expect::Kind::Set;
          ex.field = plan_->schema.prospect_field(x.field->name);
          if (ex.field < 0) {
            std::vector<std::string> const names = names_of(plan_->schema.prospect);
            error(x.field->span, fmt::format("the prospect schema has no field {}", ticked(x.field->name)),
                  did_you_mean(x.field->name, names));
            break;
          }
          auto const& fd = plan_->schema.prospect[size_t(ex.field)];
          auto c = literal_value(*x.value, fd.type, false, out.now,
                                 fmt::format("the value of {}", ticked(fd.name)));
          if (c) ex.value = std::move(*c);
          break;
        }
        case ast::Expect::Kind::Action: {
          ex.kind = plan::Expect::Kind::Action;
          auto const& a = *x.action;
          if (a.name.name == "set") {
            error(a.span, "write an expected `set` as `expect set FIELD == VALUE`");
            break;
          }
          ActionSig const* sig = known_action(a.name, false);
          if (!sig) break;
          ex.action = sig->kind;
          if (a.args.size() != sig->params.size()) {
            error(a.span, fmt::format("{} takes {} argument{}, not {}", ticked(a.name.name),
                                      sig->params.size(), sig->params.size() == 1 ? "" : "s", a.args.size()));
            break;
          }
          for (size_t i = 0; i < a.args.size(); ++i) {
            auto c = literal_value(*a.args[i], sig->params[i], false, out.now, "an expected argument");
            if (!c) break;
            ex.action_args.push_back(c->text);  // as written, durations too (decisions.md item 44)
          }
          break;
        }
      }
      out.expects.push_back(std::move(ex));
    }
    plan_->tests.push_back(std::move(out));
  }
}

}  // namespace leadrules::checker_detail
