// The firing history kept between runs (`--state FILE`): a SQLite database. A read-write store
// takes the database's write lock when it opens and keeps it until record() commits, so a second
// run on the same file is refused at once and nobody changes the history between our read and
// our write; a store destroyed without record() (a failed run) rolls back and leaves the file as
// it was. SQLite's journal makes a run killed at any moment leave the history before or after it.
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
  // read_write: opens (creating when absent) and takes the write lock (refused, not waited
  // for, when another run holds it). read_only (`--dry-run`): never creates nor writes; each
  // load() reads one consistent snapshot and holds no lock afterwards.
  enum class Mode { read_write, read_only };

  // Format 2 (0.2): ids and rule names as BLOBs of explicit length (a NUL in an id survives),
  // application_id and user_version set. Format 1 (0.1): TEXT columns, no version; read as is
  // and converted to format 2 by the first run that writes.
  static constexpr int kFormatVersion = 2;
  static constexpr int32_t kApplicationId = 0x4C524653;  // "LRFS"
  // A count above this in the database is invalid (the language's bound for `max N` and a
  // test's `count`); record() saturates at it.
  static constexpr int64_t kMaxCount = 1'000'000'000'000'000;

  // Throws DataError (file = the path, reason a sentence that names it) when the file cannot be
  // opened, is locked, is not a leadrules state, is from a newer leadrules, or is corrupt.
  explicit FiringState(std::string path, Mode mode = Mode::read_write);
  ~FiringState();
  FiringState(FiringState const&) = delete;
  FiringState& operator=(FiringState const&) = delete;

  // Replaces the batch's history with the database's for every prospect it knows; a rule's
  // record from the database wins over the same rule's record in the input. Every row is
  // checked (types, count, time); an invalid one is a DataError naming the prospect and rule.
  void load(plan::Plan const& plan, Batch& batch);

  // Adds this run's firings (count + 1, last = now) and commits, all or nothing. A later
  // load() or record() takes the write lock again.
  void record(plan::Plan const& plan, Batch const& batch, Results const& results, int64_t now);

 private:
  enum class Format { empty, v1, v2 };
  std::string path_;
  sqlite3* db_ = nullptr;  // null for a read-only store whose file does not exist
  Mode mode_;
  bool created_ = false;  // the file did not exist before this store opened it
  bool committed_ = false;
  bool in_write_ = false;  // inside the BEGIN IMMEDIATE transaction

  void begin_write();
  void close();
  Format read_format();
  void exec(char const* sql, char const* doing);
  [[noreturn]] void fail(int rc, char const* doing) const;
  [[noreturn]] void fail_text(std::string reason) const;
};

}  // namespace leadrules::runtime
