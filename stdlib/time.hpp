// Instants and durations as text: RFC 3339 times, the language's duration literals.
// A time is microseconds since 1970-01-01T00:00:00Z (UTC), proleptic Gregorian calendar.
// Every reader accepts exactly the years 0000..9999, so format_time always prints 4 digits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace leadrules::stdlib {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;
constexpr int64_t kMicrosPerWeek = 7 * kMicrosPerDay;

// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z.
constexpr int64_t kMinTime = -62167219200LL * kMicrosPerSecond;
constexpr int64_t kMaxTime = 253402300800LL * kMicrosPerSecond - 1;

// Days since 1970-01-01 of a civil date; nullopt when the date does not exist (2026-02-29).
std::optional<int64_t> days_from_civil(int year, unsigned month, unsigned day);

// RFC 3339: `YYYY-MM-DD` + `T`, `t` or one space + `HH:MM:SS` + optional `.fraction` (any number
// of digits; digits past the microsecond are dropped, i.e. truncated toward the past) + `Z`, `z`
// or `+HH:MM` / `-HH:MM`. `YYYY-MM-DD` alone is midnight UTC. Ranges are checked (month 01-12,
// day of the month incl. leap years, hour 00-23, minute 00-59, second 00-59 — leap seconds are
// not representable and rejected, offset up to ±23:59). No surrounding whitespace.
std::optional<int64_t> parse_time(std::string_view text);

// `2026-11-22T00:00:00Z`; a `.ffffff` fraction with trailing zeros trimmed only when non-zero.
std::string format_time(int64_t micros);

// Epoch seconds written as a decimal (`1795305600`, `-1.25`, `1.7953056e9`): exact for plain
// decimals (fraction digits past the microsecond truncated toward the past); nullopt outside
// kMinTime..kMaxTime or when not a number.
std::optional<int64_t> parse_epoch_seconds(std::string_view text);
// The same for a double (JSON numbers), rounded to the nearest microsecond.
std::optional<int64_t> epoch_seconds_to_micros(double seconds);

// Duration literals as the language writes them: an optional `-`, a whole number and a unit
// `min`, `h`, `d` or `w` (`30min`, `48h`, `90d`, `2w`), plus seconds with an optional decimal
// fraction (`90s`, `1.5s`, to the microsecond) so that every format_duration output reads back;
// `0` alone is zero. Nullopt on anything else or on overflow.
std::optional<int64_t> parse_duration(std::string_view text);

}  // namespace leadrules::stdlib
