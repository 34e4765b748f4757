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

// CSV for spreadsheets and CRM imports: id, the --keep input fields, score, one column per score
// block, grade, one column per segment (true/false), one per action kind the policy uses (the
// actions' arguments), one per field the policy sets (`set_status`: the value set).
struct CsvLayout {
  std::vector<int32_t> keep;  // prospect fields passed through
  std::vector<plan::ActionKind> action_kinds;
  std::vector<int32_t> set_fields;
};
CsvLayout csv_layout(plan::Plan const& plan, std::vector<int32_t> keep);
void append_csv_header(std::string& out, plan::Plan const& plan, CsvLayout const& layout);
void append_csv_result(std::string& out, plan::Plan const& plan, Batch const& batch, size_t row,
                       ProspectResult const& r, CsvLayout const& layout);

// The text of one action as a rule wrote it: add_to_list("HOT"), set status = "MQL".
std::string action_text(plan::Plan const& plan, ActionResult const& a);

}  // namespace leadrules::runtime
