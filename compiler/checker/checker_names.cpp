// Checker, names: declaring them, registering every declaration's, resolving a name in an
// expression (lets are checked on first use).

#include "compiler/checker/checker_internal.hpp"

namespace leadrules::checker_detail {

bool Checker::declare(ast::Ident const& id, NameKind kind, int32_t index) {
  if (kBuiltinNames.count(id.name)) {
    error(id.span,
          fmt::format("{} shadows the built-in {}", ticked(id.name),
                      id.name == "score" || id.name == "grade" ? "value" : "function"),
          "choose another name");
    return false;
  }
  auto [it, fresh] = names_.emplace(id.name, NameEntry{kind, index, id.span});
  if (!fresh) {
    auto prev = src_->position(it->second.span.begin);
    error(id.span,
          fmt::format("{} is already declared as a {} on line {}", ticked(id.name),
                      kind_word(it->second.kind), prev.line),
          "fields, sets, lets, score blocks, segments and zones share one namespace");
    return false;
  }
  return true;
}

void Checker::register_names() {
  auto& schema = plan_->schema;
  for (size_t i = 0; i < schema.prospect.size(); ++i) {
    // Fields were validated already; find their identifiers for spans.
    for (auto const& f : prospect_schema_->fields)
      if (f.name.name == schema.prospect[i].name) {
        names_.emplace(f.name.name, NameEntry{NameKind::Field, int32_t(i), f.name.span});
        break;
      }
  }
  bool implicit_block = false;
  for (auto const& d : policy_.decls) {
    if (auto const* s = std::get_if<ast::SetDecl>(&d)) {
      if (declare(s->name, NameKind::Set, int32_t(set_decls_.size()))) set_decls_.push_back(s);
    } else if (auto const* l = std::get_if<ast::LetDecl>(&d)) {
      if (declare(l->name, NameKind::Let, int32_t(let_decls_.size()))) let_decls_.push_back(l);
    } else if (auto const* b = std::get_if<ast::ScoreDecl>(&d)) {
      if (b->name.name == "score") {
        error(b->name.span, "a score block cannot be named `score`",
              "`score` is the total; top-level `points` already form the implicit block \"score\"");
        continue;
      }
      if (!declare(b->name, NameKind::Block, int32_t(block_decls_.size()))) continue;
      std::vector<ast::PointsRule const*> rules;
      for (auto const& r : b->rules) rules.push_back(&r);
      block_decls_.emplace_back(b, std::move(rules));
    } else if (auto const* p = std::get_if<ast::PointsRule>(&d)) {
      if (!implicit_block) {
        implicit_block = true;
        block_decls_.emplace_back(nullptr, std::vector<ast::PointsRule const*>{});
      }
      for (auto& [decl, rules] : block_decls_)
        if (!decl) rules.push_back(p);
    } else if (auto const* s = std::get_if<ast::SegmentDecl>(&d)) {
      if (declare(s->name, NameKind::Segment, int32_t(segment_decls_.size()))) segment_decls_.push_back(s);
    } else if (auto const* z = std::get_if<ast::ZoneDecl>(&d)) {
      if (declare(z->name, NameKind::Segment, int32_t(segment_decls_.size()))) segment_decls_.push_back(z);
    } else if (auto const* r = std::get_if<ast::RuleDecl>(&d)) {
      bool dup = false;
      for (auto const* other : rule_decls_)
        if (other->name == r->name) {
          error(r->name_span, fmt::format("rule \"{}\" is declared twice", r->name),
                fmt::format(
                    "the first is on line {}; rule names are unique (the firing history is kept by name)",
                    line_of(other->span)));
          dup = true;
        }
      if (!dup) rule_decls_.push_back(r);
    }
  }
  // Shape the plan's declaration tables so that references can be resolved in any order.
  for (auto const* l : let_decls_) {
    plan::Let let;
    let.name = l->name.name;
    let.line = line_of(l->span);
    plan_->lets.push_back(std::move(let));
  }
  let_state_.assign(let_decls_.size(), 0);
  for (auto const& [decl, rules] : block_decls_) {
    plan::ScoreBlock b;
    b.name = decl ? decl->name.name : "score";
    b.line = decl ? line_of(decl->span) : (rules.empty() ? 0 : line_of(rules.front()->span));
    plan_->blocks.push_back(std::move(b));
  }
  for (auto const& sd : segment_decls_) {
    plan::Segment seg;
    std::visit(
        [&](auto const* d) {
          seg.name = d->name.name;
          seg.line = line_of(d->span);
          seg.zone = std::is_same_v<std::decay_t<decltype(*d)>, ast::ZoneDecl>;
        },
        sd);
    plan_->segments.push_back(std::move(seg));
  }
  for (auto const* r : rule_decls_) {
    plan::Rule rule;
    rule.name = r->name;
    rule.line = line_of(r->span);
    plan_->rules.push_back(std::move(rule));
  }
  deps_.assign(size_t(decl_count()), {});
}

int32_t Checker::name(ast::Expr const& e, Scope s) {
  auto const& schema = plan_->schema;
  std::string const& id = e.text;
  plan::Node n;
  if (s.activity) {
    if (id == "at") {
      n.op = Op::ActAt;
      n.type = Type::Time;
      return add(n, e.span);
    }
    if (id == "type") {
      n.op = Op::ActType;
      n.type = Type::String;
      return add(n, e.span);
    }
    int32_t f = schema.activity_field(id);
    if (f >= 0) {
      if (schema.prospect_field(id) >= 0)
        warning(e.span,
                fmt::format("activity field {} shadows the prospect field of the same name", ticked(id)),
                "inside `where` the activity's field wins; compute the prospect's in a `let` to use both");
      n.op = Op::ActField;
      n.index = f;
      n.type = schema.activity[size_t(f)].type;
      return add(n, e.span);
    }
  }
  if (id == "score") {
    depend(decl_total(), e.span, s.colleague);
    n.op = Op::Total;
    n.type = Type::Number;
    return add(n, e.span);
  }
  if (id == "grade") {
    depend(decl_grade(), e.span, s.colleague);
    n.op = Op::Grade;
    n.type = Type::Grade;
    return add(n, e.span);
  }
  auto it = names_.find(id);
  if (it != names_.end()) {
    auto const& entry = it->second;
    switch (entry.kind) {
      case NameKind::Field:
        n.op = Op::Field;
        n.index = entry.index;
        n.type = schema.prospect[size_t(entry.index)].type;
        return add(n, e.span);
      case NameKind::Set:
        error(e.span, fmt::format("set {} can only be used right of `in`", ticked(id)),
              fmt::format("e.g. `domain(email) in {}`", id));
        return -1;
      case NameKind::Let:
        depend(decl_let(entry.index), e.span, s.colleague);
        if (let_type_ready(entry.index) < 0) return -1;
        n.op = Op::Let;
        n.index = entry.index;
        n.type = plan_->lets[size_t(entry.index)].type;
        return add(n, e.span);
      case NameKind::Block:
        depend(decl_block(entry.index), e.span, s.colleague);
        n.op = Op::Block;
        n.index = entry.index;
        n.type = Type::Number;
        return add(n, e.span);
      case NameKind::Segment:
        depend(decl_segment(entry.index), e.span, s.colleague);
        n.op = Op::Segment;
        n.index = entry.index;
        n.type = Type::Bool;
        return add(n, e.span);
    }
  }
  // Declared by a declaration that failed to parse (its syntax error is reported): not unknown.
  if (policy_.unparsed && policy_.unparsed->names.count(id)) return -1;
  // Unknown: explain what it might be.
  if (schema.activity_field(id) >= 0 || id == "at" || id == "type") {
    error(e.span, fmt::format("{} is an activity field, but no activity is in scope here", ticked(id)),
          fmt::format("use it in the `where` of an aggregate: `any visit where {} ...`", id));
    return -1;
  }
  if (schema.kind(id) >= 0 || id == "activity") {
    error(e.span, fmt::format("{} is an activity kind, not a value", ticked(id)),
          fmt::format("count it with `count({0})`, or test it with `any {0}`", id));
    return -1;
  }
  std::vector<std::string> candidates = {"score", "grade"};
  for (auto const& [k, v] : names_) candidates.push_back(k);
  if (s.activity) {
    candidates.push_back("at");
    candidates.push_back("type");
    for (auto const& f : schema.activity) candidates.push_back(f.name);
  }
  std::sort(candidates.begin(), candidates.end());
  error(e.span, fmt::format("unknown name {}", ticked(id)),
        did_you_mean(id, candidates, "declare it as a field, a `let`, a score block or a segment"));
  return -1;
}

}  // namespace leadrules::checker_detail
