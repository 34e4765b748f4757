// Internal to compiler/checker: the checker's shared state (class Checker) and the tables its
// parts share. Each checker_*.cpp defines one part of Checker's member functions. Not a public
// header.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "compiler/checker/checker.hpp"
#include "leadrules/limits.hpp"

namespace leadrules::checker_detail {

using plan::Op;
using plan::Type;

inline constexpr int64_t kDefaultTestNow = 1767225600LL * 1000000;  // 2026-01-01T00:00:00Z

// Names that a declaration may not take: built-in functions and the implicit values.
extern const std::set<std::string, std::less<>> kBuiltinNames;

struct BuiltinSig {
  plan::Builtin id;
  size_t min_args, max_args;
};
extern const std::map<std::string, BuiltinSig, std::less<>> kBuiltins;

struct ActionSig {
  plan::ActionKind kind;
  std::vector<Type> params;
};
extern const std::map<std::string, ActionSig, std::less<>> kActions;

inline bool is_ordered(Type t) {
  return t == Type::Number || t == Type::String || t == Type::Time || t == Type::Duration || t == Type::Grade;
}

inline std::string ticked(std::string_view s) { return fmt::format("`{}`", s); }

// The names of fields, rules, ... (for did_you_mean).
template <class V>
std::vector<std::string> names_of(V const& items) {
  std::vector<std::string> out;
  for (auto const& x : items) out.push_back(x.name);
  return out;
}

// The hint for an unknown name: "did you mean `x`?" for the candidate closest to `name`, else
// `otherwise`.
inline std::string did_you_mean(std::string_view name, std::vector<std::string> const& candidates,
                                std::string_view otherwise = {}) {
  std::string best = closest_name(name, candidates);
  return best.empty() ? std::string(otherwise) : fmt::format("did you mean {}?", ticked(best));
}

// What a literal is, for "must be a number, but this is a string".
std::string literal_kind(ast::Expr const& e);

// ---------------------------------------------------------------------------------------------

class Checker {
 public:
  Checker(ast::Policy const& policy, SourceFile const& source, Diagnostics& diags, Limits const& limits = {})
      : policy_(policy),
        src_(&source),
        diags_(&diags),
        plan_(std::make_shared<plan::Plan>()),
        limits_(limits) {}

  std::shared_ptr<plan::Plan const> run();
  // After run(): checks one more expression, written in `source` (the REPL), against the policy;
  // its nodes are appended to the plan, which nothing of the policy refers to. fired() is
  // allowed, as in a test's expect. Errors go to `diags` with positions in `source`.
  int32_t extra_expression(ast::Expr const& e, SourceFile const& source, Diagnostics& diags);
  // Before run(): directories set files may be read from besides the policy's folder.
  void allow_paths(std::vector<std::string> dirs) { allowed_paths_ = std::move(dirs); }
  void embed_sets(plan::SetFiles const* sets) { embedded_sets_ = sets; }

 private:
  // --- diagnostics -------------------------------------------------------------------------
  void error(ast::Span span, std::string msg, std::string hint = {}) {
    diags_->add(src_->diagnostic(Severity::Error, span, std::move(msg), std::move(hint)));
  }
  void warning(ast::Span span, std::string msg, std::string hint = {}) {
    diags_->add(src_->diagnostic(Severity::Warning, span, std::move(msg), std::move(hint)));
  }
  uint32_t line_of(ast::Span span) const { return src_->position(span.begin).line; }
  std::string source_of(ast::Span span) const { return std::string(src_->slice(span)); }

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
    int32_t nesting = 0;  // expression levels from the declaration's root down to the reference
  };
  std::vector<std::vector<Edge>> deps_;
  int current_decl_ = -1;   // the declaration whose expressions are being checked (-1: none)
  int32_t expr_depth_ = 0;  // expr() levels active in the current declaration
  void depend(int to, ast::Span span, bool colleague) {
    if (current_decl_ >= 0) deps_[size_t(current_decl_)].push_back({to, span, colleague, expr_depth_});
  }
  void order_declarations();  // fills plan_->order and topo_ (what a declaration reads first)
  std::vector<int> topo_;
  void check_strata();
  bool check_depth();  // false after a "too deep" error (checker_depth.cpp)
  bool check_declaration_count();

  // --- expressions -------------------------------------------------------------------------
  struct Scope {
    bool activity = false;   // inside an activity aggregate's `where` / a per rule
    bool colleague = false;  // inside a colleague aggregate
    bool expect = false;     // a test's expect: fired() allowed
  };
  int32_t add(plan::Node n, ast::Span span) {
    auto pos = src_->position(span.begin);
    n.line = pos.line;
    n.column = pos.column;
    n.begin = span.begin;
    n.end = span.end;
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
  int32_t let_type_ready(int32_t let);  // checks a let on first use (names may come before)
  int32_t check_let(int32_t let);       // the let's expression, its dependencies checked
  std::vector<int32_t> unchecked_lets_below(int32_t let) const;  // checker_depth.cpp

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
  // The signature of the action `name`, or null after an "unknown action" error (`set` among the
  // suggestions where it may stand).
  ActionSig const* known_action(ast::Ident const& name, bool set_allowed);
  std::optional<plan::Constant> literal_value(ast::Expr const& e, Type want, bool optional, int64_t now,
                                              std::string_view what);
  std::optional<std::string> set_file_path(ast::SetDecl const& s);  // checker_sets.cpp
  plan::TestProspect test_record(ast::TestProspect const& rec, int64_t now, bool is_main);
  std::optional<plan::TestActivity> test_activity(ast::TestActivity const& a, int64_t now);

  ast::Policy const& policy_;
  SourceFile const* src_;  // the policy's; an extra expression's while it is checked
  Diagnostics* diags_;
  std::shared_ptr<plan::Plan> plan_;
  Limits limits_;
  plan::SetFiles const* embedded_sets_ = nullptr;  // set files given, not read (rule sets)
  std::vector<std::string> allowed_paths_;         // set files may be read there, besides the policy's folder

  std::unordered_map<std::string, NameEntry> names_;
  std::vector<ast::LetDecl const*> let_decls_;
  std::vector<int8_t> let_state_;  // 0 unchecked, 1 in progress, 2 done, 3 failed
  std::vector<ast::SetDecl const*> set_decls_;
  std::vector<std::variant<ast::SegmentDecl const*, ast::ZoneDecl const*>> segment_decls_;
  std::vector<ast::RuleDecl const*> rule_decls_;
  std::vector<std::pair<ast::ScoreDecl const*, std::vector<ast::PointsRule const*>>> block_decls_;
  ast::SchemaDecl const* prospect_schema_ = nullptr;
  ast::SchemaDecl const* activity_schema_ = nullptr;
};

}  // namespace leadrules::checker_detail
