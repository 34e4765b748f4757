#include "repl_text.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace leadrules::cli::repl {

std::string Style::paint(std::string_view text, char const* sgr) const {
  if (!colour) return std::string(text);
  return fmt::format("\x1b[{}m{}\x1b[0m", sgr, text);
}

namespace {

// Decodes one UTF-8 code point at s[i]; advances i.
char32_t decode(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  if (i + size_t(len) > s.size()) len = 1;
  char32_t cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
  for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + size_t(k)]) & 0x3f);
  i += size_t(len);
  return cp;
}

bool wide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) ||
         (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
         (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1faff) || (c >= 0x20000 && c <= 0x3fffd);
}

}  // namespace

size_t display_width(std::string_view text) {
  size_t w = 0;
  for (size_t i = 0; i < text.size();) w += wide(decode(text, i)) ? 2 : 1;
  return w;
}

std::string render_failure(Failure const& f, std::string_view entry, Style const& style) {
  std::string out = style.paint("error:", "1;31") + " " + f.message;
  if (!f.hint.empty()) out += " (" + f.hint + ")";
  out += "\n";
  if (f.at && f.at->begin <= entry.size()) {
    size_t begin = f.at->begin, end = std::clamp(f.at->end, begin, entry.size());
    size_t pad = display_width(entry.substr(0, begin));
    size_t len = std::max<size_t>(1, display_width(entry.substr(begin, end - begin)));
    out += "  " + std::string(entry) + "\n";
    out += "  " + std::string(pad, ' ') + style.paint(std::string(len, '^'), "1;32") + "\n";
  }
  return out;
}

std::string did_you_mean(std::string_view word, std::vector<std::string> const& candidates,
                         std::string_view prefix) {
  std::string c = suggest_spelling(word, candidates);
  if (c.empty()) return {};
  if (c.find(' ') != std::string::npos)
    return fmt::format("did you mean {}{}?", prefix, quote(c));  // a rule name
  return fmt::format("did you mean `{}{}`?", prefix, c);
}

bool continues(std::string_view entry) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < entry.size(); ++i) {
    char c = entry[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '#')
      break;
    else if (c == '(' || c == '[' || c == '{')
      ++depth;
    else if (c == ')' || c == ']' || c == '}')
      --depth;
  }
  return depth > 0;
}

void Scanner::skip_space() {
  while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
}

bool Scanner::done() {
  skip_space();
  return i_ >= s_.size() || s_[i_] == '#';
}

std::string_view Scanner::rest() {
  skip_space();
  std::string_view r = s_.substr(i_);
  while (!r.empty() && (r.back() == ' ' || r.back() == '\t')) r.remove_suffix(1);
  i_ = s_.size();
  return r;
}

char Scanner::peek() {
  skip_space();
  return i_ < s_.size() ? s_[i_] : '\0';
}

bool Scanner::eat(char c) {
  if (peek() != c) return false;
  ++i_;
  return true;
}

std::string_view Scanner::identifier() {
  skip_space();
  size_t b = i_;
  auto ident = [](char c, bool first) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
           (!first && std::isdigit(static_cast<unsigned char>(c)));
  };
  if (i_ < s_.size() && ident(s_[i_], true))
    while (i_ < s_.size() && ident(s_[i_], i_ == b)) ++i_;
  return s_.substr(b, i_ - b);
}

