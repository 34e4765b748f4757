#include "compiler/checker/checker.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include <date/tz.h>
#include <fmt/format.h>
#include <re2/re2.h>

#include "grammar/parser.hpp"

namespace leadrules {
namespace {

using plan::Op;
using plan::Type;

constexpr int64_t kDefaultTestNow = 1767225600LL * 1000000;   // 2026-01-01T00:00:00Z

// Names that a declaration may not take: built-in functions and the implicit values.
const std::set<std::string, std::less<>> kBuiltinNames = {
    "lower", "upper", "len", "contains", "starts_with", "ends_with", "domain", "min", "max",
    "abs", "round", "clamp", "since", "days_since", "hour", "weekday", "present", "count",
    "last", "first", "sum", "past", "fired", "score", "grade"};

struct BuiltinSig {
  plan::Builtin id;
  size_t min_args, max_args;
};
const std::map<std::string, BuiltinSig, std::less<>> kBuiltins = {
    {"lower", {plan::Builtin::Lower, 1, 1}},       {"upper", {plan::Builtin::Upper, 1, 1}},
    {"len", {plan::Builtin::Len, 1, 1}},           {"contains", {plan::Builtin::Contains, 2, 2}},
    {"starts_with", {plan::Builtin::StartsWith, 2, 2}},
    {"ends_with", {plan::Builtin::EndsWith, 2, 2}},
    {"domain", {plan::Builtin::Domain, 1, 1}},     {"min", {plan::Builtin::Min, 2, 64}},
    {"max", {plan::Builtin::Max, 2, 64}},          {"abs", {plan::Builtin::Abs, 1, 1}},
    {"round", {plan::Builtin::Round, 1, 1}},       {"clamp", {plan::Builtin::Clamp, 3, 3}},
    {"since", {plan::Builtin::Since, 1, 1}},       {"days_since", {plan::Builtin::DaysSince, 1, 1}},
    {"hour", {plan::Builtin::Hour, 1, 1}},         {"weekday", {plan::Builtin::Weekday, 1, 1}},
    {"present", {plan::Builtin::Present, 1, 1}},
};

struct ActionSig {
  plan::ActionKind kind;
  std::vector<Type> params;
};
const std::map<std::string, ActionSig, std::less<>> kActions = {
    {"add_to_list", {plan::ActionKind::AddToList, {Type::String}}},
    {"remove_from_list", {plan::ActionKind::RemoveFromList, {Type::String}}},
    {"tag", {plan::ActionKind::Tag, {Type::String}}},
    {"untag", {plan::ActionKind::Untag, {Type::String}}},
    {"notify", {plan::ActionKind::Notify, {Type::String, Type::String}}},
    {"task", {plan::ActionKind::Task, {Type::String, Type::Duration}}},
    {"flag", {plan::ActionKind::Flag, {Type::String}}},
    {"enroll", {plan::ActionKind::Enroll, {Type::String}}},
};

bool is_ordered(Type t) {
  return t == Type::Number || t == Type::String || t == Type::Time || t == Type::Duration ||
         t == Type::Grade;
}

std::string ticked(std::string_view s) { return fmt::format("`{}`", s); }

// What a literal is, for "must be a number, but this is a string".
std::string literal_kind(ast::Expr const& e) {
  using K = ast::ExprKind;
  switch (e.kind) {
    case K::Number: return "a number";
    case K::String: case K::Template: return "a string";
    case K::Bool: return "true/false";
    case K::Duration: return "a duration";
    case K::Time: return "a time";
    case K::Grade: return "a grade";
    case K::List: return "a list";
    case K::Unary:
      if (e.un == ast::UnOp::Neg && !e.args.empty()) return literal_kind(*e.args[0]);
      return "an expression";
    default: return "not a literal";
  }
}

// ---------------------------------------------------------------------------------------------

class Checker {
 public:
  Checker(ast::Policy const& policy, SourceFile const& source, Diagnostics& diags)
      : policy_(policy), src_(source), diags_(diags), plan_(std::make_shared<plan::Plan>()) {}

  std::shared_ptr<plan::Plan const> run();

 private:
  // --- diagnostics -------------------------------------------------------------------------
  void error(ast::Span span, std::string msg, std::string hint = {}) {
    diags_.add(src_.diagnostic(Severity::Error, span, std::move(msg), std::move(hint)));
  }
  void warning(ast::Span span, std::string msg, std::string hint = {}) {
    diags_.add(src_.diagnostic(Severity::Warning, span, std::move(msg), std::move(hint)));
  }
  uint32_t line_of(ast::Span span) const { return src_.position(span.begin).line; }
  std::string source_of(ast::Span span) const { return std::string(src_.slice(span)); }

  // --- names -------------------------------------------------------------------------------
  enum class NameKind { Field, Set, Let, Block, Segment };
  struct NameEntry {
    NameKind kind;
    int32_t index;
    ast::Span span;
  };
  static std::string_view kind_word(NameKind k) {
    switch (k) {
      case NameKind::Field: return "field";
      case NameKind::Set: return "set";
      case NameKind::Let: return "let";
      case NameKind::Block: return "score block";
      case NameKind::Segment: return "segment";
    }
    return "name";
  }
  bool declare(ast::Ident const& id, NameKind kind, int32_t index);

