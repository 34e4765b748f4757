// Text for the formatter: widths in code points, padding, string escaping (strings, template
// text, fallbacks) and numbers and grade moves as written.
#include <fmt/format.h>

#include "grammar/format_internal.hpp"

namespace leadrules::formatting {

// Width in code points (what diagnostics call columns).
size_t width(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (uint8_t(c) & 0xC0) != 0x80;
  return n;
}

std::string pad(std::string_view s, size_t w) {
  std::string out(s);
  size_t n = width(s);
  if (n < w) out.append(w - n, ' ');
  return out;
}

void append_escaped(std::string& out, std::string_view s, Esc mode) {
  for (char ch : s) {
    auto c = uint8_t(ch);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\t': out += "\\t"; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\u{{{:02X}}}", unsigned(c));
    } else if (mode == Esc::TemplateText && (c == '{' || c == '}')) {
      out += ch;
      out += ch;
    } else if (mode == Esc::Fallback && c == '}') {
      out += "\\u{7D}";
    } else {
      out += ch;
    }
  }
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  append_escaped(out, s, Esc::String);
  out += '"';
  return out;
}

std::string number_text(ast::Number const& n) { return n.text.empty() ? fmt::format("{}", n.value) : n.text; }

std::string move_text(std::string const& text, int thirds) {
  if (!text.empty()) return text;
  char sign = thirds < 0 ? '-' : '+';
  int a = thirds < 0 ? -thirds : thirds;
  return a % 3 == 0 ? fmt::format("{}{}", sign, a / 3) : fmt::format("{}{}/3", sign, a);
}

}  // namespace leadrules::formatting
