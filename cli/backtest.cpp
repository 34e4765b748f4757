// `leadrules backtest`: score the input and hold the results against a conversion label (a
// schema field of type bool, or a number 0/1): base rate; per segment and zone size, converted,
// precision, recall, lift; per grade; score deciles; the ROC AUC of the total score. Text for
// people, --format json for tools, --html for a report with charts (backtest_html.cpp).
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <iostream>
#include <limits>

#include <fmt/format.h>

#include "backtest_figures.hpp"
#include "commands.hpp"
#include "leadrules/leadrules.hpp"

namespace leadrules::cli {

namespace backtest_figures {

std::string plural(size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", count_text(n), n == 1 ? one : many);
}

namespace {

std::optional<double> ratio(double a, double b) {
  if (b == 0) return std::nullopt;
  return a / b;
}

std::string percent(std::optional<double> v) { return v ? fmt::format("{:.1f}%", *v * 100) : "-"; }
std::string fixed(std::optional<double> v, int decimals) {
  return v ? fmt::format("{:.{}f}", *v, decimals) : "-";
}
std::string number(std::optional<double> v) { return v ? format_number(*v) : "null"; }

// A bar of `rate` (0..1) in `width` characters, as explain's histogram draws them.
std::string bar(std::optional<double> rate, size_t width = 40) {
  if (!rate) return "";
  size_t n = static_cast<size_t>(std::lround(std::clamp(*rate, 0.0, 1.0) * double(width)));
  return "|" + std::string(n, '#');
}

}  // namespace

std::optional<double> Figures::base_rate() const { return ratio(double(converted), double(labelled)); }
std::optional<double> Figures::precision(Cell const& c) const {
  return ratio(double(c.converted), double(c.size));
}
std::optional<double> Figures::recall(Cell const& c) const {
  return ratio(double(c.converted), double(converted));
}
std::optional<double> Figures::lift(Cell const& c) const {
  auto p = precision(c), b = base_rate();
  if (!p || !b || *b == 0) return std::nullopt;
  return *p / *b;
}

void rank(std::vector<Outcome>& outcomes, Figures& f) {
  for (auto& o : outcomes)
    if (std::isnan(o.score)) o.score = -std::numeric_limits<double>::infinity();
  std::sort(outcomes.begin(), outcomes.end(),
            [](Outcome const& a, Outcome const& b) { return a.score > b.score; });
  size_t const n = outcomes.size();
  size_t positives = 0;
  for (auto const& o : outcomes) positives += o.converted;
  size_t const negatives = n - positives;
  std::array<std::optional<Decile>, 10> deciles;
  // AUC = P(score+ > score-) + P(score+ == score-) / 2, counted twice to stay in integers: each
  // converted prospect of a tie group wins over the negatives below the group and ties with the
  // group's own negatives.
  uint64_t twice = 0;
  size_t tp = 0, fp = 0;
  f.roc = {{0.0, 0.0}};
  f.gains = {{0.0, 0.0}};
  for (size_t i = 0; i < n;) {
    size_t j = i, p = 0;
    while (j < n && outcomes[j].score == outcomes[i].score) p += outcomes[j++].converted;
    size_t const q = (j - i) - p;
    twice += 2 * uint64_t(p) * uint64_t(negatives - fp - q) + uint64_t(p) * uint64_t(q);
    tp += p;
    fp += q;
    // The group goes whole into the decile of its first (highest-ranked) prospect.
    size_t const k = 10 * i / n;
    auto& d = deciles[k];
    if (!d) d = Decile{.number = int(k + 1), .from = outcomes[i].score, .to = outcomes[i].score};
    d->from = outcomes[j - 1].score;
    d->cell.size += j - i;
    d->cell.converted += p;
    f.roc.emplace_back(negatives ? double(fp) / double(negatives) : 0.0,
                       positives ? double(tp) / double(positives) : 0.0);
    f.gains.emplace_back(double(j) / double(n), positives ? double(tp) / double(positives) : 0.0);
    i = j;
  }
  f.deciles.clear();
  for (auto const& d : deciles)
    if (d) f.deciles.push_back(*d);
  f.auc.reset();
  if (positives && negatives) f.auc = double(twice) / (2.0 * double(positives) * double(negatives));
}

std::string text(Figures const& f) {
  std::string out = fmt::format("backtest of \"{}\" ({}) on {}\n", f.policy_name, f.policy_path,
                                f.input == "-" ? "standard input" : f.input);
  out += fmt::format("label `{}`{}: {} labelled, {} converted, base rate {}\n", f.label,
                     f.column == f.label ? "" : fmt::format(" (column \"{}\")", f.column),
                     plural(f.labelled, "prospect", "prospects"), count_text(f.converted),
                     percent(f.base_rate()));
  if (f.prospects > f.labelled) {
    size_t const left = f.prospects - f.labelled;
    out += fmt::format("{} without a label {} left out\n", plural(left, "prospect", "prospects"),
                       left == 1 ? "was" : "were");
  }
  if (f.auc)
    out += fmt::format(
        "AUC {:.3f}: a converted prospect outscores one that did not {:.1f}% of the time (ties count half)\n",
        *f.auc, *f.auc * 100);
  else
    out += "AUC -: it needs prospects that converted and prospects that did not\n";

  size_t w = 7;
  for (auto const& s : f.segments) w = std::max(w, s.name.size() + (s.zone ? 7 : 0));
  out += fmt::format("\n{:<{}}  {:>9}  {:>9}  {:>9}  {:>7}  {:>5}\n", "segment", w, "size", "converted",
                     "precision", "recall", "lift");
  for (auto const& s : f.segments)
    out += fmt::format("{:<{}}  {:>9}  {:>9}  {:>9}  {:>7}  {:>5}\n", s.name + (s.zone ? " (zone)" : ""), w,
                       count_text(s.cell.size), count_text(s.cell.converted), percent(f.precision(s.cell)),
                       percent(f.recall(s.cell)), fixed(f.lift(s.cell), 2));
  if (f.segments.empty()) out += "(the policy has no segments or zones)\n";

  out += fmt::format("\n{:<7}  {:>9}  {:>9}  {:>7}\n", "grade", "size", "converted", "rate");
  for (auto const& [g, c] : f.grades)
    out += fmt::format("{:<7}  {:>9}  {:>9}  {:>7}  {}\n", g, count_text(c.size), count_text(c.converted),
                       percent(f.precision(c)), bar(f.precision(c)));

  std::vector<std::string> ranges;
  size_t rw = 6;
  for (auto const& d : f.deciles) {
    ranges.push_back(d.from == d.to ? format_number(d.from)
                                    : fmt::format("{} .. {}", format_number(d.from), format_number(d.to)));
    rw = std::max(rw, ranges.back().size());
  }
  out += "\nscore deciles (1 = the highest scores; equal scores stay in one decile)\n";
  out += fmt::format("{:>6}  {:>{}}  {:>9}  {:>9}  {:>7}\n", "decile", "scores", rw, "count", "converted",
                     "rate");
  for (size_t i = 0; i < f.deciles.size(); ++i) {
    auto const& d = f.deciles[i];
    out += fmt::format("{:>6}  {:>{}}  {:>9}  {:>9}  {:>7}  {}\n", d.number, ranges[i], rw,
                       count_text(d.cell.size), count_text(d.cell.converted), percent(f.precision(d.cell)),
                       bar(f.precision(d.cell)));
  }
  return out;
}

std::string json(Figures const& f) {
  std::string out = "{";
  out += fmt::format("\"policy\":{},\"input\":{},\"label\":{},\"column\":{},", json_quote(f.policy_path),
                     json_quote(f.input), json_quote(f.label), json_quote(f.column));
  out += fmt::format("\"prospects\":{},\"labelled\":{},\"unlabelled\":{},\"converted\":{},", f.prospects,
                     f.labelled, f.prospects - f.labelled, f.converted);
  out += fmt::format("\"base_rate\":{},\"auc\":{},", number(f.base_rate()), number(f.auc));
  out += "\"segments\":{";
  for (size_t i = 0; i < f.segments.size(); ++i) {
    auto const& c = f.segments[i].cell;
    out += fmt::format("{}{}:{{\"size\":{},\"converted\":{},\"precision\":{},\"recall\":{},\"lift\":{}}}",
                       i ? "," : "", json_quote(f.segments[i].name), c.size, c.converted,
                       number(f.precision(c)), number(f.recall(c)), number(f.lift(c)));
  }
  out += "},\"zones\":[";
  bool first = true;
  for (auto const& s : f.segments)
    if (s.zone) {
      out += (first ? "" : ",") + json_quote(s.name);
      first = false;
    }
  out += "],\"grades\":{";
  for (size_t i = 0; i < f.grades.size(); ++i) {
    auto const& [g, c] = f.grades[i];
    out += fmt::format("{}{}:{{\"size\":{},\"converted\":{},\"rate\":{}}}", i ? "," : "", json_quote(g),
                       c.size, c.converted, number(f.precision(c)));
  }
  out += "},\"deciles\":[";
  for (size_t i = 0; i < f.deciles.size(); ++i) {
    auto const& d = f.deciles[i];
    out += fmt::format("{}{{\"decile\":{},\"from\":{},\"to\":{},\"count\":{},\"converted\":{},\"rate\":{}}}",
                       i ? "," : "", d.number, number(d.from), number(d.to), d.cell.size, d.cell.converted,
                       number(f.precision(d.cell)));
  }
  return out + "]}\n";
}

}  // namespace backtest_figures

namespace {

using backtest_figures::Figures;

// The label's field: by name, else by the input column it is read from (`from "Converted"`).
// The library reads only the schema's fields, so a column the schema does not declare cannot
// be the label: the error says how to declare it.
std::optional<size_t> label_field(Policy const& policy, std::string const& label) {
  if (auto i = policy.field_index(label)) return i;
  auto const& fields = policy.fields();
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].column == label) return i;
  std::vector<std::string> names;
  for (auto const& f : fields) {
    names.push_back(f.name);
    if (f.column != f.name) names.push_back(f.column);
  }
  std::string near = suggest_spelling(label, names), hint;
  if (!near.empty()) {
    hint = fmt::format("; did you mean `{}`", near);
    for (auto const& f : fields)
      if (f.column == near && f.column != f.name) hint += fmt::format(" (the column of `{}`)", f.name);
    hint += "?";
  }
  std::string field_name;
  for (char c : label)
    field_name += std::isalnum(static_cast<unsigned char>(c)) ? char(std::tolower(c)) : '_';
  if (hint.empty())
    hint = fmt::format(
        "; the label must be a field of the schema, of type bool or number 0/1: declare it, e.g. `{}: bool? "
        "from \"{}\"`",
        field_name, label);
  std::cerr << fmt::format(
      "leadrules backtest: --label {}: {} has no field of that name and reads no column of that name{}\n",
      label, policy.path(), hint);
  return std::nullopt;
}

}  // namespace

