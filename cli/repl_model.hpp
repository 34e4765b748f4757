// The REPL's own model of the prospect under study: its fields, numbered activities, firing
// history and colleagues, as plain values. Every edit changes the model; the session rebuilds a
// ProspectBuilder from it and evaluates again.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "leadrules/leadrules.hpp"

namespace leadrules::cli::repl {

struct ActivityModel {
  std::string kind;
  int64_t at = 0;
  std::map<std::string, Value> fields;  // present fields only
};

struct RecordModel {
  std::map<std::string, Value> fields;    // present fields only (missing = unset)
  std::vector<ActivityModel> activities;  // in the order shown and numbered (1-based)
};

struct FiringModel {
  std::string rule;
  int64_t count = 1;
  std::optional<int64_t> last;
};

struct ProspectModel {
  RecordModel self;
  std::vector<FiringModel> history;
  std::vector<RecordModel> colleagues;

  // A blank prospect: only an id.
  static ProspectModel blank(Policy const& policy);
  // A prospect of the input, with its activities, firing history and the rows that share its
  // account as colleagues (read through the public columnar view).
  static ProspectModel from_batch(Policy const& policy, Batch const& batch, size_t row);

  std::string id(Policy const& policy) const;
  // Fills the builder (reset first). Names the policy no longer declares are skipped.
  void build(Policy const& policy, ProspectBuilder& builder) const;
  // Drops what the policy does not declare (after a reload); one note per thing dropped.
  std::vector<std::string> adapt(Policy const& policy);
};

// `:show`: the fields in schema order, the activities numbered, history and colleagues.
std::string show(ProspectModel const& p, Policy const& policy, int64_t now);
// `:save NAME`: a `test` block with expect lines for the current result.
std::string save_test(std::string const& name, ProspectModel const& p, Policy const& policy, int64_t now,
                      Result const& result);

}  // namespace leadrules::cli::repl
