#include "runtime/data/state.hpp"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <unordered_map>

#include <fmt/format.h>

#include "runtime/data/readers.hpp"
#include "stdlib/format.hpp"
#include "stdlib/time.hpp"

namespace leadrules::runtime {

namespace {

// Finalises a statement on every path.
struct Statement {
  sqlite3_stmt* s = nullptr;
  ~Statement() { sqlite3_finalize(s); }
};

char const* const kCreateV2 =
    "CREATE TABLE firing (prospect_id BLOB NOT NULL, rule BLOB NOT NULL, count INTEGER NOT NULL,"
    " last_micros INTEGER, PRIMARY KEY (prospect_id, rule)) WITHOUT ROWID";

// The bytes of a BLOB or TEXT column, length included (a NUL inside is kept).
std::string_view column_bytes(sqlite3_stmt* s, int c) {
  auto const* p = static_cast<char const*>(sqlite3_column_blob(s, c));
  int const n = sqlite3_column_bytes(s, c);
  return p ? std::string_view(p, size_t(n)) : std::string_view();
}

bool is_text_or_blob(sqlite3_stmt* s, int c) {
  int const t = sqlite3_column_type(s, c);
  return t == SQLITE_BLOB || t == SQLITE_TEXT;
}

}  // namespace

FiringState::FiringState(std::string path, Mode mode) : path_(std::move(path)), mode_(mode) {
  struct stat st {};
  bool const exists = ::stat(path_.c_str(), &st) == 0;
  if (!exists && mode_ == Mode::read_only) return;  // no history yet, and a dry run creates none
  if (exists && S_ISDIR(st.st_mode)) fail_text(fmt::format("the state file {} is a directory", path_));
  created_ = !exists;
  // Read-only stores open read-write too (without creating) so that SQLite can roll back the
  // journal a killed run left; `query_only` keeps them from changing anything else.
  int const flags = SQLITE_OPEN_READWRITE | (mode_ == Mode::read_write ? SQLITE_OPEN_CREATE : 0);
  if (int rc = sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr); rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    fail_text(fmt::format("cannot open the state file {}: {}", path_, msg));
  }
  sqlite3_extended_result_codes(db_, 1);
  try {
    if (mode_ == Mode::read_write) {
      exec("PRAGMA synchronous = FULL", "open");  // a commit is on disk before COMMIT returns
      begin_write();
      return;
    }
    sqlite3_busy_timeout(db_, 5000);  // a writer's commit lasts milliseconds
    exec("PRAGMA query_only = 1", "read");
    exec("BEGIN", "read");
    read_format();
    exec("COMMIT", "read");
  } catch (...) {
    close();  // no destructor runs for a constructor that throws
    throw;
  }
}

FiringState::~FiringState() { close(); }

void FiringState::close() {
  // A file this store created and never committed to goes away, removed while the lock is still
  // held: a failed first run leaves no empty state behind.
  if (in_write_ && created_ && !committed_) ::unlink(path_.c_str());
  if (db_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db_);
  db_ = nullptr;
  in_write_ = false;
}

void FiringState::fail_text(std::string reason) const { throw DataError(path_, 0, "", std::move(reason)); }

void FiringState::fail(int rc, char const* doing) const {
  std::string const msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      fail_text(fmt::format("the state file {} is in use by another run (SQLite lock)", path_));
    case SQLITE_NOTADB:
      fail_text(fmt::format("{} is not a leadrules state file (it is not an SQLite database)", path_));
    case SQLITE_CORRUPT:
      fail_text(
          fmt::format("the state file {} is corrupt (SQLite: {}); restore it from a backup, or move "
                      "it away to start a new history",
                      path_, msg));
    case SQLITE_FULL: fail_text(fmt::format("cannot {} the state file {}: the disk is full", doing, path_));
    case SQLITE_IOERR: {
      int const err = db_ ? sqlite3_system_errno(db_) : 0;
      fail_text(fmt::format("cannot {} the state file {}: {}", doing, path_, err ? std::strerror(err) : msg));
    }
    default: fail_text(fmt::format("cannot {} the state file {}: SQLite: {}", doing, path_, msg));
  }
}

void FiringState::exec(char const* sql, char const* doing) {
  if (int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); rc != SQLITE_OK) fail(rc, doing);
}

