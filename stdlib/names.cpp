#include "stdlib/names.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace leadrules::stdlib {

namespace {

// Optimal string alignment distance.
size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

// Lower-case ASCII letters and digits only; other bytes (UTF-8 included) are kept as they are.
std::string folded(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x80 && !std::isalnum(c)) continue;
    out += char(c < 0x80 ? std::tolower(c) : c);
  }
  return out;
}

}  // namespace

std::string closest_name(std::string_view word, std::vector<std::string> const& candidates) {
  std::string best;
  size_t best_d = SIZE_MAX;
  for (auto const& c : candidates) {
    if (c == word) continue;  // the same word is no suggestion
    size_t dist = distance(word, c);
    if (dist < best_d) {
      best_d = dist;
      best = c;
    }
  }
  // Suggest only when the typo is small relative to the word.
  size_t limit = std::max<size_t>(1, std::min(word.size(), best.size()) / 3);
  return best_d <= limit ? best : std::string();
}

std::string closest_spelling(std::string_view word, std::vector<std::string> const& candidates) {
  std::string key = folded(word);
  std::vector<std::string> keys;
  for (auto const& c : candidates) {
    if (c == word) continue;
    keys.push_back(folded(c));
    if (keys.back() == key) return c;
  }
  std::string best = closest_name(key, keys);
  if (best.empty()) return {};
  for (auto const& c : candidates)
    if (c != word && folded(c) == best) return c;
  return {};
}

}  // namespace leadrules::stdlib
