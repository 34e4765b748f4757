// `leadrules explain` as text: each rule's points, the grade moves, the zone row, the rules that
// fired; and the score histogram explain and the REPL draw.
#include "runtime/data/explain_text.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "runtime/data/writers.hpp"
#include "stdlib/format.hpp"
#include "stdlib/time.hpp"

namespace leadrules::runtime {

std::string score_histogram(std::vector<double> const& scores, std::optional<double> mark, bool colour,
                            size_t width) {
  if (scores.empty()) return "";
  auto [lo_it, hi_it] = std::minmax_element(scores.begin(), scores.end());
  double lo = *lo_it, hi = *hi_it;
  constexpr int kBins = 12;
  // Round the range to tidy bin edges.
  double span = std::max(hi - lo, 1.0);
  double raw = span / kBins;
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (mag * m >= raw) {
      step = mag * m;
      break;
    }
  double start = std::floor(lo / step) * step;
  int bins = int(std::floor((hi - start) / step)) + 1;
  std::vector<size_t> counts(size_t(bins), 0);
  for (double s : scores) counts[size_t(std::clamp(int(std::floor((s - start) / step)), 0, bins - 1))]++;
  size_t most = *std::max_element(counts.begin(), counts.end());
  std::string out;
  for (int b = 0; b < bins; ++b) {
    double from = start + b * step, to = from + step;
    size_t len = most ? (counts[size_t(b)] * width + most - 1) / most : 0;
    bool here = mark && *mark >= from && *mark < to;
    std::string bar(len, '#');
    if (colour && here) bar = "\x1b[1;33m" + bar + "\x1b[0m";
    out += fmt::format("  {:>8} .. {:<8} {:>8} |{}{}\n", stdlib::format_number(from),
                       stdlib::format_number(to), counts[size_t(b)], bar, here ? "  <- this prospect" : "");
  }
  return out;
}

void attach_why(std::string const& head, int depth, std::vector<WhyLine> sub, std::vector<WhyLine>& out) {
  if (sub.empty()) {
    out.push_back({depth, head});
    return;
  }
  auto tops = std::count_if(sub.begin(), sub.end(), [&](auto const& l) { return l.depth == depth + 1; });
  if (tops != 1 || sub[0].depth != depth + 1) {
    out.push_back({depth, head});
    for (auto& l : sub) out.push_back(std::move(l));
    return;
  }
  out.push_back({depth, head + " " + sub[0].text});
  for (size_t i = 1; i < sub.size(); ++i) out.push_back({sub[i].depth - 1, std::move(sub[i].text)});
}

std::string render_why(std::vector<WhyLine> const& lines, size_t indent, size_t step) {
  std::string out;
  for (auto const& l : lines)
    out += std::string(indent + step * size_t(std::max(l.depth, 0)), ' ') + l.text + "\n";
  return out;
}

namespace {

std::vector<WhyLine> deeper(std::vector<WhyLine> lines) {
  for (auto& l : lines) l.depth++;
  return lines;
}

// A decayed `per` rule's matches by factor: "50 × 0.5, age 100d", "2 in full; 3 × 5 × 0.9, ages
// 30d..40d".
std::string decay_text(double points, std::vector<DecayGroup> const& groups) {
  constexpr size_t kShown = 4;
  std::string out;
  for (size_t g = 0; g < groups.size() && g < kShown; ++g) {
    auto const& x = groups[g];
    std::string ages = x.min_age == x.max_age
                           ? "age " + age_text(x.min_age)
                           : fmt::format("ages {}..{}", age_text(x.min_age), age_text(x.max_age));
    std::string part =
        x.factor == 1.0 ? fmt::format("{} in full", x.count)
        : x.count == 1
            ? fmt::format("{} × {}, {}", stdlib::format_number(points), stdlib::format_number(x.factor), ages)
            : fmt::format("{} × {} × {}, {}", x.count, stdlib::format_number(points),
                          stdlib::format_number(x.factor), ages);
    out += (g ? "; " : "") + part;
  }
  if (groups.size() > kShown) out += fmt::format("; {} more factors", groups.size() - kShown);
  return out;
}

// "lines 44, 45, 46", wrapped to lines of about 100 characters under `head`.
std::string line_list(std::string const& head, std::vector<uint32_t> const& lines) {
  std::string out = head, cur;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string item = fmt::format("{}{}", lines[i], i + 1 < lines.size() ? "," : "");
    if (out.size() - out.rfind('\n') + item.size() > 100)
      out += "\n" + std::string(head.size(), ' ');
    else if (i)
      out += " ";
    out += item;
  }
  return out + "\n";
}

}  // namespace

