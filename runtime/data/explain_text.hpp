// The readable explanation of one prospect (`leadrules explain`) and the score histogram.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/plan/plan.hpp"
#include "runtime/data/result.hpp"
#include "runtime/data/table.hpp"

namespace leadrules::runtime {

// `leadrules explain`: each rule's points, the grade moves, the zone row, the rules that fired;
// with `why` (why_not.hpp), also what did not hold or fire and why, unknown `if` rules and
// decay.
std::string explain_text(plan::Plan const& plan, Batch const& batch, size_t row, ProspectResult const& r,
                         int64_t now, bool colour, Explanation const* why = nullptr);

// Why-lines under a head at `depth` (`sub` at depth + 1): a single top line joins the head
// ("B- (line 77): needs score >= 40, score is 31"), its own lines moving up one level.
void attach_why(std::string const& head, int depth, std::vector<WhyLine> sub, std::vector<WhyLine>& out);
// An age or a time ago, for people: "100d", "2d 3h", "20h".
std::string age_text(int64_t micros);
// One line each, indented by `indent` + `step` per depth.
std::string render_why(std::vector<WhyLine> const& lines, size_t indent, size_t step);

// A horizontal histogram of scores (explain and diff), marking `mark` when given.
std::string score_histogram(std::vector<double> const& scores, std::optional<double> mark, bool colour,
                            size_t width = 40);

}  // namespace leadrules::runtime
