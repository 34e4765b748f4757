// The JIT's loader: a policy's object code (compiler/codegen/object.hpp) linked in memory by
// LLVM ORC against the ABI allow-list (runtime/native/abi.cpp), for a native engine. The only part of
// runtime/ that links LLVM; libleadrules-runtime leaves it out.
#pragma once

#include <memory>
#include <string_view>

#include "stdlib/abi.hpp"

namespace leadrules::jit {

struct LinkedObject {
  LrEntry entry = nullptr;
  std::shared_ptr<void const> code;  // the JIT instance: the entry lives as long as it does
  double link_ms = 0;
};

// Links `object`. Throws std::runtime_error.
LinkedObject link_object(std::string_view object);

}  // namespace leadrules::jit
