// `leadrules backtest`: the figures of a policy's results held against a conversion label, and
// the three ways they are written (text for people, JSON for tools, an HTML report with charts).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leadrules::cli::backtest_figures {

// Prospects and how many of them converted.
struct Cell {
  size_t size = 0, converted = 0;
};

struct SegmentFigures {
  std::string name;
  bool zone = false;
  Cell cell;
};

// Prospects ranked by total score, highest first; equal scores stay in one decile (the one
// where the first of them falls), so a decile can be bigger than a tenth and some are empty.
struct Decile {
  int number = 0;           // 1 = the highest scores
  double from = 0, to = 0;  // the lowest and highest score in it
  Cell cell;
};

struct Figures {
  std::string policy_name, policy_path, input, label, column;
  std::string now;                                   // the evaluation time as text
  size_t prospects = 0;                              // scored
  size_t labelled = 0, converted = 0;                // the figures cover the labelled prospects only
  std::vector<SegmentFigures> segments;              // declaration order, zones included
  std::vector<std::pair<std::string, Cell>> grades;  // best first, only grades that occur
  std::vector<Decile> deciles;                       // non-empty deciles, 1 first
  std::optional<double> auc;                         // none without both outcomes
  // Curves for the charts: ROC (false positive rate, true positive rate) and cumulative gains
  // (share of prospects from the top score down, share of conversions), a point per score.
  std::vector<std::pair<double, double>> roc, gains;

  std::optional<double> base_rate() const;
  std::optional<double> precision(Cell const& c) const;
  std::optional<double> recall(Cell const& c) const;
  std::optional<double> lift(Cell const& c) const;
};

// One labelled prospect: its total score and whether it converted.
struct Outcome {
  double score = 0;
  bool converted = false;
};
// Deciles, AUC and curves from the labelled prospects' scores (sorts `outcomes`).
void rank(std::vector<Outcome>& outcomes, Figures& f);

std::string text(Figures const& f);
std::string plural(size_t n, std::string_view one, std::string_view many);  // "1 prospect", "2 prospects"
std::string json(Figures const& f);
std::string html(Figures const& f);

}  // namespace leadrules::cli::backtest_figures
