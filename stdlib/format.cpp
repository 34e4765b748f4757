#include "stdlib/format.hpp"

#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "stdlib/time.hpp"

namespace leadrules::stdlib {

void append_number(std::string& out, double v) {
  if (v == 0) {  // 0 and -0
    out += '0';
    return;
  }
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "Infinity" : "-Infinity";
    return;
  }
  fmt::format_to(std::back_inserter(out), "{}", v);
}

std::string format_number(double v) {
  std::string out;
  append_number(out, v);
  return out;
}

std::string format_duration(int64_t micros) {
  if (micros == 0) return "0min";
  std::string out;
  uint64_t m = uint64_t(micros);
  if (micros < 0) {
    out += '-';
    m = 0 - m;  // well defined for INT64_MIN too
  }
  struct Unit {
    uint64_t size;
    char const* name;
  };
  static constexpr Unit units[] = {
      {uint64_t(kMicrosPerWeek), "w"},
      {uint64_t(kMicrosPerDay), "d"},
      {uint64_t(kMicrosPerHour), "h"},
      {uint64_t(kMicrosPerMinute), "min"},
  };
  for (Unit const& u : units) {
    if (m % u.size == 0) {
      fmt::format_to(std::back_inserter(out), "{}{}", m / u.size, u.name);
      return out;
    }
  }
  uint64_t const whole = m / uint64_t(kMicrosPerSecond);
  uint64_t const frac = m % uint64_t(kMicrosPerSecond);
  fmt::format_to(std::back_inserter(out), "{}", whole);
  if (frac != 0) {
    char digits[8];
    auto r = fmt::format_to_n(digits, 6, "{:06}", frac);
    size_t len = r.size;
    while (len > 0 && digits[len - 1] == '0') --len;
    out += '.';
    out.append(digits, len);
  }
  out += 's';
  return out;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  size_t run = 0;  // start of the pending run of characters that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char const c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      out.append(esc, 6);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

std::string json_escape(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

}  // namespace leadrules::stdlib
