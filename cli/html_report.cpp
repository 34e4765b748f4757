#include "html_report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "leadrules/value.hpp"

namespace leadrules::cli::html {

namespace {

constexpr double kWidth = 720, kHeight = 340;                       // the viewBox of every chart
constexpr double kLeft = 64, kRight = 16, kTop = 40, kBottom = 64;  // plot margins

std::string num(double v) { return fmt::format("{:.1f}", v); }

// A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at least `v`.
double nice_max(double v) {
  if (v <= 0) return 1;
  double p = std::pow(10, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= v) return m * p;
  return 10 * p;
}

std::string tick_text(double v, std::string const& format) {
  if (format == "percent") return fmt::format("{:.0f}%", v * 100);
  return format_number(v);
}

// The start of every chart: the svg element sized by its viewBox (`attributes` adds to it), its
// title for screen readers and tooltips, and the visible title at `title_x`.
std::string svg_start(std::string const& title, double width, double height, double title_x,
                      std::string const& attributes = "class=\"chart\"") {
  return fmt::format(
      "<svg {} role=\"img\" viewBox=\"0 0 {} {}\" xmlns=\"http://www.w3.org/2000/svg\" data-chart=\"{}\">"
      "<title>{}</title>\n<text class=\"chart-title\" x=\"{}\" y=\"22\">{}</text>\n",
      attributes, num(width), num(height), escape(title), escape(title), num(title_x), escape(title));
}

// The frame of the charts of the standard size: the start and the legend.
std::string open_svg(std::string const& title,
                     std::vector<std::pair<std::string, std::string>> const& legend) {
  std::string out = svg_start(title, kWidth, kHeight, kLeft);
  double x = kWidth - kRight;
  for (auto it = legend.rbegin(); it != legend.rend(); ++it) {
    x -= 14 + 7.0 * double(it->first.size()) + 18;
    out +=
        fmt::format("<rect x=\"{}\" y=\"12\" width=\"12\" height=\"12\" fill=\"{}\"/>", num(x), it->second);
    out +=
        fmt::format("<text class=\"legend\" x=\"{}\" y=\"22\">{}</text>\n", num(x + 16), escape(it->first));
  }
  return out;
}

// Horizontal grid lines and y labels from 0 to `top`.
std::string y_grid(double top, std::string const& format) {
  std::string out;
  double plot_h = kHeight - kTop - kBottom;
  for (int i = 0; i <= 4; ++i) {
    double v = top * i / 4, y = kTop + plot_h * (1 - double(i) / 4);
    out += fmt::format("<line class=\"grid\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>", kLeft,
                       kWidth - kRight, num(y), num(y));
    out += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", kLeft - 6,
                       num(y + 4), escape(tick_text(v, format)));
  }
  return out;
}

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string bar_chart(std::string const& title, std::vector<std::string> const& labels,
                      std::vector<Series> const& series, std::string const& y_format) {
  std::vector<std::pair<std::string, std::string>> legend;
  double top = 0;
  for (auto const& s : series) {
    legend.emplace_back(s.name, s.colour);
    for (double v : s.values) top = std::max(top, v);
  }
  top = y_format == "percent" ? 1.0 : 4 * nice_max(top / 4);  // four grid steps of a nice size
  std::string out = open_svg(title, series.size() > 1 ? legend : decltype(legend){});
  out += y_grid(top, y_format);
  double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  double group = labels.empty() ? plot_w : plot_w / double(labels.size());
  double bar = std::max(1.0, (group * 0.8) / double(std::max<size_t>(1, series.size())));
  size_t label_every = std::max<size_t>(1, labels.size() / 12);  // at most ~12 labels fit
  for (size_t i = 0; i < labels.size(); ++i) {
    double x0 = kLeft + group * double(i) + group * 0.1;
    for (size_t k = 0; k < series.size(); ++k) {
      double v = i < series[k].values.size() ? series[k].values[i] : 0;
      double h = top > 0 ? plot_h * std::clamp(v / top, 0.0, 1.0) : 0;
      out += fmt::format(
          "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}: {} "
          "{}</title></rect>",
          num(x0 + bar * double(k)), num(kTop + plot_h - h), num(bar * 0.95), num(h), series[k].colour,
          escape(series[k].name), escape(labels[i]),
          escape(tick_text(v, y_format == "percent" ? "percent" : "count")));
    }
    if (i % label_every == 0)
      out += fmt::format(
          "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\" transform=\"rotate(-35 {} "
          "{})\">{}</text>\n",
          num(x0 + group * 0.4), num(kHeight - kBottom + 14), num(x0 + group * 0.4),
          num(kHeight - kBottom + 14), escape(labels[i]));
  }
  return out + "</svg>\n";
}

std::string diverging_bars(std::string const& title, std::vector<std::string> const& labels,
                           std::vector<double> const& positive, std::vector<double> const& negative,
                           std::string const& positive_name, std::string const& negative_name) {
  double top = 0;
  for (double v : positive) top = std::max(top, v);
  for (double v : negative) top = std::max(top, v);
  top = nice_max(top);
  double row = 22, height = kTop + row * double(std::max<size_t>(1, labels.size())) + 24;
  std::string out = svg_start(title, kWidth, height, kLeft);
  // Room for the row labels on the left and for each bar's value beyond its end.
  double label_w = 200, pad = 36, half = (kWidth - label_w - kRight - 2 * pad) / 2,
         mid = label_w + pad + half;
  out += fmt::format("<text class=\"legend\" x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"{}\">◀ {}</text>",
                     num(mid - 4), kTop - 4, kOrange, escape(negative_name));
  out += fmt::format("<text class=\"legend\" x=\"{}\" y=\"{}\" fill=\"{}\">{} ▶</text>\n", num(mid + 4),
                     kTop - 4, kBlue, escape(positive_name));
  for (size_t i = 0; i < labels.size(); ++i) {
    double y = kTop + row * double(i) + 4;
    double p = i < positive.size() ? positive[i] : 0, n = i < negative.size() ? negative[i] : 0;
    double wp = half * p / top, wn = half * n / top;
    out += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                       num(label_w - 8), num(y + 13), escape(labels[i]));
    out += fmt::format(
        "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"16\" fill=\"{}\"><title>{} {}: "
        "{}</title></rect>",
        num(mid - wn), num(y), num(wn), kOrange, escape(labels[i]), escape(negative_name), format_number(n));
    out += fmt::format(
        "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"16\" fill=\"{}\"><title>{} {}: "
        "{}</title></rect>",
        num(mid), num(y), num(wp), kBlue, escape(labels[i]), escape(positive_name), format_number(p));
    out += fmt::format("<text class=\"value\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                       num(mid - wn - 4), num(y + 13), n != 0 ? format_number(n) : "");
    out += fmt::format("<text class=\"value\" x=\"{}\" y=\"{}\">{}</text>\n", num(mid + wp + 4), num(y + 13),
                       p != 0 ? format_number(p) : "");
  }
  out += fmt::format("<line class=\"axis\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>", num(mid), num(mid),
                     kTop, num(height - 20));
  return out + "</svg>\n";
}

std::string heatmap(std::string const& title, std::string const& row_axis, std::string const& column_axis,
                    std::vector<std::string> const& rows, std::vector<std::string> const& columns,
                    std::vector<std::vector<double>> const& counts) {
  double top = 0;
  for (auto const& r : counts)
    for (double v : r) top = std::max(top, v);
  double cell = std::min(40.0, 560.0 / double(std::max<size_t>(1, std::max(rows.size(), columns.size()))));
  double x0 = 90, y0 = 70, width = x0 + cell * double(columns.size()) + 20,
         height = y0 + cell * double(rows.size()) + 20;
  width = std::max(width, 360.0);
  std::string out =
      svg_start(title, width, height, 8,
                fmt::format("class=\"chart heatmap\" style=\"max-width:{}px\"", num(width * 1.2)));
  out += fmt::format("<text class=\"legend\" x=\"{}\" y=\"44\">{} →</text>", num(x0), escape(column_axis));
  out += fmt::format("<text class=\"legend\" x=\"8\" y=\"{}\">{} ↓</text>\n", num(y0 - 8), escape(row_axis));
  for (size_t c = 0; c < columns.size(); ++c)
    out += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                       num(x0 + cell * (double(c) + 0.5)), num(y0 - 6), escape(columns[c]));
  for (size_t r = 0; r < rows.size(); ++r) {
    double y = y0 + cell * double(r);
    out += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", num(x0 - 6),
                       num(y + cell / 2 + 4), escape(rows[r]));
    for (size_t c = 0; c < columns.size(); ++c) {
      double v = r < counts.size() && c < counts[r].size() ? counts[r][c] : 0;
      // Square-root shading: a few big cells do not wash out the small ones.
      double t = top > 0 && v > 0 ? 0.12 + 0.88 * std::sqrt(v / top) : 0;
      out += fmt::format(
          "<rect class=\"cell\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" "
          "fill-opacity=\"{:.2f}\" "
          "stroke=\"#ffffff\"><title>{} → {}: {}</title></rect>",
          num(x0 + cell * double(c)), num(y), num(cell), num(cell), v > 0 ? kBlue : "#f3f4f6",
          v > 0 ? t : 1.0, escape(rows[r]), escape(columns[c]), format_number(v));
      if (v > 0 && cell >= 24)
        out += fmt::format("<text class=\"cell-value\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                           num(x0 + cell * (double(c) + 0.5)), num(y + cell / 2 + 4), format_number(v));
    }
    out += "\n";
  }
  return out + "</svg>\n";
}

