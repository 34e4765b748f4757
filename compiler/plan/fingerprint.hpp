// A stable hash of a checked plan: two plans with the same fingerprint compile to the same
// native code. Keys the JIT's object cache (with the LLVM and code generator versions).
#pragma once

#include <cstdint>
#include <string>

#include "compiler/plan/plan.hpp"

namespace leadrules {

std::string plan_fingerprint(plan::Plan const& plan);  // 32 hex digits

}  // namespace leadrules
