// The native engine: a policy's compiled entry point (stdlib/abi.hpp) run over the columnar
// batch. It does not know where the code came from: linked in memory by LLVM ORC (runtime/orc,
// the JIT) or loaded from a rule set compiled ahead of time (ruleset.hpp), so it links no LLVM.
// Immutable once made; evaluate() may run concurrently.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "compiler/plan/frame_layout.hpp"
#include "runtime/data/engine.hpp"
#include "stdlib/abi.hpp"

namespace leadrules::stdlib {
class TimeZone;
}

namespace leadrules::jit {

// The value of a pure predicate over one string column for each dictionary value (index = code)
// and, last, for a missing value: 1 true, 0 false, 2 unknown. The host supplies the reference
// implementation (the interpreter's), so regexes and case mapping cannot differ between engines.
using PredicateEvaluator =
    std::function<std::vector<uint8_t>(int32_t node, bool activity, int32_t field, runtime::Column const&)>;

class NativeEngine final : public runtime::Engine {
 public:
  // `entry` must have been compiled from `plan`; `code` keeps it mapped (the JIT instance, the
  // dlopen handle) for as long as the engine lives. `name` is "jit" or "aot".
  NativeEngine(std::shared_ptr<plan::Plan const> plan, LrEntry entry, std::shared_ptr<void const> code,
               PredicateEvaluator predicates, std::string name);
  ~NativeEngine() override;

  std::string_view name() const override { return name_; }
  plan::Plan const& plan() const override { return *plan_; }
  runtime::Results evaluate(runtime::Batch const& batch, runtime::EvalOptions const& options) const override;
  runtime::ProspectResult evaluate_row(runtime::Batch const& batch, size_t row,
                                       runtime::EvalOptions const& options) const override;
  std::unique_ptr<runtime::RowScratch> make_row_scratch() const override;
  void evaluate_row(runtime::Batch const& batch, size_t row, runtime::EvalOptions const& options,
                    runtime::RowScratch* scratch, runtime::ProspectResult& out) const override;

 private:
  void prepare_tables(runtime::Batch const& batch, runtime::RowScratch& scratch) const;
  void index_accounts(runtime::Batch const& batch, runtime::RowScratch& scratch) const;

  std::shared_ptr<plan::Plan const> plan_;
  LrEntry entry_ = nullptr;
  std::shared_ptr<void const> code_;
  std::string name_;
  FrameLayout layout_;
  std::vector<ColumnPredicate> predicates_;
  struct PredicateColumn {  // the predicates on one column (one-prospect evaluation)
    bool activity = false;
    int32_t field = -1;
    std::vector<uint32_t> predicates;
  };
  std::vector<PredicateColumn> predicate_columns_;
  PredicateEvaluator evaluate_predicate_;
  std::unique_ptr<stdlib::TimeZone> zone_;  // the policy's, resolved once
};

}  // namespace leadrules::jit
