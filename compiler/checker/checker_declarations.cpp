// Checker, declarations: schemas and fields, score blocks and their points rules, grades,
// segments and zones, rules and their actions.

#include "compiler/checker/checker_internal.hpp"

#include <cmath>

namespace leadrules::checker_detail {

void Checker::field(ast::FieldDecl const& f, bool activity) {
  auto& schema = plan_->schema;
  auto& list = activity ? schema.activity : schema.prospect;
  plan::Field out;
  out.name = f.name.name;
  using B = ast::TypeRef::Base;
  if (f.type.list) {
    if (f.type.base != B::String) {
      error(f.type.span, "only lists of strings are supported", "write `[string]`");
      return;
    }
    out.type = Type::StringList;
  } else {
    switch (f.type.base) {
      case B::String: out.type = Type::String; break;
      case B::Number: out.type = Type::Number; break;
      case B::Bool: out.type = Type::Bool; break;
      case B::Time: out.type = Type::Time; break;
      case B::Duration: out.type = Type::Duration; break;
      case B::Grade: out.type = Type::Grade; break;
    }
  }
  out.optional = f.type.optional || out.type == Type::StringList;
  out.column = f.from ? *f.from : f.name.name;
  out.missing_values = f.missing;
  if (activity && (out.name == "at" || out.name == "type")) {
    error(f.name.span,
          fmt::format("{} is an implicit activity field and cannot be declared", ticked(out.name)),
          "every activity has `at` (its time) and `type` (its kind)");
    return;
  }
  for (auto const& existing : list)
    if (existing.name == out.name) {
      error(f.name.span, fmt::format("field {} is declared twice", ticked(out.name)));
      return;
    }
  if (kBuiltinNames.count(out.name) && !activity) {
    error(
        f.name.span,
        fmt::format("{} shadows the built-in {}", ticked(out.name),
                    out.name == "score" || out.name == "grade" ? "value" : "function"),
        fmt::format("rename the field and read the column with `from`: e.g. `{0}_value: {1}{2} from \"{0}\"`",
                    out.name, type_name(out.type), out.optional ? "?" : ""));
    return;
  }
  if (f.default_value) {
    auto c = literal_value(*f.default_value, out.type, false, 0,
                           fmt::format("the default of {}", ticked(out.name)));
    if (!c) return;
    out.default_value = std::move(*c);
    out.optional = false;  // a default fills every gap
  }
  if (!activity && out.name == "id") {
    if (out.type != Type::String || f.type.optional || f.default_value)
      error(f.span, "`id` must be a required string: `id: string`", "every prospect needs a unique id");
  }
  if (!activity && out.name == "account" && out.type != Type::String)
    error(f.type.span, "`account` must be a string (`account: string?`)",
          "prospects with the same account are colleagues");
  list.push_back(std::move(out));
}

void Checker::schemas() {
  for (auto const& d : policy_.decls) {
    auto const* s = std::get_if<ast::SchemaDecl>(&d);
    if (!s) continue;
    auto*& slot = s->activity ? activity_schema_ : prospect_schema_;
    if (slot) {
      error(s->span, fmt::format("a second `schema {}`", s->activity ? "activity" : "prospect"),
            fmt::format("the first is on line {}; put every field in one schema", line_of(slot->span)));
      continue;
    }
    slot = s;
    for (auto const& f : s->fields) field(f, s->activity);
    if (s->activity) {
      plan_->schema.has_activities = true;
      for (auto const& k : s->kinds) {
        if (plan_->schema.kind(k.name) >= 0) {
          error(k.span, fmt::format("activity kind {} is listed twice", ticked(k.name)));
          continue;
        }
        if (plan_->schema.kinds.size() >= 60000) {
          error(k.span, "too many activity kinds");
          break;
        }
        plan_->schema.kinds.push_back(k.name);
      }
      if (s->kinds.empty())
        error(s->span, "the activity schema lists no kinds",
              "add a line like `kinds visit, form, email_open`");
    }
  }
  auto& schema = plan_->schema;
  if (!prospect_schema_) {
    if (policy_.decls.empty()) {  // nothing to point at
      Diagnostic d;
      d.file = src_->path();
      d.message = "the policy has no `schema prospect { ... }`";
      d.hint = "every policy declares its prospect fields, at least `id: string`";
      diags_->add(std::move(d));
      return;
    }
    error(std::visit([](auto const& d) { return d.span; }, policy_.decls.front()),
          "the policy has no `schema prospect { ... }`",
          "every policy declares its prospect fields, at least `id: string`");
    return;
  }
  schema.id_field = schema.prospect_field("id");
  schema.account_field = schema.prospect_field("account");
  if (schema.id_field < 0)
    error(prospect_schema_->span, "the prospect schema has no `id` field",
          "add `id: string` (required and unique)");
}

void Checker::points(ast::PointsRule const& r, int32_t block) {
  auto const& schema = plan_->schema;
  plan::PointsRule out;
  out.block = block;
  out.points = r.points.value;
  out.per = r.per;
  out.line = line_of(r.span);
  out.source = source_of(r.span);
  if (r.cap) {
    if (r.cap->value < 0)
      error(r.cap->span, "a rule's cap is a positive bound",
            "`cap 20` limits +N rules to at most 20 and -N rules to at least -20");
    out.cap = r.cap->value;
  }
  if (r.per) {
    if (!schema.has_activities) {
      error(r.kind.span, "`per` counts activities, but this policy has no activity schema");
      return;
    }
    if (r.kind.name != "activity") {
      out.kind = schema.kind(r.kind.name);
      if (out.kind < 0) {
        error(r.kind.span, fmt::format("unknown activity kind {}", ticked(r.kind.name)),
              did_you_mean(r.kind.name, schema.kinds));
        return;
      }
    }
    Scope act;
    act.activity = true;
    if (r.where) out.where = condition(*r.where, act, "`where`");
    if (r.within) out.within = typed(*r.within, Scope{}, Type::Duration, "the window after `within`");
    if (r.once_per) {
      out.once_per = schema.activity_field(r.once_per->name);
      if (out.once_per < 0) {
        std::vector<std::string> const names = names_of(schema.activity);
        error(r.once_per->span,
              fmt::format("`once per` needs an activity field, and {} is not one", ticked(r.once_per->name)),
              did_you_mean(r.once_per->name, names, "e.g. `once per asset`"));
      }
    }
  } else {
    out.condition = condition(*r.condition, Scope{}, "`if`");
  }
  plan_->points.push_back(std::move(out));
  plan_->blocks[size_t(block)].rules.push_back(int32_t(plan_->points.size() - 1));
}

void Checker::grades() {
  bool have_start = false;
  current_decl_ = decl_grade();
  for (auto const& d : policy_.decls) {
    if (auto const* gs = std::get_if<ast::GradeStart>(&d)) {
      if (have_start) error(gs->span, "`grade start` is given twice");
      have_start = true;
      plan_->grade_start = gs->grade->grade;
    } else if (auto const* gm = std::get_if<ast::GradeMove>(&d)) {
      plan::GradeMove m;
      m.thirds = gm->thirds;
      m.has_else = gm->else_thirds.has_value();
      m.else_thirds = gm->else_thirds.value_or(0);
      m.line = line_of(gm->span);
      m.source = source_of(gm->span);
      m.condition = condition(*gm->condition, Scope{}, "`grade ... if`");
      plan_->grade_moves.push_back(std::move(m));
    }
  }
  current_decl_ = -1;
}

void Checker::segments() {
  for (size_t i = 0; i < segment_decls_.size(); ++i) {
    current_decl_ = decl_segment(int(i));
    auto& seg = plan_->segments[i];
    if (auto const* const* sd = std::get_if<ast::SegmentDecl const*>(&segment_decls_[i])) {
      seg.condition = condition(*(*sd)->condition, Scope{}, "a segment");
    } else {
      auto const* z = std::get<ast::ZoneDecl const*>(segment_decls_[i]);
      if (z->rows.empty())
        error(z->span, fmt::format("zone {} has no rows", ticked(z->name.name)),
              "a row is a grade and a condition: `A- score >= 20`");
      // A zone row reads the grade.
      deps_[size_t(current_decl_)].push_back({decl_grade(), z->name.span, false});
      for (auto const& row : z->rows) {
        plan::Segment::Row r;
        r.grade = row.grade->grade;
        r.line = line_of(row.span);
        r.condition = condition(*row.condition, Scope{}, "a zone row");
        seg.rows.push_back(r);
      }
    }
  }
  current_decl_ = -1;
}

ActionSig const* Checker::known_action(ast::Ident const& name, bool set_allowed) {
  auto it = kActions.find(name.name);
  if (it != kActions.end()) return &it->second;
  std::vector<std::string> names;
  if (set_allowed) names.push_back("set");
  for (auto const& [k, v] : kActions) names.push_back(k);
  error(name.span, fmt::format("unknown action {}", ticked(name.name)),
        did_you_mean(
            name.name, names,
            "the actions are add_to_list, remove_from_list, tag, untag, notify, task, flag, enroll and set"));
  return nullptr;
}

plan::Action Checker::action(ast::Action const& a, Scope s) {
  plan::Action out;
  out.line = line_of(a.span);
  if (a.name.name == "set") {
    out.kind = plan::ActionKind::Set;
    auto const& schema = plan_->schema;
    out.field = a.field ? schema.prospect_field(a.field->name) : -1;
    if (out.field < 0) {
      std::vector<std::string> const names = names_of(schema.prospect);
      error(a.field ? a.field->span : a.span,
            fmt::format("`set` changes a prospect field, and {} is not one",
                        ticked(a.field ? a.field->name : "")),
            a.field ? did_you_mean(a.field->name, names) : std::string());
      return out;
    }
    if (out.field == schema.id_field) {
      error(a.field->span, "a rule cannot change the prospect's `id`");
      return out;
    }
    Type want = schema.prospect[size_t(out.field)].type;
    int32_t v = expr(*a.value, s);
    if (v >= 0 && type_of(v) != want) {
      error(a.value->span, fmt::format("field {} is a {}, but this value is a {}", ticked(a.field->name),
                                       type_name(want), type_name(type_of(v))));
      v = -1;
    }
    out.args.push_back(v);
    return out;
  }
  ActionSig const* sig = known_action(a.name, true);
  if (!sig) return out;
  out.kind = sig->kind;
  auto const& params = sig->params;
  if (a.args.size() != params.size()) {
    error(a.span,
          fmt::format("{} takes {} argument{}, not {}", ticked(a.name.name), params.size(),
                      params.size() == 1 ? "" : "s", a.args.size()),
          out.kind == plan::ActionKind::Task     ? "e.g. `task(\"Call {email}\", 48h)`"
          : out.kind == plan::ActionKind::Notify ? "e.g. `notify(\"owner\", \"{email} is hot\")`"
                                                 : "");
    return out;
  }
  for (size_t i = 0; i < params.size(); ++i) {
    int32_t v = expr(*a.args[i], s);
    if (v >= 0 && type_of(v) != params[i]) {
      error(a.args[i]->span,
            fmt::format("argument {} of {} is a {}, but this is a {}", i + 1, ticked(a.name.name),
                        type_name(params[i]), type_name(type_of(v))),
            params[i] == Type::Duration ? "a due time is a duration: `48h`, `4d`" : "");
      v = -1;
    }
    out.args.push_back(v);
  }
  return out;
}

void Checker::rules() {
  for (size_t i = 0; i < rule_decls_.size(); ++i) {
    auto const& r = *rule_decls_[i];
    auto& out = plan_->rules[i];
    using Q = ast::RuleDecl::Qualifier;
    out.qualifier = r.qualifier == Q::Once     ? plan::Rule::Qualifier::Once
                    : r.qualifier == Q::Always ? plan::Rule::Qualifier::Always
                                               : plan::Rule::Qualifier::Every;
    if (r.qualifier == Q::Every) {
      if (!r.every || r.every->kind != ast::ExprKind::Duration || r.every->micros <= 0)
        error(r.every ? r.every->span : r.span, "`every` needs a positive duration", "e.g. `every 7d`");
      else
        out.every = r.every->micros;
    }
    if (r.max) {
      double m = r.max->value;
      // The range first: converting a double beyond int64 to an integer is undefined.
      if (!(m >= 1 && m <= 1e15) || m != std::floor(m))
        error(r.max->span, "`max` is a whole number of firings, from 1 to 10^15");
      else
        out.max = int64_t(m);
    }
    out.condition = condition(*r.condition, Scope{}, "`when`");
    for (auto const& a : r.actions) out.actions.push_back(action(a, Scope{}));
    // Two `set`s of one field in one rule: the later would silently win.
    for (size_t x = 0; x < out.actions.size(); ++x)
      for (size_t y = x + 1; y < out.actions.size(); ++y)
        if (out.actions[x].kind == plan::ActionKind::Set && out.actions[y].kind == plan::ActionKind::Set &&
            out.actions[x].field >= 0 && out.actions[x].field == out.actions[y].field)
          error(r.actions[y].span, "this rule sets the same field twice");
  }
}

}  // namespace leadrules::checker_detail