std::string age_text(int64_t micros) {
  if (micros < 0) return "-" + age_text(-micros);
  int64_t days = micros / stdlib::kMicrosPerDay, rest = micros % stdlib::kMicrosPerDay;
  if (days == 0) return stdlib::format_duration(rest);
  return rest == 0 ? fmt::format("{}d", days) : fmt::format("{}d {}", days, stdlib::format_duration(rest));
}

std::string explain_text(plan::Plan const& plan, Batch const& batch, size_t row, ProspectResult const& r,
                         int64_t now, bool colour, Explanation const* why) {
  auto bold = [&](std::string const& s) { return colour ? "\x1b[1m" + s + "\x1b[0m" : s; };
  auto sign = [](double v) { return (v > 0 ? "+" : "") + stdlib::format_number(v); };
  std::string out;
  out += bold(fmt::format("prospect {}", batch.id(row, plan.schema))) +
         fmt::format("  (evaluated at {})\n\n", stdlib::format_time(now));
  std::string blocks;
  for (size_t b = 0; b < plan.blocks.size(); ++b)
    blocks += fmt::format("{}{} {}", b ? ", " : "", plan.blocks[b].name, stdlib::format_number(r.blocks[b]));
  // Only the implicit block "score": its sum is the total, no breakdown to show.
  bool only_implicit = plan.blocks.size() == 1 && plan.blocks[0].name == "score";
  out += bold(fmt::format("score {}", stdlib::format_number(r.total))) +
         (blocks.empty() || only_implicit ? "" : "  = " + blocks) + "\n";
  std::vector<uint8_t> scored(plan.points.size(), 0);
  for (auto const& p : r.points_why) scored[size_t(p.rule)] = 1;
  for (size_t b = 0; b < plan.blocks.size(); ++b) {
    auto const& blk = plan.blocks[b];
    double sum = 0;
    std::string lines;
    for (auto const& p : r.points_why) {
      auto const& rule = plan.points[size_t(p.rule)];
      if (rule.block != int32_t(b)) continue;
      sum += p.points;
      auto const* d = why ? &why->points[size_t(p.rule)] : nullptr;
      bool decayed = d && !d->decay.empty();
      std::string detail =
          rule.per ? fmt::format("{} match{}", p.matches, p.matches == 1 ? "" : "es") : "holds";
      if (decayed) detail += ": " + decay_text(rule.points, d->decay);
      if (p.capped) detail += decayed ? "; capped" : ", capped";
      lines +=
          fmt::format("    {:>8}  line {:<4} {}  ({})\n", sign(p.points), rule.line, rule.source, detail);
    }
    // The rules that did not score: `if` rules that did not hold or are unknown, one a line;
    // `per` rules without a match, by line.
    std::string unscored;
    std::vector<uint32_t> no_match;
    if (why)
      for (int32_t i : blk.rules) {
        auto const& rule = plan.points[size_t(i)];
        auto const& d = why->points[size_t(i)];
        // (Without the engine's points_why — evaluated without explain — the rules that scored
        // are not listed, and not taken for rules that did not.)
        if (scored[size_t(i)] || (rule.per ? d.matches > 0 : d.outcome == 1)) continue;
        if (rule.per) {
          no_match.push_back(rule.line);
          continue;
        }
        std::string what = d.outcome < 0
                               ? "unknown: " + (d.missing.empty() ? "a value" : d.missing) + " missing"
                               : "did not hold";
        unscored += fmt::format("    {:>8}  line {:<4} {}  ({})\n", "0", rule.line, rule.source, what);
      }
    out += fmt::format("  {} {}\n", blk.name, stdlib::format_number(r.blocks[b]));
    out += lines.empty() ? "    (no rule scored)\n" : lines;
    out += unscored;
    if (!no_match.empty())
      out += line_list(no_match.size() == 1 ? "    no match: line " : "    no match: lines ", no_match);
    if (sum != r.blocks[b])
      out += fmt::format("    {:>8}  bounded by the block's {}\n", stdlib::format_number(r.blocks[b]),
                         blk.cap && r.blocks[b] == *blk.cap ? "cap" : "floor");
  }
  out += "\n" + bold(fmt::format("grade {}", plan::grade_name(r.grade))) +
         fmt::format("  (start {})\n", plan::grade_name(plan.grade_start));
  for (auto const& g : r.grade_why) {
    auto const& mv = plan.grade_moves[size_t(g.move)];
    std::string what = g.outcome == 1 ? "matched" : g.outcome == 0 ? "did not match" : "unknown (no move)";
    if (g.outcome < 0 && why && !why->grade_missing[size_t(g.move)].empty())
      what = fmt::format("unknown: {} missing, no move", why->grade_missing[size_t(g.move)]);
    // As a policy writes moves: whole letters as `+1`, thirds as `+2/3`, `+4/3`.
    std::string move = g.thirds == 0       ? "0"
                       : g.thirds % 3 == 0 ? fmt::format("{:+}", g.thirds / 3)
                                           : fmt::format("{:+}/3", g.thirds);
    move = fmt::format("{:>6}", move);
    out += fmt::format("    {}  line {:<4} {}  ({})\n", move, mv.line, mv.source, what);
  }
  out += "\n" + bold("segments") + "\n";
  bool any = false;
  std::vector<WhyLine> not_holding;
  for (size_t s = 0; s < plan.segments.size(); ++s) {
    auto const& seg = plan.segments[s];
    if (!r.segments[s]) {
      if (!why) continue;
      std::string head = fmt::format("{}  (line {}):", seg.name, seg.line);
      if (seg.zone) {
        not_holding.push_back({0, head + " no row holds"});
        for (auto& l : deeper(why->segments[s])) not_holding.push_back(std::move(l));
      } else {
        attach_why(head, 0, deeper(why->segments[s]), not_holding);
      }
      continue;
    }
    any = true;
    if (seg.zone && r.zone_rows[s] >= 0) {
      auto const& zr = seg.rows[size_t(r.zone_rows[s])];
      out += fmt::format("    {}  (zone row on line {}: grade >= {})\n", seg.name, zr.line,
                         plan::grade_name(zr.grade));
    } else {
      out += fmt::format("    {}\n", seg.name);
    }
  }
  if (!any) out += "    (none)\n";
  if (!not_holding.empty()) out += "  not holding:\n" + render_why(not_holding, 4, 4);
  out += "\n" + bold("rules fired") + "\n";
  if (r.fired.empty()) out += "    (none)\n";
  for (int32_t f : r.fired) {
    out += fmt::format("    \"{}\" (line {})\n", plan.rules[size_t(f)].name, plan.rules[size_t(f)].line);
    for (auto const& a : r.actions)
      if (a.rule == f) out += "        " + action_text(plan, a) + "\n";
  }
  if (why) {
    std::vector<uint8_t> fired(plan.rules.size(), 0);
    for (int32_t f : r.fired) fired[size_t(f)] = 1;
    std::vector<WhyLine> not_firing;
    for (size_t i = 0; i < plan.rules.size(); ++i)
      if (!fired[i])
        attach_why(fmt::format("\"{}\" (line {}):", plan.rules[i].name, plan.rules[i].line), 0,
                   deeper(why->rules[i]), not_firing);
    if (!not_firing.empty()) out += "  not firing:\n" + render_why(not_firing, 4, 4);
  }
  return out;
}

}  // namespace leadrules::runtime