  // --- declaration graph (cycles, order) ----------------------------------------------------
  // Nodes: lets, blocks, total, grade, segments.
  int decl_let(int i) const { return i; }
  int decl_block(int i) const { return int(plan_->lets.size()) + i; }
  int decl_total() const { return int(plan_->lets.size() + plan_->blocks.size()); }
  int decl_grade() const { return decl_total() + 1; }
  int decl_segment(int i) const { return decl_grade() + 1 + i; }
  int decl_count() const { return decl_segment(int(plan_->segments.size())); }
  std::string decl_label(int d) const;
  plan::DeclRef decl_ref(int d) const;
  struct Edge {
    int to;
    ast::Span span;
    bool colleague;
  };
  std::vector<std::vector<Edge>> deps_;
  int current_decl_ = -1;   // the declaration whose expressions are being checked (-1: none)
  void depend(int to, ast::Span span, bool colleague) {
    if (current_decl_ >= 0) deps_[size_t(current_decl_)].push_back({to, span, colleague});
  }
  void order_declarations();
  void check_strata();

  // --- expressions -------------------------------------------------------------------------
  struct Scope {
    bool activity = false;     // inside an activity aggregate's `where` / a per rule
    bool colleague = false;    // inside a colleague aggregate
    bool expect = false;       // a test's expect: fired() allowed
  };
  int32_t add(plan::Node n, ast::Span span) {
    auto pos = src_.position(span.begin);
    n.line = pos.line;
    n.column = pos.column;
    plan_->nodes.push_back(std::move(n));
    return int32_t(plan_->nodes.size() - 1);
  }
  int32_t add_const(plan::Constant c, ast::Span span) {
    plan_->constants.push_back(std::move(c));
    plan::Node n;
    n.op = Op::Const;
    n.type = plan_->constants.back().type;
    n.index = int32_t(plan_->constants.size() - 1);
    return add(std::move(n), span);
  }
  Type type_of(int32_t node) const { return plan_->nodes[size_t(node)].type; }

  int32_t expr(ast::Expr const& e, Scope s);
  int32_t condition(ast::Expr const& e, Scope s, std::string_view where_word);
  int32_t typed(ast::Expr const& e, Scope s, Type want, std::string_view what);
  int32_t name(ast::Expr const& e, Scope s);
  int32_t unary(ast::Expr const& e, Scope s);
  int32_t binary(ast::Expr const& e, Scope s);
  int32_t call(ast::Expr const& e, Scope s);
  int32_t activity_agg(ast::Expr const& e, Scope s);
  int32_t colleague_agg(ast::Expr const& e, Scope s);
  int32_t past(ast::Expr const& e, Scope s);
  int32_t templ(ast::Expr const& e, Scope s);
  int32_t regex(ast::Expr const& pattern, bool icase);
  int32_t let_type_ready(int32_t let);   // checks a let on first use (names may come before)

  // --- declarations --------------------------------------------------------------------------
  void schemas();
  void field(ast::FieldDecl const& f, bool activity);
  void register_names();
  void sets();
  void points(ast::PointsRule const& r, int32_t block);
  void grades();
  void segments();
  void rules();
  void tests();
  void show_operands(ast::Expr const& e, Scope s, plan::Expect& ex);
  void policy_header();
  plan::Action action(ast::Action const& a, Scope s);
  std::optional<plan::Constant> literal_value(ast::Expr const& e, Type want, bool optional,
                                              int64_t now, std::string_view what);
  plan::TestProspect test_record(ast::TestProspect const& rec, int64_t now, bool is_main);
  std::optional<plan::TestActivity> test_activity(ast::TestActivity const& a, int64_t now);

  ast::Policy const& policy_;
  SourceFile const& src_;
  Diagnostics& diags_;
  std::shared_ptr<plan::Plan> plan_;

