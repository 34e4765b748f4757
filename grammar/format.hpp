// The canonical formatter (`leadrules fmt`): prints a syntax tree back as text in one house
// style, keeping every comment. Formatting the output again changes nothing, and the output
// parses to the same tree.
#pragma once

#include <string>

#include "grammar/ast.hpp"
#include "grammar/source.hpp"

namespace leadrules {

std::string format_policy(ast::Policy const& policy, SourceFile const& source);

}  // namespace leadrules
