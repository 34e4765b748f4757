// Why not, for one prospect: why a segment or zone does not hold, a rule does not fire, a points
// `if` rule is unknown, and how decay shaped a `per` rule. Conditions are opened up as Soufflé
// explains a negation: the conjuncts that fail, a comparison's operands with their values, a
// referenced segment explained in turn. It runs on the interpreter (the reference) for that
// prospect alone, whatever engine scored it; `leadrules explain` and the REPL's :whynot both
// read it.
#pragma once

#include <string>
#include <vector>

#include "runtime/data/result.hpp"
#include "runtime/interp/interpreter.hpp"

namespace leadrules::runtime {

class WhyNot {
 public:
  // `open_segments`: a referenced segment or zone that does not hold is explained under the line
  // that needs it (the REPL); otherwise only named (explain lists the segments on their own).
  WhyNot(Interpreter const& interp, Batch const& batch, size_t row, int64_t now, bool open_segments);

  // The interpreter's result for the prospect (explained).
  ProspectResult const& result() { return probe_.result(); }

  // Why the segment or zone does not hold: one line per failing conjunct, `needs C, X is V`; a
  // zone's rows at depth 0, those the grade allows first. Empty when it holds.
  std::vector<WhyLine> segment(int32_t s);
  // Why the rule does not fire: its condition, or its firing history. Empty when it fires.
  std::vector<WhyLine> rule(int32_t r);
  // What a points rule did: an `if` rule's outcome (and what an unknown one lacks), a decayed
  // `per` rule's matches by factor.
  PointsDetail points(int32_t p);
  // What makes a condition unknown: the missing values it reads, "employees, title".
  std::string missing(int32_t node);
  // Everything explain prints, for segments and rules that do not hold or fire (per the
  // engine's result `r`), every points rule and every unknown grade move.
  Explanation explanation(ProspectResult const& r);

 private:
  std::string text(int32_t node) const;
  std::string shown(int32_t node);
  int truth(int32_t node);
  void condition(int32_t node, int depth, std::vector<WhyLine>& out);
  void segment(int32_t s, int depth, std::vector<WhyLine>& out);
  std::string operands(std::initializer_list<int32_t> nodes);
  void sources(int32_t node, std::vector<std::string>& out);

  plan::Plan const& p_;
  Interpreter::Probe probe_;
  bool open_segments_;
  int open_depth_ = 0;
};

// A value as the language prints it: strings quoted, lists in brackets, `missing`, `unknown`.
std::string literal(plan::Constant const& c);

}  // namespace leadrules::runtime
