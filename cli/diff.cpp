// `leadrules diff OLD NEW --input FILE`: both versions of a policy over the same prospects, side by
// side: who changes, which segments and rules gain and lose whom, how grades and scores move, and
// a few prospects per kind of change with the lines of their explanations that differ.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <iterator>
#include <set>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "commands.hpp"
#include "compare.hpp"
#include "html_report.hpp"
#include "leadrules/leadrules.hpp"
#include "leadrules/value.hpp"

namespace leadrules::cli {

namespace {

constexpr size_t kExamplesPerKind = 2;
constexpr size_t kErrorsShown = 20;

// ---------------------------------------------------------------------------------------------
// Reading: each version reads the input with its own schema, unless the two read it alike.

bool same_fields(std::vector<FieldInfo> const& a, std::vector<FieldInfo> const& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](FieldInfo const& x, FieldInfo const& y) {
    return x.name == y.name && x.type == y.type && x.optional == y.optional && x.column == y.column;
  });
}

// The text of a policy's schema blocks, blanks collapsed: fields with their defaults, which the
// read applies and FieldInfo does not show.
std::string schema_text(Policy const& p) {
  std::string const& src = p.source_text();
  std::string out;
  for (size_t at = 0; (at = src.find("schema ", at)) != std::string::npos;) {
    if (at > 0 && src[at - 1] != '\n') {
      ++at;
      continue;
    }
    size_t end = src.find("\n}", at);
    if (end == std::string::npos) end = src.size();
    for (size_t i = at; i < end; ++i) {
      char ch = src[i];
      bool blank = ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
      if (!blank)
        out += ch;
      else if (!out.empty() && out.back() != ' ')
        out += ' ';
    }
    out += "}\n";
    at = end;
  }
  return out;
}

// One batch serves both versions when they read the same fields and activities, written alike
// (defaults included), and know the same rules (a batch's firing history is kept by rule).
bool reads_alike(Policy const& a, Policy const& b) {
  return schema_text(a) == schema_text(b) && same_fields(a.fields(), b.fields()) &&
         same_fields(a.activity_fields(), b.activity_fields()) && a.activity_kinds() == b.activity_kinds() &&
         a.rules() == b.rules() && a.id_field() == b.id_field() && a.account_field() == b.account_field();
}

// The input read by a policy, or nullopt with the errors printed (as `run` prints them).
std::optional<Batch> read_input(Policy const& policy, Options const& o, std::string const* stdin_text) {
  bool keep_going = !o.rejects.empty();
  LoadResult data =
      stdin_text
          ? policy.read_jsonl(*stdin_text, "<stdin>", keep_going)
          : policy.read_file({.prospects = o.input, .activities = o.activities, .keep_going = keep_going});
  if (!data) {
    size_t shown = std::min(kErrorsShown, data.errors.size());
    for (size_t i = 0; i < shown; ++i) print_data_error(data.errors[i]);
    size_t total = std::max(data.error_count, data.errors.size());
    if (total > shown) std::cerr << fmt::format("leadrules: {} more\n", total - shown);
    if (data.rejectable)
      std::cerr << "leadrules: use --rejects FILE to set bad records aside and keep going\n";
    std::cerr << "leadrules: nothing was written\n";
    return std::nullopt;
  }
  if (keep_going && data.batch->size() == 0 && data.batch->prospects_read() > 0) {
    write_rejects(o.rejects, *data.batch);
    std::cerr << fmt::format("leadrules: every prospect was rejected ({}): see {}; nothing was compared\n",
                             data.batch->prospects_read(), o.rejects);
    return std::nullopt;
  }
  return std::move(data.batch);
}

// --rejects: the bad records of either read, once each.
void write_both_rejects(std::string const& path, Batch const& a, Batch const* b) {
  std::string out;
  std::set<std::string> seen;
  for (Batch const* batch : {&a, b}) {
    if (!batch) continue;
    for (auto const& e : batch->rejects()) {
      std::string line = e.json();
      if (seen.insert(line).second) out += line + "\n";
    }
  }
  write_or_throw(path, out);
}

// ---------------------------------------------------------------------------------------------
// Examples: a few prospects per kind of change, with the lines of their explanations that differ.

struct Example {
  std::vector<std::string> kinds;  // "enters zone hot", "gains rule \"MQL\"", "grade up", ...
  compare::Pair const* pair;
  std::vector<std::string> why;
};

