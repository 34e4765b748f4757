// Syntax tree -> plan: name resolution, type checking (three-valued logic), regexes compiled with
// RE2, sets loaded, the dependency order of declarations with cycle detection (including the
// colleague stratification), tests resolved against the schema.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "compiler/plan/plan.hpp"
#include "grammar/ast.hpp"
#include "grammar/source.hpp"
#include "leadrules/diagnostic.hpp"
#include "leadrules/limits.hpp"

namespace leadrules {

// `allowed_paths` below: directories set files (`file("...")`) may be read from besides the
// policy's folder and below (the folder of `path`; none for a placeholder name like "<policy>").

// Returns the plan, or null when there were errors (all of them are in `diags`; warnings too).
// `embedded_sets`, when given, are the set files: nothing is read from disk.
std::shared_ptr<plan::Plan const> check_policy(ast::Policy const& policy, SourceFile const& source,
                                               Diagnostics& diags,
                                               std::vector<std::string> const& allowed_paths = {},
                                               Limits const& limits = {},
                                               plan::SetFiles const* embedded_sets = nullptr);

// Parse + check. `path` names the policy in messages and anchors `file("...")` sets. A text over
// limits.policy_bytes is an error before parsing.
std::shared_ptr<plan::Plan const> compile_policy_text(std::string path, std::string text, Diagnostics& diags,
                                                      std::vector<std::string> const& allowed_paths = {},
                                                      Limits const& limits = {},
                                                      plan::SetFiles const* embedded_sets = nullptr);
// The REPL: a policy and one expression checked together. The expression's nodes are appended
// to the plan (nothing of the policy refers to them); `node` is its root, -1 when the policy or
// the expression has errors (the expression's, with positions in it, in expression_diags).
// fired("rule") is allowed, as in a test.
struct CheckedExpression {
  std::shared_ptr<plan::Plan const> plan;
  int32_t node = -1;
};
CheckedExpression check_expression(std::string path, std::string policy_text, std::string expression,
                                   Diagnostics& policy_diags, Diagnostics& expression_diags,
                                   std::vector<std::string> const& allowed_paths = {},
                                   Limits const& limits = {});

// Reads the file first; an unreadable file is a diagnostic, not an exception.
std::shared_ptr<plan::Plan const> compile_policy_file(std::string const& path, Diagnostics& diags,
                                                      std::vector<std::string> const& allowed_paths = {},
                                                      Limits const& limits = {});

}  // namespace leadrules
