// Internal to runtime/data's readers: what the JSON Lines reader (read_jsonl.cpp) and the CSV
// reader (read_csv.cpp) share — line errors, text helpers, input loading, the conversion of
// field values (ValuePusher) and the batch under construction (Builder). Not a public header.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <sys/mman.h>

#include <fmt/format.h>
#include <simdjson.h>

#include "runtime/data/readers.hpp"
#include "stdlib/names.hpp"

namespace leadrules::runtime::readers_detail {

using plan::Field;
using plan::Type;
namespace dom = simdjson::dom;

// Thrown inside one input line; the reader turns it into a DataError or a Reject.
struct LineError {
  std::string field;
  std::string reason;
  bool follows = false;  // the line is bad because a line of its activities is (Reject::follows)
};

[[noreturn]] void fail(std::string_view field, std::string reason);

// A bad line: set aside (keep_going) or counted as one of strict mode's errors, of which the
// first DataErrors::kMaxErrors are kept. A `follows` reject is no error of its own.
inline void add_reject(ReadResult& r, bool keep_going, Reject rej) {
  if (!keep_going) {
    if (rej.follows) return;
    ++r.errors_total;
    if (r.rejects.size() >= DataErrors::kMaxErrors) return;
  }
  r.rejects.push_back(std::move(rej));
}
// The end of a strict read: throws DataErrors when some lines were bad.
// Errors are listed in input order within each file, `first_file`'s (the activities file of the
// CSV pair, read first) before the others.
void throw_if_errors(ReadResult& r, bool keep_going, std::string const& first_file = {});
// A data error (for the whole input, in both modes) when an account has more prospects than
// limits.account_prospects and the policy has colleague aggregates.
void check_account_sizes(plan::Plan const& plan, Batch const& b, Limits const& limits,
                         std::string const& file);

// "; did you mean \"X\"?" for a name missing from the data (a column, a key), or "".
std::string spelling_hint(std::string_view name, std::vector<std::string> const& present);
// The text as a JSON string, any invalid UTF-8 replaced by U+FFFD.
std::string json_text(std::string_view s);

// ---------------------------------------------------------------------------------------------
// Small text helpers

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b);
// A value quoted for a message, cut at 60 bytes (on a UTF-8 boundary).
std::string show(std::string_view s);
std::optional<double> parse_number_text(std::string_view s);
std::optional<bool> parse_bool_text(std::string_view s);
std::optional<int> parse_grade_text(std::string_view s);
std::string_view type_phrase(Type t);
[[noreturn]] void fail_text(std::string_view field, Type t, std::string_view text);

// ---------------------------------------------------------------------------------------------
// Input files

// A whole input file in memory, followed by at least SIMDJSON_PADDING readable bytes. A regular
// file is mapped (no copy) when the tail of its last page provides the padding, else read.
struct Input {
  std::string name;             // for messages
  simdjson::padded_string buf;  // when read
  void* map = nullptr;          // when mapped
  size_t map_size = 0;
  const char* ptr = nullptr;
  size_t len = 0;

  Input() = default;
  Input(Input const&) = delete;
  Input& operator=(Input const&) = delete;
  ~Input() {
    if (map) ::munmap(map, map_size);
  }
  const char* data() const { return ptr; }
  size_t size() const { return len; }
  // Readers go through the input once, front to back: the pages of a mapped file before `p`
  // are given back (they are the file's, in the page cache), so a run's resident memory does
  // not grow with the input's size. Does nothing for a buffer that was read.
  void release_before(const char* p) {
    if (!map) return;
    size_t const page = 4096, chunk = size_t(8) << 20;
    size_t const upto = size_t(p - ptr) / page * page;
    if (upto < released + chunk) return;
    ::madvise(static_cast<char*>(map) + released, upto - released, MADV_DONTNEED);
    released = upto;
  }
  size_t released = 0;
  void own(simdjson::padded_string&& b) {
    buf = std::move(b);
    ptr = buf.data();
    len = buf.size();
  }
};

