#include "api/engines.hpp"

#include "runtime/interp/interpreter.hpp"
#include "runtime/native/jit.hpp"

namespace leadrules::api {

std::unique_ptr<runtime::Engine> make_interpreter(std::shared_ptr<plan::Plan const> plan) {
  return std::make_unique<runtime::Interpreter>(std::move(plan));
}

std::unique_ptr<runtime::Engine> make_jit(std::shared_ptr<plan::Plan const> plan,
                                          jit::ObjectOptions const& options, jit::CompileStats* stats) {
  auto object = jit::compile_object(*plan, options);
  // The reference implementation of per-dictionary-value predicates: the interpreter's own code.
  auto reference = std::make_shared<runtime::Interpreter>(plan);
  auto predicates = [reference](int32_t node, bool activity, int32_t field, runtime::Column const& column) {
    return reference->column_predicate(node, activity, field, column);
  };
  auto engine = jit::JitEngine::load(plan, object.bytes, predicates);
  if (stats) {
    *stats = object.stats;
    stats->link_ms = engine->link_ms();
    stats->total_ms += engine->link_ms();
  }
  return engine;
}

}  // namespace leadrules::api
