// How compiled code lays out its memo frames, and which predicates the host precomputes per
// dictionary value. Derived from the plan alone (no LLVM), so a policy loaded from the object
// cache gets the same layout without generating code again.
#pragma once

#include <cstdint>
#include <vector>

#include "compiler/plan.hpp"

namespace leadrules::jit {

// One frame holds a prospect's memoised declarations at one instant (`now` moved back by one of
// the distinct past() offsets). Frames are zeroed before a group is evaluated: 0 = not computed.
struct FrameLayout {
  std::vector<int64_t> offsets;            // distinct past() offsets reachable, micros; [0] = 0
  std::vector<int32_t> past_slot;          // node -> index among Past nodes, or -1
  std::vector<int32_t> past_map;           // [offset * past_count + slot] -> offset index, -1 unreachable
  int32_t past_count = 0;

  uint32_t size = 0;                       // bytes per frame (multiple of 8)
  uint32_t rules_done = 0;                 // u8
  std::vector<uint32_t> fires;             // u8 per rule
  std::vector<uint32_t> let_slot;          // 48 bytes: u8 done, u8 present, payload at +8
  std::vector<uint32_t> block_done, block_value;   // u8, double
  uint32_t total_done = 0, total_value = 0;        // u8, double
  uint32_t grade_done = 0, grade_value = 0;        // u8, i32
  std::vector<uint32_t> segment_state;     // u8: 0 not computed, 1 false, 2 true
  std::vector<uint32_t> zone_row;          // i32: the first zone row that held, -1 none
  std::vector<uint32_t> point_value;       // double per points rule (after decay and cap)
  std::vector<uint32_t> point_matches;     // u32
  std::vector<uint32_t> point_capped;      // u8
  std::vector<uint32_t> grade_outcome;     // i8 per grade move: -1 unknown, 0, 1

  static FrameLayout build(plan::Plan const& plan);   // throws std::runtime_error if too large
};

// Predicates over one string column, evaluated by the host once per dictionary value.
struct ColumnPredicate {
  int32_t node = -1;
  bool activity = false;     // ActField vs Field
  int32_t field = -1;
};
std::vector<ColumnPredicate> find_column_predicates(plan::Plan const& plan);

}  // namespace leadrules::jit
