// Loading a rule set compiled ahead of time (compiler/codegen/ruleset.hpp) without LLVM: checks
// its descriptor (magic, ABI version, the CPU features its code uses, the calls it makes), binds
// its calls to this runtime's and gives what the host needs to rebuild its plan. Every problem is
// a std::runtime_error whose message says what to do; nothing is called before all checks pass.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "stdlib/abi.hpp"

namespace leadrules::jit {

struct RuleSetContents {
  std::string policy_name, fingerprint, leadrules_version, cpu, features, source_path, source;
  std::vector<std::pair<std::string, std::string>> set_files;  // as file("...") names them, text
  LrEntry entry = nullptr;
};

// Validates `rs` and fills its call table. `origin` names it in messages (the file, or the symbol).
RuleSetContents bind_ruleset(LrRuleSet const* rs, std::string const& origin);

struct OpenedRuleSet {
  std::shared_ptr<void const> handle;  // keeps the shared object loaded
  LrRuleSet const* descriptor = nullptr;
};

// dlopen()s a shared object made by `leadrules compile --shared` and finds its descriptor.
OpenedRuleSet open_ruleset(std::string const& path);

}  // namespace leadrules::jit
