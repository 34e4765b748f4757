// Built-in functions of the language, one implementation for every engine: the interpreter calls
// them directly and the JIT calls them through its allow-list of runtime symbols.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace leadrules::stdlib {

// Unicode simple case mapping, code point by code point (invalid bytes are kept as they are).
std::string lower(std::string_view s);
std::string upper(std::string_view s);

// Appends code point `cp` as UTF-8 (the parser's and the literal reader's \u escapes).
void append_utf8(std::string& out, uint32_t cp);

// Length in code points.
int64_t length(std::string_view s);

// The part after the last '@', ASCII-lower-cased; nullopt without an '@'.
std::optional<std::string> domain(std::string_view email);

// Half away from zero (2.5 -> 3, -2.5 -> -3).
double round_half_away(double x);

// A time zone resolved once (IANA name); hour() and weekday() of an instant in it.
class TimeZone {
 public:
  explicit TimeZone(std::string const& name);  // throws std::runtime_error on an unknown zone
  int hour(int64_t micros) const;              // 0..23
  int weekday(int64_t micros) const;           // Monday = 1 .. Sunday = 7
 private:
  int64_t local_seconds(int64_t micros) const;
  void const* zone_ = nullptr;  // date::time_zone const*, null for UTC
};

}  // namespace leadrules::stdlib
