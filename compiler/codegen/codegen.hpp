// Plan -> LLVM IR. One module per policy; its entry point evaluates one prospect of a group
// (its colleagues share the group's frames) over the columnar batch described by LrEnv:
//   void lr_eval_row(LrEnv* env, i32 row, i32 emit_actions)
// Floating-point operations follow the interpreter's order exactly (no fast-math, no
// reassociation), so results are bit-identical.
#pragma once

#include <memory>
#include <vector>

#include "compiler/plan/frame_layout.hpp"
#include "compiler/plan/plan.hpp"
#include "stdlib/abi.hpp"

namespace llvm {
class LLVMContext;
class Module;
}  // namespace llvm

namespace leadrules::jit {

std::unique_ptr<llvm::Module> generate_module(plan::Plan const& plan, FrameLayout const& layout,
                                              std::vector<ColumnPredicate> const& predicates,
                                              llvm::LLVMContext& context);

}  // namespace leadrules::jit
