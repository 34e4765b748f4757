// The native engine: a policy's object code (compiler/codegen/object.hpp) linked in memory by
// LLVM ORC against the ABI allow-list and run over the columnar batch. Immutable once loaded;
// evaluate() may run concurrently.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "compiler/plan/frame_layout.hpp"
#include "runtime/data/engine.hpp"

namespace leadrules::stdlib {
class TimeZone;
}

namespace leadrules::jit {

// The value of a pure predicate over one string column for each dictionary value (index = code)
// and, last, for a missing value: 1 true, 0 false, 2 unknown. The host supplies the reference
// implementation (the interpreter's), so regexes and case mapping cannot differ between engines.
using PredicateEvaluator =
    std::function<std::vector<uint8_t>(int32_t node, bool activity, int32_t field, runtime::Column const&)>;

class JitEngine final : public runtime::Engine {
 public:
  // Links `object` (which must have been compiled from `plan`). Throws std::runtime_error.
  static std::unique_ptr<JitEngine> load(std::shared_ptr<plan::Plan const> plan, std::string_view object,
                                         PredicateEvaluator predicates);
  ~JitEngine() override;

  std::string_view name() const override { return "jit"; }
  plan::Plan const& plan() const override { return *plan_; }
  runtime::Results evaluate(runtime::Batch const& batch, runtime::EvalOptions const& options) const override;
  runtime::ProspectResult evaluate_row(runtime::Batch const& batch, size_t row,
                                       runtime::EvalOptions const& options) const override;
  std::unique_ptr<runtime::RowScratch> make_row_scratch() const override;
  void evaluate_row(runtime::Batch const& batch, size_t row, runtime::EvalOptions const& options,
                    runtime::RowScratch* scratch, runtime::ProspectResult& out) const override;
  double link_ms() const { return link_ms_; }

 private:
  void prepare_tables(runtime::Batch const& batch, runtime::RowScratch& scratch) const;
  void index_accounts(runtime::Batch const& batch, runtime::RowScratch& scratch) const;

 public:
 private:
  JitEngine() = default;
  struct Native;  // the LLJIT instance and the entry point
  std::shared_ptr<plan::Plan const> plan_;
  FrameLayout layout_;
  std::vector<ColumnPredicate> predicates_;
  struct PredicateColumn {  // the predicates on one column (one-prospect evaluation)
    bool activity = false;
    int32_t field = -1;
    std::vector<uint32_t> predicates;
  };
  std::vector<PredicateColumn> predicate_columns_;
  PredicateEvaluator evaluate_predicate_;
  std::unique_ptr<Native> native_;
  std::unique_ptr<stdlib::TimeZone> zone_;  // the policy's, resolved once
  double link_ms_ = 0;
};

}  // namespace leadrules::jit
