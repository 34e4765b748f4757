// The interpreter: the reference semantics of LANGUAGE.md, evaluated straight from the plan over
// the columnar batch. Every other engine must give bit-identical results.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "compiler/plan/plan.hpp"
#include "runtime/data/engine.hpp"

namespace leadrules::runtime {

namespace interp {
class Evaluator;
}

class Interpreter final : public Engine {
 public:
  explicit Interpreter(std::shared_ptr<plan::Plan const> plan);
  ~Interpreter() override;

  std::string_view name() const override { return "interp"; }
  Results evaluate(Batch const& batch, EvalOptions const& options) const override;
  ProspectResult evaluate_row(Batch const& batch, size_t row, EvalOptions const& options) const override;

  // The value of one expression node for one row (tests' expect, the REPL). A Bool that is
  // unknown comes back missing. `fired(...)` nodes read `history` of the batch.
  plan::Constant evaluate_node(Batch const& batch, size_t row, int32_t node,
                               EvalOptions const& options) const;

  plan::Plan const& plan() const override { return *plan_; }

  // One prospect at one instant, its declarations memoised across calls: many of its
  // expressions for the price of one evaluation (explain's why-not, the REPL). The batch and the
  // interpreter must outlive it.
  class Probe {
   public:
    Probe(Interpreter const& interp, Batch const& batch, size_t row, int64_t now);
    ~Probe();
    Probe(Probe const&) = delete;
    Probe& operator=(Probe const&) = delete;
    plan::Plan const& plan() const { return *interp_.plan_; }
    Batch const& batch() const { return batch_; }
    size_t row() const { return row_; }
    int64_t now() const { return now_; }
    // The value of a node outside any activity (as evaluate_node).
    plan::Constant value(int32_t node);
    // The whole result, explained (computed on first use).
    ProspectResult const& result();
    // The activities a `per` points rule counts (after its window, condition and `once per`), in
    // input order; and the decay factor of an activity of that age.
    std::vector<uint32_t> matches(int32_t points_rule);
    double decay_factor(int64_t age) const;
    // Of an activity aggregate node (`any form`, `no activity within 90d`): how many activities
    // match it, and the time of the last.
    std::pair<int64_t, std::optional<int64_t>> activities(int32_t node);

   private:
    Interpreter const& interp_;
    Batch const& batch_;
    size_t row_;
    int64_t now_;
    std::unique_ptr<interp::Evaluator> ev_;
    std::unique_ptr<ProspectResult> result_;
  };

  // For native engines: the value of a pure predicate `node` over one string column for every
  // value of that column's dictionary (index = code) and, last, for a missing value. 1 true,
  // 0 false, 2 unknown. The predicate reads only that column (Field or ActField `field`).
  std::vector<uint8_t> column_predicate(int32_t node, bool activity_field, int32_t field,
                                        Column const& column) const;

 private:
  std::shared_ptr<plan::Plan const> plan_;
  struct Statics;  // per-plan precomputation (time zone, ...)
  std::unique_ptr<Statics> statics_;
};

}  // namespace leadrules::runtime
