#include "api/engines.hpp"

#include "runtime/interp/interpreter.hpp"
#include "runtime/native/native_engine.hpp"

namespace leadrules::api {

std::unique_ptr<runtime::Engine> make_interpreter(std::shared_ptr<plan::Plan const> plan) {
  return std::make_unique<runtime::Interpreter>(std::move(plan));
}

std::unique_ptr<runtime::Engine> make_native(std::shared_ptr<plan::Plan const> plan, LrEntry entry,
                                             std::shared_ptr<void const> code, std::string name) {
  // The reference implementation of per-dictionary-value predicates: the interpreter's own code.
  auto reference = std::make_shared<runtime::Interpreter>(plan);
  auto predicates = [reference](int32_t node, bool activity, int32_t field, runtime::Column const& column) {
    return reference->column_predicate(node, activity, field, column);
  };
  return std::make_unique<jit::NativeEngine>(std::move(plan), entry, std::move(code), std::move(predicates),
                                             std::move(name));
}

}  // namespace leadrules::api
