// What the JIT's objects (object.cpp) and rule sets compiled ahead of time (ruleset.cpp) share:
// the choice of optimisation level and the pipeline from a generated module to an ELF object.
#pragma once

#include <functional>
#include <string>

#include <llvm/ADT/SmallVector.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/Error.h>
#include <llvm/Target/TargetMachine.h>

#include "compiler/codegen/object.hpp"

namespace leadrules::jit {

int choose_opt_level(plan::Plan const& p);

// Optimises `module` at st.opt_level, lets `before_emit` rewrite the optimised module, and emits
// an object for `tm` into `out`; st gets the phase times. Not thread-safe for one `tm`.
void optimise_and_emit(llvm::Module& module, llvm::TargetMachine& tm, CompileStats& st,
                       std::string const& dump_ir, llvm::SmallVectorImpl<char>& out,
                       std::function<void(llvm::Module&)> const& before_emit);

std::string error_text(llvm::Error e);

}  // namespace leadrules::jit
