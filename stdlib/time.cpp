#include "stdlib/time.hpp"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>

namespace leadrules::stdlib {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// `n` decimal digits at s[pos..pos+n) into out; false unless all are digits.
bool read_digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

bool in_range(int64_t micros) { return micros >= kMinTime && micros <= kMaxTime; }

}  // namespace

std::optional<int64_t> days_from_civil(int y, unsigned m, unsigned d) {
  using namespace std::chrono;
  year_month_day const ymd{year{y}, month{m}, day{d}};
  if (!ymd.ok()) return std::nullopt;
  return int64_t(sys_days{ymd}.time_since_epoch().count());
}

namespace {

// The hot path of parse_time: days since the epoch of a civil date, with the range checks done
// by hand (years 0001-9999; the year 0000 goes through std::chrono).
inline bool fast_days(int y, int m, int d, int64_t& out) {
  static constexpr int16_t kBefore[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  static constexpr int8_t kMonthDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  if (y == 0) {
    auto days = days_from_civil(0, unsigned(m), unsigned(d));
    if (!days) return false;
    out = *days;
    return true;
  }
  bool const leap = (y & 3) == 0 && (y % 100 != 0 || y % 400 == 0);
  if (d > kMonthDays[m - 1] + (m == 2 && leap)) return false;
  int64_t const yd = y - 1;
  out = 365 * yd + yd / 4 - yd / 100 + yd / 400 - 719162 + kBefore[m - 1] + (m > 2 && leap) + d - 1;
  return true;
}

inline int digit2(char const* p) { return (p[0] - '0') * 10 + (p[1] - '0'); }
inline bool digits_at(char const* p, int n) {
  for (int i = 0; i < n; ++i)
    if (unsigned(p[i] - '0') > 9) return false;
  return true;
}

}  // namespace

namespace {

// Every byte of w where mask has 0xFF is an ASCII digit (SWAR: no carry or borrow crosses a byte
// unless some byte is already out of range, so a clean word is never rejected).
inline bool swar_digits(uint64_t w, uint64_t mask) {
  constexpr uint64_t k30 = 0x3030303030303030ull, k46 = 0x4646464646464646ull, k80 = 0x8080808080808080ull;
  uint64_t const x = (w & mask) | (k30 & ~mask);
  return ((x | (x - k30) | (x + k46)) & k80) == 0;
}

inline uint64_t load8(char const* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

}  // namespace

std::optional<int64_t> parse_time(std::string_view s) {
  char const* p = s.data();
  int y, mo, d;
  int h = 0, mi = 0, sec = 0;
  if (s.size() >= 19) {
    // "YYYY-MM-DDTHH:MM:SS…": three overlapping 8-byte loads check the 14 digits; digit pairs
    // come out of one multiply-add per word (little-endian: byte k of v*10 + (v>>8) is
    // 10*digit[k] + digit[k+1]).
    constexpr uint64_t ma = 0x00FFFF00FFFFFFFFull, mb = 0xFFFF00FFFF00FFFFull, mc = 0xFFFF000000000000ull;
    constexpr uint64_t k30 = 0x3030303030303030ull;
    uint64_t const a = load8(p), b = load8(p + 8), c = load8(p + 11);
    if (!swar_digits(a, ma) || !swar_digits(b, mb) || !swar_digits(c, mc) || p[4] != '-' || p[7] != '-' ||
        p[13] != ':' || p[16] != ':')
      return std::nullopt;
    char const sep = p[10];
    if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
    auto pairs = [](uint64_t w, uint64_t mask) {
      uint64_t const v = ((w & mask) | (k30 & ~mask)) - k30;  // digits 0-9, other bytes 0
      return v * 10 + (v >> 8);
    };
    uint64_t const ta = pairs(a, ma), tb = pairs(b, mb), tc = pairs(c, mc);
    auto byte = [](uint64_t t, int k) { return int((t >> (8 * k)) & 0xFF); };
    y = byte(ta, 0) * 100 + byte(ta, 2);
    mo = byte(ta, 5);
    d = byte(tb, 0);
    h = byte(tb, 3);
    mi = byte(tb, 6);
    sec = byte(tc, 6);
  } else if (s.size() == 10 && digits_at(p, 4) && p[4] == '-' && digits_at(p + 5, 2) && p[7] == '-' &&
             digits_at(p + 8, 2)) {
    y = digit2(p) * 100 + digit2(p + 2);
    mo = digit2(p + 5);
    d = digit2(p + 8);
  } else {
    return std::nullopt;
  }
  int64_t days;
  if (!fast_days(y, mo, d, days)) return std::nullopt;
  int64_t micros = days * kMicrosPerDay;
  if (s.size() == 10) return micros;
  if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
  micros += h * kMicrosPerHour + mi * kMicrosPerMinute + sec * kMicrosPerSecond;

  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t const start = pos;
    int64_t frac = 0;
    int taken = 0;
    while (pos < s.size() && is_digit(s[pos])) {
      if (taken < 6) {
        frac = frac * 10 + (s[pos] - '0');
        ++taken;
      }
      ++pos;
    }
    if (pos == start) return std::nullopt;
    for (; taken < 6; ++taken) frac *= 10;
    micros += frac;
  }
  if (pos >= s.size()) return std::nullopt;  // the zone is required with a time of day
  char z = s[pos];
  if (z == 'Z' || z == 'z') {
    if (pos + 1 != s.size()) return std::nullopt;
  } else if (z == '+' || z == '-') {
    int oh, om;
    if (pos + 6 != s.size() || !read_digits(s, pos + 1, 2, oh) || s[pos + 3] != ':' ||
        !read_digits(s, pos + 4, 2, om))
      return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    int64_t const offset = oh * kMicrosPerHour + om * kMicrosPerMinute;
    micros += z == '+' ? -offset : offset;  // local time minus its offset = UTC
  } else {
    return std::nullopt;
  }
  if (!in_range(micros)) return std::nullopt;
  return micros;
}

std::string format_time(int64_t micros) {
  using namespace std::chrono;
  int64_t const days = floor_div(micros, kMicrosPerDay);
  int64_t rem = micros - days * kMicrosPerDay;
  year_month_day const ymd{sys_days{std::chrono::days{days}}};
  int const hh = int(rem / kMicrosPerHour);
  rem %= kMicrosPerHour;
  int const mm = int(rem / kMicrosPerMinute);
  rem %= kMicrosPerMinute;
  int const ss = int(rem / kMicrosPerSecond);
  int frac = int(rem % kMicrosPerSecond);

  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                        unsigned(ymd.month()), unsigned(ymd.day()), hh, mm, ss);
  std::string out(buf, size_t(n));
  if (frac != 0) {
    char f[8];
    std::snprintf(f, sizeof f, "%06d", frac);
    size_t len = 6;
    while (f[len - 1] == '0') --len;
    out += '.';
    out.append(f, len);
  }
  out += 'Z';
  return out;
}

