// The checker's entry points and the order of its passes (see checker.hpp); its parts are in
// checker_*.cpp, its shared state in checker_internal.hpp.

#include "compiler/checker/checker.hpp"

#include <algorithm>
#include <filesystem>
#include <utility>

#include <date/tz.h>

#include "compiler/checker/checker_internal.hpp"
#include "grammar/parser.hpp"
#include "stdlib/files.hpp"

namespace leadrules {
namespace checker_detail {

// Names that a declaration may not take: built-in functions and the implicit values.
const std::set<std::string, std::less<>> kBuiltinNames = {
    "lower", "upper", "len",   "contains", "starts_with", "ends_with", "domain",  "min",     "max",
    "abs",   "round", "clamp", "since",    "days_since",  "hour",      "weekday", "present", "count",
    "last",  "first", "sum",   "past",     "fired",       "score",     "grade"};

const std::map<std::string, BuiltinSig, std::less<>> kBuiltins = {
    {"lower", {plan::Builtin::Lower, 1, 1}},
    {"upper", {plan::Builtin::Upper, 1, 1}},
    {"len", {plan::Builtin::Len, 1, 1}},
    {"contains", {plan::Builtin::Contains, 2, 2}},
    {"starts_with", {plan::Builtin::StartsWith, 2, 2}},
    {"ends_with", {plan::Builtin::EndsWith, 2, 2}},
    {"domain", {plan::Builtin::Domain, 1, 1}},
    {"min", {plan::Builtin::Min, 2, 64}},
    {"max", {plan::Builtin::Max, 2, 64}},
    {"abs", {plan::Builtin::Abs, 1, 1}},
    {"round", {plan::Builtin::Round, 1, 1}},
    {"clamp", {plan::Builtin::Clamp, 3, 3}},
    {"since", {plan::Builtin::Since, 1, 1}},
    {"days_since", {plan::Builtin::DaysSince, 1, 1}},
    {"hour", {plan::Builtin::Hour, 1, 1}},
    {"weekday", {plan::Builtin::Weekday, 1, 1}},
    {"present", {plan::Builtin::Present, 1, 1}},
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

// What a literal is, for "must be a number, but this is a string".
std::string literal_kind(ast::Expr const& e) {
  using K = ast::ExprKind;
  switch (e.kind) {
    case K::Number: return "a number";
    case K::String:
    case K::Template: return "a string";
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

std::shared_ptr<plan::Plan const> Checker::run() {
  plan_->source_path = src_->path();
  plan_->source_text = src_->text();
  // After syntax errors, what parsed is checked too, unless a schema failed: then every name
  // would be unknown, and only the syntax errors are worth reading.
  if (policy_.unparsed && policy_.unparsed->schema) return nullptr;
  policy_header();
  schemas();
  if (!prospect_schema_) return nullptr;
  if (!check_declaration_count()) return nullptr;
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
        error(dd->span, "linear decay is given once",
              fmt::format("the first is on line {}", line_of(first->span)));
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
  if (diags_->ok()) order_declarations();
  if (diags_->ok()) check_depth();  // before anything follows the chains recursively
  if (diags_->ok()) check_strata();
  if (!diags_->ok()) return nullptr;
  return plan_;
}

}  // namespace checker_detail

namespace {
// Checked before parsing: the parser and the checker keep the whole text and its tree in memory.
bool too_large(std::string const& path, size_t bytes, Limits const& limits, Diagnostics& diags) {
  if (bytes <= limits.policy_bytes) return false;
  Diagnostic d;
  d.file = path;
  d.message = fmt::format("the policy is too large: {} bytes, the limit is {}", bytes,
                          Limits::show(limits.policy_bytes));
  d.hint = "split it, or " + Limits::how_to_raise("policy-bytes", limits.policy_bytes);
  diags.add(std::move(d));
  return true;
}
}  // namespace

std::shared_ptr<plan::Plan const> check_policy(ast::Policy const& policy, SourceFile const& source,
                                               Diagnostics& diags,
                                               std::vector<std::string> const& allowed_paths,
                                               Limits const& limits, plan::SetFiles const* embedded_sets) {
  checker_detail::Checker checker(policy, source, diags, limits);
  checker.allow_paths(allowed_paths);
  checker.embed_sets(embedded_sets);
  return checker.run();
}

int32_t checker_detail::Checker::extra_expression(ast::Expr const& e, SourceFile const& source,
                                                  Diagnostics& diags) {
  SourceFile const* policy_source = src_;
  Diagnostics* policy_diags = diags_;
  src_ = &source;
  diags_ = &diags;
  current_decl_ = -1;  // depends on nothing, nothing depends on it
  checker_detail::Checker::Scope scope;
  scope.expect = true;
  int32_t node = expr(e, scope);
  src_ = policy_source;
  diags_ = policy_diags;
  return diags.ok() ? node : -1;
}

CheckedExpression check_expression(std::string path, std::string policy_text, std::string expression,
                                   Diagnostics& policy_diags, Diagnostics& expression_diags,
                                   std::vector<std::string> const& allowed_paths, Limits const& limits) {
  CheckedExpression out;
  if (too_large(path, policy_text.size(), limits, policy_diags)) return out;
  SourceFile source(std::move(path), std::move(policy_text));
  auto tree = parse_policy(source, policy_diags);
  if (!tree) return out;
  checker_detail::Checker checker(*tree, source, policy_diags, limits);
  checker.allow_paths(allowed_paths);
  out.plan = checker.run();
  if (!out.plan) return out;
  SourceFile expr_source("<expr>", std::move(expression));
  auto e = parse_expression(expr_source, expression_diags);
  if (e) out.node = checker.extra_expression(*e, expr_source, expression_diags);
  return out;
}

std::shared_ptr<plan::Plan const> compile_policy_text(std::string path, std::string text, Diagnostics& diags,
                                                      std::vector<std::string> const& allowed_paths,
                                                      Limits const& limits,
                                                      plan::SetFiles const* embedded_sets) {
  if (too_large(path, text.size(), limits, diags)) return nullptr;
  SourceFile source(std::move(path), std::move(text));
  size_t first = diags.items.size();
  auto tree = parse_policy_partial(source, diags);
  auto plan = check_policy(tree, source, diags, allowed_paths, limits, embedded_sets);
  // Syntax errors and the checker's errors of what did parse: one list, in the order of the file.
  if (tree.unparsed)
    std::stable_sort(diags.items.begin() + std::ptrdiff_t(first), diags.items.end(),
                     [](Diagnostic const& a, Diagnostic const& b) {
                       return std::pair(a.line, a.column) < std::pair(b.line, b.column);
                     });
  return tree.unparsed ? nullptr : plan;
}

std::shared_ptr<plan::Plan const> compile_policy_file(std::string const& path, Diagnostics& diags,
                                                      std::vector<std::string> const& allowed_paths,
                                                      Limits const& limits) {
  // A regular file over the limit is refused before it is read into memory.
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) {
    auto bytes = std::filesystem::file_size(path, ec);
    if (!ec && too_large(path, size_t(bytes), limits, diags)) return nullptr;
  }
  auto text = stdlib::read_whole_file(path);
  if (!text) {
    Diagnostic d;
    d.file = path;
    d.message = "cannot read the policy file";
    d.hint = std::filesystem::exists(path) ? "check its permissions" : "no such file";
    diags.add(std::move(d));
    return nullptr;
  }
  return compile_policy_text(path, std::move(*text), diags, allowed_paths, limits);
}

}  // namespace leadrules
