// Values of the language as the API hands them over, and times and durations as text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leadrules {

enum class ValueType : uint8_t { number, string, boolean, time, duration, grade, string_list };
std::string_view type_name(
    ValueType t);  // "number", "string", "bool", "time", "duration", "grade", "[string]"

// One typed value; `missing` is the language's missing value of that type.
struct Value {
  ValueType type = ValueType::number;
  bool missing = false;
  double number = 0;              // number
  int64_t micros = 0;             // time (since the epoch, UTC), duration
  int grade = 0;                  // grade: 0 = F, 1 = D-, ... 12 = A+
  bool boolean = false;           // boolean
  std::string text;               // string; a duration as written ("48h")
  std::vector<std::string> list;  // string_list

  static Value of_number(double v);
  static Value of_string(std::string v);
  static Value of_bool(bool v);
  static Value of_time(int64_t micros);
  static Value of_duration(int64_t micros);
  static std::optional<Value> of_grade(std::string_view name);  // "B+"; nullopt if not a grade
  static Value of_list(std::vector<std::string> items);
  static Value missing_of(ValueType t);

  // As interpolation and action arguments print it: `42`, `2026-11-22T10:00:00Z`, `48h`, `B+`,
  // lists joined by ", ", missing as "".
  std::string to_string() const;
  // As the REPL shows it: strings quoted, lists in brackets, missing as `missing`.
  std::string to_literal() const;
  bool operator==(Value const&) const = default;
};

// Microseconds since 1970-01-01T00:00:00Z.
int64_t current_time();
// RFC 3339 (`2026-11-22T10:00:00Z`, a `T`, `t` or space, an optional fraction, `Z` or an offset)
// or `YYYY-MM-DD` (midnight UTC); nullopt when not a time.
std::optional<int64_t> parse_time(std::string_view text);
std::string format_time(int64_t micros);
// Duration literals: `30min`, `48h`, `-3d`, `2w`, `90s`, `1.5s`.
std::optional<int64_t> parse_duration(std::string_view text);
std::string format_duration(int64_t micros);
// A literal as `test` blocks write it, for a value of type `type`: `"text"` (JSON escapes),
// `42`, `-1.5`, `true`, `missing`, `48h`, `B+`, `["a", "b"]`; a time as `@2026-11-22T10:00:00Z`,
// `@2026-11-22`, or relative to `now` as `-1h`, `+2d`, `now`. nullopt with *error when it is not
// one.
std::optional<Value> parse_literal(std::string_view text, ValueType type, int64_t now,
                                   std::string* error = nullptr);

// Numbers as results print them: the shortest decimal that reads back, `-0` as `0`.
std::string format_number(double v);

// `text` as a JSON string, quotes included (for tools that write their own JSON around results).
std::string json_quote(std::string_view text);

// Did-you-mean: the candidate closest to a misspelt `word` (a swap of two letters counts as one
// edit), or "" when none is close enough to suggest. suggest_spelling first matches ignoring
// case, spaces and punctuation (`Prospect Id` -> `Prospect ID`).
std::string suggest_name(std::string_view word, std::vector<std::string> const& candidates);
std::string suggest_spelling(std::string_view word, std::vector<std::string> const& candidates);

}  // namespace leadrules
