// Columnar data: prospects and their activities held column by column (struct of arrays).
// Strings are dictionary-encoded per column, so a string predicate or regex runs once per
// distinct value; activities of a prospect are a range [offsets[p], offsets[p+1]) of one array.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "compiler/plan/plan.hpp"

namespace leadrules::runtime {

constexpr uint32_t kMissingCode = 0xFFFFFFFFu;

// Distinct strings of one column; code = index into values. Values are stable once interned:
// a view returned by at() stays valid for the dictionary's lifetime (text lives in blocks that
// never move). Copying a dictionary re-interns every value.
class Dictionary {
 public:
  Dictionary() = default;
  Dictionary(Dictionary const& other);
  Dictionary& operator=(Dictionary const& other);
  Dictionary(Dictionary&&) noexcept = default;
  Dictionary& operator=(Dictionary&&) noexcept = default;

  uint32_t intern(std::string_view s);
  uint32_t find(std::string_view s) const;  // kMissingCode when absent
  std::string_view at(uint32_t code) const { return values_[code]; }
  size_t size() const { return values_.size(); }
  void truncate(size_t n);  // forget values n.. (a rejected line's)

 private:
  std::vector<std::string_view> values_;  // into blocks_
  std::vector<uint64_t> slots_;           // linear probing: hash << 32 | (code + 1); 0 = empty
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* free_ = nullptr;  // unused tail of the last block
  size_t left_ = 0;
  static uint32_t hash(std::string_view s);
  // The slot of `s` (hash `h`): the one that holds it, or the empty one where it would go.
  size_t probe(std::string_view s, uint64_t h) const;
  std::string_view store(std::string_view s);
  void rehash(size_t slots);
};

// One column. Which vectors are used depends on `type`:
//   Number -> numbers; Time, Duration -> micros; Grade -> grades; Bool -> bools (0/1);
//   String -> codes (+ dict); StringList -> list_offsets/list_codes (+ dict).
// `present[i]` is 0 for a missing value (a StringList is never missing: empty instead).
struct Column {
  plan::Type type = plan::Type::String;
  std::vector<uint8_t> present;
  std::vector<double> numbers;
  std::vector<int64_t> micros;
  std::vector<int8_t> grades;
  std::vector<uint8_t> bools;
  std::vector<uint32_t> codes;
  std::vector<uint32_t> list_offsets{0};  // StringList: row i is [list_offsets[i], list_offsets[i+1])
  std::vector<uint32_t> list_codes;
  std::shared_ptr<Dictionary> dict = std::make_shared<Dictionary>();

  explicit Column(plan::Type t = plan::Type::String) : type(t) {}
  size_t size() const { return present.size(); }
  bool is_present(size_t row) const { return present[row] != 0; }
  std::string_view string_at(size_t row) const { return dict->at(codes[row]); }

  void push_missing();
  void push_number(double v);
  void push_micros(int64_t v);
  void push_grade(int g);
  void push_bool(bool b);
  void push_string(std::string_view s);
  void push_list(std::vector<std::string_view> const& items);
  void pop_back();          // undo the last push (a rejected line)
  void truncate(size_t n);  // keep rows [0, n) (undo several pushes)
  void reserve(size_t n);
};

// Firing history of one rule for one prospect (JSON "fired", or the --state database).
struct FiringRecord {
  int32_t rule = -1;
  int64_t count = 0;
  bool has_last = false;
  int64_t last = 0;
};

// A batch of prospects with their activities and histories, in input order.
struct Batch {
  size_t rows = 0;
  std::vector<Column> fields;          // one per schema prospect field
  std::vector<uint32_t> source_lines;  // input line of each prospect (messages)

  // Activities of prospect p: [act_offsets[p], act_offsets[p+1]), in input order.
  std::vector<uint32_t> act_offsets{0};
  std::vector<uint16_t> act_kind;
  std::vector<int64_t> act_at;
  std::vector<Column> act_fields;  // one per schema activity field

  // Firing history of prospect p: [history_offsets[p], history_offsets[p+1]).
  std::vector<uint32_t> history_offsets{0};
  std::vector<FiringRecord> history;

  // Empty columns shaped by the schema.
  static Batch for_schema(plan::Schema const& schema);

  size_t activity_count() const { return act_kind.size(); }
  // "" when the id is missing (a prospect built without one; readers reject such records).
  std::string_view id(size_t row, plan::Schema const& schema) const {
    Column const& c = fields[size_t(schema.id_field)];
    return c.is_present(row) ? c.string_at(row) : std::string_view();
  }
};

}  // namespace leadrules::runtime
