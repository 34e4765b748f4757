// Helpers of the parser's actions: string unescaping, tree nodes, literal values (numbers,
// durations, times, grades) with the syntax errors they raise.

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "grammar/parser_internal.hpp"
#include "stdlib/builtins.hpp"

namespace leadrules::parser_detail {

// Unescapes the raw text of a string (or a template's literal run) that the grammar has
// already validated, at byte offset `at`. In templates `{{`/`}}` are literal braces.
std::string unescape(State const& st, std::string_view raw, uint32_t at, bool braces) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (braces && (c == '{' || c == '}') && i + 1 < raw.size() && raw[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c != '\\' || i + 1 >= raw.size()) {
      out += c;
      continue;
    }
    char e = raw[++i];
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case 'u': {
        size_t close = raw.find('}', i);
        std::string_view hex = raw.substr(i + 2, close - (i + 2));
        uint32_t cp = 0;
        std::from_chars(hex.data(), hex.data() + hex.size(), cp, 16);
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0)
          fail({uint32_t(at + i - 1), uint32_t(at + close + 1)},
               fmt::format("`\\u{{{}}}` is not a Unicode character", hex),
               "use a code point from 1 to 10FFFF, outside D800-DFFF");
        stdlib::append_utf8(out, cp);
        i = close;
        break;
      }
      default: out += e; break;
    }
  }
  (void)st;
  return out;
}

ExprItem node(ExprKind k, Span s) {
  ExprItem it;
  it.e = std::make_unique<Expr>();
  it.e->kind = k;
  it.e->span = s;
  it.outer = s;
  return it;
}

void check_height(ExprItem const& it) {
  if (it.height > kMaxHeight)
    fail(it.outer, "expression nested too deeply",
         fmt::format("an expression may nest at most {} levels; split it with `let`", kMaxHeight));
}

// Makes `child` an argument of `parent`.
void adopt(ExprItem& parent, ExprItem child) {
  parent.height = std::max(parent.height, child.height + 1);
  parent.e->args.push_back(std::move(child.e));
  check_height(parent);
}
void adopt_into(ExprItem& parent, ExprPtr& slot, ExprItem child) {
  parent.height = std::max(parent.height, child.height + 1);
  slot = std::move(child.e);
  check_height(parent);
}

ExprItem binary(BinOp op, ExprItem lhs, ExprItem rhs) {
  ExprItem it = node(ExprKind::Binary, {lhs.outer.begin, rhs.outer.end});
  it.e->bin = op;
  adopt(it, std::move(lhs));
  adopt(it, std::move(rhs));
  return it;
}

ExprItem unary(UnOp op, Span op_span, ExprItem operand) {
  ExprItem it = node(ExprKind::Unary, {op_span.begin, operand.outer.end});
  it.e->un = op;
  adopt(it, std::move(operand));
  return it;
}

int grade_index(std::string_view g) {
  int base = 0;
  switch (g[0]) {
    case 'F': return 0;
    case 'D': base = 2; break;
    case 'C': base = 5; break;
    case 'B': base = 8; break;
    case 'A': base = 11; break;
    default: return 0;
  }
  if (g.size() > 1) base += g[1] == '+' ? 1 : -1;
  return base;
}

// Numbers: at most 400 digits, finite as a double.
double number_value(std::string_view text, Span span) {
  size_t digits = 0;
  for (char c : text) digits += c >= '0' && c <= '9';
  double v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  std::string_view whole = text.substr(0, text.find('.'));
  bool big = whole.find_first_not_of('0') != std::string_view::npos;
  if (digits > 400 || (r.ec == std::errc::result_out_of_range && big) ||
      (r.ec == std::errc() && !std::isfinite(v)))
    fail(span, "number is too large", "numbers are IEEE doubles: at most about 1.8e308");
  if (r.ec == std::errc::result_out_of_range)
    fail(span, "number is too small to be represented", "numbers are IEEE doubles");
  return v;
}