// BEGIN IMMEDIATE without waiting (another run holding the lock is an error, not a queue), then
// the format: a new file gets the current one, a format-1 file is converted in the same
// transaction (so a failed run leaves it format 1).
void FiringState::begin_write() {
  sqlite3_busy_timeout(db_, 0);
  exec("BEGIN IMMEDIATE", "lock");
  in_write_ = true;
  sqlite3_busy_timeout(db_, 5000);  // our commit waits for a dry run's short read to end
  switch (read_format()) {
    case Format::empty: exec(kCreateV2, "initialise"); break;
    case Format::v1:
      exec("ALTER TABLE firing RENAME TO firing_v1", "convert");
      exec(kCreateV2, "convert");
      exec(
          "INSERT INTO firing SELECT CAST(prospect_id AS BLOB), CAST(rule AS BLOB), count, last_micros "
          "FROM firing_v1",
          "convert");
      exec("DROP TABLE firing_v1", "convert");
      break;
    case Format::v2: return;
  }
  exec(fmt::format("PRAGMA application_id = {}; PRAGMA user_version = {}", kApplicationId, kFormatVersion)
           .c_str(),
       "initialise");
}

// What the file is, from its header and tables; throws for anything that is not a leadrules
// state this version can read.
FiringState::Format FiringState::read_format() {
  auto query = [&](char const* sql, auto&& row) {
    Statement st;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &st.s, nullptr);
    if (rc != SQLITE_OK) fail(rc, "read");
    while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) row(st.s);
    if (rc != SQLITE_DONE) fail(rc, "read");
  };
  int64_t app = 0, version = 0;
  query("PRAGMA application_id", [&](sqlite3_stmt* s) { app = sqlite3_column_int64(s, 0); });
  query("PRAGMA user_version", [&](sqlite3_stmt* s) { version = sqlite3_column_int64(s, 0); });
  std::vector<std::string> tables, columns;
  query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        [&](sqlite3_stmt* s) { tables.emplace_back(column_bytes(s, 0)); });
  query("SELECT name FROM pragma_table_info('firing') ORDER BY cid",
        [&](sqlite3_stmt* s) { columns.emplace_back(column_bytes(s, 0)); });
  bool const firing_table =
      tables == std::vector<std::string>{"firing"} &&
      columns == std::vector<std::string>{"prospect_id", "rule", "count", "last_micros"};
  auto not_ours = [&](std::string why) {
    fail_text(fmt::format("{} is not a leadrules state file ({}); nothing was changed", path_, why));
  };
  if (app == kApplicationId) {
    if (version > kFormatVersion)
      fail_text(
          fmt::format("the state file {} was written by a newer leadrules (state format {}; this "
                      "leadrules reads formats 1 to {}): upgrade leadrules, or use another state file",
                      path_, version, kFormatVersion));
    if (version != kFormatVersion || !firing_table)
      fail_text(fmt::format("the state file {} is damaged: state format {} with tables [{}]", path_, version,
                            fmt::join(tables, ", ")));
    return Format::v2;
  }
  if (app != 0) not_ours(fmt::format("an SQLite database of another application, application_id {}", app));
  if (version != 0)
    not_ours(fmt::format("an SQLite database of another application, user_version {}", version));
  if (tables.empty()) return Format::empty;
  if (!firing_table)
    not_ours(fmt::format("an SQLite database with the tables [{}]", fmt::join(tables, ", ")));
  return Format::v1;
}