int backtest(Options const& o) {
  Loaded in;
  if (int rc = load(o, in)) return rc;
  auto const& policy = *in.policy;
  auto const& batch = *in.batch;
  auto field = label_field(policy, o.label);
  if (!field) return 2;
  FieldInfo const& info = policy.fields()[*field];
  if (info.type != ValueType::boolean && info.type != ValueType::number) {
    std::cerr << fmt::format(
        "leadrules backtest: --label {}: `{}` is a {} field; a label is a bool or a number 0/1 (declare it "
        "`{}: bool?`)\n",
        o.label, info.name, type_name(info.type), info.name);
    return 2;
  }

  // The label of each prospect: 1, 0, or -1 when missing (left out of every figure).
  auto column = batch.field(*field);
  std::vector<int8_t> label(batch.size(), -1);
  size_t bad = 0;
  constexpr size_t kErrorsShown = 20;
  for (size_t r = 0; r < batch.size(); ++r) {
    if (!column.present[r]) continue;
    if (info.type == ValueType::boolean) {
      label[r] = column.bools[r] ? 1 : 0;
    } else if (double v = column.numbers[r]; v == 0 || v == 1) {
      label[r] = v == 1 ? 1 : 0;
    } else if (++bad <= kErrorsShown) {
      DataError e{.file = o.input,
                  .line = batch.line(r),
                  .field = info.column,
                  .reason = fmt::format("the label must be 0 or 1 (or missing), found {}", format_number(v))};
      print_data_error(e);
    }
  }
  if (bad) {
    if (bad > kErrorsShown) std::cerr << fmt::format("leadrules: {} more\n", bad - kErrorsShown);
    std::cerr << fmt::format("leadrules backtest: {} label{} neither 0 nor 1 in `{}`; nothing was written\n",
                             bad, bad == 1 ? " is" : "s are", info.column);
    return 2;
  }

  auto t0 = Clock::now();
  auto results = policy.evaluate(batch, {.now = in.now, .threads = thread_count(o)});
  double const eval_seconds = seconds_since(t0);

  Figures f;
  f.policy_name = policy.name();
  f.policy_path = o.policy;
  f.input = o.input;
  f.label = info.name;
  f.column = info.column;
  f.now = format_time(in.now);
  f.prospects = batch.size();
  auto const& segments = policy.segments();
  for (auto const& s : segments) f.segments.push_back({.name = s.name, .zone = s.zone});
  std::array<backtest_figures::Cell, 13> grades{};
  std::vector<backtest_figures::Outcome> outcomes;
  for (size_t r = 0; r < batch.size(); ++r) {
    if (label[r] < 0) continue;
    bool const yes = label[r] == 1;
    ++f.labelled;
    f.converted += yes;
    for (size_t s = 0; s < segments.size(); ++s)
      if (results.in_segment(r, s)) {
        ++f.segments[s].cell.size;
        f.segments[s].cell.converted += yes;
      }
    if (auto g = Value::of_grade(results.grade(r))) {
      ++grades[size_t(g->grade)].size;
      grades[size_t(g->grade)].converted += yes;
    }
    outcomes.push_back({.score = results.score(r), .converted = yes});
  }
  if (f.labelled == 0) {
    std::cerr << fmt::format(
        "leadrules backtest: no prospect has a label (`{}` is missing for all {}); there is nothing to hold "
        "the results against\n",
        info.column, batch.size());
    return 2;
  }
  for (int g = 12; g >= 0; --g)
    if (grades[size_t(g)].size)
      f.grades.emplace_back(Value{.type = ValueType::grade, .grade = g}.to_string(), grades[size_t(g)]);
  backtest_figures::rank(outcomes, f);

  if (!o.rejects.empty()) write_rejects(o.rejects, batch);
  if (!o.html.empty()) write_or_throw(o.html, backtest_figures::html(f));
  std::string out = o.format == "json" ? backtest_figures::json(f) : backtest_figures::text(f);
  std::cout.write(out.data(), std::streamsize(out.size()));
  std::cout.flush();

  size_t const read = batch.prospects_read();
  std::cerr << fmt::format("leadrules: read {} in {:.2f} s; scored {}, rejected {} in {:.3f} s\n",
                           backtest_figures::plural(read, "prospect", "prospects"), in.load_seconds,
                           count_text(batch.size()), count_text(read - batch.size()), eval_seconds);
  if (!o.html.empty()) std::cerr << "leadrules: wrote the report to " << o.html << "\n";
  print_data_summary(batch, o.rejects);
  return 0;
}

}  // namespace leadrules::cli
