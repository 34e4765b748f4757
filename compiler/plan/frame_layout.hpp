// How compiled code lays out its memo frames, and which predicates the host precomputes per
// dictionary value. Derived from the plan alone (no LLVM), so a policy loaded from the object
// cache gets the same layout without generating code again.
#pragma once

#include <cstdint>
#include <vector>

#include "compiler/plan/plan.hpp"

namespace leadrules::jit {

// Activity work fused into one pass over a prospect's activities (per instant): every `per` rule
// and every activity aggregate whose window is a constant and whose condition reads only the
// activity, the prospect's fields and constants. Each keeps its own accumulator, updated in input
// order, so sums are added in exactly the interpreter's order.
struct PassItem {
  bool rule = false;    // a points rule (sum, matches) or an aggregate node (count, last, first)
  int32_t index = -1;   // plan.points index, or node index
  int32_t kind = -1;    // activity kind, -1 any
  int32_t where = -1;   // condition node, or -1
  int64_t window = -1;  // constant `within` in micros, or -1 for none
};

// One frame holds a prospect's memoised declarations at one instant (`now` moved back by one of
// the distinct past() offsets). Frames are zeroed before a group is evaluated: 0 = not computed.
struct FrameLayout {
  std::vector<int64_t> offsets;    // distinct past() offsets reachable, micros; [0] = 0
  std::vector<int32_t> past_slot;  // node -> index among Past nodes, or -1
  std::vector<int32_t> past_map;   // [offset * past_count + slot] -> offset index, -1 unreachable
  int32_t past_count = 0;

  uint32_t size = 0;                              // bytes per frame (multiple of 8)
  uint32_t rules_done = 0;                        // u8
  std::vector<uint32_t> fires;                    // u8 per rule
  std::vector<uint32_t> let_slot;                 // 48 bytes: u8 done, u8 present, payload at +8
  std::vector<uint32_t> block_done, block_value;  // u8, double
  uint32_t total_done = 0, total_value = 0;       // u8, double
  uint32_t grade_done = 0, grade_value = 0;       // u8, i32
  std::vector<uint32_t> segment_state;            // u8: 0 not computed, 1 false, 2 true
  std::vector<uint32_t> zone_row;                 // i32: the first zone row that held, -1 none
  std::vector<uint32_t> point_value;              // double per points rule (after decay and cap)
  std::vector<uint32_t> point_matches;            // u32
  std::vector<uint32_t> point_capped;             // u8
  std::vector<uint32_t> grade_outcome;            // i8 per grade move: -1 unknown, 0, 1

  std::vector<PassItem> pass_items;
  std::vector<int32_t> pass_of_rule;  // plan.points index -> pass item, or -1
  std::vector<int32_t> pass_of_node;  // node index -> pass item, or -1
  uint32_t pass_done = 0;             // u8
  std::vector<uint32_t> item_a;       // double sum (rule) / i64 count (aggregate)
  std::vector<uint32_t> item_b;       // i64 last
  std::vector<uint32_t> item_c;       // i64 first
  std::vector<uint32_t> item_n;       // u32 matches (rule)

  static FrameLayout build(plan::Plan const& plan);  // throws std::runtime_error if too large
};

// Predicates over one string column, evaluated by the host once per dictionary value.
struct ColumnPredicate {
  int32_t node = -1;
  bool activity = false;  // ActField vs Field
  int32_t field = -1;
  // When the column is read only through one string function (domain, lower, upper), values
  // with the same function result share the predicate's value: the host evaluates it once per
  // distinct result (once per email domain, not once per email).
  int32_t via = -1;  // plan::Builtin, or -1
};
std::vector<ColumnPredicate> find_column_predicates(plan::Plan const& plan);

}  // namespace leadrules::jit
