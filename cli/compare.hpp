// Two versions of a policy over the same prospects: what changes, prospect by prospect. Shared
// by `leadrules diff` (diff.cpp) and the REPL's :diff (repl_reload.cpp).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "leadrules/leadrules.hpp"

namespace leadrules::cli::compare {

// One version: its policy, the input as that policy read it, and its results over it.
struct Side {
  Policy const& policy;
  Batch const& batch;
  Results const& results;
};

// The ids of the prospects that enter a segment (gain a rule's firing), and of those that leave.
struct Moves {
  std::vector<std::string> in, out;
};

// A segment, zone, rule or score block of either version, with where it exists.
struct Name {
  std::string name;
  bool zone = false;
  bool in_old = true, in_new = true;
  bool added() const { return !in_old; }
  bool removed() const { return !in_new; }
};

// A change of score or grade: "p-003", "40", "50".
struct Change {
  std::string id, before, after;
};

// A prospect of both inputs (matched by id).
struct Pair {
  std::string id;
  size_t old_row = 0, new_row = 0;
  bool changed = false;  // score (total or of a block), grade, segments, fired rules, actions or set
  double shift = 0;      // new score - old score
};

struct Comparison {
  std::vector<Pair> pairs;  // in the new input's order
  size_t changed = 0;
  std::vector<std::string> only_new, only_old;  // ids in one input only
  std::vector<Name> segments, rules, blocks;    // the new version's order, then the old's others
  std::map<std::string, Moves> segment_moves, rule_moves;
  std::map<std::string, size_t> block_changes;  // score block -> prospects whose points in it changed
  std::vector<Change> scores, grades;           // the prospects whose score / grade changed
  std::vector<std::string> actions;             // ... whose actions or set fields changed
  std::map<std::string, std::map<std::string, size_t>> grade_pairs;  // old -> new -> count, all pairs
};

Comparison compare(Side const& old_side, Side const& new_side);

// The score blocks, segments, zones and rules of the new version only (added) or of the old one
// only: `score block engagement, segment mql, rule "Pricing page"`; "" when none.
std::string only_in_one(Comparison const& c, bool added);

// Grades best first (A+ .. F), for the rows and columns of transition matrices.
std::vector<std::string> const& grade_order();

// The lines of two explanations of a prospect (Results::explain) that differ, as a unified diff:
// "- " old, "+ " new, each section's heading ("  score", unmarked) before its first change. Line
// numbers of the policy ("line 43", "lines 47, 48") are not compared: they move with any edit.
std::vector<std::string> explanation_diff(std::string const& old_text, std::string const& new_text);

}  // namespace leadrules::cli::compare
