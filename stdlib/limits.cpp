// leadrules::Limits (include/leadrules/limits.hpp): the table of limit names and the parsing of
// `--limit NAME=VALUE`. In stdlib because every layer reports against these limits.
#include <charconv>
#include <utility>

#include <fmt/format.h>

#include "leadrules/limits.hpp"

namespace leadrules {

std::vector<Limits::Entry> const& Limits::table() {
  static std::vector<Entry> const entries = {
      {"policy-bytes", &Limits::policy_bytes, "size of a policy file"},
      {"declarations", &Limits::declarations,
       "declarations in a policy (lets, blocks, segments, rules, ...)"},
      {"depth", &Limits::depth, "levels of a chain of declarations reading each other"},
      {"regex-bytes", &Limits::regex_bytes, "memory of one compiled regular expression"},
      {"line-bytes", &Limits::line_bytes, "one JSON Lines line or CSV record of the data"},
      {"activities", &Limits::activities, "activities of one prospect"},
      {"account-prospects", &Limits::account_prospects, "prospects sharing one account"},
  };
  return entries;
}

std::optional<std::string> Limits::set(std::string_view name, std::string_view value) {
  for (auto const& e : table()) {
    if (e.name != name) continue;
    uint64_t multiplier = 1;
    if (!value.empty()) {
      switch (value.back()) {
        case 'K':
        case 'k': multiplier = 1u << 10; break;
        case 'M':
        case 'm': multiplier = 1u << 20; break;
        case 'G':
        case 'g': multiplier = 1u << 30; break;
        default: break;
      }
      if (multiplier != 1) value.remove_suffix(1);
    }
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() || n == 0 || n > UINT64_MAX / multiplier)
      return fmt::format("the limit {} takes a positive whole number (K, M or G allowed: 64M), not \"{}\"",
                         name, value);
    this->*e.field = n * multiplier;
    return std::nullopt;
  }
  std::string names;
  for (auto const& e : table()) names += (names.empty() ? "" : ", ") + std::string(e.name);
  return fmt::format("unknown limit \"{}\" (the limits are: {})", name, names);
}

std::string Limits::show(uint64_t value) {
  for (auto [shift, suffix] : {std::pair{30, 'G'}, std::pair{20, 'M'}, std::pair{10, 'K'}})
    if (value >= (uint64_t(1) << shift) && value % (uint64_t(1) << shift) == 0)
      return fmt::format("{}{}", value >> shift, suffix);
  return std::to_string(value);
}

std::string Limits::how_to_raise(std::string_view name, uint64_t current) {
  std::string field(name);
  for (char& c : field)
    if (c == '-') c = '_';
  return fmt::format("raise the limit {} ({}) with `--limit {}={}` (Limits::{} in the API)", name,
                     show(current), name, show(current * 2), field);
}

}  // namespace leadrules
