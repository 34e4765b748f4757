// The speed of light for leadrules: /work/shared/bench/policy.lr written by hand in C++.
//
// It reads the same columnar leadrules::Batch the engines read (through the public zero-copy view,
// Batch::Column) and decides, for every prospect,
// what the engines decide (total, block scores, grade, segments, fired rules), bit for bit:
//   * string predicates run once per dictionary value (RE2 for the policy's regexes, set
//     membership by hash), `domain(email)` once per distinct email (and the domain's predicates
//     once per distinct domain);
//   * one branch-free, vectorised pass over each prospect's activities computes every `per` rule's
//     sum at `now` AND at `now - 1d` (for `past(score, 1d)`) at once, plus the counts the `if`
//     rules, the segments and the colleague aggregate need. An activity's class (which `per` rules
//     it matches: its kind and one field's predicate) and its age bucket at each instant (between
//     consecutive window / decay boundaries: visibility, the decay factor and every window at
//     once) index a table of the products points * factor for all 16 lanes, added with AVX2;
//   * `engaged_colleagues` by counting, per account, the rows with an activity within 30d;
//   * sums in the interpreter's floating-point order: per rule `0 + points*factor + ...` over
//     matching activities in input order, then the rule's cap; block `0 + r1 + r2 + ...` in source
//     order; total `0 + behavior + fit`.
// Action arguments are not produced (only which rules fire). Firing histories (JSON "fired") are
// not seen: the public Batch has no view of them, and gen.py writes none (with them, the `once`
// rules could disagree, and bench's agreement check would say so).
// It uses only the public API (include/leadrules/).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "leadrules/leadrules.hpp"

namespace leadrules::bench {

// One entry per batch row (structure of arrays).
struct BaselineResults {
  std::vector<double> total;
  std::vector<double> blocks[2];  // indexed like Policy::blocks() (the policy has two)
  std::vector<int8_t> grade;      // 0 = F .. 12 = A+
  std::vector<uint8_t> segments;  // bit s: Policy::segments()[s] holds
  std::vector<uint8_t> fired;     // bit r: Policy::rules()[r] fires
  void resize(size_t n);
};

class Baseline {
 public:
  // Resolves the schema's columns, kinds, blocks, segments and rules by name in `policy` (whose
  // schema shaped the batches it will read) and checks that the policy is the benchmark policy it
  // was written for (throws std::runtime_error otherwise). Compiles its own RE2 patterns.
  explicit Baseline(Policy const& policy);
  ~Baseline();
  Baseline(Baseline const&) = delete;
  Baseline& operator=(Baseline const&) = delete;

  // Scores every row of `batch` at `now` (microseconds since the epoch, UTC).
  void evaluate(Batch const& batch, int64_t now, BaselineResults& out, unsigned threads = 1) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leadrules::bench