std::optional<int64_t> epoch_seconds_to_micros(double seconds) {
  if (!std::isfinite(seconds)) return std::nullopt;
  double const x = std::round(seconds * 1e6);
  if (x < double(kMinTime) || x > double(kMaxTime)) return std::nullopt;
  return int64_t(x);
}

std::optional<int64_t> parse_epoch_seconds(std::string_view s) {
  size_t pos = 0;
  bool neg = false;
  if (pos < s.size() && (s[pos] == '-' || s[pos] == '+')) neg = s[pos++] == '-';
  size_t const int_start = pos;
  int64_t whole = 0;
  bool too_big = false;
  while (pos < s.size() && is_digit(s[pos])) {
    if (whole > 1'000'000'000'000'000LL)
      too_big = true;
    else
      whole = whole * 10 + (s[pos] - '0');
    ++pos;
  }
  bool const has_int = pos > int_start;
  int64_t frac = 0;
  bool dropped = false, has_frac = false;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int taken = 0;
    size_t const start = pos;
    while (pos < s.size() && is_digit(s[pos])) {
      if (taken < 6) {
        frac = frac * 10 + (s[pos] - '0');
        ++taken;
      } else if (s[pos] != '0') {
        dropped = true;
      }
      ++pos;
    }
    has_frac = pos > start;
    for (; taken < 6; ++taken) frac *= 10;
  }
  if (!has_int && !has_frac) return std::nullopt;
  if (pos != s.size()) {
    // An exponent or something else: let the double parser decide.
    if (s[pos] != 'e' && s[pos] != 'E') return std::nullopt;
    std::string_view body = s;
    if (!body.empty() && body[0] == '+') body.remove_prefix(1);
    double v = 0;
    auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
    if (ec != std::errc() || end != body.data() + body.size()) return std::nullopt;
    return epoch_seconds_to_micros(v);
  }
  if (too_big || whole > kMaxTime / kMicrosPerSecond + 1) return std::nullopt;
  int64_t magnitude = whole * kMicrosPerSecond + frac;
  if (neg && dropped) ++magnitude;  // truncate toward the past
  int64_t const micros = neg ? -magnitude : magnitude;
  if (!in_range(micros)) return std::nullopt;
  return micros;
}

std::optional<int64_t> parse_duration(std::string_view s) {
  if (s == "0") return 0;
  size_t pos = 0;
  bool const neg = !s.empty() && s[0] == '-';
  if (neg) ++pos;
  size_t const start = pos;
  int64_t whole = 0;
  while (pos < s.size() && is_digit(s[pos])) {
    if (__builtin_mul_overflow(whole, int64_t(10), &whole) ||
        __builtin_add_overflow(whole, int64_t(s[pos] - '0'), &whole))
      return std::nullopt;
    ++pos;
  }
  if (pos == start) return std::nullopt;
  int64_t frac = 0;
  bool has_point = false;
  if (pos < s.size() && s[pos] == '.') {
    has_point = true;
    ++pos;
    size_t const fstart = pos;
    int taken = 0;
    while (pos < s.size() && is_digit(s[pos]) && taken < 6) {
      frac = frac * 10 + (s[pos] - '0');
      ++taken;
      ++pos;
    }
    if (pos == fstart || (pos < s.size() && is_digit(s[pos]))) return std::nullopt;
    for (; taken < 6; ++taken) frac *= 10;
  }
  std::string_view const unit = s.substr(pos);
  int64_t scale;
  if (unit == "s")
    scale = kMicrosPerSecond;
  else if (has_point)
    return std::nullopt;  // fractions only for seconds
  else if (unit == "min")
    scale = kMicrosPerMinute;
  else if (unit == "h")
    scale = kMicrosPerHour;
  else if (unit == "d")
    scale = kMicrosPerDay;
  else if (unit == "w")
    scale = kMicrosPerWeek;
  else
    return std::nullopt;
  int64_t v;
  if (__builtin_mul_overflow(whole, scale, &v) || __builtin_add_overflow(v, frac, &v)) return std::nullopt;
  return neg ? -v : v;
}

}  // namespace leadrules::stdlib
