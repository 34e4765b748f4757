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

std::string explain_text(plan::Plan const& plan, Batch const& batch, size_t row, ProspectResult const& r,
                         int64_t now, bool colour) {
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
  for (size_t b = 0; b < plan.blocks.size(); ++b) {
    auto const& blk = plan.blocks[b];
    double sum = 0;
    std::string lines;
    for (auto const& p : r.points_why) {
      auto const& rule = plan.points[size_t(p.rule)];
      if (rule.block != int32_t(b)) continue;
      sum += p.points;
      std::string detail =
          rule.per ? fmt::format("{} match{}", p.matches, p.matches == 1 ? "" : "es") : "holds";
      if (p.capped) detail += ", capped";
      lines +=
          fmt::format("    {:>8}  line {:<4} {}  ({})\n", sign(p.points), rule.line, rule.source, detail);
    }
    out += fmt::format("  {} {}\n", blk.name, stdlib::format_number(r.blocks[b]));
    out += lines.empty() ? "    (no rule scored)\n" : lines;
    if (sum != r.blocks[b])
      out += fmt::format("    {:>8}  bounded by the block's {}\n", stdlib::format_number(r.blocks[b]),
                         blk.cap && r.blocks[b] == *blk.cap ? "cap" : "floor");
  }
  out += "\n" + bold(fmt::format("grade {}", plan::grade_name(r.grade))) +
         fmt::format("  (start {})\n", plan::grade_name(plan.grade_start));
  for (auto const& g : r.grade_why) {
    auto const& mv = plan.grade_moves[size_t(g.move)];
    char const* what = g.outcome == 1 ? "matched" : g.outcome == 0 ? "did not match" : "unknown (no move)";
    // As a policy writes moves: whole letters as `+1`, thirds as `+2/3`, `+4/3`.
    std::string move = g.thirds == 0       ? "0"
                       : g.thirds % 3 == 0 ? fmt::format("{:+}", g.thirds / 3)
                                           : fmt::format("{:+}/3", g.thirds);
    move = fmt::format("{:>6}", move);
    out += fmt::format("    {}  line {:<4} {}  ({})\n", move, mv.line, mv.source, what);
  }
  out += "\n" + bold("segments") + "\n";
  bool any = false;
  for (size_t s = 0; s < plan.segments.size(); ++s) {
    auto const& seg = plan.segments[s];
    if (!r.segments[s]) continue;
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
  out += "\n" + bold("rules fired") + "\n";
  if (r.fired.empty()) out += "    (none)\n";
  for (int32_t f : r.fired) {
    out += fmt::format("    \"{}\" (line {})\n", plan.rules[size_t(f)].name, plan.rules[size_t(f)].line);
    for (auto const& a : r.actions)
      if (a.rule == f) out += "        " + action_text(plan, a) + "\n";
  }
  return out;
}

}  // namespace leadrules::runtime