// Loads `path` ("-" = standard input) into `in`; with `text`, that buffer instead (the embedding
// API: `path` only names it in messages). Throws DataError.
void load_input(std::string const& path, Input& in, std::optional<std::string_view> text = std::nullopt);

// ---------------------------------------------------------------------------------------------
// Names -> indexes: a handful of keys, compared by size first.

class KeyIndex {
 public:
  void add(std::string_view key, int32_t value) {
    for (auto& e : entries_)
      if (e.key == key) {
        e.values.push_back(value);
        return;
      }
    entries_.push_back({std::string(key), signature(key.data(), key.size()), {value}});
  }
  // The values of `key`, or nullptr. Compares a length and an 8-byte signature first: keys are
  // looked up once per JSON key of every line and activity.
  std::vector<int32_t> const* find(std::string_view key) const {
    size_t const n = key.size();
    uint64_t const sig = signature(key.data(), n);
    for (auto const& e : entries_)
      if (e.key.size() == n && e.sig == sig &&
          (n <= 8 || std::memcmp(e.key.data() + 8, key.data() + 8, n - 8) == 0))
        return &e.values;
    return nullptr;
  }
  int32_t find_one(std::string_view key) const {
    auto const* v = find(key);
    return v ? v->front() : -1;
  }

 private:
  // All bytes of a key of up to 8 bytes (with its length, unique); the first 8 of a longer one.
  static uint64_t signature(char const* p, size_t n) {
    auto load4 = [](char const* q) {
      uint32_t w;
      std::memcpy(&w, q, 4);
      return uint64_t(w);
    };
    if (n >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      return w;
    }
    if (n >= 4) return load4(p) | (load4(p + n - 4) << 32);
    if (n == 0) return 0;
    return uint64_t(uint8_t(p[0])) | (uint64_t(uint8_t(p[n >> 1])) << 8) |
           (uint64_t(uint8_t(p[n - 1])) << 16);
  }
  struct Entry {
    std::string key;
    uint64_t sig;
    std::vector<int32_t> values;
  };
  std::vector<Entry> entries_;
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

// ---------------------------------------------------------------------------------------------
// Field values: the shared conversion rules of both readers.

struct FieldInfo {
  Field const* f = nullptr;
  std::string_view label;               // the input name, for messages
  std::vector<double> missing_numbers;  // placeholders that read as numbers
  bool has_missing = false;

  explicit FieldInfo(Field const& field)
      : f(&field), label(field.column.empty() ? field.name : field.column) {
    has_missing = !field.missing_values.empty();
    for (auto const& m : field.missing_values)
      if (auto v = parse_number_text(m); v && trim(m) == m) missing_numbers.push_back(*v);
  }
  bool is_placeholder(std::string_view text) const {
    for (auto const& m : f->missing_values)
      if (m == text) return true;
    return false;
  }
  bool is_number_placeholder(double v) const {
    for (double m : missing_numbers)
      if (m == v) return true;
    return false;
  }
};

class ValuePusher {
 public:
  // The value is absent, null, an empty CSV cell or a placeholder.
  static void absent(Column& col, FieldInfo const& fi);
  static void push_constant(Column& col, plan::Constant const& c);
  // Text: a CSV cell (csv = true) or a JSON string.
  void text(Column& col, FieldInfo const& fi, std::string_view s, bool csv);
  void json(Column& col, FieldInfo const& fi, dom::element v);
  static std::string number_text(dom::element v);
  static std::string json_found(dom::element v);
  // A JSON number as a time (epoch seconds); nullopt when out of range.
  static std::optional<int64_t> json_epoch(dom::element v);
  // A time value of JSON: RFC 3339 string or epoch seconds. Throws for other values.
  static int64_t json_time(std::string_view field, dom::element v);

 private:
  void json_number(Column& col, FieldInfo const& fi, dom::element v);