std::string line_chart(std::string const& title, std::string const& x_axis, std::string const& y_axis,
                       std::vector<Line> const& lines, bool diagonal, double x_max, double y_max) {
  std::vector<std::pair<std::string, std::string>> legend;
  for (auto const& l : lines) legend.emplace_back(l.name, l.colour);
  std::string out = open_svg(title, legend);
  bool percent = y_max == 1;
  out += y_grid(y_max, percent ? "percent" : "count");
  double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto px = [&](double x) { return kLeft + plot_w * std::clamp(x / x_max, 0.0, 1.0); };
  auto py = [&](double y) { return kTop + plot_h * (1 - std::clamp(y / y_max, 0.0, 1.0)); };
  for (int i = 0; i <= 4; ++i) {
    double v = x_max * i / 4;
    out += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", num(px(v)),
                       num(kHeight - kBottom + 16),
                       escape(x_max == 1 ? tick_text(v, "percent") : format_number(v)));
  }
  out += fmt::format("<text class=\"legend\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                     num(kLeft + plot_w / 2), num(kHeight - 18), escape(x_axis));
  out += fmt::format(
      "<text class=\"legend\" x=\"14\" y=\"{}\" transform=\"rotate(-90 14 {})\" "
      "text-anchor=\"middle\">{}</text>\n",
      num(kTop + plot_h / 2), num(kTop + plot_h / 2), escape(y_axis));
  if (diagonal)
    out += fmt::format("<line class=\"chance\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", num(px(0)),
                       num(py(0)), num(px(x_max)), num(py(y_max)));
  for (auto const& l : lines) {
    std::string points;
    for (auto const& [x, y] : l.points) points += fmt::format("{},{} ", num(px(x)), num(py(y)));
    out += fmt::format(
        "<polyline class=\"line\" fill=\"none\" stroke=\"{}\" points=\"{}\"><title>{}</title></polyline>\n",
        l.colour, points, escape(l.name));
  }
  return out + "</svg>\n";
}