struct Sides {
  Policy const &old_policy, &new_policy;
  Batch const &old_batch, &new_batch;
  Results const &old_results, &new_results;
  int64_t now;
};

std::vector<Example> pick_examples(compare::Comparison const& c, Sides const& s) {
  std::vector<Example> out;
  std::unordered_map<std::string_view, compare::Pair const*> by_id;
  for (auto const& p : c.pairs) by_id.emplace(p.id, &p);
  auto pair_of = [&](std::string const& id) -> compare::Pair const* {
    auto it = by_id.find(id);
    return it == by_id.end() ? nullptr : it->second;
  };
  // Up to kExamplesPerKind prospects per kind; a prospect shown for another kind is named again
  // under the same example rather than shown twice.
  auto add = [&](std::string const& kind, std::vector<std::string> const& ids) {
    for (size_t i = 0; i < ids.size() && i < kExamplesPerKind; ++i) {
      auto it = std::find_if(out.begin(), out.end(), [&](Example const& e) { return e.pair->id == ids[i]; });
      if (it != out.end())
        it->kinds.push_back(kind);
      else if (auto const* p = pair_of(ids[i]))
        out.push_back({{kind}, p, {}});
    }
  };
  for (auto const& seg : c.segments) {
    auto it = c.segment_moves.find(seg.name);
    if (it == c.segment_moves.end()) continue;
    std::string what = fmt::format("{} {}", seg.zone ? "zone" : "segment", seg.name);
    add("enters " + what, it->second.in);
    add("leaves " + what, it->second.out);
  }
  for (auto const& rule : c.rules) {
    auto it = c.rule_moves.find(rule.name);
    if (it == c.rule_moves.end()) continue;
    add(fmt::format("gains rule \"{}\"", rule.name), it->second.in);
    add(fmt::format("loses rule \"{}\"", rule.name), it->second.out);
  }
  std::vector<std::string> up, down;
  for (auto const& g : c.grades) (grade_rank(g.after) > grade_rank(g.before) ? up : down).push_back(g.id);
  add("grade up", up);
  add("grade down", down);
  Scratch scratch;
  for (auto& e : out) {
    std::string a = s.old_policy.evaluate(s.old_batch, e.pair->old_row, s.now, scratch, true).explain();
    std::string b = s.new_policy.evaluate(s.new_batch, e.pair->new_row, s.now, scratch, true).explain();
    e.why = compare::explanation_diff(a, b);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Score shifts: one bar per distinct shift when there are few, else bins of a round width.

struct Bin {
  std::string label;
  size_t count = 0;
  double from = 0, to = 0;
};

double round_step(double span, size_t bins) {
  double raw = span / double(bins);
  if (raw <= 0) return 1;
  double p = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

std::string signed_number(double v) { return (v > 0 ? "+" : "") + format_number(v); }

std::vector<Bin> shift_bins(std::vector<double> const& shifts) {
  std::map<double, size_t> distinct;
  for (double d : shifts) ++distinct[d];
  std::vector<Bin> bins;
  if (distinct.size() <= 15) {
    for (auto const& [v, n] : distinct) bins.push_back({signed_number(v), n, v, v});
    return bins;
  }
  // Bins of a round width on multiples of it, so none holds both signs; 0 (unchanged) alone.
  size_t zeros = distinct.count(0.0) ? distinct[0.0] : 0;
  distinct.erase(0.0);
  double lo = distinct.begin()->first, hi = distinct.rbegin()->first;
  double step = round_step(hi - lo, 12);
  double start = std::floor(lo / step) * step;
  size_t count = size_t(std::floor((hi - start) / step)) + 1;
  for (size_t i = 0; i < count; ++i) {
    double from = start + double(i) * step;
    bins.push_back(
        {fmt::format("{} .. {}", signed_number(from), signed_number(from + step)), 0, from, from + step});
  }
  for (auto const& [d, n] : distinct)
    bins[std::min(count - 1, size_t(std::floor((d - start) / step)))].count += n;
  if (zeros) {
    auto at = std::find_if(bins.begin(), bins.end(), [](Bin const& b) { return b.from >= 0; });
    bins.insert(at, Bin{"0", zeros, 0, 0});
  }
  return bins;
}

std::string bars(std::vector<Bin> const& bins, std::string const& indent) {
  size_t top = 1, label_w = 1;
  for (auto const& b : bins) top = std::max(top, b.count), label_w = std::max(label_w, b.label.size());
  std::string out;
  for (auto const& b : bins) {
    size_t n = (b.count * 40 + top - 1) / top;
    out += fmt::format("{}{:>{}} {:>6} |{}\n", indent, b.label, label_w, b.count, std::string(n, '#'));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text

std::string ids_text(std::vector<std::string> const& ids, size_t shown = 3) {
  std::string s;
  for (size_t i = 0; i < ids.size() && i < shown; ++i) s += (i ? ", " : "") + ids[i];
  if (ids.size() > shown) s += fmt::format(" and {} more", ids.size() - shown);
  return s;
}

std::string joined(std::vector<std::string> const& items, std::string const& sep) {
  std::string s;
  for (auto const& x : items) s += (s.empty() ? "" : sep) + x;
  return s;
}

std::string added_removed(compare::Comparison const& c, bool added) { return compare::only_in_one(c, added); }

std::string snapshot(Results const& r, size_t row) {
  Result x = r[row];
  std::string segs, fired;
  for (auto const& s : x.segments) segs += (segs.empty() ? "" : " ") + s;
  for (auto const& f : x.fired) fired += (fired.empty() ? "" : ", ") + ("\"" + f + "\"");
  return fmt::format("score {}, grade {}, segments [{}], fired [{}]", format_number(x.score), x.grade, segs,
                     fired);
}

std::vector<std::string> grades_present(compare::Comparison const& c, bool rows, bool changed_only) {
  std::set<std::string> seen;
  for (auto const& [from, tos] : c.grade_pairs)
    for (auto const& [to, n] : tos)
      if (!changed_only || from != to) seen.insert(rows ? from : to);
  std::vector<std::string> out;
  for (auto const& g : compare::grade_order())
    if (seen.count(g)) out.push_back(g);
  return out;
}

std::string text_report(compare::Comparison const& c, Sides const& s, Options const& o,
                        std::vector<Example> const& examples) {
  std::string out;
  out += fmt::format("{} → {}\n{} prospects in {}, at {}\n", o.policy, o.new_policy, c.pairs.size(),
                     o.input == "-" ? "standard input" : o.input, format_time(s.now));
  if (auto a = added_removed(c, true); !a.empty()) out += "added:   " + a + "\n";
  if (auto r = added_removed(c, false); !r.empty()) out += "removed: " + r + "\n";
  if (!c.only_new.empty()) out += "read by the new version only: " + ids_text(c.only_new) + "\n";
  if (!c.only_old.empty()) out += "read by the old version only: " + ids_text(c.only_old) + "\n";
  out += fmt::format("\n{} of {} prospects change, {} unchanged ({} score, {} grade, {} actions or set)\n",
                     c.changed, c.pairs.size(), c.pairs.size() - c.changed, c.scores.size(), c.grades.size(),
                     c.actions.size());
  if (c.changed == 0) return out;

  auto table = [&](char const* title, std::vector<compare::Name> const& names,
                   std::map<std::string, compare::Moves> const& moves, bool rule) {
    std::vector<std::array<std::string, 4>> rows;
    std::vector<std::string> same;
    size_t w = 0;
    for (auto const& n : names) {
      auto it = moves.find(n.name);
      std::string label = rule ? "\"" + n.name + "\"" : (n.zone ? "zone " : "segment ") + n.name;
      if (it == moves.end()) {
        same.push_back(label);
        continue;
      }
      if (n.added()) label += " (added)";
      if (n.removed()) label += " (removed)";
      std::vector<std::string> some = it->second.in;
      some.insert(some.end(), it->second.out.begin(), it->second.out.end());
      rows.push_back({label, std::to_string(it->second.in.size()), std::to_string(it->second.out.size()),
                      ids_text(some)});
      w = std::max(w, label.size());
    }
    out += fmt::format("\n{}\n", title);
    if (rows.empty()) {
      out += "  (no change)\n";
      return;
    }
    out += fmt::format("  {:<{}} {:>6} {:>6}\n", "", w, rule ? "gain" : "enter", rule ? "lose" : "leave");
    for (auto const& r : rows) out += fmt::format("  {:<{}} {:>6} {:>6}   {}\n", r[0], w, r[1], r[2], r[3]);
    if (!same.empty()) out += "  the same for every prospect: " + joined(same, ", ") + "\n";
  };
  if (c.blocks.size() > 1 || (!c.blocks.empty() && (c.blocks[0].added() || c.blocks[0].removed()))) {
    std::vector<std::string> parts;
    for (auto const& b : c.blocks) {
      auto it = c.block_changes.find(b.name);
      parts.push_back(fmt::format("{} {}", b.name, it == c.block_changes.end() ? 0 : it->second));
    }
    out += "score blocks (prospects whose points in them change): " + joined(parts, ", ") + "\n";
  }
  table("segments and zones", c.segments, c.segment_moves, false);
  table("rules (prospects they fire for)", c.rules, c.rule_moves, true);

  out += "\ngrades (old ↓, new →)\n";
  if (c.grades.empty()) {
    out += "  (no change)\n";
  } else {
    auto rows = grades_present(c, true, false), cols = grades_present(c, false, false);
    out += fmt::format("  {:>4}", "");
    for (auto const& g : cols) out += fmt::format(" {:>5}", g);
    out += "\n";
    for (auto const& r : rows) {
      out += fmt::format("  {:>4}", r);
      for (auto const& col : cols) {
        auto it = c.grade_pairs.at(r).find(col);
        size_t n = it == c.grade_pairs.at(r).end() ? 0 : it->second;
        std::string cell = n == 0 ? "·" : r == col ? fmt::format("({})", n) : std::to_string(n);
        out += fmt::format(" {:>5}", cell);
      }
      out += "\n";
    }
    out += "  (in parentheses: unchanged)\n";
  }

  out += "\nscore shifts (new − old)\n";
  std::vector<double> shifts;
  for (auto const& p : c.pairs) shifts.push_back(p.shift);
  out += bars(shift_bins(shifts), "  ");

  if (!examples.empty()) out += "\nexamples (the lines of the two explanations that differ)\n";
  for (auto const& e : examples) {
    out += fmt::format("\n  {}: {}\n", e.pair->id, joined(e.kinds, "; "));
    out += "    old: " + snapshot(s.old_results, e.pair->old_row) + "\n";
    out += "    new: " + snapshot(s.new_results, e.pair->new_row) + "\n";
    for (auto const& l : e.why) out += "      " + l + "\n";
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON

std::string js_list(std::vector<std::string> const& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + json_quote(items[i]);
  return out + "]";
}

std::string js_result(Results const& r, size_t row) {
  Result x = r[row];
  return fmt::format("{{\"score\":{},\"grade\":{},\"segments\":{},\"fired\":{}}}", format_number(x.score),
                     json_quote(x.grade), js_list(x.segments), js_list(x.fired));
}

std::string json_report(compare::Comparison const& c, Sides const& s, std::vector<Example> const& examples) {
  std::string out = fmt::format("{{\"prospects\":{},\"changed\":{},\"unchanged\":{}", c.pairs.size(),
                                c.changed, c.pairs.size() - c.changed);
  out += fmt::format(",\"scores_changed\":{},\"grades_changed\":{},\"actions_changed\":{}", c.scores.size(),
                     c.grades.size(), c.actions.size());
  auto moves = [&](char const* key, std::vector<compare::Name> const& names,
                   std::map<std::string, compare::Moves> const& m, char const* in, char const* gone) {
    out += fmt::format(",\"{}\":{{", key);
    bool first = true;
    for (auto const& n : names) {
      auto it = m.find(n.name);
      size_t a = it == m.end() ? 0 : it->second.in.size(), b = it == m.end() ? 0 : it->second.out.size();
      out += fmt::format("{}{}:{{\"{}\":{},\"{}\":{}", first ? "" : ",", json_quote(n.name), in, a, gone, b);
      if (key[0] == 's') out += fmt::format(",\"zone\":{}", n.zone ? "true" : "false");
      out += "}";
      first = false;
    }
    out += "}";
  };
  out += ",\"blocks\":{";
  for (size_t i = 0; i < c.blocks.size(); ++i) {
    auto it = c.block_changes.find(c.blocks[i].name);
    out += fmt::format("{}{}:{{\"changed\":{}}}", i ? "," : "", json_quote(c.blocks[i].name),
                       it == c.block_changes.end() ? 0 : it->second);
  }
  out += "}";
  moves("segments", c.segments, c.segment_moves, "entered", "left");
  moves("rules", c.rules, c.rule_moves, "gained", "lost");
  out += ",\"grades\":{";
  bool first_row = true;
  for (auto const& from : compare::grade_order()) {
    auto it = c.grade_pairs.find(from);
    if (it == c.grade_pairs.end()) continue;
    std::string cells;
    for (auto const& to : compare::grade_order()) {
      auto jt = it->second.find(to);
      if (jt == it->second.end() || to == from) continue;
      cells += fmt::format("{}{}:{}", cells.empty() ? "" : ",", json_quote(to), jt->second);
    }
    if (cells.empty()) continue;
    out += fmt::format("{}{}:{{{}}}", first_row ? "" : ",", json_quote(from), cells);
    first_row = false;
  }
  out += "}";
  out += ",\"score_shifts\":[";
  std::vector<double> shifts;
  for (auto const& p : c.pairs) shifts.push_back(p.shift);
  auto bins = shift_bins(shifts);
  for (size_t i = 0; i < bins.size(); ++i)
    out += fmt::format("{}{{\"from\":{},\"to\":{},\"count\":{}}}", i ? "," : "", format_number(bins[i].from),
                       format_number(bins[i].to), bins[i].count);
  out += "]";
  for (bool added : {true, false}) {
    auto names = [&](std::vector<compare::Name> const& v) {
      std::vector<std::string> r;
      for (auto const& n : v)
        if (added ? n.added() : n.removed()) r.push_back(n.name);
      return js_list(r);
    };
    out += fmt::format(",\"{}\":{{\"blocks\":{},\"segments\":{},\"rules\":{}}}", added ? "added" : "removed",
                       names(c.blocks), names(c.segments), names(c.rules));
  }
  out += fmt::format(",\"only_old\":{},\"only_new\":{}", js_list(c.only_old), js_list(c.only_new));
  out += ",\"examples\":[";
  for (size_t i = 0; i < examples.size(); ++i) {
    auto const& e = examples[i];
    out += fmt::format("{}{{\"id\":{},\"kind\":{},\"kinds\":{},\"old\":{},\"new\":{},\"why\":{}}}",
                       i ? "," : "", json_quote(e.pair->id), json_quote(e.kinds.front()), js_list(e.kinds),
                       js_result(s.old_results, e.pair->old_row), js_result(s.new_results, e.pair->new_row),
                       js_list(e.why));
  }
  out += "]}\n";
  return out;
}

// ---------------------------------------------------------------------------------------------
// HTML

std::string html_report(compare::Comparison const& c, Sides const& s, Options const& o,
                        std::vector<Example> const& examples) {
  html::Page page(fmt::format("leadrules diff: {} → {}", o.policy, o.new_policy),
                  fmt::format("{} prospects in {}, at {}: {} change, {} unchanged", c.pairs.size(), o.input,
                              format_time(s.now), c.changed, c.pairs.size() - c.changed));
  if (auto a = added_removed(c, true); !a.empty()) page.paragraph("Added: " + a);
  if (auto r = added_removed(c, false); !r.empty()) page.paragraph("Removed: " + r);

  // Scores, old against new, in common bins.
  page.heading("Score distribution");
  std::vector<double> all;
  for (auto const& p : c.pairs)
    all.push_back(s.old_results.score(p.old_row)), all.push_back(s.new_results.score(p.new_row));
  if (!all.empty()) {
    double lo = *std::min_element(all.begin(), all.end()), hi = *std::max_element(all.begin(), all.end());
    double step = round_step(std::max(hi - lo, 1.0), 12), start = std::floor(lo / step) * step;
    size_t count = size_t(std::floor((hi - start) / step)) + 1;
    std::vector<std::string> labels;
    for (size_t i = 0; i < count; ++i)
      labels.push_back(fmt::format("{}..{}", format_number(start + double(i) * step),
                                   format_number(start + double(i + 1) * step)));
    html::Series old_s{"old", html::kGrey, std::vector<double>(count, 0)},
        new_s{"new", html::kBlue, std::vector<double>(count, 0)};
    auto bin = [&](double v) { return std::min(count - 1, size_t(std::floor((v - start) / step))); };
    for (auto const& p : c.pairs) {
      ++old_s.values[bin(s.old_results.score(p.old_row))];
      ++new_s.values[bin(s.new_results.score(p.new_row))];
    }
    page.figure(html::bar_chart("Scores: old against new", labels, {old_s, new_s}));
  }

  page.heading("Grade transitions");
  auto rows = grades_present(c, true, false), cols = grades_present(c, false, false);
  std::vector<std::vector<double>> counts;
  for (auto const& r : rows) {
    counts.emplace_back();
    for (auto const& col : cols) {
      auto it = c.grade_pairs.at(r).find(col);
      counts.back().push_back(it == c.grade_pairs.at(r).end() ? 0 : double(it->second));
    }
  }
  page.figure(
      html::heatmap("Grades: old (rows) to new (columns)", "old grade", "new grade", rows, cols, counts));

  auto diverging = [&](char const* title, std::vector<compare::Name> const& names,
                       std::map<std::string, compare::Moves> const& moves, bool rule) {
    if (moves.empty()) {
      page.paragraph(rule ? "No rule gains or loses a prospect."
                          : "No prospect enters or leaves a segment or zone.");
      return;
    }
    std::vector<std::string> labels;
    std::vector<double> pos, neg;
    for (auto const& n : names) {
      auto it = moves.find(n.name);
      labels.push_back(rule ? "\"" + n.name + "\"" : n.name);
      pos.push_back(it == moves.end() ? 0 : double(it->second.in.size()));
      neg.push_back(it == moves.end() ? 0 : double(it->second.out.size()));
    }
    page.figure(
        html::diverging_bars(title, labels, pos, neg, rule ? "gain" : "enter", rule ? "lose" : "leave"));
  };
  page.heading("Segments and zones");
  diverging("Prospects entering and leaving each segment and zone", c.segments, c.segment_moves, false);
  page.heading("Rules");
  diverging("Prospects each rule gains and loses", c.rules, c.rule_moves, true);

  page.heading("Score shifts (new − old)");
  {
    std::vector<double> shifts;
    for (auto const& p : c.pairs) shifts.push_back(p.shift);
    auto bins = shift_bins(shifts);
    std::vector<std::string> labels;
    html::Series series{"prospects", html::kOrange, {}};
    for (auto const& b : bins) labels.push_back(b.label), series.values.push_back(double(b.count));
    page.figure(html::bar_chart("Score shift per prospect", labels, {series}));
  }

  page.heading("Examples");
  if (examples.empty()) page.paragraph("No prospect changes segment, rule or grade.");
  std::vector<std::vector<std::string>> table;
  for (auto const& e : examples)
    table.push_back({e.pair->id, joined(e.kinds, "; "), snapshot(s.old_results, e.pair->old_row),
                     snapshot(s.new_results, e.pair->new_row)});
  if (!table.empty()) page.table({"prospect", "change", "old", "new"}, table);
  for (auto const& e : examples) {
    std::string text = e.pair->id + ": " + joined(e.kinds, "; ") + "\n";
    for (auto const& l : e.why) text += l + "\n";
    page.preformatted(text);
  }
  return page.str();
}

}  // namespace

int diff(Options const& o) {
  auto old_policy = compile(o.policy, o);
  if (!old_policy) return 1;
  auto new_policy = compile(o.new_policy, o);
  if (!new_policy) return 1;
  int64_t now = 0;
  if (!read_now(o, now)) return 2;
  // Standard input is read once, for both versions.
  std::optional<std::string> stdin_text;
  if (o.input == "-") stdin_text = std::string(std::istreambuf_iterator<char>(std::cin), {});
  std::string const* text = stdin_text ? &*stdin_text : nullptr;
  auto old_batch = read_input(*old_policy, o, text);
  if (!old_batch) return 2;
  std::optional<Batch> own_batch;  // the new version's read, when it reads the input differently
  if (!reads_alike(*old_policy, *new_policy)) {
    own_batch = read_input(*new_policy, o, text);
    if (!own_batch) return 2;
  }
  Batch const& new_batch = own_batch ? *own_batch : *old_batch;

  EvalOptions eval{.now = now, .threads = thread_count(o)};
  auto old_results = old_policy->evaluate(*old_batch, eval);
  auto new_results = new_policy->evaluate(new_batch, eval);
  auto c = compare::compare({*old_policy, *old_batch, old_results}, {*new_policy, new_batch, new_results});
  Sides sides{*old_policy, *new_policy, *old_batch, new_batch, old_results, new_results, now};
  auto examples = pick_examples(c, sides);

  if (!o.rejects.empty()) write_both_rejects(o.rejects, *old_batch, own_batch ? &*own_batch : nullptr);
  if (!o.html.empty()) write_or_throw(o.html, html_report(c, sides, o, examples));
  std::string out = o.format == "json" ? json_report(c, sides, examples) : text_report(c, sides, o, examples);
  std::cout << out << std::flush;
  print_data_summary(*old_batch, o.rejects);
  if (own_batch && own_batch->skipped_kinds() != old_batch->skipped_kinds()) print_data_summary(*own_batch);
  return o.fail_on_change && c.changed > 0 ? 1 : 0;
}

}  // namespace leadrules::cli
