// The shared value formatting (stdlib/format) and time text (stdlib/time).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

#include "stdlib/format.hpp"
#include "stdlib/time.hpp"

using namespace leadrules::stdlib;

namespace {
constexpr int64_t kNow = 1795305600LL * 1000000;  // 2026-11-22T00:00:00Z
}

TEST_CASE("format_number: shortest round-trip decimal", "[format]") {
  CHECK(format_number(42) == "42");
  CHECK(format_number(-7) == "-7");
  CHECK(format_number(0) == "0");
  CHECK(format_number(-0.0) == "0");
  CHECK(format_number(3.5) == "3.5");
  CHECK(format_number(0.1) == "0.1");
  CHECK(format_number(0.1 + 0.2) == "0.30000000000000004");
  CHECK(format_number(-24) == "-24");
  CHECK(format_number(1.0 / 3) == "0.3333333333333333");
  CHECK(format_number(123456789012345) == "123456789012345");
  CHECK(format_number(1e21) == "1e+21");
  CHECK(format_number(2.5e-7) == "2.5e-07");
  CHECK(format_number(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(format_number(std::numeric_limits<double>::infinity()) == "Infinity");
  CHECK(format_number(-std::numeric_limits<double>::infinity()) == "-Infinity");

  // Every output reads back to the same double.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> dist(-1e6, 1e6);
  for (int i = 0; i < 2000; ++i) {
    double const v = i % 3 == 0 ? std::round(dist(rng)) : dist(rng) / (1 + i % 17);
    std::string const s = format_number(v);
    CHECK(std::stod(s) == v);
    if (v == std::floor(v) && std::fabs(v) < 1e15) CHECK(s.find('.') == std::string::npos);
  }
}

TEST_CASE("format_duration: the largest exact unit", "[format]") {
  CHECK(format_duration(0) == "0min");
  CHECK(format_duration(172800000000) == "2d");
  CHECK(format_duration(48 * kMicrosPerHour) == "2d");
  CHECK(format_duration(49 * kMicrosPerHour) == "49h");
  CHECK(format_duration(14 * kMicrosPerDay) == "2w");
  CHECK(format_duration(10 * kMicrosPerDay) == "10d");
  CHECK(format_duration(90 * kMicrosPerMinute) == "90min");
  CHECK(format_duration(30 * kMicrosPerMinute) == "30min");
  CHECK(format_duration(-3 * kMicrosPerDay) == "-3d");
  CHECK(format_duration(-kMicrosPerHour) == "-1h");
  CHECK(format_duration(90 * kMicrosPerSecond) == "90s");
  CHECK(format_duration(1500000) == "1.5s");
  CHECK(format_duration(1) == "0.000001s");
  CHECK(format_duration(-1500000) == "-1.5s");
  CHECK(format_duration(61 * kMicrosPerSecond + 250000) == "61.25s");
  CHECK(format_duration(std::numeric_limits<int64_t>::min()).front() == '-');
}

TEST_CASE("parse_duration reads literals and every format_duration output", "[format]") {
  CHECK(parse_duration("30min") == 30 * kMicrosPerMinute);
  CHECK(parse_duration("48h") == 48 * kMicrosPerHour);
  CHECK(parse_duration("90d") == 90 * kMicrosPerDay);
  CHECK(parse_duration("2w") == 2 * kMicrosPerWeek);
  CHECK(parse_duration("-3d") == -3 * kMicrosPerDay);
  CHECK(parse_duration("1.5s") == 1500000);
  CHECK(parse_duration("0") == 0);
  CHECK(parse_duration("0min") == 0);
  for (char const* bad : {"", "h", "7days", "1.5h", "48 h", "+2d", "1e3s", "2.s", "1.1234567s",
                          "99999999999999999999d", "48H", "-", "3"})
    CHECK_FALSE(parse_duration(bad).has_value());
  std::mt19937_64 rng(11);
  for (int i = 0; i < 1000; ++i) {
    int64_t const v = int64_t(rng() % 4000000000000ULL) * (i % 2 ? 1 : -1) / (1 + i % 5);
    INFO(v);
    CHECK(parse_duration(format_duration(v)) == v);
  }
}

TEST_CASE("json_escape", "[format]") {
  CHECK(json_escape("abc") == "\"abc\"");
  CHECK(json_escape("") == "\"\"");
  CHECK(json_escape("say \"hi\"") == "\"say \\\"hi\\\"\"");
  CHECK(json_escape("back\\slash") == "\"back\\\\slash\"");
  CHECK(json_escape("a\nb\tc\r") == "\"a\\u000ab\\u0009c\\u000d\"");
  CHECK(json_escape(std::string_view("\0\x1f", 2)) == "\"\\u0000\\u001f\"");
  CHECK(json_escape("学生 é 🙂") == "\"学生 é 🙂\"");
  CHECK(json_escape("/pricing?plan=pro") == "\"/pricing?plan=pro\"");
  CHECK(json_escape("\x7f") == "\"\x7f\"");
}

TEST_CASE("parse_time: accepted forms, exact microseconds", "[format][time]") {
  CHECK(parse_time("2026-11-22T00:00:00Z") == kNow);
  CHECK(parse_time("2026-11-22t00:00:00z") == kNow);
  CHECK(parse_time("2026-11-22 00:00:00Z") == kNow);
  CHECK(parse_time("2026-11-22") == kNow);
  CHECK(parse_time("2026-11-22T09:00:00+09:00") == kNow);
  CHECK(parse_time("2026-11-21T19:00:00-05:00") == kNow);
  CHECK(parse_time("2026-11-21T23:30:00-00:30") == kNow);
  CHECK(parse_time("2026-11-22T00:00:00+00:00") == kNow);
  CHECK(parse_time("2026-11-22T00:00:00-00:00") == kNow);
  CHECK(parse_time("2026-11-22T10:11:12Z") == kNow + 36672 * kMicrosPerSecond);
  CHECK(parse_time("2026-11-22T00:00:00.5Z") == kNow + 500000);
  CHECK(parse_time("2026-11-22T00:00:00.000001Z") == kNow + 1);
  CHECK(parse_time("2026-11-22T00:00:00.123456789Z") == kNow + 123456);  // truncated
  CHECK(parse_time("2026-11-22T00:00:00.9999999Z") == kNow + 999999);
  CHECK(parse_time("2026-11-22T09:00:00.25+09:00") == kNow + 250000);
  CHECK(parse_time("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_time("1970-01-01") == 0);
  CHECK(parse_time("1969-12-31T23:59:59Z") == -1000000);
  CHECK(parse_time("1969-12-31T23:59:59.5Z") == -500000);
  CHECK(parse_time("1900-03-01") == -2203891200000000);
  CHECK(parse_time("1600-02-29T12:30:15Z") == -11670953385000000);
  CHECK(parse_time("2024-02-29") == 1709164800000000);
  CHECK(parse_time("2000-02-29") == 951782400000000);
  CHECK(parse_time("0001-01-01") == -62135596800000000);
  CHECK(parse_time("0000-01-01T00:00:00Z") == kMinTime);
  CHECK(parse_time("0000-02-29") == kMinTime + 59 * kMicrosPerDay);  // year 0 is a leap year
  CHECK(parse_time("9999-12-31T23:59:59.999999Z") == kMaxTime);
  CHECK(kMaxTime == 253402300799999999);
}

TEST_CASE("parse_time: rejected forms", "[format][time]") {
  for (char const* bad : {"",
                          "2026",
                          "2026-11",
                          "2026-1-22",
                          "2026-11-2",
                          "26-11-22",
                          "2026/11/22",
                          "2026-13-01",
                          "2026-00-10",
                          "2026-11-00",
                          "2026-11-31",
                          "2026-04-31",
                          "2026-02-29",
                          "1900-02-29",
                          "2100-02-29",
                          "2026-11-22T24:00:00Z",
                          "2026-11-22T23:60:00Z",
                          "2026-11-22T23:59:60Z",
                          "2026-11-22T10:00:00",
                          "2026-11-22T10:00Z",
                          "2026-11-22T10:00:00+0900",
                          "2026-11-22T10:00:00+09",
                          "2026-11-22T10:00:00+24:00",
                          "2026-11-22T10:00:00+09:60",
                          "2026-11-22T10:00:00.Z",
                          "2026-11-22T10:00:00,5Z",
                          "2026-11-22T10:00:00ZZ",
                          "2026-11-22T10:00:00Z ",
                          " 2026-11-22",
                          "2026-11-22 ",
                          "2026-11-22X10:00:00Z",
                          "2026-11-22T1:00:00Z",
                          "2026-11-22T10:0a:00Z",
                          "２０２６-11-22",
                          "0000-01-01T00:00:00+00:01",
                          "9999-12-31T23:59:59-00:01",
                          "-001-01-01",
                          "2026-11-22T10:00:00.5",
                          "abcdefghijklmnopqrstuvwxyz",
                          "2026-11-22T10:00:00\xff",
                          "2026-11-22\n"}) {
    INFO(bad);
    CHECK_FALSE(parse_time(bad).has_value());
  }
}

TEST_CASE("format_time and the round trip", "[format][time]") {
  CHECK(format_time(kNow) == "2026-11-22T00:00:00Z");
  CHECK(format_time(0) == "1970-01-01T00:00:00Z");
  CHECK(format_time(kNow + 500000) == "2026-11-22T00:00:00.5Z");
  CHECK(format_time(kNow + 1) == "2026-11-22T00:00:00.000001Z");
  CHECK(format_time(kNow + 120000) == "2026-11-22T00:00:00.12Z");
  CHECK(format_time(-1) == "1969-12-31T23:59:59.999999Z");
  CHECK(format_time(-500000) == "1969-12-31T23:59:59.5Z");
  CHECK(format_time(kMinTime) == "0000-01-01T00:00:00Z");
  CHECK(format_time(kMaxTime) == "9999-12-31T23:59:59.999999Z");
  CHECK(format_time(1709164800000000 + 3723 * kMicrosPerSecond) == "2024-02-29T01:02:03Z");

  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int64_t> any(kMinTime, kMaxTime);
  for (int i = 0; i < 5000; ++i) {
    int64_t const t = i % 2 ? any(rng) : any(rng) / kMicrosPerSecond * kMicrosPerSecond;
    std::string const s = format_time(t);
    INFO(s);
    CHECK(parse_time(s) == t);
  }
}

TEST_CASE("epoch seconds", "[format][time]") {
  CHECK(parse_epoch_seconds("1795305600") == kNow);
  CHECK(parse_epoch_seconds("1795305600.5") == kNow + 500000);
  CHECK(parse_epoch_seconds("1795305600.1234567") == kNow + 123456);
  CHECK(parse_epoch_seconds("-1.25") == -1250000);
  CHECK(parse_epoch_seconds("-1.0000001") == -1000001);  // toward the past
  CHECK(parse_epoch_seconds("0") == 0);
  CHECK(parse_epoch_seconds("+5") == 5000000);
  CHECK(parse_epoch_seconds(".5") == 500000);
  CHECK(parse_epoch_seconds("1.7953056e9") == kNow);
  CHECK_FALSE(parse_epoch_seconds("").has_value());
  CHECK_FALSE(parse_epoch_seconds("abc").has_value());
  CHECK_FALSE(parse_epoch_seconds("1e30").has_value());
  CHECK_FALSE(parse_epoch_seconds("99999999999999999999").has_value());
  CHECK_FALSE(parse_epoch_seconds("253402300800").has_value());
  CHECK(parse_epoch_seconds("253402300799") == kMaxTime - 999999);
  CHECK(epoch_seconds_to_micros(1795305600.5) == kNow + 500000);
  CHECK(epoch_seconds_to_micros(-0.5) == -500000);
  CHECK_FALSE(epoch_seconds_to_micros(std::nan("")).has_value());
  CHECK_FALSE(epoch_seconds_to_micros(1e300).has_value());
  CHECK(days_from_civil(2026, 11, 22) == 20779);
  CHECK_FALSE(days_from_civil(2026, 2, 29).has_value());
}
