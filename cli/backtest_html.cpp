// `leadrules backtest --html FILE`: the figures as a self-contained page (html_report.hpp): lift
// per segment and zone, cumulative gains and ROC curves, decile and grade conversion bars, tables.
#include <fmt/format.h>

#include "backtest_figures.hpp"
#include "commands.hpp"
#include "html_report.hpp"
#include "leadrules/value.hpp"

namespace leadrules::cli::backtest_figures {

namespace {

std::string percent(std::optional<double> v) { return v ? fmt::format("{:.1f}%", *v * 100) : "-"; }
std::string fixed(std::optional<double> v, int decimals) {
  return v ? fmt::format("{:.{}f}", *v, decimals) : "-";
}

// A curve with at most ~400 points (a point per distinct score can be one per prospect): evenly
// spaced ones, the first and the last kept.
std::vector<std::pair<double, double>> thin(std::vector<std::pair<double, double>> const& points) {
  constexpr size_t kMax = 400;
  if (points.size() <= kMax + 1) return points;
  std::vector<std::pair<double, double>> out;
  for (size_t k = 0; k <= kMax; ++k) out.push_back(points[k * (points.size() - 1) / kMax]);
  return out;
}

std::string decile_label(Decile const& d) {
  return d.from == d.to ? fmt::format("{}: {}", d.number, format_number(d.from))
                        : fmt::format("{}: {}..{}", d.number, format_number(d.from), format_number(d.to));
}

}  // namespace

std::string html(Figures const& f) {
  html::Page page(fmt::format("Backtest: {}", f.policy_name),
                  fmt::format("{} on {}, label `{}`{}, evaluated at {}", f.policy_path, f.input, f.label,
                              f.column == f.label ? "" : fmt::format(" (column \"{}\")", f.column), f.now));
  std::string summary = fmt::format("{} labelled prospects, {} converted: base rate {}.",
                                    count_text(f.labelled), count_text(f.converted), percent(f.base_rate()));
  if (f.prospects > f.labelled)
    summary += fmt::format(" {} without a label {} left out.",
                           plural(f.prospects - f.labelled, "prospect", "prospects"),
                           f.prospects - f.labelled == 1 ? "was" : "were");
  summary += f.auc
                 ? fmt::format(
                       " ROC AUC of the total score {:.3f}: a converted prospect outscores one that did not "
                       "{:.1f}% of the time (ties count half).",
                       *f.auc, *f.auc * 100)
                 : " No AUC: it needs prospects that converted and prospects that did not.";
  page.paragraph(summary);

  page.heading("Segments and zones");
  if (f.segments.empty()) {
    page.paragraph("The policy has no segments or zones.");
  } else {
    std::vector<std::string> labels;
    html::Series lift{"lift over the base rate", html::kBlue, {}};
    std::vector<std::vector<std::string>> rows;
    for (auto const& s : f.segments) {
      std::string name = s.name + (s.zone ? " (zone)" : "");
      labels.push_back(name);
      lift.values.push_back(f.lift(s.cell).value_or(0));
      rows.push_back({name, count_text(s.cell.size), count_text(s.cell.converted),
                      percent(f.precision(s.cell)), percent(f.recall(s.cell)), fixed(f.lift(s.cell), 2)});
    }
    page.figure(html::bar_chart("Lift per segment and zone (1 = the base rate)", labels, {lift}));
    page.table({"segment", "size", "converted", "precision", "recall", "lift"}, rows);
  }

  page.heading("Cumulative gains by score");
  page.paragraph(
      "Prospects taken from the highest score down: the share of all conversions found against the share of "
      "prospects taken. The dashed diagonal is a random order.");
  page.figure(html::line_chart("Cumulative gains", "share of prospects, highest scores first",
                               "share of conversions", {{"by score", html::kBlue, thin(f.gains)}}, true));

  page.heading("Score deciles");
  {
    std::vector<std::string> labels;
    html::Series rate{"conversion rate", html::kBlue, {}}, base{"base rate", html::kGrey, {}};
    std::vector<std::vector<std::string>> rows;
    for (auto const& d : f.deciles) {
      labels.push_back(decile_label(d));
      rate.values.push_back(f.precision(d.cell).value_or(0));
      base.values.push_back(f.base_rate().value_or(0));
      rows.push_back({fmt::format("{}", d.number), format_number(d.from), format_number(d.to),
                      count_text(d.cell.size), count_text(d.cell.converted), percent(f.precision(d.cell))});
    }
    page.figure(html::bar_chart("Conversion rate per score decile", labels, {rate, base}, "percent"));
    page.paragraph(
        "Equal scores stay in one decile (the one where the first of them falls): a decile can hold "
        "more than a tenth of the prospects, and deciles left empty are not shown.");
    page.table({"decile", "from", "to", "count", "converted", "rate"}, rows);
  }

  page.heading("ROC curve of the total score");
  page.figure(html::line_chart(f.auc ? fmt::format("ROC curve (AUC {:.3f})", *f.auc) : "ROC curve",
                               "false positive rate", "true positive rate",
                               {{"score", html::kOrange, thin(f.roc)}}, true));

  page.heading("Grades");
  {
    std::vector<std::string> labels;
    html::Series rate{"conversion rate", html::kGreen, {}};
    std::vector<std::vector<std::string>> rows;
    for (auto const& [g, c] : f.grades) {
      labels.push_back(g);
      rate.values.push_back(f.precision(c).value_or(0));
      rows.push_back({g, count_text(c.size), count_text(c.converted), percent(f.precision(c))});
    }
    page.figure(html::bar_chart("Conversion rate per grade", labels, {rate}, "percent"));
    page.table({"grade", "size", "converted", "rate"}, rows);
  }
  return page.str();
}

}  // namespace leadrules::cli::backtest_figures
