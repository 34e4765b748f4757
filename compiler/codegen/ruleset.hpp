// Plan -> a rule set compiled ahead of time (`leadrules compile`): the policy's native code as a
// relocatable, position-independent object that defines one LrRuleSet (stdlib/abi.hpp) holding
// the entry point, the manifest, the policy's text and set files, and the table of calls the
// loader fills in. Loaded by runtime/native/ruleset.hpp, which links no LLVM.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "compiler/codegen/object.hpp"
#include "compiler/plan/plan.hpp"

namespace leadrules::jit {

struct RuleSetOptions {
  std::string cpu = "x86-64-v2";             // an LLVM CPU name, or "host" (this machine's)
  std::string symbol = "leadrules_ruleset";  // the LrRuleSet's symbol
  int opt_level = -1;                        // as for the JIT
  std::string leadrules_version;             // written into the manifest
  // The policy's set files as file("...") names them, with their text.
  std::vector<std::pair<std::string, std::string>> set_files;
};

struct RuleSetObject {
  std::string bytes;     // an ELF relocatable object (PIC)
  std::string cpu;       // the CPU compiled for
  std::string features;  // the checkable CPU features its code may use, comma-separated
  std::string manifest;  // JSON
  CompileStats stats;
};

// Throws std::runtime_error (an unknown CPU: the message lists how to name one).
RuleSetObject compile_ruleset(plan::Plan const& plan, RuleSetOptions const& options);

}  // namespace leadrules::jit
