#include "runtime/data/state.hpp"

#include <sqlite3.h>
#include <map>

#include "runtime/data/readers.hpp"

namespace leadrules::runtime {

namespace {
// Finalises a statement on every path.
struct Statement {
  sqlite3_stmt* s = nullptr;
  ~Statement() { sqlite3_finalize(s); }
};
}  // namespace

FiringState::FiringState(std::string path) : path_(std::move(path)) {
  if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw DataError(path_, 0, "", "cannot open the state database: " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec(
      "CREATE TABLE IF NOT EXISTS firing ("
      " prospect_id TEXT NOT NULL, rule TEXT NOT NULL, count INTEGER NOT NULL,"
      " last_micros INTEGER, PRIMARY KEY (prospect_id, rule)) WITHOUT ROWID");
}

FiringState::~FiringState() { sqlite3_close(db_); }

void FiringState::exec(char const* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw DataError(path_, 0, "", "state database: " + msg);
  }
}

void FiringState::load(plan::Plan const& plan, Batch& batch) {
  std::map<std::string, int32_t, std::less<>> rule_ids;
  for (size_t i = 0; i < plan.rules.size(); ++i) rule_ids.emplace(plan.rules[i].name, int32_t(i));
  std::map<std::string, std::vector<FiringRecord>, std::less<>> stored;
  Statement st;
  if (sqlite3_prepare_v2(db_, "SELECT prospect_id, rule, count, last_micros FROM firing", -1, &st.s,
                         nullptr) != SQLITE_OK)
    throw DataError(path_, 0, "", std::string("state database: ") + sqlite3_errmsg(db_));
  while (sqlite3_step(st.s) == SQLITE_ROW) {
    auto text = [&](int c) {
      auto p = sqlite3_column_text(st.s, c);
      return std::string(p ? reinterpret_cast<char const*>(p) : "");
    };
    auto it = rule_ids.find(text(1));
    if (it == rule_ids.end()) continue;  // a rule that no longer exists
    FiringRecord r;
    r.rule = it->second;
    r.count = sqlite3_column_int64(st.s, 2);
    r.has_last = sqlite3_column_type(st.s, 3) != SQLITE_NULL;
    r.last = r.has_last ? sqlite3_column_int64(st.s, 3) : 0;
    stored[text(0)].push_back(r);
  }
  std::vector<uint32_t> offsets{0};
  std::vector<FiringRecord> history;
  for (size_t row = 0; row < batch.rows; ++row) {
    auto it = stored.find(batch.id(row, plan.schema));
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
}

void FiringState::record(plan::Plan const& plan, Batch const& batch, Results const& results, int64_t now) {
  exec("BEGIN IMMEDIATE");
  try {
    Statement st;
    char const* sql =
        "INSERT INTO firing (prospect_id, rule, count, last_micros) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (prospect_id, rule) DO UPDATE SET count = excluded.count, last_micros = "
        "excluded.last_micros";
    if (sqlite3_prepare_v2(db_, sql, -1, &st.s, nullptr) != SQLITE_OK)
      throw DataError(path_, 0, "", std::string("state database: ") + sqlite3_errmsg(db_));
    for (size_t row = 0; row < results.rows; ++row) {
      for (int32_t rule = 0; rule < int32_t(results.n_rules); ++rule) {
        if (!results.fired[row * results.n_rules + size_t(rule)]) continue;
        int64_t count = 0;
        for (uint32_t h = batch.history_offsets[row]; h < batch.history_offsets[row + 1]; ++h)
          if (batch.history[h].rule == rule) count = batch.history[h].count;
        auto id = batch.id(row, plan.schema);
        auto const& name = plan.rules[size_t(rule)].name;
        sqlite3_bind_text(st.s, 1, id.data(), int(id.size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(st.s, 2, name.data(), int(name.size()), SQLITE_TRANSIENT);
        sqlite3_bind_int64(st.s, 3, count + 1);
        sqlite3_bind_int64(st.s, 4, now);
        if (sqlite3_step(st.s) != SQLITE_DONE)
          throw DataError(path_, 0, "", std::string("state database: ") + sqlite3_errmsg(db_));
        sqlite3_reset(st.s);
      }
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace leadrules::runtime
