// Self-contained HTML reports (diff, backtest, report --html): one file, inline CSS and SVG, no
// script, no font or image fetched from anywhere, so it opens offline and can be mailed.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leadrules::cli::html {

std::string escape(std::string_view text);

// A data series of a chart; `colour` is a CSS colour (the palette below, or any).
struct Series {
  std::string name;
  std::string colour;
  std::vector<double> values;
};
inline constexpr char const* kBlue = "#2f6db5";
inline constexpr char const* kOrange = "#e0802b";
inline constexpr char const* kGreen = "#3a9a5b";
inline constexpr char const* kGrey = "#9aa3ad";

// Vertical bars, one group per label with one bar per series (old against new score
// distributions, decile conversion rates). `y_format`: "count" or "percent" (values 0..1).
std::string bar_chart(std::string const& title, std::vector<std::string> const& labels,
                      std::vector<Series> const& series, std::string const& y_format = "count");

// Horizontal bars with a signed value each (segment entered/left, rule gained/lost): positive
// bars go right in `positive`, negative left in `negative`.
std::string diverging_bars(std::string const& title, std::vector<std::string> const& labels,
                           std::vector<double> const& positive, std::vector<double> const& negative,
                           std::string const& positive_name, std::string const& negative_name);

// A matrix of counts (grade transitions: rows old, columns new); cells shaded by count.
std::string heatmap(std::string const& title, std::string const& row_axis, std::string const& column_axis,
                    std::vector<std::string> const& rows, std::vector<std::string> const& columns,
                    std::vector<std::vector<double>> const& counts);

// Lines through (x, y) points, both axes 0..1 unless given (ROC curve, lift/gain curve);
// `diagonal` draws the chance line.
struct Line {
  std::string name;
  std::string colour;
  std::vector<std::pair<double, double>> points;
};
std::string line_chart(std::string const& title, std::string const& x_axis, std::string const& y_axis,
                       std::vector<Line> const& lines, bool diagonal, double x_max = 1, double y_max = 1);

// A page: a title, then sections appended in order; str() is the whole document.
class Page {
 public:
  explicit Page(std::string title, std::string subtitle = {});
  void heading(std::string const& text);
  void paragraph(std::string const& text);  // plain text, escaped
  void table(std::vector<std::string> const& header, std::vector<std::vector<std::string>> const& rows);
  void figure(std::string svg);                // a chart from the functions above
  void preformatted(std::string const& text);  // terminal-style text (explanations side by side)
  std::string str() const;

 private:
  std::string title_, subtitle_, body_;
};

}  // namespace leadrules::cli::html