int64_t duration_micros(std::string_view text, Span span) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  std::string_view num = text.substr(0, i), unit = text.substr(i);
  int64_t per = unit == "min" ? 60'000'000LL
                : unit == "h" ? 3'600'000'000LL
                : unit == "d" ? 86'400'000'000LL
                              : 604'800'000'000LL;
  int64_t n = 0, out = 0;
  auto r = std::from_chars(num.data(), num.data() + num.size(), n);
  if (r.ec != std::errc() || __builtin_mul_overflow(n, per, &out))
    fail(span, fmt::format("duration `{}` is too large", text),
         "durations are kept in microseconds (at most about 292,000 years)");
  return out;
}

ExprItem duration_node(std::string_view text, Span span) {
  ExprItem it = node(ExprKind::Duration, span);
  it.e->text = std::string(text);
  it.e->micros = duration_micros(text, span);
  return it;
}

ExprItem number_node(std::string_view text, Span span) {
  ExprItem it = node(ExprKind::Number, span);
  it.e->text = std::string(text);
  it.e->number = number_value(text, span);
  return it;
}

Number number_struct(std::string_view text, Span span) {
  Number n;
  n.text = std::string(text);
  n.span = span;
  std::string_view digits = text;
  bool neg = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    neg = digits[0] == '-';
    digits.remove_prefix(1);
  }
  n.value = number_value(digits, span);
  if (neg) n.value = -n.value;
  return n;
}

// Days since 1970-01-01 of a proleptic Gregorian date (checked to exist by the caller). The
// grammar layer does not see stdlib/time, so std::chrono does the calendar arithmetic here.
int64_t days_from_civil(int y, unsigned m, unsigned d) {
  using namespace std::chrono;
  return int64_t(sys_days{year_month_day{year{y}, month{m}, day{d}}}.time_since_epoch().count());
}

ExprItem time_node(std::string_view text, Span span) {
  // text without '@': YYYY-MM-DD[THH:MM:SS[.f…](Z|±HH:MM)]; the grammar checked the shape.
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = 0; i < len; ++i) v = v * 10 + (text[pos + i] - '0');
    return v;
  };
  std::string shown = "@" + std::string(text);
  int y = num(0, 4), mo = num(5, 2), d = num(8, 2);
  if (mo < 1 || mo > 12) fail(span, fmt::format("invalid time `{}`: month {} does not exist", shown, mo));
  static constexpr int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int dim = mdays[mo - 1] + (mo == 2 && leap);
  if (d < 1 || d > dim)
    fail(span, fmt::format("invalid time `{}`: {:04}-{:02} has no day {}", shown, y, mo, d));
  int64_t secs = days_from_civil(y, unsigned(mo), unsigned(d)) * 86400;
  int64_t frac = 0;
  if (text.size() > 10) {
    int h = num(11, 2), mi = num(14, 2), s = num(17, 2);
    if (h > 23 || mi > 59 || s > 59)
      fail(span, fmt::format("invalid time `{}`: {:02}:{:02}:{:02} is not a time of day", shown, h, mi, s));
    secs += h * 3600 + mi * 60 + s;
    size_t i = 19;
    if (i < text.size() && text[i] == '.') {
      size_t b = ++i;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
      if (i - b > 6)
        fail(span, fmt::format("invalid time `{}`: at most 6 fractional digits", shown),
             "times are kept to the microsecond");
      frac = num(b, i - b);
      for (size_t k = i - b; k < 6; ++k) frac *= 10;
    }
    if (text[i] != 'Z') {
      int oh = num(i + 1, 2), om = num(i + 4, 2);
      if (oh > 23 || om > 59)
        fail(span, fmt::format("invalid time `{}`: offset {} is out of range", shown, text.substr(i)));
      int64_t off = oh * 3600 + om * 60;
      secs -= text[i] == '+' ? off : -off;
    }
  }
  ExprItem it = node(ExprKind::Time, span);
  it.e->text = std::string(text);
  it.e->micros = secs * 1'000'000 + frac;
  return it;
}

}  // namespace leadrules::parser_detail