std::optional<std::string> Scanner::string_literal() {
  skip_space();
  if (i_ >= s_.size() || s_[i_] != '"') return std::nullopt;
  size_t b = i_++;
  std::string out;
  while (i_ < s_.size() && s_[i_] != '"') {
    char c = s_[i_++];
    if (c != '\\' || i_ >= s_.size()) {
      out += c;
      continue;
    }
    char e = s_[i_++];
    if (e == 'n')
      out += '\n';
    else if (e == 't')
      out += '\t';
    else if (e == 'u' && i_ < s_.size() && s_[i_] == '{') {
      size_t close = s_.find('}', i_);
      if (close == std::string_view::npos)
        throw Failure{"unterminated \\u{...} escape", Span{i_ - 2, s_.size()}, {}};
      uint32_t cp = 0;
      for (size_t k = i_ + 1; k < close; ++k)
        cp = cp * 16 + uint32_t(std::isdigit(static_cast<unsigned char>(s_[k]))
                                    ? s_[k] - '0'
                                    : (std::tolower(static_cast<unsigned char>(s_[k])) - 'a' + 10));
      i_ = close + 1;
      if (cp < 0x80)
        out += char(cp);
      else if (cp < 0x800)
        out += {char(0xc0 | (cp >> 6)), char(0x80 | (cp & 0x3f))};
      else if (cp < 0x10000)
        out += {char(0xe0 | (cp >> 12)), char(0x80 | ((cp >> 6) & 0x3f)), char(0x80 | (cp & 0x3f))};
      else
        out += {char(0xf0 | (cp >> 18)), char(0x80 | ((cp >> 12) & 0x3f)), char(0x80 | ((cp >> 6) & 0x3f)),
                char(0x80 | (cp & 0x3f))};
    } else {
      out += e;
    }
  }
  if (i_ >= s_.size()) throw Failure{"unterminated string", Span{b, s_.size()}, "close it with `\"`"};
  ++i_;
  return out;
}

std::string_view Scanner::literal_text() {
  skip_space();
  size_t b = i_;
  if (i_ < s_.size() && s_[i_] == '"') {
    string_literal();
  } else if (i_ < s_.size() && s_[i_] == '[') {
    bool in_string = false;
    for (; i_ < s_.size(); ++i_) {
      char c = s_[i_];
      if (in_string) {
        if (c == '\\')
          ++i_;
        else if (c == '"')
          in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == ']') {
        ++i_;
        break;
      }
    }
  } else {
    while (i_ < s_.size() && s_[i_] != ' ' && s_[i_] != '\t' && s_[i_] != ',' && s_[i_] != '}') ++i_;
  }
  return s_.substr(b, i_ - b);
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"')
      out += "\\\"";
    else if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (static_cast<unsigned char>(c) < 0x20)
      out += fmt::format("\\u{{{:X}}}", int(c));
    else
      out += c;
  }
  return out + "\"";
}

std::string relative_or_absolute(int64_t at, int64_t now) {
  int64_t ago = now - at;
  constexpr int64_t minute = 60'000'000;
  if (ago > 0 && ago % minute == 0) return "-" + format_duration(ago);
  return "@" + format_time(at);
}

std::string ago(int64_t at, int64_t now) {
  int64_t d = now - at;
  if (d == 0) return "now";
  bool future = d < 0;
  uint64_t m = future ? uint64_t(-d) : uint64_t(d);
  uint64_t minutes = m / 60'000'000, days = minutes / 1440, hours = minutes % 1440 / 60, mins = minutes % 60;
  std::string s;
  if (days) s += fmt::format("{}d", days);
  if (hours) s += fmt::format("{}{}h", s.empty() ? "" : " ", hours);
  if (mins || s.empty()) s += fmt::format("{}{}min", s.empty() ? "" : " ", mins);
  return future ? "in " + s : s + " ago";
}

std::string test_literal(Value const& v, int64_t now) {
  if (v.type == ValueType::string_list) {
    std::string out = "[";
    for (size_t i = 0; i < v.list.size(); ++i) out += (i ? ", " : "") + quote(v.list[i]);
    return out + "]";
  }
  if (v.missing) return "missing";
  switch (v.type) {
    case ValueType::string: return quote(v.text);
    case ValueType::time: return relative_or_absolute(v.micros, now);
    case ValueType::duration: return format_duration(v.micros);
    default: return v.to_string();
  }
}

}  // namespace leadrules::cli::repl
