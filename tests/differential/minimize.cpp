// The case minimizer: see minimize.hpp.
#include "tests/differential/minimize.hpp"

#include <string_view>
#include <vector>

namespace leadrules::difftest {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Position of the keyword `kw` (a whole word with blanks around it) at bracket depth 0 and
// outside strings, searching from `from`; npos when there is none. Comments are skipped.
size_t find_keyword(std::string_view s, std::string_view kw, size_t from) {
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char const c = s[i];
    if (c == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i)
        if (s[i] == '\\') ++i;
      continue;
    }
    if (c == '#') {
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (c == '(' || c == '[' || c == '{')
      ++depth;
    else if (c == ')' || c == ']' || c == '}')
      --depth;
    else if (depth == 0 && i >= from && i > 0 && is_blank(s[i - 1]) && s.compare(i, kw.size(), kw) == 0 &&
             i + kw.size() < s.size() && is_blank(s[i + kw.size()]))
      return i;
  }
  return std::string_view::npos;
}

// The top-level elements of a JSON object or array text ("{...}" / "[...]"), as written; also
// the comma-separated parts of "(...)" (parentheses nest too).
std::vector<std::string> json_elements(std::string_view s) {
  std::vector<std::string> out;
  if (s.size() < 2) return out;
  int depth = 0;
  size_t start = 1;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    char const c = s[i];
    if (c == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i)
        if (s[i] == '\\') ++i;
      continue;
    }
    if (c == '{' || c == '[' || c == '(')
      ++depth;
    else if (c == '}' || c == ']' || c == ')')
      --depth;
    else if (c == ',' && depth == 0) {
      out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  std::string_view last = s.substr(start, s.size() - 1 - start);
  bool empty = true;
  for (char c : last) empty &= is_blank(c);
  if (!empty || !out.empty()) out.emplace_back(last);
  return out;
}

std::string join(std::vector<std::string> const& v, char open, char close) {
  std::string s(1, open);
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
  s += close;
  return s;
}

// The key of an object member `"key":value`, and its value.
std::string member_key(std::string const& m) {
  size_t const b = m.find('"');
  if (b == std::string::npos) return "";
  size_t e = b + 1;
  while (e < m.size() && m[e] != '"') e += m[e] == '\\' ? 2 : 1;
  return m.substr(b + 1, e - b - 1);
}
std::string member_value(std::string const& m) {
  size_t e = m.find('"') + 1;
  while (e < m.size() && m[e] != '"') e += m[e] == '\\' ? 2 : 1;
  size_t const colon = m.find(':', e);
  return colon == std::string::npos ? "" : m.substr(colon + 1);
}

std::vector<std::string> lines_of(std::string const& text) {
  std::vector<std::string> out;
  size_t b = 0;
  while (b < text.size()) {
    size_t e = text.find('\n', b);
    if (e == std::string::npos) e = text.size();
    out.push_back(text.substr(b, e - b));
    b = e + 1;
  }
  return out;
}

// Declarations: a declaration starts at a line that begins with a non-blank character other
// than `}` and `#`; the lines after it (indented, closing braces, blank) belong to it.
std::vector<std::string> policy_units(std::string const& policy) {
  std::vector<std::string> units;
  for (auto const& line : lines_of(policy)) {
    bool const starts = !line.empty() && !is_blank(line[0]) && line[0] != '}' && line[0] != '#';
    if (starts || units.empty())
      units.push_back(line + "\n");
    else
      units.back() += line + "\n";
  }
  return units;
}

std::string concat(std::vector<std::string> const& v) {
  std::string s;
  for (auto const& x : v) s += x;
  return s;
}

class Minimizer {
 public:
  Minimizer(CaseText c, std::function<bool(CaseText const&)> const& fails,
            std::function<void(std::string const&)> const& log)
      : best_(std::move(c)), fails_(fails), log_(log) {}

  CaseText run() {
    for (int round = 0; round < 6; ++round) {
      bool progress = false;
      progress |= prospects();
      progress |= units();
      progress |= inner_lines();
      progress |= rule_actions();
      progress |= conditions();
      progress |= activities();
      progress |= members();
      say("round " + std::to_string(round + 1) + ": policy " + std::to_string(best_.policy.size()) +
          " bytes, data " + std::to_string(best_.data.size()) + " bytes, " + std::to_string(tries_) +
          " tries");
      if (!progress) break;
    }
    return best_;
  }

