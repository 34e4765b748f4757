// Exploring one prospect (the REPL, editors): an expression's value, why a segment, zone or rule
// does not hold, and literals as test blocks write them. Everything runs on the interpreter.
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "api/internal.hpp"
#include "compiler/checker/checker.hpp"
#include "stdlib/builtins.hpp"
#include "stdlib/format.hpp"
#include "stdlib/time.hpp"

namespace leadrules {

namespace {

using plan::Op;

// Why a condition is not true, as Soufflé explains a negation: the conjuncts that fail, the
// operands of a failing comparison with their values, a referenced segment opened up.
class WhyNot {
 public:
  // `grade`: the prospect's grade at `now` (zone rows compare with it).
  WhyNot(plan::Plan const& p, runtime::Interpreter const& interp, runtime::Batch const& batch, int64_t now,
         int grade)
      : p_(p), interp_(interp), batch_(batch), grade_(grade) {
    options_.now = now;
  }

  std::string text(int32_t node) const {
    auto const& n = p_.nodes[size_t(node)];
    if (n.end <= n.begin || n.end > p_.source_text.size()) return "?";
    return p_.source_text.substr(n.begin, n.end - n.begin);
  }
  plan::Constant value(int32_t node) const { return interp_.evaluate_node(batch_, 0, node, options_); }
  int truth(int32_t node) const {  // 1, 0, or -1 unknown
    auto c = value(node);
    return c.missing ? -1 : c.boolean ? 1 : 0;
  }
  static std::string shown(plan::Constant const& c) { return to_value(c).to_literal(); }

  void condition(int32_t node, int depth) {
    auto const& n = p_.nodes[size_t(node)];
    int t = truth(node);
    if (t == 1) return;
    std::string is = t < 0 ? "is unknown" : "is false";
    switch (n.op) {
      case Op::And:
        for (int32_t a : n.args) condition(a, depth);  // every conjunct that does not hold
        return;
      case Op::Or:
        line(depth, fmt::format("`{}` {}: no alternative holds", text(node), is));
        for (int32_t a : n.args) condition(a, depth + 1);
        return;
      case Op::Not:
        line(depth, fmt::format("`{}` {}: `{}` is {}", text(node), is, text(n.a), shown(value(n.a))));
        return;
      case Op::Compare:
        line(depth, fmt::format("`{}` {}: {}", text(node), is, operands({n.args[0], n.args[1]})));
        return;
      case Op::Within: line(depth, fmt::format("`{}` {}: {}", text(node), is, operands({n.a}))); return;
      case Op::Segment:
        if (depth < 4) {
          segment(n.index, depth, /*header=*/true);
          return;
        }
        break;
      default: break;
    }
    line(depth, fmt::format("`{}` {}", text(node), is));
  }

  void segment(int32_t s, int depth, bool header) {
    auto const& seg = p_.segments[size_t(s)];
    if (header)
      line(depth,
           fmt::format("{} `{}` does not hold (line {})", seg.zone ? "zone" : "segment", seg.name, seg.line));
    int d = depth + (header ? 1 : 0);
    if (!seg.zone) {
      condition(seg.condition, d);
      return;
    }
    int grade = grade_;
    for (auto const& row : seg.rows) {
      if (grade < row.grade) {
        line(d, fmt::format("row `{} …` (line {}): the grade is {}, below {}", plan::grade_name(row.grade),
                            row.line, plan::grade_name(grade), plan::grade_name(row.grade)));
        continue;
      }
      line(d, fmt::format("row `{} …` (line {}): the grade is {}, but", plan::grade_name(row.grade), row.line,
                          plan::grade_name(grade)));
      condition(row.condition, d + 1);
    }
  }

  void line(int depth, std::string s) { out_ += std::string(size_t(2 * depth + 2), ' ') + s + "\n"; }
  std::string const& out() const { return out_; }

 private:
  // "`left` is 12, `right` is 20" (a constant operand is its own text and is not repeated).
  std::string operands(std::initializer_list<int32_t> nodes) const {
    std::string s;
    for (int32_t x : nodes) {
      if (p_.nodes[size_t(x)].op == Op::Const) continue;
      s += fmt::format("{}`{}` is {}", s.empty() ? "" : ", ", text(x), shown(value(x)));
    }
    return s.empty() ? "the operands are constants" : s;
  }

