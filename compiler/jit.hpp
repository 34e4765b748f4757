// The native engine: a plan compiled by LLVM ORC (LLJIT) into machine code that evaluates
// prospects over the columnar batch. Immutable once compiled; evaluate() may run concurrently.
#pragma once

#include <memory>
#include <string>

#include "compiler/jit_layout.hpp"
#include "runtime/engine.hpp"
#include "runtime/interpreter.hpp"

namespace leadrules::jit {

struct JitOptions {
  std::string cache_dir;      // "" = $LEADRULES_CACHE_DIR, else $XDG_CACHE_HOME/leadrules, else ~/.cache/leadrules
  bool use_cache = true;      // LEADRULES_NO_CACHE=1 also turns it off
  int opt_level = -1;         // 0..3, or -1: chosen by the policy's size
};

struct CompileStats {
  bool from_cache = false;
  int opt_level = 0;
  size_t plan_nodes = 0;
  double generate_ms = 0;     // plan -> IR
  double optimize_ms = 0;     // IR passes
  double codegen_ms = 0;      // IR -> object code
  double link_ms = 0;         // object -> callable (ORC)
  double total_ms = 0;
  std::string cache_file;
};

class JitEngine final : public runtime::Engine {
 public:
  // Compiles (or loads from the object cache). Throws std::runtime_error on failure.
  static std::unique_ptr<JitEngine> compile(std::shared_ptr<plan::Plan const> plan, JitOptions const& options = {});
  ~JitEngine() override;

  std::string_view name() const override { return "jit"; }
  plan::Plan const& plan() const override { return *plan_; }
  runtime::Results evaluate(runtime::Batch const& batch, runtime::EvalOptions const& options) const override;
  runtime::ProspectResult evaluate_row(runtime::Batch const& batch, size_t row,
                                       runtime::EvalOptions const& options) const override;
  CompileStats const& stats() const { return stats_; }

 private:
  JitEngine() = default;
  struct Native;                                  // the LLJIT instance and the entry point
  std::shared_ptr<plan::Plan const> plan_;
  FrameLayout layout_;
  std::vector<ColumnPredicate> predicates_;
  std::unique_ptr<runtime::Interpreter> reference_;   // evaluates column predicates per value
  std::unique_ptr<Native> native_;
  CompileStats stats_;
};

}  // namespace leadrules::jit
