// Suggestions for misspelt names: policy names, CSV columns, activity kinds, commands, options.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace leadrules::stdlib {

// The candidate closest to `word` by edit distance (insertions, deletions, substitutions and
// swaps of two neighbouring letters each cost one), or "" when none is close enough to suggest.
std::string closest_name(std::string_view word, std::vector<std::string> const& candidates);

// For names written by people in other tools (CSV headers, activity types): a candidate equal to
// `word` ignoring case, spaces and punctuation wins ("Prospect Id" -> "Prospect ID", "page_view"
// -> "pageview"); otherwise closest_name on those folded spellings.
std::string closest_spelling(std::string_view word, std::vector<std::string> const& candidates);

}  // namespace leadrules::stdlib
