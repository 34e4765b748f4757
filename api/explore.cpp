// Exploring one prospect (the REPL, editors, explain): an expression's value, why a segment, zone
// or rule does not hold (runtime/interp/why_not.hpp), and literals as test blocks write them.
// Everything runs on the interpreter.
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "api/internal.hpp"
#include "compiler/checker/checker.hpp"
#include "runtime/data/explain_text.hpp"
#include "runtime/interp/why_not.hpp"
#include "stdlib/builtins.hpp"
#include "stdlib/format.hpp"
#include "stdlib/time.hpp"

namespace leadrules {

std::string const& Policy::source_text() const { return impl_->plan->source_text; }

ExpressionValue Policy::evaluate_expression(std::string_view expression, ProspectBuilder const& prospect,
                                            int64_t now) const {
  ExpressionValue out;
  Diagnostics policy_diags;
  auto const& p = *impl_->plan;
  auto checked = check_expression(p.source_path, p.source_text, std::string(expression), policy_diags,
                                  out.diagnostics, impl_->options.allowed_paths);
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
  runtime::WhyNot why(*impl_->interp, batch, 0, now, /*open_segments=*/true);
  if (s >= 0) {
    auto lines = why.segment(s);
    if (lines.empty()) return std::string();
    auto const& seg = p.segments[size_t(s)];
    return fmt::format("{} `{}` does not hold:\n", seg.zone ? "zone" : "segment", seg.name) +
           runtime::render_why(lines, 2, 2);
  }
  auto lines = why.rule(r);
  if (lines.empty()) return std::string();
  return fmt::format("rule \"{}\" does not fire:\n", p.rules[size_t(r)].name) +
         runtime::render_why(lines, 2, 2);
}

std::string explain_prospect(Policy::Impl const& policy, runtime::Batch const& batch, size_t row,
                             runtime::ProspectResult const& r, int64_t now, bool colour) {
  runtime::WhyNot why(*policy.interp, batch, row, now, /*open_segments=*/false);
  auto e = why.explanation(r);
  return runtime::explain_text(*policy.plan, batch, row, r, now, colour, &e);
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