void FiringState::load(plan::Plan const& plan, Batch& batch) {
  if (!db_) return;  // a dry run on a file that does not exist yet: no history
  bool const read_only = mode_ == Mode::read_only;
  if (read_only)
    exec("BEGIN", "read");
  else if (!in_write_)
    begin_write();
  try {
    if (read_only) read_format();
    std::unordered_map<std::string_view, int32_t> rule_ids;
    for (size_t i = 0; i < plan.rules.size(); ++i) rule_ids.emplace(plan.rules[i].name, int32_t(i));
    std::unordered_map<std::string, std::vector<FiringRecord>> stored;
    Statement st;
    int rc = sqlite3_prepare_v2(db_, "SELECT prospect_id, rule, count, last_micros FROM firing", -1, &st.s,
                                nullptr);
    if (rc != SQLITE_OK) fail(rc, "read");
    while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
      std::string_view const id = column_bytes(st.s, 0), rule = column_bytes(st.s, 1);
      auto invalid = [&](std::string what) {
        fail_text(fmt::format("the state file {} has an invalid firing record (prospect {}, rule {}): {}",
                              path_, stdlib::json_escape(id), stdlib::json_escape(rule), what));
      };
      if (!is_text_or_blob(st.s, 0) || !is_text_or_blob(st.s, 1)) invalid("the id or rule is not text");
      if (sqlite3_column_type(st.s, 2) != SQLITE_INTEGER) invalid("`count` is not a whole number");
      int64_t const count = sqlite3_column_int64(st.s, 2);
      if (count < 0 || count > kMaxCount) invalid(fmt::format("`count` is {}, expected 0 to 10^15", count));
      int const last_type = sqlite3_column_type(st.s, 3);
      if (last_type != SQLITE_NULL && last_type != SQLITE_INTEGER)
        invalid("`last_micros` is not a whole number");
      int64_t const last = sqlite3_column_int64(st.s, 3);
      if (last_type == SQLITE_INTEGER && (last < stdlib::kMinTime || last > stdlib::kMaxTime))
        invalid(fmt::format("`last_micros` is {}, outside the years 0000 to 9999", last));
      auto it = rule_ids.find(rule);
      if (it == rule_ids.end()) continue;  // a rule that no longer exists
      FiringRecord r;
      r.rule = it->second;
      r.count = count;
      r.has_last = last_type == SQLITE_INTEGER;
      r.last = r.has_last ? last : 0;
      stored[std::string(id)].push_back(r);
    }
    if (rc != SQLITE_DONE) fail(rc, "read");
    if (read_only) exec("COMMIT", "read");
    std::vector<uint32_t> offsets{0};
    std::vector<FiringRecord> history;
    for (size_t row = 0; row < batch.rows; ++row) {
      auto it = stored.find(std::string(batch.id(row, plan.schema)));
      std::vector<FiringRecord> const* db = it == stored.end() ? nullptr : &it->second;
      for (uint32_t h = batch.history_offsets[row]; h < batch.history_offsets[row + 1]; ++h) {
        bool overridden = false;
        if (db)
          for (auto const& r : *db) overridden |= r.rule == batch.history[h].rule;
        if (!overridden) history.push_back(batch.history[h]);
      }
      if (db) history.insert(history.end(), db->begin(), db->end());
      offsets.push_back(uint32_t(history.size()));
    }
    batch.history = std::move(history);
    batch.history_offsets = std::move(offsets);
  } catch (...) {
    if (read_only) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void FiringState::record(plan::Plan const& plan, Batch const& batch, Results const& results, int64_t now) {
  if (mode_ == Mode::read_only) fail_text(fmt::format("the state file {} was opened read-only", path_));
  if (now < stdlib::kMinTime || now > stdlib::kMaxTime)
    fail_text(fmt::format("cannot record firings in {}: the time {} is outside the years 0000 to 9999", path_,
                          now));
  if (!in_write_) begin_write();
  try {
    Statement st;
    char const* sql =
        "INSERT INTO firing (prospect_id, rule, count, last_micros) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (prospect_id, rule) DO UPDATE SET count = excluded.count, last_micros = "
        "excluded.last_micros";
    if (int rc = sqlite3_prepare_v2(db_, sql, -1, &st.s, nullptr); rc != SQLITE_OK) fail(rc, "write");
    for (size_t row = 0; row < results.rows; ++row) {
      for (int32_t rule = 0; rule < int32_t(results.n_rules); ++rule) {
        if (!results.fired[row * results.n_rules + size_t(rule)]) continue;
        int64_t count = 0;
        for (uint32_t h = batch.history_offsets[row]; h < batch.history_offsets[row + 1]; ++h)
          if (batch.history[h].rule == rule) count = batch.history[h].count;
        count = std::min(std::max<int64_t>(count, 0), kMaxCount - 1) + 1;
        auto id = batch.id(row, plan.schema);
        auto const& name = plan.rules[size_t(rule)].name;
        // A null pointer would bind NULL, not an empty id.
        sqlite3_bind_blob64(st.s, 1, id.empty() ? "" : id.data(), id.size(), SQLITE_TRANSIENT);
        sqlite3_bind_blob64(st.s, 2, name.empty() ? "" : name.data(), name.size(), SQLITE_TRANSIENT);
        sqlite3_bind_int64(st.s, 3, count);
        sqlite3_bind_int64(st.s, 4, now);
        if (int rc = sqlite3_step(st.s); rc != SQLITE_DONE) fail(rc, "write");
        sqlite3_reset(st.s);
      }
    }
    exec("COMMIT", "write");
    in_write_ = false;
    committed_ = true;
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    in_write_ = false;
    throw;
  }
}

}  // namespace leadrules::runtime