  plan::Plan const& p_;
  runtime::Interpreter const& interp_;
  runtime::Batch const& batch_;
  runtime::EvalOptions options_;
  int grade_;
  std::string out_;
};

std::string ago(int64_t micros) { return stdlib::format_duration(micros); }

}  // namespace

std::string const& Policy::source_text() const { return impl_->plan->source_text; }

ExpressionValue Policy::evaluate_expression(std::string_view expression, ProspectBuilder const& prospect,
                                            int64_t now) const {
  ExpressionValue out;
  Diagnostics policy_diags;
  auto const& p = *impl_->plan;
  auto checked =
      check_expression(p.source_path, p.source_text, std::string(expression), policy_diags, out.diagnostics);
  if (!checked.plan) {  // the policy compiled once; only a set file that changed since can fail
    out.diagnostics = std::move(policy_diags);
    return out;
  }
  if (checked.node < 0) return out;
  runtime::Interpreter interp(checked.plan);
  runtime::Batch batch = runtime::Batch::for_schema(checked.plan->schema);
  fill_batch(*checked.plan, prospect, batch);
  runtime::EvalOptions eo;
  eo.now = now;
  out.value = to_value(interp.evaluate_node(batch, 0, checked.node, eo));
  return out;
}

std::optional<std::string> Policy::why_not(std::string_view name, ProspectBuilder const& prospect,
                                           int64_t now) const {
  auto const& p = *impl_->plan;
  int32_t s = p.segment_index(name);
  int32_t r = s < 0 ? p.rule_index(name) : -1;
  if (s < 0 && r < 0) return std::nullopt;
  runtime::Batch batch = runtime::Batch::for_schema(p.schema);
  fill_batch(p, prospect, batch);
  // The whole result once: whether it holds or fires, and the grade zone rows compare with.
  runtime::EvalOptions eo;
  eo.now = now;
  auto const result = impl_->interp->evaluate_row(batch, 0, eo);
  WhyNot why(p, *impl_->interp, batch, now, result.grade);
  if (s >= 0) {
    auto const& seg = p.segments[size_t(s)];
    if (result.segments[size_t(s)]) return std::string();
    std::string head = fmt::format("{} `{}` does not hold:\n", seg.zone ? "zone" : "segment", seg.name);
    why.segment(s, 0, /*header=*/false);
    return head + why.out();
  }
  auto const& rule = p.rules[size_t(r)];
  for (int32_t f : result.fired)
    if (f == r) return std::string();
  std::string head = fmt::format("rule \"{}\" does not fire:\n", rule.name);
  if (why.truth(rule.condition) != 1) {
    why.condition(rule.condition, 0);
    return head + why.out();
  }
  // The condition holds: the rule's qualification stops it (its firing history).
  runtime::FiringRecord h;
  for (uint32_t k = batch.history_offsets[0]; k < batch.history_offsets[1]; ++k)
    if (batch.history[k].rule == r) h = batch.history[k];
  std::string last =
      h.has_last ? fmt::format(", last {} ({} ago)", stdlib::format_time(h.last), ago(now - h.last)) : "";
  if (rule.max && h.count >= *rule.max)
    why.line(0, fmt::format("its condition holds, but it has fired {} times{}: `max {}`", h.count, last,
                            *rule.max));
  else if (rule.qualifier == plan::Rule::Qualifier::Once)
    why.line(0, fmt::format("its condition holds, but it fired before ({} times{}): a `once` rule fires once",
                            h.count, last));
  else if (rule.qualifier == plan::Rule::Qualifier::Every && h.has_last)
    why.line(0, fmt::format("its condition holds, but it fired {} ago: `every {}` fires again from {}",
                            ago(now - h.last), stdlib::format_duration(rule.every),
                            stdlib::format_time(h.last + rule.every)));
  else
    why.line(0, "its condition holds, but its qualification stops it");
  return head + why.out();
}

// ---- literals

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// A double-quoted string with JSON escapes, at the start of `s`; advances `s` past it.
std::optional<std::string> quoted(std::string_view& s, std::string* error) {
  if (s.empty() || s.front() != '"') {
    if (error) *error = "expected a string in double quotes";
    return std::nullopt;
  }
  std::string out;
  size_t i = 1;
  auto hex4 = [&](size_t at) -> std::optional<uint32_t> {
    if (at + 4 > s.size()) return std::nullopt;
    uint32_t v = 0;
    for (size_t k = at; k < at + 4; ++k) {
      char c = s[k];
      v = v * 16 + uint32_t(c >= '0' && c <= '9'   ? c - '0'
                            : c >= 'a' && c <= 'f' ? c - 'a' + 10
                            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                   : 99);
      if (v > 0xFFFF) return std::nullopt;
    }
    return v;
  };
  for (; i < s.size() && s[i] != '"'; ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (++i >= s.size()) break;
    switch (s[i]) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        auto cp = hex4(i + 1);
        if (!cp) {
          if (error) *error = "a \\u escape takes four hexadecimal digits";
          return std::nullopt;
        }
        i += 4;
        uint32_t c = *cp;
        if (c >= 0xD800 && c < 0xDC00 && i + 6 < s.size() && s[i + 1] == '\\' && s[i + 2] == 'u') {
          if (auto lo = hex4(i + 3); lo && *lo >= 0xDC00 && *lo < 0xE000) {
            c = 0x10000 + ((c - 0xD800) << 10) + (*lo - 0xDC00);
            i += 6;
          }
        }
        stdlib::append_utf8(out, c);
        break;
      }
      default:
        if (error) *error = fmt::format("unknown escape `\\{}` in a string", s[i]);
        return std::nullopt;
    }
  }
  if (i >= s.size()) {
    if (error) *error = "the string has no closing quote";
    return std::nullopt;
  }
  s.remove_prefix(i + 1);
  return out;
}

