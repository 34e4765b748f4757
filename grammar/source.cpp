#include "grammar/source.hpp"

#include <utf8proc.h>
#include <algorithm>

#include <fmt/format.h>

namespace leadrules {

SourceFile::SourceFile(std::string path, std::string text) : path_(std::move(path)), text_(std::move(text)) {
  line_starts_.push_back(0);
  for (uint32_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
}

std::string_view SourceFile::slice(ast::Span s) const {
  auto b = std::min<size_t>(s.begin, text_.size());
  auto e = std::clamp<size_t>(s.end, b, text_.size());
  return std::string_view(text_).substr(b, e - b);
}

SourceFile::Position SourceFile::position(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, text_.size());
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  uint32_t line = uint32_t(it - line_starts_.begin());
  uint32_t begin = line_starts_[line - 1];
  // A UTF-8 byte-order mark is not part of the first line's text.
  if (line == 1 && text_.compare(0, 3, "\xEF\xBB\xBF") == 0) begin = std::min<uint32_t>(3, offset);
  // Column in code points: count bytes that do not continue a UTF-8 sequence.
  uint32_t column = 1;
  for (uint32_t i = begin; i < offset; ++i)
    if ((uint8_t(text_[i]) & 0xC0) != 0x80) ++column;
  return {line, column, begin};
}

std::string_view SourceFile::line_text(uint32_t line) const {
  if (line == 0 || line > line_starts_.size()) return {};
  uint32_t b = line_starts_[line - 1];
  if (line == 1 && text_.compare(0, 3, "\xEF\xBB\xBF") == 0)
    b = std::min<uint32_t>(3, uint32_t(text_.size()));
  uint32_t e = line < line_starts_.size() ? line_starts_[line] : uint32_t(text_.size());
  std::string_view s = std::string_view(text_).substr(b, e - b);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

Diagnostic SourceFile::diagnostic(Severity sev, ast::Span span, std::string message, std::string hint) const {
  Diagnostic d;
  d.severity = sev;
  d.file = path_;
  d.message = std::move(message);
  d.hint = std::move(hint);
  if (text_.empty()) return d;
  auto pos = position(span.begin);
  d.line = pos.line;
  d.column = pos.column;
  auto line = line_text(pos.line);
  d.source_line = std::string(line);
  d.byte_begin = std::min<uint32_t>(span.begin - pos.line_begin, line.size());
  uint32_t end = span.end > span.begin ? span.end - pos.line_begin : d.byte_begin + 1;
  d.byte_end = std::clamp<uint32_t>(end, d.byte_begin, line.size());
  return d;
}

// ---------------------------------------------------------------------------------------------

size_t find_invalid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    utf8proc_int32_t cp;
    auto n = utf8proc_iterate(reinterpret_cast<utf8proc_uint8_t const*>(text.data() + i),
                              utf8proc_ssize_t(text.size() - i), &cp);
    if (n <= 0) return i;
    i += size_t(n);
  }
  return std::string_view::npos;
}

namespace {

// Display width of UTF-8 text (wide CJK characters take two columns).
size_t display_width(std::string_view s) {
  size_t w = 0, i = 0;
  while (i < s.size()) {
    utf8proc_int32_t cp;
    auto n = utf8proc_iterate(reinterpret_cast<utf8proc_uint8_t const*>(s.data() + i),
                              utf8proc_ssize_t(s.size() - i), &cp);
    if (n <= 0) {
      ++w;
      ++i;
      continue;
    }
    // Control characters print as '?' (see printable), one column.
    int cw = (cp < 0x20 || cp == 0x7F) ? 1 : utf8proc_charwidth(cp);
    w += cw > 0 ? size_t(cw) : 0;
    i += size_t(n);
  }
  return w;
}

// Printable form of a source line: invalid UTF-8 and control bytes become '?' so a terminal
// never receives raw binary.
std::string printable(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    utf8proc_int32_t cp;
    auto n = utf8proc_iterate(reinterpret_cast<utf8proc_uint8_t const*>(s.data() + i),
                              utf8proc_ssize_t(s.size() - i), &cp);
    if (n <= 0) {
      out += '?';
      ++i;
      continue;
    }
    if (cp == '\t')
      out += '\t';
    else if (cp < 0x20 || cp == 0x7F)
      out += '?';
    else
      out.append(s.substr(i, size_t(n)));
    i += size_t(n);
  }
  return out;
}

}  // namespace

std::string render(Diagnostic const& d, bool colour) {
  auto paint = [&](char const* code, std::string_view s) {
    return colour ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : std::string(s);
  };
  char const* label = d.severity == Severity::Error     ? "error"
                      : d.severity == Severity::Warning ? "warning"
                                                        : "note";
  char const* label_colour = d.severity == Severity::Error     ? "1;31"
                             : d.severity == Severity::Warning ? "1;35"
                                                               : "1;36";
  std::string out;
  std::string where = d.file;
  if (d.line) where += fmt::format(":{}:{}", d.line, d.column);
  out += paint("1", where + ":") + " " + paint(label_colour, std::string(label) + ":") + " " +
         paint("1", d.message) + "\n";
  if (d.line && !d.source_line.empty()) {
    std::string_view line = d.source_line;
    auto gutter = fmt::format("{:>5} | ", d.line);
    out += gutter + printable(line) + "\n";
    // Keep tabs from the source so the caret lines up whatever the tab width.
    std::string pad;
    std::string_view before = line.substr(0, std::min<size_t>(d.byte_begin, line.size()));
    for (size_t i = 0; i < before.size();) {
      if (before[i] == '\t') {
        pad += '\t';
        ++i;
        continue;
      }
      size_t j = i;
      while (j < before.size() && before[j] != '\t') ++j;
      pad.append(display_width(before.substr(i, j - i)), ' ');
      i = j;
    }
    size_t width = 1;
    if (d.byte_end > d.byte_begin)
      width = std::max<size_t>(1, display_width(line.substr(d.byte_begin, d.byte_end - d.byte_begin)));
    std::string marks = "^" + std::string(width - 1, '~');
    out += std::string(gutter.size() - 2, ' ') + "| " + pad + paint("1;32", marks) + "\n";
  }
  if (!d.hint.empty()) out += paint("1;36", "  hint:") + " " + d.hint + "\n";
  return out;
}

std::string render(Diagnostics const& ds, bool colour) {
  std::string out;
  for (auto const& d : ds.items) out += render(d, colour);
  return out;
}

}  // namespace leadrules
