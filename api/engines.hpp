// Internal to the API: the one place that puts the compiler's artefacts and the runtime's
// engines together (plan -> object code -> loaded native engine, or the interpreter).
#pragma once

#include <memory>

#include "compiler/codegen/object.hpp"
#include "runtime/data/engine.hpp"

namespace leadrules::api {

// The JIT: object code from the plan (through the cache in options.cache_dir, if any), linked
// in memory; the interpreter evaluates the per-dictionary-value predicates. Throws
// std::runtime_error when LLVM fails.
std::unique_ptr<runtime::Engine> make_jit(std::shared_ptr<plan::Plan const> plan,
                                          jit::ObjectOptions const& options,
                                          jit::CompileStats* stats = nullptr);
std::unique_ptr<runtime::Engine> make_interpreter(std::shared_ptr<plan::Plan const> plan);

}  // namespace leadrules::api