  std::vector<std::string_view> items_;
};

// ---------------------------------------------------------------------------------------------
// The batch under construction: one prospect line at a time, all or nothing.

class Builder {
 public:
  Builder(plan::Plan const& plan, ReadResult& result, bool keep_going)
      : schema_(plan.schema), r_(result), b_(result.batch), keep_going_(keep_going) {
    b_ = Batch::for_schema(schema_);
    for (auto const& f : schema_.prospect) fields_.emplace_back(f);
    for (auto const& f : schema_.activity) act_fields_.emplace_back(f);
    for (size_t i = 0; i < fields_.size(); ++i) field_keys_.add(fields_[i].label, int32_t(i));
    for (size_t i = 0; i < act_fields_.size(); ++i) act_keys_.add(act_fields_[i].label, int32_t(i));
    for (size_t i = 0; i < schema_.kinds.size(); ++i) kinds_.add(schema_.kinds[i], int32_t(i));
    for (size_t i = 0; i < plan.rules.size(); ++i) rules_.emplace(plan.rules[i].name, int32_t(i));
    if (schema_.id_field >= 0 && size_t(schema_.id_field) < fields_.size() &&
        schema_.prospect[size_t(schema_.id_field)].type == Type::String)
      id_ = schema_.id_field;
    saved_dicts_.resize(fields_.size() + act_fields_.size());
    seen_.assign(fields_.size(), 0);
  }

  Batch& batch() { return b_; }
  std::vector<FieldInfo> const& fields() const { return fields_; }
  std::vector<FieldInfo> const& act_fields() const { return act_fields_; }
  KeyIndex const& field_keys() const { return field_keys_; }
  KeyIndex const& act_keys() const { return act_keys_; }
  KeyIndex const& kinds() const { return kinds_; }
  ValuePusher& pusher() { return pusher_; }
  bool keep_going() const { return keep_going_; }
  int32_t id_field() const { return id_; }
  void set_limits(Limits const& limits) { limits_ = limits; }
  // A line (a CSV record) longer than the limit is a bad line: a value that large is no lead data
  // and would be copied into dictionaries and results. Throws LineError.
  void check_length(size_t bytes) const {
    if (bytes > limits_.line_bytes)
      fail("", fmt::format("the line is {} bytes long, over the limit of {}; {}", bytes,
                           Limits::show(limits_.line_bytes),
                           Limits::how_to_raise("line-bytes", limits_.line_bytes)));
  }

  void begin_line() {
    for (size_t i = 0; i < b_.fields.size(); ++i) saved_dicts_[i] = b_.fields[i].dict->size();
    for (size_t i = 0; i < b_.act_fields.size(); ++i)
      saved_dicts_[b_.fields.size() + i] = b_.act_fields[i].dict->size();
    pending_skips_.clear();
  }

  // ---- prospect fields of the current line
  void push_json_field(std::string_view key, std::vector<int32_t> const& targets, dom::element v) {
    for (int32_t fi : targets) {
      Column& col = b_.fields[size_t(fi)];
      if (col.size() > b_.rows) fail(key, "the key appears twice in this object");
      seen_[size_t(fi)] = 1;
      pusher_.json(col, fields_[size_t(fi)], v);
    }
  }
  // JSON Lines: which fields' keys some record had (a field no record has gets a warning).
  std::vector<uint8_t> const& seen() const { return seen_; }
  void push_cell(size_t fi, std::string_view cell) { pusher_.text(b_.fields[fi], fields_[fi], cell, true); }

  // ---- activities of the current line
  int32_t kind_of(std::string_view type) const { return kinds_.find_one(type); }
  void skip_kind(std::string_view type) { pending_skips_.emplace_back(type); }

