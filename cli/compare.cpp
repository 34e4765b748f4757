#include "compare.hpp"

#include <algorithm>
#include <regex>

#include "leadrules/value.hpp"

namespace leadrules::cli::compare {

namespace {

void add_name(std::vector<Name>& names, std::string const& name, bool zone, bool old_side) {
  auto it = std::find_if(names.begin(), names.end(), [&](Name const& n) { return n.name == name; });
  if (it == names.end()) {
    names.push_back(Name{name, zone, old_side, !old_side});
  } else {
    (old_side ? it->in_old : it->in_new) = true;
  }
}

bool same_actions(Result const& a, Result const& b) {
  if (a.actions.size() != b.actions.size() || a.set.size() != b.set.size()) return false;
  for (size_t i = 0; i < a.actions.size(); ++i) {
    auto const &x = a.actions[i], &y = b.actions[i];
    if (x.rule != y.rule || x.action != y.action || x.args != y.args) return false;
  }
  for (size_t i = 0; i < a.set.size(); ++i) {
    auto const &x = a.set[i], &y = b.set[i];
    if (x.field != y.field || !(x.value == y.value) || x.rules != y.rules) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> const& grade_order() {
  static std::vector<std::string> const grades{"A+", "A",  "A-", "B+", "B",  "B-", "C+",
                                               "C",  "C-", "D+", "D",  "D-", "F"};
  return grades;
}

Comparison compare(Side const& old_side, Side const& new_side) {
  Comparison c;
  Policy const &op = old_side.policy, &np = new_side.policy;
  for (auto const& s : np.segments()) add_name(c.segments, s.name, s.zone, false);
  for (auto const& s : op.segments()) add_name(c.segments, s.name, s.zone, true);
  for (auto const& r : np.rules()) add_name(c.rules, r, false, false);
  for (auto const& r : op.rules()) add_name(c.rules, r, false, true);
  for (auto const& b : np.blocks()) add_name(c.blocks, b, false, false);
  for (auto const& b : op.blocks()) add_name(c.blocks, b, false, true);

  // Index of each name in either version (npos when absent there).
  constexpr size_t none = size_t(-1);
  struct Index {
    size_t old_i, new_i;
  };
  auto index = [&](std::vector<Name> const& names, auto&& find_old, auto&& find_new) {
    std::vector<Index> out;
    for (auto const& n : names)
      out.push_back({find_old(n.name).value_or(none), find_new(n.name).value_or(none)});
    return out;
  };
  auto seg_ix = index(
      c.segments, [&](std::string const& n) { return op.segment_index(n); },
      [&](std::string const& n) { return np.segment_index(n); });
  auto rule_ix = index(
      c.rules, [&](std::string const& n) { return op.rule_index(n); },
      [&](std::string const& n) { return np.rule_index(n); });

  auto block_ix = index(
      c.blocks, [&](std::string const& n) { return op.block_index(n); },
      [&](std::string const& n) { return np.block_index(n); });

  Batch const &ob = old_side.batch, &nb = new_side.batch;
  Results const &orr = old_side.results, &nr = new_side.results;
  for (size_t row = 0; row < nb.size(); ++row) {
    std::string id(nb.id(row));
    auto old_row = ob.find(id);
    if (!old_row) {
      c.only_new.push_back(id);
      continue;
    }
    Pair p{id, *old_row, row, false, nr.score(row) - orr.score(*old_row)};
    double a = orr.score(*old_row), b = nr.score(row);
    if (a != b) {
      c.scores.push_back({id, format_number(a), format_number(b)});
      p.changed = true;
    }
    std::string ga(orr.grade(*old_row)), gb(nr.grade(row));
    ++c.grade_pairs[ga][gb];
    if (ga != gb) {
      c.grades.push_back({id, ga, gb});
      p.changed = true;
    }
    for (size_t i = 0; i < c.segments.size(); ++i) {
      bool was = seg_ix[i].old_i != none && orr.in_segment(*old_row, seg_ix[i].old_i);
      bool is = seg_ix[i].new_i != none && nr.in_segment(row, seg_ix[i].new_i);
      if (was != is) {
        auto& m = c.segment_moves[c.segments[i].name];
        (is ? m.in : m.out).push_back(id);
        p.changed = true;
      }
    }
    for (size_t i = 0; i < c.blocks.size(); ++i) {
      double was = block_ix[i].old_i != none ? orr.block(*old_row, block_ix[i].old_i) : 0;
      double is = block_ix[i].new_i != none ? nr.block(row, block_ix[i].new_i) : 0;
      if (was != is || block_ix[i].old_i == none || block_ix[i].new_i == none) {
        ++c.block_changes[c.blocks[i].name];
        p.changed = true;
      }
    }
    for (size_t i = 0; i < c.rules.size(); ++i) {
      bool was = rule_ix[i].old_i != none && orr.fired(*old_row, rule_ix[i].old_i);
      bool is = rule_ix[i].new_i != none && nr.fired(row, rule_ix[i].new_i);
      if (was != is) {
        auto& m = c.rule_moves[c.rules[i].name];
        (is ? m.in : m.out).push_back(id);
        p.changed = true;
      }
    }
    if (!same_actions(orr[*old_row], nr[row])) {
      c.actions.push_back(id);
      p.changed = true;
    }
    c.changed += p.changed;
    c.pairs.push_back(std::move(p));
  }
  for (size_t row = 0; row < ob.size(); ++row)
    if (!nb.find(ob.id(row))) c.only_old.emplace_back(ob.id(row));
  return c;
}

std::string only_in_one(Comparison const& c, bool added) {
  std::string s;
  auto add = [&](std::string const& part) { s += (s.empty() ? "" : ", ") + part; };
  for (auto const& n : c.blocks)
    if (added ? n.added() : n.removed()) add("score block " + n.name);
  for (auto const& n : c.segments)
    if (added ? n.added() : n.removed()) add((n.zone ? "zone " : "segment ") + n.name);
  for (auto const& n : c.rules)
    if (added ? n.added() : n.removed()) add("rule \"" + n.name + "\"");
  return s;
}

namespace {

std::vector<std::string> lines_of(std::string const& text) {
  std::vector<std::string> out;
  for (size_t b = 0; b < text.size();) {
    size_t e = text.find('\n', b);
    if (e == std::string::npos) e = text.size();
    out.push_back(text.substr(b, e - b));
    b = e + 1;
  }
  return out;
}

std::string masked(std::string const& line) {
  static std::regex const numbers(R"(\b(lines?) \d+(, \d+)*)");
  return std::regex_replace(line, numbers, "$1 #");
}

}  // namespace

std::vector<std::string> explanation_diff(std::string const& old_text, std::string const& new_text) {
  auto a = lines_of(old_text), b = lines_of(new_text);
  std::vector<std::string> ma, mb;
  for (auto const& l : a) ma.push_back(masked(l));
  for (auto const& l : b) mb.push_back(masked(l));
  // Longest common subsequence of the masked lines (explanations are tens of lines).
  size_t n = a.size(), m = b.size();
  std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      lcs[i][j] = ma[i] == mb[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::vector<std::string> out;
  std::string heading;  // the section the walk is in, shown once before its first change
  bool heading_shown = false;
  auto section = [&](std::string const& line) {
    if (!line.empty() && line[0] != ' ') heading = line, heading_shown = false;
  };
  auto emit = [&](char mark, std::string const& line) {
    bool is_heading = !line.empty() && line[0] != ' ';
    if (!is_heading && !heading_shown && !heading.empty()) out.push_back("  " + heading);
    heading_shown = true;
    out.push_back(std::string(1, mark) + " " + line);
  };
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && ma[i] == mb[j]) {
      section(b[j]);
      ++i, ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      section(a[i]);
      emit('-', a[i++]);
    } else {
      section(b[j]);
      emit('+', b[j++]);
    }
  }
  return out;
}

}  // namespace leadrules::cli::compare
