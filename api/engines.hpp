// Internal to the API: the one place that puts the compiler's artefacts and the runtime's
// engines together (plan -> object code -> loaded native engine, or the interpreter).
#pragma once

#include <memory>
#include <string>

#include "compiler/plan/plan.hpp"
#include "leadrules/leadrules.hpp"
#include "runtime/data/engine.hpp"
#include "stdlib/abi.hpp"

namespace leadrules::api {

// --- needs the compiler: api/compiler/ in libleadrules; libleadrules-runtime has
// api/no_compiler/ instead, whose versions throw std::runtime_error saying so.

// The JIT: object code from the plan (through the cache in options.cache_dir, if any), linked
// in memory; stats get the phase times. Throws std::runtime_error when LLVM fails.
std::unique_ptr<runtime::Engine> make_jit(std::shared_ptr<plan::Plan const> plan,
                                          CompileOptions const& options, CompileStats& stats);
// What build_info() says of the compiler: "LLVM 19.1.7", or that there is none.
std::string_view compiler_info();
// `leadrules compile`: the plan as a rule set, a .so or a .o, written atomically.
RuleSetManifest write_ruleset(plan::Plan const& plan, std::string const& path,
                              CompiledFileOptions const& options);

// --- LLVM-free (engines.cpp)

std::unique_ptr<runtime::Engine> make_interpreter(std::shared_ptr<plan::Plan const> plan);
// Compiled code on `plan`, with the interpreter as the reference for per-dictionary-value
// predicates; `code` keeps the code mapped; `name` is "jit" or "aot".
std::unique_ptr<runtime::Engine> make_native(std::shared_ptr<plan::Plan const> plan, LrEntry entry,
                                             std::shared_ptr<void const> code, std::string name);
// Engine::aot given to Policy::compile: the plan written as a shared object in a temporary
// directory and loaded back as a rule set (rulesets.cpp).
CompileResult compile_through_ruleset(std::shared_ptr<plan::Plan const> plan, CompileOptions const& options,
                                      Diagnostics diags);

}  // namespace leadrules::api