  // ---- the end of a line
  // Absent fields take their defaults (or fail); the id must be new. Throws LineError.
  void finish_fields(uint32_t line) {
    for (size_t i = 0; i < b_.fields.size(); ++i)
      if (b_.fields[i].size() == b_.rows) ValuePusher::absent(b_.fields[i], fields_[i]);
    if (id_ >= 0) {
      Column const& col = b_.fields[size_t(id_)];
      if (col.present[b_.rows]) {
        uint32_t const code = col.codes[b_.rows];
        if (code < id_lines_.size())
          fail(fields_[size_t(id_)].label,
               fmt::format("duplicate id {} (first on line {})", show(col.dict->at(code)), id_lines_[code]));
        if (!rejected_ids_.empty()) {
          auto it = rejected_ids_.find(col.dict->at(code));
          if (it != rejected_ids_.end())
            fail(fields_[size_t(id_)].label,
                 fmt::format("duplicate id {} (first on line {}, which was rejected)",
                             show(col.dict->at(code)), it->second));
        }
        id_lines_.push_back(line);
      }
    }
  }
  // A rejected line's id stays taken: a later line with it is a duplicate.
  void reserve_id(std::string_view id, uint32_t line) {
    if (id_ < 0) return;
    Column const& col = b_.fields[size_t(id_)];
    uint32_t const code = col.dict->find(id);
    if (code != kMissingCode && code < id_lines_.size()) return;  // taken by a good line
    rejected_ids_.emplace(std::string(id), line);
  }
  // The current prospect's id (after its fields are in), or nullopt.
  std::optional<std::string_view> current_id() const {
    if (id_ < 0) return std::nullopt;
    Column const& col = b_.fields[size_t(id_)];
    if (col.size() <= b_.rows || !col.present[b_.rows]) return std::nullopt;
    return col.dict->at(col.codes[b_.rows]);
  }
  void commit(uint32_t line) {
    if (size_t acts = b_.act_kind.size() - b_.act_offsets.back(); acts > limits_.activities)
      fail("activities",
           fmt::format("the prospect has {} activities, over the limit of {}; {}", acts, limits_.activities,
                       Limits::how_to_raise("activities", limits_.activities)));
    b_.act_offsets.push_back(uint32_t(b_.act_kind.size()));
    b_.history_offsets.push_back(uint32_t(b_.history.size()));
    b_.source_lines.push_back(line);
    ++b_.rows;
    for (auto const& k : pending_skips_) {
      auto it = skipped_.find(k);
      if (it == skipped_.end())
        skipped_.emplace(k, 1);
      else
        ++it->second;
    }
    pending_skips_.clear();
  }
  void rollback() {
    size_t const acts = b_.act_offsets.back();
    for (size_t i = 0; i < b_.fields.size(); ++i) {
      b_.fields[i].truncate(b_.rows);
      b_.fields[i].dict->truncate(saved_dicts_[i]);
    }
    for (size_t i = 0; i < b_.act_fields.size(); ++i) {
      b_.act_fields[i].truncate(acts);
      b_.act_fields[i].dict->truncate(saved_dicts_[b_.fields.size() + i]);
    }
    b_.act_kind.resize(acts);
    b_.act_at.resize(acts);
    b_.history.resize(b_.history_offsets.back());
    if (id_ >= 0) id_lines_.resize(std::min(id_lines_.size(), b_.fields[size_t(id_)].dict->size()));
    pending_skips_.clear();
  }

  // ---- "fired"
  int32_t rule_of(std::string_view name) const {
    auto it = rules_.find(name);
    return it == rules_.end() ? -1 : it->second;
  }

  void reject(Reject rej) { add_reject(r_, keep_going_, std::move(rej)); }

  void finish() {
    for (auto& [k, n] : skipped_) r_.skipped_kinds[k] += n;
    for (auto const& [k, n] : r_.skipped_kinds)
      if (auto hint = stdlib::closest_spelling(k, schema_.kinds); !hint.empty()) r_.kind_hints[k] = hint;
  }

 private:
  plan::Schema const& schema_;
  ReadResult& r_;
  Batch& b_;
  bool keep_going_;
  Limits limits_;
  std::vector<FieldInfo> fields_, act_fields_;
  KeyIndex field_keys_, act_keys_, kinds_;
  StringMap<int32_t> rules_;
  int32_t id_ = -1;
  std::vector<uint32_t> id_lines_;    // first line of each id, by code of the id dictionary
  StringMap<uint32_t> rejected_ids_;  // ids of rejected lines -> their line
  std::vector<uint8_t> seen_;
  std::vector<size_t> saved_dicts_;
  std::vector<std::string> pending_skips_;
  StringMap<size_t> skipped_;
  ValuePusher pusher_;
};

}  // namespace leadrules::runtime::readers_detail
