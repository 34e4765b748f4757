// Text -> syntax tree. The grammar (PEGTL rules) lives in grammar.hpp, the actions that build
// the tree in parser_actions_*.hpp (driven by parser.cpp); nothing outside grammar/ sees PEGTL.
#pragma once

#include <optional>

#include "grammar/ast.hpp"
#include "grammar/source.hpp"
#include "leadrules/diagnostic.hpp"

namespace leadrules {

// Parses a whole policy. Syntax errors go to `diags` (several per run: after an error the parser
// resynchronises at the next top-level declaration). Returns the tree when there were none.
std::optional<ast::Policy> parse_policy(SourceFile const& source, Diagnostics& diags);

// The same, but returns what parsed even after syntax errors: then `unparsed` of the tree says
// what the declarations that failed would have declared (their errors are in `diags`).
ast::Policy parse_policy_partial(SourceFile const& source, Diagnostics& diags);

// Parses one expression (the REPL, `--where` filters); the whole text must be consumed.
ast::ExprPtr parse_expression(SourceFile const& source, Diagnostics& diags);

}  // namespace leadrules