Page::Page(std::string title, std::string subtitle)
    : title_(std::move(title)), subtitle_(std::move(subtitle)) {}

void Page::heading(std::string const& text) { body_ += "<h2>" + escape(text) + "</h2>\n"; }
void Page::paragraph(std::string const& text) { body_ += "<p>" + escape(text) + "</p>\n"; }
void Page::figure(std::string svg) { body_ += "<figure>" + svg + "</figure>\n"; }
void Page::preformatted(std::string const& text) { body_ += "<pre>" + escape(text) + "</pre>\n"; }

void Page::table(std::vector<std::string> const& header, std::vector<std::vector<std::string>> const& rows) {
  body_ += "<table><thead><tr>";
  for (auto const& h : header) body_ += "<th>" + escape(h) + "</th>";
  body_ += "</tr></thead><tbody>\n";
  for (auto const& r : rows) {
    body_ += "<tr>";
    for (size_t i = 0; i < r.size(); ++i) body_ += (i ? "<td class=\"n\">" : "<td>") + escape(r[i]) + "</td>";
    body_ += "</tr>\n";
  }
  body_ += "</tbody></table>\n";
}

std::string Page::str() const {
  return fmt::format(R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{0}</title>
<style>
body {{ font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2933; margin: 2em auto; max-width: 60em; padding: 0 1em; }}
h1 {{ font-size: 1.6em; margin-bottom: 0.1em; }} h2 {{ font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #e4e7eb; }}
.subtitle {{ color: #616e7c; margin-top: 0; }}
table {{ border-collapse: collapse; margin: 0.6em 0; }} th, td {{ padding: 0.25em 0.8em; border-bottom: 1px solid #e4e7eb; text-align: left; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }} th {{ background: #f5f7fa; }}
figure {{ margin: 1em 0; }} svg.chart {{ width: 100%; height: auto; background: #fff; }}
svg .chart-title {{ font-weight: 600; font-size: 15px; }} svg .tick, svg .value, svg .cell-value {{ font-size: 11px; fill: #52606d; }}
svg .legend {{ font-size: 12px; fill: #323f4b; }} svg .grid {{ stroke: #e4e7eb; }} svg .axis {{ stroke: #9aa5b1; }}
svg .chance {{ stroke: #9aa5b1; stroke-dasharray: 4 4; }} svg .line {{ stroke-width: 2.5; }} svg .cell-value {{ fill: #102a43; }}
pre {{ background: #f5f7fa; padding: 0.8em; overflow-x: auto; font-size: 12px; }}
</style></head>
<body>
<h1>{0}</h1>
<p class="subtitle">{1}</p>
{2}</body></html>
)",
                     escape(title_), escape(subtitle_), body_);
}

}  // namespace leadrules::cli::html