 private:
  void say(std::string const& s) {
    if (log_) log_(s);
  }

  bool accept(CaseText const& c) {
    ++tries_;
    if (!fails_(c)) return false;
    best_ = c;
    return true;
  }

  // Removes elements of `items` (chunks, halving) while the case built from the rest fails.
  template <class Build>
  bool reduce(std::vector<std::string>& items, Build build, size_t keep_first = 0) {
    bool progress = false;
    size_t chunk = std::max<size_t>(1, (items.size() - std::min(items.size(), keep_first)) / 2);
    while (true) {
      for (size_t i = keep_first; i < items.size();) {
        std::vector<std::string> cand(items.begin(), items.begin() + long(i));
        cand.insert(cand.end(), items.begin() + long(std::min(items.size(), i + chunk)), items.end());
        if (cand.size() < items.size() && accept(build(cand))) {
          items = cand;
          progress = true;
        } else {
          i += chunk;
        }
      }
      if (chunk == 1) break;
      chunk /= 2;
    }
    return progress;
  }

  bool prospects() {
    std::vector<std::string> lines;
    for (auto const& l : lines_of(best_.data))
      if (!l.empty()) lines.push_back(l + "\n");
    return reduce(lines, [&](std::vector<std::string> const& v) {
      CaseText c = best_;
      c.data = concat(v);
      return c;
    });
  }

  bool units() {
    auto us = policy_units(best_.policy);
    return reduce(us, [&](std::vector<std::string> const& v) {
      CaseText c = best_;
      c.policy = concat(v);
      return c;
    });
  }

  // Lines inside `{ ... }` declarations (block rules, zone rows, schema fields).
  bool inner_lines() {
    bool progress = false;
    auto us = policy_units(best_.policy);
    for (size_t u = 0; u < us.size(); ++u) {
      auto ls = lines_of(us[u]);
      if (ls.size() < 3 || ls[0].empty() || ls[0].back() != '{') continue;
      std::vector<std::string> inner(ls.begin() + 1, ls.end());
      auto build = [&](std::vector<std::string> const& v) {
        std::string unit = ls[0] + "\n";
        for (auto const& l : v) unit += l + "\n";
        return with_unit(us, u, unit);
      };
      if (reduce(inner, build)) {
        progress = true;
        us = policy_units(best_.policy);
      }
    }
    return progress;
  }

  // The best case with policy unit u replaced by `unit`.
  CaseText with_unit(std::vector<std::string> units, size_t u, std::string unit) const {
    units[u] = std::move(unit);
    CaseText c = best_;
    c.policy = concat(units);
    return c;
  }

  bool rule_actions() {
    bool progress = false;
    auto us = policy_units(best_.policy);
    for (size_t u = 0; u < us.size(); ++u) {
      if (us[u].rfind("rule ", 0) != 0) continue;
      std::string const& text = us[u];
      size_t const w = find_keyword(text, "when", 0);
      size_t const d = w == std::string::npos ? w : find_keyword(text, "do", w);
      if (d == std::string::npos) continue;
      std::string const head = text.substr(0, d + 3);
      std::string body = text.substr(d + 3);
      while (!body.empty() && is_blank(body.back())) body.pop_back();
      auto actions = json_elements("(" + body + ")");  // top-level commas, strings respected
      if (actions.size() < 2) continue;
      auto build = [&](std::vector<std::string> const& v) {
        std::string unit = head;
        for (size_t i = 0; i < v.size(); ++i) unit += (i ? "," : "") + v[i];
        return with_unit(us, u, unit + "\n");
      };
      std::vector<std::string> items = actions;
      if (reduce(items, build)) {
        progress = true;
        us = policy_units(best_.policy);
      }
    }
    return progress;
  }

