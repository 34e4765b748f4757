// The firing history kept between runs (`--state FILE`): a SQLite database read before a run and
// updated in one transaction after a successful one. A failed run leaves it untouched.
#pragma once

#include <string>
#include <vector>

#include "compiler/plan/plan.hpp"
#include "runtime/data/result.hpp"
#include "runtime/data/table.hpp"

struct sqlite3;

namespace leadrules::runtime {

class FiringState {
 public:
  // Opens (creating when absent) the database; throws DataError when it cannot.
  explicit FiringState(std::string path);
  ~FiringState();
  FiringState(FiringState const&) = delete;
  FiringState& operator=(FiringState const&) = delete;

  // Replaces the batch's history with the database's for every prospect it knows; a rule's
  // record from the database wins over the same rule's record in the input.
  void load(plan::Plan const& plan, Batch& batch);

  // Adds this run's firings (count + 1, last = now) in one transaction.
  void record(plan::Plan const& plan, Batch const& batch, Results const& results, int64_t now);

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
  void exec(char const* sql);
};

}  // namespace leadrules::runtime
