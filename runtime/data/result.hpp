// What an evaluation decides for one prospect. Every engine fills the same structure, and the
// writers (JSON Lines, CSV, explain) read only this.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/plan/plan.hpp"

namespace leadrules::runtime {

struct ActionResult {
  int32_t rule = -1;
  plan::ActionKind kind = plan::ActionKind::Flag;
  std::vector<std::string> args;  // as they print ("48h", interpolated messages)
};

// The value a `set` gives a field (typed, so JSON output keeps numbers as numbers).
struct SetResult {
  int32_t field = -1;
  plan::Constant value;        // value.missing: the rule clears the field
  std::vector<int32_t> rules;  // every rule that set it, in order; the last one won
};

// Why the score and grade are what they are (explain).
struct PointsWhy {
  int32_t rule = -1;     // plan.points index
  double points = 0;     // after decay and cap
  uint32_t matches = 0;  // activities counted (per rules) or 1 (if rules that held)
  bool capped = false;
};
struct GradeWhy {
  int32_t move = -1;   // plan.grade_moves index
  int8_t outcome = 0;  // 1 matched, 0 did not match, -1 unknown
  int thirds = 0;      // the move applied
};

// Why not (explain, the REPL's :whynot): computed on the interpreter for the explained prospect
// alone, whatever engine scored it (runtime/interp/why_not.hpp fills it; explain_text prints it).
struct WhyLine {
  int depth = 0;  // under the line above of depth - 1
  std::string text;
};
// The matches of a decayed `per` rule with the same factor (its ages from .. to).
struct DecayGroup {
  uint32_t count = 0;
  double factor = 1;
  int64_t min_age = 0, max_age = 0;
};
struct PointsDetail {
  int8_t outcome = 1;             // `if` rules: 1 held, 0 did not hold, -1 unknown
  uint32_t matches = 0;           // `per` rules: the activities it counts
  std::string missing;            // unknown: the missing values it reads ("employees, title")
  std::vector<DecayGroup> decay;  // `per` rules under a decay: the matches by factor, youngest first
};
struct Explanation {
  std::vector<std::vector<WhyLine>> segments;  // per plan.segments: why it does not hold
  std::vector<std::vector<WhyLine>> rules;     // per plan.rules: why it does not fire
  std::vector<PointsDetail> points;            // per plan.points
  std::vector<std::string> grade_missing;      // per plan.grade_moves: what an unknown one lacks
};

struct ProspectResult {
  double total = 0;
  std::vector<double> blocks;  // per plan.blocks
  int grade = plan::kGradeD;
  std::vector<uint8_t> segments;      // per plan.segments: 1 holds
  std::vector<int32_t> zone_rows;     // per plan.segments: the first zone row that holds, or -1
  std::vector<int32_t> fired;         // rule indexes, in rule order
  std::vector<ActionResult> actions;  // rule order, then written order
  std::vector<SetResult> sets;        // in order of the first set of each field
  // Filled only when explaining:
  std::vector<PointsWhy> points_why;
  std::vector<GradeWhy> grade_why;
};

// The results of a batch, column by column: fixed-width values in flat arrays (no allocation per
// prospect), the variable parts (actions, sets, explanations) per row, empty unless used.
struct Results {
  size_t rows = 0, n_blocks = 0, n_segments = 0, n_rules = 0;
  std::vector<double> total;
  std::vector<double> blocks;  // rows * n_blocks
  std::vector<int8_t> grade;
  std::vector<uint8_t> segments;   // rows * n_segments: 1 holds
  std::vector<int32_t> zone_rows;  // rows * n_segments
  std::vector<uint8_t> fired;      // rows * n_rules: 1 fired
  std::vector<std::vector<ActionResult>> actions;
  std::vector<std::vector<SetResult>> sets;
  std::vector<std::vector<PointsWhy>> points_why;
  std::vector<std::vector<GradeWhy>> grade_why;

  void reset(plan::Plan const& plan, size_t rows);
  void clear_row(size_t row);                    // row `row` as reset() leaves it
  void set_row(size_t row, ProspectResult&& r);  // from a per-prospect result
  ProspectResult row(size_t row) const;          // one prospect, as the writers read it
  // The same, reusing out's memory; without the variable parts (actions, sets, explanations)
  // when the caller takes those itself.
  void row_into(size_t row, ProspectResult& out, bool variable_parts = true) const;
};

}  // namespace leadrules::runtime
