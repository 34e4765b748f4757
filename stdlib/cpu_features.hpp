// The x86 instruction-set extensions a rule set compiled ahead of time may depend on: the code
// generator records which of them its target enables (LLVM's names), and the runtime refuses a
// rule set that needs one this machine lacks, instead of dying on an illegal instruction.
#pragma once

#include <span>
#include <string_view>

namespace leadrules::stdlib {

// LLVM's names of the features the runtime can check ("avx2", "bmi2", "avx512f", ...).
std::span<std::string_view const> checkable_cpu_features();
// 1: this machine has it, 0: it has not, -1: not a feature the runtime can check.
int host_has_cpu_feature(std::string_view llvm_name);

}  // namespace leadrules::stdlib
