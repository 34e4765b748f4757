// Why not, for one prospect (why_not.hpp): the failing conditions with their values, the firing
// history that holds a rule back, what an unknown condition lacks, decay by factor.
#include "runtime/interp/why_not.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "runtime/data/explain_text.hpp"
#include "stdlib/format.hpp"
#include "stdlib/time.hpp"

namespace leadrules::runtime {

using plan::Op;

std::string literal(plan::Constant const& c) {
  if (c.type == plan::Type::StringList) {
    std::string out = "[";
    for (size_t k = 0; k < c.list.size(); ++k) out += (k ? ", " : "") + stdlib::json_escape(c.list[k]);
    return out + "]";
  }
  if (c.missing) return c.type == plan::Type::Bool ? "unknown" : "missing";
  if (c.type == plan::Type::String) return stdlib::json_escape(c.text);
  if (c.type == plan::Type::Duration) return stdlib::format_duration(c.micros);
  return plan::print_constant(c);
}

WhyNot::WhyNot(Interpreter const& interp, Batch const& batch, size_t row, int64_t now, bool open_segments)
    : p_(interp.plan()), probe_(interp, batch, row, now), open_segments_(open_segments) {}

// The node as written, on one line: comments dropped, each run of space (line breaks included)
// outside string literals one space.
std::string WhyNot::text(int32_t node) const {
  auto const& n = p_.nodes[size_t(node)];
  if (n.end <= n.begin || n.end > p_.source_text.size()) return "?";
  std::string_view src(p_.source_text.data() + n.begin, n.end - n.begin);
  std::string out;
  bool quoted = false, space = false;
  for (size_t i = 0; i < src.size(); ++i) {
    char c = src[i];
    if (!quoted && c == '#') {
      while (i + 1 < src.size() && src[i + 1] != '\n') ++i;
      continue;
    }
    if (!quoted && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
    if (c == '"') quoted = !quoted;
    if (quoted && c == '\\' && i + 1 < src.size()) out += src[++i];
  }
  return out;
}

int WhyNot::truth(int32_t node) {
  auto c = probe_.value(node);
  return c.missing ? -1 : c.boolean ? 1 : 0;
}

// The value of a node as the language prints it; a time also as how long ago it is.
std::string WhyNot::shown(int32_t node) {
  auto c = probe_.value(node);
  std::string s = literal(c);
  if (c.type == plan::Type::Time && !c.missing) {
    int64_t ago = probe_.now() - c.micros;
    s += ago >= 0 ? fmt::format(" ({} ago)", age_text(ago)) : fmt::format(" (in {})", age_text(-ago));
  }
  return s;
}

// "score is 40, employees is missing" (a constant operand is its own text and is not repeated).
std::string WhyNot::operands(std::initializer_list<int32_t> nodes) {
  std::string s;
  for (int32_t x : nodes) {
    if (x < 0 || p_.nodes[size_t(x)].op == Op::Const) continue;
    s += fmt::format("{}{} is {}", s.empty() ? "" : ", ", text(x), shown(x));
  }
  return s;
}

void WhyNot::condition(int32_t node, int depth, std::vector<WhyLine>& out) {
  int t = truth(node);
  if (t == 1) return;
  auto const& n = p_.nodes[size_t(node)];
  std::string is = t < 0 ? "unknown" : "false";
  auto needs = [&](std::string const& why) {
    out.push_back({depth, fmt::format("needs {}, {}", text(node), why)});
  };
  switch (n.op) {
    case Op::And:
      for (int32_t a : n.args) condition(a, depth, out);  // every conjunct that does not hold
      return;
    case Op::Or:
      // Each alternative's failing conditions; one that fails in several places under its text.
      out.push_back({depth, t < 0 ? "needs one of, which is unknown:" : "needs one of:"});
      for (int32_t a : n.args) {
        std::vector<WhyLine> sub;
        condition(a, depth + 2, sub);
        bool one =
            std::count_if(sub.begin(), sub.end(), [&](auto const& l) { return l.depth == depth + 2; }) == 1;
        if (!one) out.push_back({depth + 1, text(a) + ":"});
        for (auto& l : sub) out.push_back({l.depth - (one ? 1 : 0), std::move(l.text)});
      }
      return;
    case Op::Not:
    case Op::Compare:
    case Op::Within:
    case Op::InList:
    case Op::Match:
    case Op::InSet: {  // the operands' values (a set, a regex: their text says it)
      std::string ops = n.op == Op::Compare ? operands({n.args[0], n.args[1]})
                        : n.op == Op::Not || n.op == Op::Match || n.op == Op::InSet ? operands({n.a})
                                                                                    : operands({n.a, n.b});
      needs(ops.empty() ? "which is " + is : ops);
      return;
    }
    case Op::Segment: {
      auto const& seg = p_.segments[size_t(n.index)];
      if (!open_segments_ || open_depth_ >= 4) {
        needs("which does not hold");
        return;
      }
      needs(fmt::format("which does not hold (line {}):", seg.line));
      ++open_depth_;
      segment(n.index, depth + 1, out);
      --open_depth_;
      return;
    }
    case Op::Let: {
      auto const& let = p_.lets[size_t(n.index)];
      needs("which is " + is);
      if (open_depth_ < 4) {
        ++open_depth_;
        condition(let.expr, depth + 1, out);
        --open_depth_;
      }
      return;
    }
    case Op::ActAgg:
      if (t == 0 && (n.sub == uint8_t(plan::Agg::Any) || n.sub == uint8_t(plan::Agg::No))) {
        auto [count, last] = probe_.activities(node);
        if (count == 0) {
          needs("there is none");
        } else {
          int64_t ago = probe_.now() - last.value_or(probe_.now());
          needs(fmt::format("there {} {}, the last {} ago", count == 1 ? "is" : "are", count, age_text(ago)));
        }
        return;
      }
      needs("which is " + is);
      return;
    default: needs("which is " + is); return;
  }
}

void WhyNot::segment(int32_t s, int depth, std::vector<WhyLine>& out) {
  auto const& seg = p_.segments[size_t(s)];
  if (!seg.zone) {
    condition(seg.condition, depth, out);
    return;
  }
  // The rows the grade allows first (their condition is what is missing), then the others.
  int grade = probe_.result().grade;
  for (auto const& row : seg.rows) {
    if (grade < row.grade) continue;
    std::vector<WhyLine> sub;
    condition(row.condition, depth + 1, sub);
    attach_why(fmt::format("{} (line {}):", plan::grade_name(row.grade), row.line), depth, std::move(sub),
               out);
  }
  for (auto const& row : seg.rows)
    if (grade < row.grade)
      out.push_back(
          {depth, fmt::format("{} (line {}): needs grade >= {}, grade is {}", plan::grade_name(row.grade),
                              row.line, plan::grade_name(row.grade), plan::grade_name(grade))});
}

std::vector<WhyLine> WhyNot::segment(int32_t s) {
  std::vector<WhyLine> out;
  if (probe_.result().segments[size_t(s)]) return out;
  segment(s, 0, out);
  return out;
}

std::vector<WhyLine> WhyNot::rule(int32_t r) {
  std::vector<WhyLine> out;
  auto const& res = probe_.result();
  if (std::find(res.fired.begin(), res.fired.end(), r) != res.fired.end()) return out;
  auto const& rule = p_.rules[size_t(r)];
  if (truth(rule.condition) != 1) {
    condition(rule.condition, 0, out);
    return out;
  }
  // The condition holds: the rule's qualification stops it (its firing history).
  auto const& batch = probe_.batch();
  FiringRecord h;
  for (uint32_t k = batch.history_offsets[probe_.row()]; k < batch.history_offsets[probe_.row() + 1]; ++k)
    if (batch.history[k].rule == r) h = batch.history[k];
  int64_t now = probe_.now();
  std::string ago = h.has_last ? age_text(now - h.last) + " ago" : "";
  std::string text;
  if (rule.max && h.count >= *rule.max)
    text = fmt::format("holds, but fired {} time{}{} (max {})", h.count, h.count == 1 ? "" : "s",
                       h.has_last ? ", last " + ago : "", *rule.max);
  else if (rule.qualifier == plan::Rule::Qualifier::Once)
    text = fmt::format("holds, but fired {} (once)", h.has_last ? ago : "before");
  else if (rule.qualifier == plan::Rule::Qualifier::Every && h.has_last)
    text = fmt::format("holds, but fired {} (every {}: again from {})", ago,
                       stdlib::format_duration(rule.every), stdlib::format_time(h.last + rule.every));
  else
    text = "holds, but its qualification stops it";
  out.push_back({0, std::move(text)});
  return out;
}

void WhyNot::sources(int32_t node, std::vector<std::string>& out) {
  if (node < 0 || !probe_.value(node).missing) return;
  auto const& n = p_.nodes[size_t(node)];
  size_t before = out.size();
  switch (n.op) {
    case Op::Field: out.push_back(p_.schema.prospect[size_t(n.index)].name); return;
    case Op::Let:
      sources(p_.lets[size_t(n.index)].expr, out);
      if (out.size() == before) out.push_back(p_.lets[size_t(n.index)].name);
      return;
    case Op::Neg:
    case Op::Not:
    case Op::And:
    case Op::Or:
    case Op::Arith:
    case Op::Coalesce:
    case Op::Compare:
    case Op::Match:
    case Op::InSet:
    case Op::InList:
    case Op::Within:
    case Op::Call:
      sources(n.a, out);
      sources(n.b, out);
      for (int32_t x : n.args) sources(x, out);
      break;
    default: break;
  }
  if (out.size() == before) out.push_back(text(node));
}

std::string WhyNot::missing(int32_t node) {
  std::vector<std::string> names;
  sources(node, names);
  std::string out;
  for (size_t i = 0; i < names.size(); ++i)
    if (std::find(names.begin(), names.begin() + long(i), names[i]) == names.begin() + long(i))
      out += (out.empty() ? "" : ", ") + names[i];
  return out;
}

PointsDetail WhyNot::points(int32_t p) {
  auto const& rule = p_.points[size_t(p)];
  PointsDetail d;
  if (!rule.per) {
    d.outcome = int8_t(truth(rule.condition));
    if (d.outcome < 0) d.missing = missing(rule.condition);
    return d;
  }
  auto matches = probe_.matches(p);
  d.matches = uint32_t(matches.size());
  if (p_.decay.kind == plan::Decay::Kind::None) return d;
  auto const& batch = probe_.batch();
  for (uint32_t a : matches) {
    int64_t age = probe_.now() - batch.act_at[a];
    double factor = probe_.decay_factor(age);
    auto g = std::find_if(d.decay.begin(), d.decay.end(), [&](auto const& x) { return x.factor == factor; });
    if (g == d.decay.end()) {
      d.decay.push_back({1, factor, age, age});
    } else {
      g->count++;
      g->min_age = std::min(g->min_age, age);
      g->max_age = std::max(g->max_age, age);
    }
  }
  std::sort(d.decay.begin(), d.decay.end(),
            [](auto const& x, auto const& y) { return x.min_age < y.min_age; });
  if (std::all_of(d.decay.begin(), d.decay.end(), [](auto const& x) { return x.factor == 1.0; }))
    d.decay.clear();
  return d;
}

Explanation WhyNot::explanation(ProspectResult const& r) {
  Explanation e;
  e.segments.resize(p_.segments.size());
  for (size_t s = 0; s < p_.segments.size(); ++s)
    if (!r.segments[s]) segment(int32_t(s), 0, e.segments[s]);
  e.rules.resize(p_.rules.size());
  std::vector<uint8_t> fired(p_.rules.size(), 0);
  for (int32_t f : r.fired) fired[size_t(f)] = 1;
  for (size_t i = 0; i < p_.rules.size(); ++i)
    if (!fired[i]) e.rules[i] = rule(int32_t(i));
  for (size_t i = 0; i < p_.points.size(); ++i) e.points.push_back(points(int32_t(i)));
  e.grade_missing.resize(p_.grade_moves.size());
  for (size_t m = 0; m < p_.grade_moves.size(); ++m)
    if (truth(p_.grade_moves[m].condition) < 0) e.grade_missing[m] = missing(p_.grade_moves[m].condition);
  return e;
}

}  // namespace leadrules::runtime