  std::unordered_map<std::string, NameEntry> names_;
  std::vector<ast::LetDecl const*> let_decls_;
  std::vector<int8_t> let_state_;   // 0 unchecked, 1 in progress, 2 done, 3 failed
  std::vector<ast::SetDecl const*> set_decls_;
  std::vector<std::variant<ast::SegmentDecl const*, ast::ZoneDecl const*>> segment_decls_;
  std::vector<ast::RuleDecl const*> rule_decls_;
  std::vector<std::pair<ast::ScoreDecl const*, std::vector<ast::PointsRule const*>>> block_decls_;
  ast::SchemaDecl const* prospect_schema_ = nullptr;
  ast::SchemaDecl const* activity_schema_ = nullptr;
};

// ---------------------------------------------------------------------------------------------

bool Checker::declare(ast::Ident const& id, NameKind kind, int32_t index) {
  if (kBuiltinNames.count(id.name)) {
    error(id.span, fmt::format("{} shadows the built-in {}", ticked(id.name),
                               id.name == "score" || id.name == "grade" ? "value" : "function"),
          "choose another name");
    return false;
  }
  auto [it, fresh] = names_.emplace(id.name, NameEntry{kind, index, id.span});
  if (!fresh) {
    auto prev = src_.position(it->second.span.begin);
    error(id.span,
          fmt::format("{} is already declared as a {} on line {}", ticked(id.name),
                      kind_word(it->second.kind), prev.line),
          "fields, sets, lets, score blocks, segments and zones share one namespace");
    return false;
  }
  return true;
}

void Checker::policy_header() {
  if (policy_.name) plan_->name = *policy_.name;
  if (policy_.timezone) {
    try {
      (void)date::locate_zone(*policy_.timezone);
      plan_->timezone = *policy_.timezone;
    } catch (std::exception const&) {
      error(policy_.timezone_span, fmt::format("unknown time zone \"{}\"", *policy_.timezone),
            "use an IANA zone name such as \"Asia/Tokyo\", \"Europe/Berlin\" or \"UTC\"");
    }
  }
}

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
    error(f.name.span, fmt::format("{} is an implicit activity field and cannot be declared", ticked(out.name)),
          "every activity has `at` (its time) and `type` (its kind)");
    return;
  }
  for (auto const& existing : list)
    if (existing.name == out.name) {
      error(f.name.span, fmt::format("field {} is declared twice", ticked(out.name)));
      return;
    }
  if (kBuiltinNames.count(out.name) && !activity) {
    error(f.name.span, fmt::format("{} shadows the built-in {}", ticked(out.name),
                                   out.name == "score" || out.name == "grade" ? "value" : "function"),
          fmt::format("rename the field and read the column with `from`: e.g. `{0}_value: {1}{2} from \"{0}\"`", out.name,
                      type_name(out.type), out.optional ? "?" : ""));
    return;
  }
  if (f.default_value) {
    auto c = literal_value(*f.default_value, out.type, false, 0, fmt::format("the default of {}", ticked(out.name)));
    if (!c) return;
    out.default_value = std::move(*c);
    out.optional = false;   // a default fills every gap
  }
  if (!activity && out.name == "id") {
    if (out.type != Type::String || f.type.optional || f.default_value)
      error(f.span, "`id` must be a required string: `id: string`",
            "every prospect needs a unique id");
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
    if (policy_.decls.empty()) {   // nothing to point at
      Diagnostic d;
      d.file = src_.path();
      d.message = "the policy has no `schema prospect { ... }`";
      d.hint = "every policy declares its prospect fields, at least `id: string`";
      diags_.add(std::move(d));
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
                fmt::format("the first is on line {}; rule names are unique (the firing history is kept by name)",
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
    std::visit([&](auto const* d) {
      seg.name = d->name.name;
      seg.line = line_of(d->span);
      seg.zone = std::is_same_v<std::decay_t<decltype(*d)>, ast::ZoneDecl>;
    }, sd);
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

void Checker::sets() {
  for (auto const* s : set_decls_) {
    plan::Set set;
    set.name = s->name.name;
    if (s->file) {
      namespace fs = std::filesystem;
      fs::path base = fs::path(src_.path()).parent_path();
      fs::path path = base / *s->file;
      std::ifstream in(path, std::ios::binary);
      if (!in) {
        error(s->span, fmt::format("cannot read the set file \"{}\"", path.string()),
              "a set file holds one value a line; its path is relative to the policy");
      } else {
        std::string line;
        uint32_t n = 0;
        while (std::getline(in, line)) {
          ++n;
          if (!line.empty() && line.back() == '\r') line.pop_back();
          auto b = line.find_first_not_of(" \t");
          if (b == std::string::npos) continue;   // blank lines are skipped
          auto e = line.find_last_not_of(" \t");
          std::string v = line.substr(b, e - b + 1);
          if (find_invalid_utf8(v) != std::string_view::npos) {
            error(s->span, fmt::format("invalid UTF-8 in the set file \"{}\" on line {}", path.string(), n));
            break;
          }
          set.values.push_back(std::move(v));
        }
      }
    } else {
      set.values = s->values;
    }
    std::sort(set.values.begin(), set.values.end());
    set.values.erase(std::unique(set.values.begin(), set.values.end()), set.values.end());
    plan_->sets.push_back(std::move(set));
  }
}

// ---------------------------------------------------------------------------------------------
// Expressions

int32_t Checker::condition(ast::Expr const& e, Scope s, std::string_view where_word) {
  int32_t n = expr(e, s);
  if (n < 0) return -1;
  if (type_of(n) != Type::Bool) {
    error(e.span, fmt::format("{} needs a condition, but this is a {}", where_word, type_name(type_of(n))),
          type_of(n) == Type::Number ? "compare it: e.g. `x >= 10`" : "compare it with `==`, `<`, `~`, `in` or `within`");
    return -1;
  }
  return n;
}

int32_t Checker::typed(ast::Expr const& e, Scope s, Type want, std::string_view what) {
  int32_t n = expr(e, s);
  if (n < 0) return -1;
  if (type_of(n) != want) {
    error(e.span, fmt::format("{} must be a {}, but this is a {}", what, type_name(want), type_name(type_of(n))));
    return -1;
  }
  return n;
}

int32_t Checker::expr(ast::Expr const& e, Scope s) {
  using K = ast::ExprKind;
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
      error(e.span, "a set literal can only stand right of `in`", "e.g. `industry in {\"SaaS\", \"Finance\"}`");
      return -1;
    case K::List:
      error(e.span, "a list literal can only be a test value", "lists appear in `test` data, e.g. `tags: [\"vip\"]`");
      return -1;
  }
  return -1;
}

int32_t Checker::let_type_ready(int32_t let) {
  auto& state = let_state_[size_t(let)];
  if (state == 2) return 0;
  if (state == 1 || state == 3) return -1;   // a cycle (reported by the graph) or a failed let
  state = 1;
  int saved = current_decl_;
  current_decl_ = decl_let(let);
  int32_t n = expr(*let_decls_[size_t(let)]->value, Scope{});
  current_decl_ = saved;
  if (n < 0) {
    state = 3;
    return -1;
  }
  plan_->lets[size_t(let)].expr = n;
  plan_->lets[size_t(let)].type = type_of(n);
  state = 2;
  return 0;
}

int32_t Checker::name(ast::Expr const& e, Scope s) {
  auto const& schema = plan_->schema;
  std::string const& id = e.text;
  plan::Node n;
  if (s.activity) {
    if (id == "at") { n.op = Op::ActAt; n.type = Type::Time; return add(n, e.span); }
    if (id == "type") { n.op = Op::ActType; n.type = Type::String; return add(n, e.span); }
    int32_t f = schema.activity_field(id);
    if (f >= 0) {
      if (schema.prospect_field(id) >= 0)
        warning(e.span, fmt::format("activity field {} shadows the prospect field of the same name", ticked(id)),
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
  auto best = closest_name(id, candidates);
  error(e.span, fmt::format("unknown name {}", ticked(id)),
        best.empty() ? "declare it as a field, a `let`, a score block or a segment"
                     : fmt::format("did you mean {}?", ticked(best)));
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
  auto re = std::make_shared<RE2>(pattern.text, opt);
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
      error(rhs.span, fmt::format("right of `in` comes a set or a [string] field, but this is a {}",
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
        error(side->span, fmt::format("`{}` joins conditions, but this is a {}", word, type_name(type_of(node))));
        return -1;
      }
    n.op = e.bin == B::And ? Op::And : Op::Or;
    n.type = Type::Bool;
    // Flatten chains: `a and b and c` is one node with three operands, evaluated left to right.
    for (int32_t x : {a, b}) {
      auto const& xn = plan_->nodes[size_t(x)];
      if (xn.op == n.op) n.args.insert(n.args.end(), xn.args.begin(), xn.args.end());
      else n.args.push_back(x);
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
      error(e.span, fmt::format("both sides of `??` must have one type, found {} and {}", type_name(ta), type_name(tb)));
      return -1;
    }
    n.op = Op::Coalesce;
    n.type = ta;
    return add(n, e.span);
  }

  if (e.bin == B::Add || e.bin == B::Sub || e.bin == B::Mul || e.bin == B::Div) {
    plan::Arith op = e.bin == B::Add ? plan::Arith::Add
                     : e.bin == B::Sub ? plan::Arith::Sub
                     : e.bin == B::Mul ? plan::Arith::Mul : plan::Arith::Div;
    std::optional<Type> result;
    auto both = [&](Type x, Type y) { return ta == x && tb == y; };
    switch (op) {
      case plan::Arith::Add:
        if (both(Type::Number, Type::Number)) result = Type::Number;
        else if (both(Type::Time, Type::Duration) || both(Type::Duration, Type::Time)) result = Type::Time;
        else if (both(Type::Duration, Type::Duration)) result = Type::Duration;
        break;
      case plan::Arith::Sub:
        if (both(Type::Number, Type::Number)) result = Type::Number;
        else if (both(Type::Time, Type::Duration)) result = Type::Time;
        else if (both(Type::Time, Type::Time)) result = Type::Duration;
        else if (both(Type::Duration, Type::Duration)) result = Type::Duration;
        break;
      case plan::Arith::Mul:
        if (both(Type::Number, Type::Number)) result = Type::Number;
        else if (both(Type::Duration, Type::Number) || both(Type::Number, Type::Duration)) result = Type::Duration;
        break;
      case plan::Arith::Div:
        if (both(Type::Number, Type::Number)) result = Type::Number;
        else if (both(Type::Duration, Type::Duration)) result = Type::Number;
        else if (both(Type::Duration, Type::Number)) result = Type::Duration;
        break;
    }
    if (!result) {
      static char const* sym[] = {"+", "-", "*", "/"};
      std::string hint;
      if (ta == Type::String || tb == Type::String) hint = "strings do not add up; use a template \"{a} {b}\" in an action";
      else if (ta == Type::Time && tb == Type::Number) hint = "add a duration to a time: `assigned_at + 2d`";
      error(e.span, fmt::format("cannot compute {} {} {}", type_name(ta), sym[int(op)], type_name(tb)), hint);
      return -1;
    }
    n.op = Op::Arith;
    n.sub = uint8_t(op);
    n.type = *result;
    return add(n, e.span);
  }

  // Comparisons.
  plan::Cmp cmp = e.bin == B::Eq ? plan::Cmp::Eq : e.bin == B::Ne ? plan::Cmp::Ne
                  : e.bin == B::Lt ? plan::Cmp::Lt : e.bin == B::Le ? plan::Cmp::Le
                  : e.bin == B::Gt ? plan::Cmp::Gt : plan::Cmp::Ge;
  static char const* sym[] = {"==", "!=", "<", "<=", ">", ">="};
  if (ta != tb) {
    std::string hint;
    if ((ta == Type::Grade && tb == Type::Number) || (ta == Type::Number && tb == Type::Grade))
      hint = "grades compare with grade literals: `grade >= B-`";
    else if (ta == Type::Time && tb == Type::Duration)
      hint = "for an age use `since(t) > 48h` or `t within 48h`";
    else if (ta == Type::Duration && tb == Type::Number)
      hint = "write the number with a unit: `48h`, `7d`";
    error(e.span, fmt::format("`{} {} {}` compares a {} with a {}", source_of(lhs.span), sym[int(cmp)],
                              source_of(rhs.span), type_name(ta), type_name(tb)),
          hint);
    return -1;
  }
  if (ta == Type::StringList) {
    error(e.span, "lists cannot be compared", "test membership with `\"vip\" in tags`, or the size with `len(tags)`");
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
    if (r < 0) {
      std::vector<std::string> names;
      for (auto const& rule : plan_->rules) names.push_back(rule.name);
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
          "`sum`, `min` and `max` aggregate over colleagues, e.g. `sum(colleague, score)`; count activities with "
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
    auto best = closest_name(fn, names);
    error(e.span, fmt::format("unknown function {}", ticked(fn)),
          best.empty() ? "the built-in functions are listed in docs/language.md"
                       : fmt::format("did you mean {}?", ticked(best)));
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
    error(e.args[i]->span, fmt::format("{} expects a {} here, but this is a {}", ticked(fn), list, type_name(t)));
    return false;
  };
  plan::Node n;
  n.op = Op::Call;
  n.sub = uint8_t(sig.id);
  n.args = args;
  using Bi = plan::Builtin;
  switch (sig.id) {
    case Bi::Lower: case Bi::Upper: case Bi::Domain:
      if (!want(0, {Type::String})) return -1;
      n.type = Type::String;
      break;
    case Bi::Len:
      if (!want(0, {Type::String, Type::StringList})) return -1;
      n.type = Type::Number;
      break;
    case Bi::Contains: case Bi::StartsWith: case Bi::EndsWith:
      if (!want(0, {Type::String}) || !want(1, {Type::String})) return -1;
      n.type = Type::Bool;
      break;
    case Bi::Min: case Bi::Max: {
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
    case Bi::Abs: case Bi::Round:
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
    case Bi::DaysSince: case Bi::Hour: case Bi::Weekday:
      if (!want(0, {Type::Time})) return -1;
      n.type = Type::Number;
      break;
    case Bi::Present:
      n.type = Type::Bool;
      break;
  }
  return add(n, e.span);
}

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
    case ast::AggFn::Any: case ast::AggFn::No: n.type = Type::Bool; break;
    case ast::AggFn::Last: case ast::AggFn::First: n.type = Type::Time; break;
    default:
      error(e.span, "this aggregate does not apply to activities");
      return -1;
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
    default:
      error(e.span, "this aggregate does not apply to colleagues");
      return -1;
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

// ---------------------------------------------------------------------------------------------
// Declarations

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
        auto best = closest_name(r.kind.name, schema.kinds);
        error(r.kind.span, fmt::format("unknown activity kind {}", ticked(r.kind.name)),
              best.empty() ? "" : fmt::format("did you mean {}?", ticked(best)));
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
        std::vector<std::string> names;
        for (auto const& f : schema.activity) names.push_back(f.name);
        auto best = closest_name(r.once_per->name, names);
        error(r.once_per->span, fmt::format("`once per` needs an activity field, and {} is not one", ticked(r.once_per->name)),
              best.empty() ? "e.g. `once per asset`" : fmt::format("did you mean {}?", ticked(best)));
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
      if (z->rows.empty()) error(z->span, fmt::format("zone {} has no rows", ticked(z->name.name)),
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

plan::Action Checker::action(ast::Action const& a, Scope s) {
  plan::Action out;
  out.line = line_of(a.span);
  if (a.name.name == "set") {
    out.kind = plan::ActionKind::Set;
    auto const& schema = plan_->schema;
    out.field = a.field ? schema.prospect_field(a.field->name) : -1;
    if (out.field < 0) {
      std::vector<std::string> names;
      for (auto const& f : schema.prospect) names.push_back(f.name);
      auto best = a.field ? closest_name(a.field->name, names) : std::string();
      error(a.field ? a.field->span : a.span,
            fmt::format("`set` changes a prospect field, and {} is not one", ticked(a.field ? a.field->name : "")),
            best.empty() ? "" : fmt::format("did you mean {}?", ticked(best)));
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
  auto it = kActions.find(a.name.name);
  if (it == kActions.end()) {
    std::vector<std::string> names = {"set"};
    for (auto const& [k, v] : kActions) names.push_back(k);
    auto best = closest_name(a.name.name, names);
    error(a.name.span, fmt::format("unknown action {}", ticked(a.name.name)),
          best.empty() ? "the actions are add_to_list, remove_from_list, tag, untag, notify, task, flag, enroll and set"
                       : fmt::format("did you mean {}?", ticked(best)));
    return out;
  }
  out.kind = it->second.kind;
  auto const& params = it->second.params;
  if (a.args.size() != params.size()) {
    error(a.span, fmt::format("{} takes {} argument{}, not {}", ticked(a.name.name), params.size(),
                              params.size() == 1 ? "" : "s", a.args.size()),
          out.kind == plan::ActionKind::Task ? "e.g. `task(\"Call {email}\", 48h)`"
          : out.kind == plan::ActionKind::Notify ? "e.g. `notify(\"owner\", \"{email} is hot\")`" : "");
    return out;
  }
  for (size_t i = 0; i < params.size(); ++i) {
    int32_t v = expr(*a.args[i], s);
    if (v >= 0 && type_of(v) != params[i]) {
      error(a.args[i]->span, fmt::format("argument {} of {} is a {}, but this is a {}", i + 1, ticked(a.name.name),
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
    out.qualifier = r.qualifier == Q::Once ? plan::Rule::Qualifier::Once
                    : r.qualifier == Q::Always ? plan::Rule::Qualifier::Always
                                                : plan::Rule::Qualifier::Every;
    if (r.qualifier == Q::Every) {
      if (!r.every || r.every->kind != ast::ExprKind::Duration || r.every->micros <= 0)
        error(r.every ? r.every->span : r.span, "`every` needs a positive duration", "e.g. `every 7d`");
      else out.every = r.every->micros;
    }
    if (r.max) {
      double m = r.max->value;
      if (m < 1 || m != double(int64_t(m)) || m > 1e15)
        error(r.max->span, "`max` is a whole number of firings, at least 1");
      else out.max = int64_t(m);
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

std::optional<plan::Constant> Checker::literal_value(ast::Expr const& e, Type want, bool optional,
                                                     int64_t now, std::string_view what) {
  using K = ast::ExprKind;
  plan::Constant c;
  c.type = want;
  auto mismatch = [&](std::string_view) {
    error(e.span, fmt::format("{} must be a {}, but this is {}", what, type_name(want), literal_kind(e)),
          want == Type::Time ? "write a time as @2026-11-22T10:00:00Z, or relative to the test's now: -2d"
          : want == Type::StringList ? "write a list: [\"a\", \"b\"]" : "");
    return std::nullopt;
  };
  (void)optional;
  switch (want) {
    case Type::Number:
      if (e.kind == K::Number) { c.number = e.number; return c; }
      if (e.kind == K::Unary && e.un == ast::UnOp::Neg && e.args[0]->kind == K::Number) {
        c.number = -e.args[0]->number;
        return c;
      }
      return mismatch("not a number");
    case Type::String:
      if (e.kind == K::String) { c.text = e.text; return c; }
      if (e.kind == K::Template && e.pieces.size() <= 1 && (e.pieces.empty() || !e.pieces[0].expr)) {
        c.text = e.pieces.empty() ? "" : e.pieces[0].text;
        return c;
      }
      return mismatch("not a string");
    case Type::Bool:
      if (e.kind == K::Bool) { c.boolean = e.boolean; return c; }
      return mismatch("not true or false");
    case Type::Grade:
      if (e.kind == K::Grade) { c.grade = e.grade; return c; }
      return mismatch("not a grade");
    case Type::Duration:
      if (e.kind == K::Duration) { c.micros = e.micros; c.text = e.text; return c; }
      if (e.kind == K::Unary && e.un == ast::UnOp::Neg && e.args[0]->kind == K::Duration) {
        c.micros = -e.args[0]->micros;
        c.text = "-" + e.args[0]->text;
        return c;
      }
      return mismatch("not a duration");
    case Type::Time:
      if (e.kind == K::Time) { c.micros = e.micros; return c; }
      // Relative to the test's now: `-2d`, `+1h`, `2d`.
      if (e.kind == K::Duration) { c.micros = now + e.micros; return c; }
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
    auto best = closest_name(a.kind.name, schema.kinds);
    error(a.kind.span, fmt::format("unknown activity kind {}", ticked(a.kind.name)),
          best.empty() ? "" : fmt::format("did you mean {}?", ticked(best)));
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
      auto best = closest_name(f.name.name, names);
      error(f.name.span, fmt::format("activities have no field {}", ticked(f.name.name)),
            best.empty() ? "" : fmt::format("did you mean {}?", ticked(best)));
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
      std::vector<std::string> names;
      for (auto const& fd : schema.prospect) names.push_back(fd.name);
      auto best = closest_name(f.name.name, names);
      error(f.name.span, fmt::format("the prospect schema has no field {}", ticked(f.name.name)),
            best.empty() ? "" : fmt::format("did you mean {}?", ticked(best)));
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
      error(rec.span, fmt::format("this {} lacks the required field {}", is_main ? "prospect" : "colleague",
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
    if (part.kind == K::Number || part.kind == K::String || part.kind == K::Bool || part.kind == K::Duration ||
        part.kind == K::Time || part.kind == K::Grade || part.kind == K::SetLiteral)
      return;
    if (part.kind == K::Call && part.text == "fired") return;
    size_t before = diags_.items.size();
    int32_t n = expr(part, s);
    diags_.items.resize(before);   // already reported once, when the whole condition was checked
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
    if (!names.insert(t->name).second) error(t->name_span, fmt::format("a second test named \"{}\"", t->name));
    out.now = t->now ? t->now->micros : kDefaultTestNow;
    if (!t->prospect) {
      error(t->span, "a test needs a `prospect { ... }`", "e.g. `prospect { id: \"t1\", email: \"a@b.example\" }`");
      continue;
    }
    out.prospect = test_record(*t->prospect, out.now, true);
    for (auto const& a : t->activities)
      if (auto act = test_activity(a, out.now)) out.prospect.activities.push_back(std::move(*act));
    for (auto const& c : t->colleagues) out.colleagues.push_back(test_record(c, out.now, false));
    for (auto const& h : t->history) {
      plan::TestHistory hist;
      hist.rule = plan_->rule_index(h.rule);
      if (hist.rule < 0) {
        std::vector<std::string> names;
        for (auto const& rule : plan_->rules) names.push_back(rule.name);
        auto best = closest_name(h.rule, names);
        error(h.rule_span, fmt::format("no rule is named \"{}\"", h.rule),
              best.empty() ? "" : fmt::format("did you mean \"{}\"?", best));
        continue;
      }
      hist.count = 1;
      for (auto const& f : h.fields) {
        if (f.name.name == "count") {
          auto c = literal_value(*f.value, Type::Number, false, out.now, "`count`");
          if (c && (c->number < 0 || c->number != double(int64_t(c->number))))
            error(f.value->span, "`count` is a whole number of firings");
          else if (c) hist.count = int64_t(c->number);
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
            std::vector<std::string> names;
            for (auto const& fd : plan_->schema.prospect) names.push_back(fd.name);
            auto best = closest_name(x.field->name, names);
            error(x.field->span, fmt::format("the prospect schema has no field {}", ticked(x.field->name)),
                  best.empty() ? "" : fmt::format("did you mean {}?", ticked(best)));
            break;
          }
          auto const& fd = plan_->schema.prospect[size_t(ex.field)];
          auto c = literal_value(*x.value, fd.type, false, out.now, fmt::format("the value of {}", ticked(fd.name)));
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
          auto it = kActions.find(a.name.name);
          if (it == kActions.end()) {
            std::vector<std::string> names;
            for (auto const& [k, v] : kActions) names.push_back(k);
            auto best = closest_name(a.name.name, names);
            error(a.name.span, fmt::format("unknown action {}", ticked(a.name.name)),
                  best.empty() ? "the actions are add_to_list, remove_from_list, tag, untag, notify, task, flag, enroll and set"
                               : fmt::format("did you mean {}?", ticked(best)));
            break;
          }
          ex.action = it->second.kind;
          if (a.args.size() != it->second.params.size()) {
            error(a.span, fmt::format("{} takes {} argument{}, not {}", ticked(a.name.name), it->second.params.size(),
                                      it->second.params.size() == 1 ? "" : "s", a.args.size()));
            break;
          }
          for (size_t i = 0; i < a.args.size(); ++i) {
            auto c = literal_value(*a.args[i], it->second.params[i], false, out.now, "an expected argument");
            if (!c) break;
            ex.action_args.push_back(c->type == Type::Duration ? c->text : c->text);
          }
          break;
        }
      }
      out.expects.push_back(std::move(ex));
    }
    plan_->tests.push_back(std::move(out));
  }
}

// ---------------------------------------------------------------------------------------------
// Dependency order and cycles

std::string Checker::decl_label(int d) const {
  if (d < decl_block(0)) return fmt::format("let `{}`", plan_->lets[size_t(d)].name);
  if (d < decl_total()) return fmt::format("score block `{}`", plan_->blocks[size_t(d - decl_block(0))].name);
  if (d == decl_total()) return "`score`";
  if (d == decl_grade()) return "`grade`";
  auto const& s = plan_->segments[size_t(d - decl_segment(0))];
  return fmt::format("{} `{}`", s.zone ? "zone" : "segment", s.name);
}

plan::DeclRef Checker::decl_ref(int d) const {
  using K = plan::DeclRef::Kind;
  if (d < decl_block(0)) return {K::Let, d};
  if (d < decl_total()) return {K::Block, d - decl_block(0)};
  if (d == decl_total()) return {K::Total, 0};
  if (d == decl_grade()) return {K::Grade, 0};
  return {K::Segment, d - decl_segment(0)};
}

// LANGUAGE.md's strata: what points and grades need may count colleagues by their fields and
// activities, never read colleagues' scores or grades (nor lets, segments or zones built on
// them). Segments, zones and the lets only they use may. Cycles are reported separately.
void Checker::check_strata() {
  int n = decl_count();
  auto scoring = [&](int d) { return (d >= decl_block(0) && d <= decl_total()) || d == decl_grade(); };
  // Does d read a score or the grade, directly or through anything it reads?
  std::vector<int8_t> reads_scoring(size_t(n), -1);
  std::function<bool(int)> reads = [&](int d) -> bool {
    auto& memo = reads_scoring[size_t(d)];
    if (memo >= 0) return memo == 1;
    memo = 0;   // a cycle is reported elsewhere; treat the back edge as false
    bool r = scoring(d);
    for (auto const& e : deps_[size_t(d)]) r = r || reads(e.to);
    memo = r ? 1 : 0;
    return r;
  };
  // From every points block and the grade, follow what they read; a colleague edge on the way
  // must not lead to scores or grades.
  std::vector<uint8_t> seen(size_t(n), 0);
  bool reported = false;
  std::function<void(int)> walk = [&](int d) {
    if (seen[size_t(d)] || reported) return;
    seen[size_t(d)] = 1;
    for (auto const& e : deps_[size_t(d)]) {
      if (e.colleague && reads(e.to)) {
        error(e.span, fmt::format("a colleague aggregate used by points or grades reads {} of the colleagues",
                                  decl_label(e.to)),
              "points and grade rules may count colleagues by their fields and activities (`count(colleague where "
              "any activity within 30d)`), not use their scores or grades; a segment can: "
              "`segment hot_account when sum(colleague, score) + score >= 150`");
        reported = true;
        return;
      }
      if (!e.colleague) walk(e.to);
    }
  };
  for (size_t b = 0; b < plan_->blocks.size(); ++b) walk(decl_block(int(b)));
  walk(decl_grade());
}

void Checker::order_declarations() {
  // The total depends on every block.
  for (size_t b = 0; b < plan_->blocks.size(); ++b)
    deps_[size_t(decl_total())].push_back({decl_block(int(b)), {}, false});
  int n = decl_count();
  std::vector<int8_t> state(size_t(n), 0);   // 0 new, 1 on stack, 2 done
  std::vector<std::pair<int, Edge>> stack;   // the path, with the edge that entered each node
  bool reported = false;
  std::function<void(int)> visit = [&](int d) {
    state[size_t(d)] = 1;
    for (auto const& e : deps_[size_t(d)]) {
      if (state[size_t(e.to)] == 1) {
        if (reported) continue;
        reported = true;
        // Name the cycle from e.to around to d and back.
        std::string path = decl_label(e.to);
        bool through_colleague = e.colleague;
        ast::Span where = e.span;
        size_t start = 0;
        for (size_t i = 0; i < stack.size(); ++i)
          if (stack[i].first == e.to) start = i;
        for (size_t i = start + 1; i < stack.size(); ++i) {
          path += " → " + decl_label(stack[i].first);
          through_colleague |= stack[i].second.colleague;
          // Implicit edges (the total reads every block) have no place in the text: point at
          // the first reference the user wrote, the colleague one when there is one.
          auto const& edge = stack[i].second;
          bool written = edge.span.end > edge.span.begin;
          if (written && (where.end <= where.begin || (edge.colleague && !e.colleague))) where = edge.span;
        }
        path += " → " + decl_label(e.to);
        if (through_colleague)
          error(where, fmt::format("colleague aggregate out of order: {}", path),
                "a colleague aggregate may use only what is computed before the place that uses it: a points "
                "or grade rule can count colleagues but not sum their scores; a segment can");
        else
          error(where, fmt::format("cycle: {}", path),
                "a declaration cannot depend on itself, not even through past()");
        continue;
      }
      if (state[size_t(e.to)] == 0) {
        stack.push_back({e.to, e});
        visit(e.to);
        stack.pop_back();
      }
    }
    state[size_t(d)] = 2;
    plan_->order.push_back(decl_ref(d));
  };
  for (int d = 0; d < n; ++d)
    if (state[size_t(d)] == 0) {
      stack.push_back({d, Edge{d, {}, false}});
      visit(d);
      stack.pop_back();
    }
}

std::shared_ptr<plan::Plan const> Checker::run() {
  plan_->source_path = src_.path();
  policy_header();
  schemas();
  if (!prospect_schema_) return nullptr;
  register_names();
  sets();

  // Score blocks and their rules (the implicit block sits at its first rule).
  for (size_t b = 0; b < block_decls_.size(); ++b) {
    auto const& [decl, rules] = block_decls_[b];
    current_decl_ = decl_block(int(b));
    if (decl) {
      if (decl->cap) plan_->blocks[b].cap = decl->cap->value;
      if (decl->floor) plan_->blocks[b].floor = decl->floor->value;
      if (decl->cap && decl->floor && decl->floor->value > decl->cap->value)
        error(decl->floor->span, "the block's floor is above its cap");
    }
    for (auto const* r : rules) points(*r, int32_t(b));
  }
  current_decl_ = -1;
  for (auto const& d : policy_.decls) {
    if (auto const* sb = std::get_if<ast::ScoreBound>(&d)) {
      auto& slot = sb->is_cap ? plan_->total_cap : plan_->total_floor;
      if (slot) error(sb->span, fmt::format("`score {}` is given twice", sb->is_cap ? "cap" : "floor"));
      slot = sb->value.value;
    }
  }
  if (plan_->total_cap && plan_->total_floor && *plan_->total_floor > *plan_->total_cap)
    for (auto const& d : policy_.decls)
      if (auto const* sb = std::get_if<ast::ScoreBound>(&d); sb && !sb->is_cap)
        error(sb->span, "the score's floor is above its cap");

  // Decay: one form, steps sorted.
  {
    ast::DecayDecl const* first = nullptr;
    for (auto const& d : policy_.decls) {
      auto const* dd = std::get_if<ast::DecayDecl>(&d);
      if (!dd) continue;
      double p = dd->percent.value;
      if (p < 0 || p > 100) {
        error(dd->percent.span, "a decay is a percentage from 0% to 100%");
        continue;
      }
      if (dd->duration->micros <= 0) {
        error(dd->duration->span, "a decay period must be positive");
        continue;
      }
      if (first && first->linear != dd->linear) {
        error(dd->span, "a policy uses one form of decay: steps (`after`) or linear (`per`)",
              fmt::format("the first decay is on line {}", line_of(first->span)));
        continue;
      }
      if (first && dd->linear) {
        error(dd->span, "linear decay is given once", fmt::format("the first is on line {}", line_of(first->span)));
        continue;
      }
      if (!first) first = dd;
      auto& decay = plan_->decay;
      if (dd->linear) {
        decay.kind = plan::Decay::Kind::Linear;
        decay.percent = p;
        decay.per = dd->duration->micros;
      } else {
        decay.kind = plan::Decay::Kind::Steps;
        for (auto const& s : decay.steps)
          if (s.after == dd->duration->micros) error(dd->span, "two decay steps with the same `after`");
        decay.steps.push_back({dd->duration->micros, 1.0 - p / 100.0});
      }
    }
    std::sort(plan_->decay.steps.begin(), plan_->decay.steps.end(),
              [](auto const& a, auto const& b) { return a.after < b.after; });
  }

  for (size_t i = 0; i < let_decls_.size(); ++i) let_type_ready(int32_t(i));
  grades();
  segments();
  rules();
  tests();
  if (diags_.ok()) order_declarations();
  if (diags_.ok()) check_strata();
  if (!diags_.ok()) return nullptr;
  return plan_;
}

}  // namespace

std::shared_ptr<plan::Plan const> check_policy(ast::Policy const& policy, SourceFile const& source,
                                               Diagnostics& diags) {
  return Checker(policy, source, diags).run();
}

std::shared_ptr<plan::Plan const> compile_policy_text(std::string path, std::string text, Diagnostics& diags) {
  SourceFile source(std::move(path), std::move(text));
  auto tree = parse_policy(source, diags);
  if (!tree) return nullptr;
  return check_policy(*tree, source, diags);
}

std::shared_ptr<plan::Plan const> compile_policy_file(std::string const& path, Diagnostics& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Diagnostic d;
    d.file = path;
    d.message = "cannot read the policy file";
    d.hint = std::filesystem::exists(path) ? "check its permissions" : "no such file";
    diags.add(std::move(d));
    return nullptr;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return compile_policy_text(path, buf.str(), diags);
}

}  // namespace leadrules
