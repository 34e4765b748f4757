// Results out: JSON Lines (LANGUAGE.md "Results"), CSV, and the readable explanation of one
// prospect. Writers read only the plan, the batch (for ids) and the results.
#pragma once

#include <string>
#include <vector>

#include "compiler/plan/plan.hpp"
#include "runtime/data/result.hpp"
#include "runtime/data/table.hpp"

namespace leadrules::runtime {

// One JSON object (one line, with '\n') for row `row`. `why` adds the rule-by-rule explanation.
void append_json_result(std::string& out, plan::Plan const& plan, Batch const& batch, size_t row,
                        ProspectResult const& r, bool why);

// CSV: a header, then one line per prospect: id, score, one column per score block, grade, one
// column per segment (true/false), actions as text, set changes as text.
void append_csv_header(std::string& out, plan::Plan const& plan);
void append_csv_result(std::string& out, plan::Plan const& plan, Batch const& batch, size_t row,
                       ProspectResult const& r);

// The text of one action as a rule wrote it: add_to_list("HOT"), set status = "MQL".
std::string action_text(plan::Plan const& plan, ActionResult const& a);

}  // namespace leadrules::runtime
