// Resource limits: how large a policy or its data may be before leadrules refuses it with an
// error that names the limit (never a crash or an out-of-memory kill). The defaults are far above
// real policies and exports; a user raises one with `--limit NAME=VALUE` on the command line, a
// program through CompileOptions::limits / InputOptions::limits. docs/language.md ("Limits")
// has the table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leadrules {

struct Limits {
  // Policies (CompileOptions::limits).
  uint64_t policy_bytes = 16u << 20;  // policy-bytes: size of a policy file
  uint64_t declarations = 100'000;    // declarations: lets, score blocks, segments, zones, rules, ...
  uint64_t depth = 1'000;             // depth: a chain of declarations reading each other, in
                                      // levels (one per declaration plus its nesting on the way)
  uint64_t regex_bytes = 8u << 20;    // regex-bytes: memory of one compiled regex (RE2 max_mem)
  // Data (InputOptions::limits).
  uint64_t line_bytes = 64u << 20;      // line-bytes: a JSON Lines line / CSV record
  uint64_t activities = 1'000'000;      // activities: per prospect
  uint64_t account_prospects = 20'000;  // account-prospects: prospects of one account (colleagues)

  struct Entry {
    std::string_view name;
    uint64_t Limits::*field;
    std::string_view what;  // what hits it, for --help
  };
  static std::vector<Entry> const& table();
  // Sets the limit `name` (as in the table) to `value`; an unknown name or a value that is not a
  // positive whole number (a K/M/G suffix allowed: 64M) gives the reason, nullopt on success.
  std::optional<std::string> set(std::string_view name, std::string_view value);
  // A value as --limit takes it: 64M, 8K, 1000.
  static std::string show(uint64_t value);
  // "raise it with --limit NAME=…": the hint every limit error ends with.
  static std::string how_to_raise(std::string_view name, uint64_t current);
};

}  // namespace leadrules