std::optional<Value> fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return std::nullopt;
}

}  // namespace

std::optional<Value> parse_literal(std::string_view text, ValueType type, int64_t now, std::string* error) {
  std::string_view s = trim(text);
  if (s == "missing") return Value::missing_of(type);
  switch (type) {
    case ValueType::string: {
      auto v = quoted(s, error);
      if (!v) return std::nullopt;
      if (!trim(s).empty()) return fail(error, "unexpected text after the string");
      return Value::of_string(std::move(*v));
    }
    case ValueType::number: {
      std::string t(s);
      char* end = nullptr;
      double d = t.empty() ? 0 : std::strtod(t.c_str(), &end);
      if (t.empty() || end != t.c_str() + t.size() || !std::isfinite(d) ||
          t.find_first_of("xXpPnN") != std::string::npos)
        return fail(error, fmt::format("`{}` is not a number", s));
      return Value::of_number(d);
    }
    case ValueType::boolean:
      if (s == "true" || s == "false") return Value::of_bool(s == "true");
      return fail(error, fmt::format("`{}` is not a bool: write true or false", s));
    case ValueType::time: {
      if (s == "now") return Value::of_time(now);
      if (!s.empty() && s.front() == '@') s.remove_prefix(1);
      if (auto t = parse_time(s)) return Value::of_time(*t);
      if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        bool plus = s.front() == '+';
        if (auto d = parse_duration(plus ? s.substr(1) : s)) {
          int64_t t = now + *d;
          if (t >= stdlib::kMinTime && t <= stdlib::kMaxTime) return Value::of_time(t);
        }
      }
      return fail(
          error,
          fmt::format("`{}` is not a time: write @2026-11-22T10:00:00Z, @2026-11-22, or -1h / +2d from now",
                      s));
    }
    case ValueType::duration:
      if (auto d = parse_duration(s)) return Value::of_duration(*d);
      return fail(error, fmt::format("`{}` is not a duration: write 30min, 48h, 90d or 2w", s));
    case ValueType::grade:
      if (auto g = Value::of_grade(s)) return g;
      return fail(error,
                  fmt::format("`{}` is not a grade: write one of F, D-, D, D+, … A+ (no space inside)", s));
    case ValueType::string_list: {
      if (s.empty() || s.front() != '[' || s.back() != ']')
        return fail(error, "expected a list: [\"a\", \"b\"]");
      s = trim(s.substr(1, s.size() - 2));
      std::vector<std::string> items;
      while (!s.empty()) {
        auto item = quoted(s, error);
        if (!item) return std::nullopt;
        items.push_back(std::move(*item));
        s = trim(s);
        if (s.empty()) break;
        if (s.front() != ',') return fail(error, "list items are separated by commas");
        s = trim(s.substr(1));
        if (s.empty()) return fail(error, "a list has no trailing comma");
      }
      return Value::of_list(std::move(items));
    }
  }
  return fail(error, "unknown type");
}

}  // namespace leadrules