  // Conditions replaced by `true`, then by `false`.
  bool conditions() {
    bool progress = false;
    auto lines = lines_of(best_.policy);
    for (size_t i = 0; i < lines.size(); ++i) {
      std::string const& l = lines[i];
      size_t b = std::string::npos, e = std::string::npos;
      size_t const start = l.find_first_not_of(' ');
      if (start == std::string::npos) continue;
      std::string_view const body = std::string_view(l).substr(start);
      if (body.rfind("segment ", 0) == 0 || body.rfind("rule ", 0) == 0) {
        size_t const w = find_keyword(l, "when", 0);
        if (w == std::string::npos) continue;
        b = w + 5;
        size_t const d = find_keyword(l, "do", b);
        e = d == std::string::npos ? l.size() : d - 1;
      } else if (body.rfind("points ", 0) == 0 || body.rfind("grade ", 0) == 0) {
        size_t const f = find_keyword(l, "if", 0);
        if (f == std::string::npos) continue;
        b = f + 3;
        size_t const stop = find_keyword(l, body.rfind("points", 0) == 0 ? "cap" : "else", b);
        e = stop == std::string::npos ? l.size() : stop - 1;
      } else {
        continue;
      }
      if (b >= e) continue;
      std::string const cond = l.substr(b, e - b);
      if (cond == "true" || cond == "false") continue;
      for (char const* repl : {"true", "false"}) {
        auto copy = lines;
        copy[i] = l.substr(0, b) + repl + l.substr(e);
        CaseText c = best_;
        c.policy.clear();
        for (auto const& x : copy) c.policy += x + "\n";
        if (accept(c)) {
          progress = true;
          lines = lines_of(best_.policy);
          break;
        }
      }
    }
    return progress;
  }

  // Each prospect's activities.
  bool activities() {
    bool progress = false;
    auto lines = lines_of(best_.data);
    for (size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].empty()) continue;
      auto members = json_elements(lines[i]);
      for (size_t m = 0; m < members.size(); ++m) {
        std::string const key = member_key(members[m]);
        if (key != "activities" && key != "fired") continue;
        std::string const value = member_value(members[m]);
        if (value.empty() || (value[0] != '[' && value[0] != '{')) continue;
        char const open = value[0], close = open == '[' ? ']' : '}';
        auto items = json_elements(value);
        auto build = [&](std::vector<std::string> const& v) {
          auto ms = members;
          ms[m] = "\"" + key + "\":" + join(v, open, close);
          auto copy = lines;
          copy[i] = join(ms, '{', '}');
          CaseText c = best_;
          c.data.clear();
          for (auto const& x : copy)
            if (!x.empty()) c.data += x + "\n";
          return c;
        };
        if (reduce(items, build)) {
          progress = true;
          lines = lines_of(best_.data);
          members = json_elements(lines[i]);
        }
        // Activities: then their keys.
        if (key == "activities") {
          auto acts = json_elements(member_value(members[m]));
          for (size_t a = 0; a < acts.size(); ++a) {
            auto fields = json_elements(acts[a]);
            auto build_fields = [&](std::vector<std::string> const& v) {
              auto as = acts;
              as[a] = join(v, '{', '}');
              auto ms = members;
              ms[m] = "\"activities\":" + join(as, '[', ']');
              auto copy = lines;
              copy[i] = join(ms, '{', '}');
              CaseText c = best_;
              c.data.clear();
              for (auto const& x : copy)
                if (!x.empty()) c.data += x + "\n";
              return c;
            };
            if (reduce(fields, build_fields)) {
              progress = true;
              lines = lines_of(best_.data);
              members = json_elements(lines[i]);
              acts = json_elements(member_value(members[m]));
            }
          }
        }
      }
    }
    return progress;
  }

  // Each prospect's keys.
  bool members() {
    bool progress = false;
    auto lines = lines_of(best_.data);
    for (size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].empty()) continue;
      auto ms = json_elements(lines[i]);
      auto build = [&](std::vector<std::string> const& v) {
        auto copy = lines;
        copy[i] = join(v, '{', '}');
        CaseText c = best_;
        c.data.clear();
        for (auto const& x : copy)
          if (!x.empty()) c.data += x + "\n";
        return c;
      };
      if (reduce(ms, build)) {
        progress = true;
        lines = lines_of(best_.data);
      }
    }
    return progress;
  }

  CaseText best_;
  std::function<bool(CaseText const&)> const& fails_;
  std::function<void(std::string const&)> const& log_;
  size_t tries_ = 0;
};

}  // namespace

CaseText minimize(CaseText start, std::function<bool(CaseText const&)> const& fails,
                  std::function<void(std::string const&)> const& log) {
  return Minimizer(std::move(start), fails, log).run();
}

}  // namespace leadrules::difftest
