// The readable explanation of one prospect (`leadrules explain`) and the score histogram.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/plan/plan.hpp"
#include "runtime/data/result.hpp"
#include "runtime/data/table.hpp"

namespace leadrules::runtime {

// `leadrules explain`: each rule's points, the grade moves, the zone row, the rules that fired.
std::string explain_text(plan::Plan const& plan, Batch const& batch, size_t row, ProspectResult const& r,
                         int64_t now, bool colour);

// A horizontal histogram of scores (explain and diff), marking `mark` when given.
std::string score_histogram(std::vector<double> const& scores, std::optional<double> mark, bool colour,
                            size_t width = 40);

}  // namespace leadrules::runtime
