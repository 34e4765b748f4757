#include "stdlib/builtins.hpp"

#include <chrono>
#include <cmath>
#include <stdexcept>

#include <date/tz.h>
#include <utf8proc.h>

namespace leadrules::stdlib {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}
namespace {

template <class Map>
std::string map_code_points(std::string_view s, Map map) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    utf8proc_int32_t cp;
    auto n = utf8proc_iterate(reinterpret_cast<utf8proc_uint8_t const*>(s.data() + i),
                              utf8proc_ssize_t(s.size() - i), &cp);
    if (n <= 0) {
      out += s[i];
      ++i;
      continue;
    }
    if (cp < 0x80) {
      out += char(map(cp));
    } else {
      utf8proc_uint8_t buf[4];
      auto m = utf8proc_encode_char(map(cp), buf);
      out.append(reinterpret_cast<char const*>(buf), size_t(m));
    }
    i += size_t(n);
  }
  return out;
}

}  // namespace

std::string lower(std::string_view s) { return map_code_points(s, utf8proc_tolower); }
std::string upper(std::string_view s) {
  // Unicode's simple case mapping has no uppercase for ß (only the full mapping "SS");
  // utf8proc maps it to ẞ, so keep it as the simple mapping does.
  return map_code_points(s, [](utf8proc_int32_t cp) { return cp == 0xDF ? cp : utf8proc_toupper(cp); });
}

int64_t length(std::string_view s) {
  int64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::optional<std::string> domain(std::string_view email) {
  auto at = email.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  std::string d(email.substr(at + 1));
  for (auto& c : d)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return d;
}

double round_half_away(double x) { return std::round(x); }

TimeZone::TimeZone(std::string const& name) {
  if (name.empty() || name == "UTC" || name == "Etc/UTC") return;
  zone_ = date::locate_zone(name);  // throws for an unknown name
}

int64_t TimeZone::local_seconds(int64_t micros) const {
  // Floor to whole seconds first so instants before the epoch land in the right second.
  int64_t secs = micros >= 0 ? micros / 1000000 : -((-micros + 999999) / 1000000);
  if (!zone_) return secs;
  auto tz = static_cast<date::time_zone const*>(zone_);
  auto info = tz->get_info(date::sys_seconds{std::chrono::seconds{secs}});
  return secs + info.offset.count();
}

int TimeZone::hour(int64_t micros) const {
  int64_t s = local_seconds(micros);
  int64_t in_day = ((s % 86400) + 86400) % 86400;
  return int(in_day / 3600);
}

int TimeZone::weekday(int64_t micros) const {
  int64_t s = local_seconds(micros);
  int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
  // 1970-01-01 was a Thursday (ISO 4).
  int64_t iso = ((days + 3) % 7 + 7) % 7 + 1;
  return int(iso);
}

}  // namespace leadrules::stdlib
