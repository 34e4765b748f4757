// Layout for the formatter: the printed lines, scanning the source for positions the tree does
// not record (braces, keywords, comments), blocks, and rendering: every comment printed once, in
// its place, with no trailing blanks.
#include <algorithm>
#include <numeric>

#include "grammar/format_internal.hpp"

namespace leadrules::formatting {

void Formatter::add(int indent, std::string text, uint32_t begin, uint32_t end, bool blank,
                    int comment_indent) {
  Line l;
  l.indent = indent;
  l.text = std::move(text);
  l.begin = begin;
  l.end = std::max(end, begin);
  l.comment_indent = comment_indent < 0 ? indent : comment_indent;
  l.blank_before = blank;
  lines_.push_back(std::move(l));
}

// The first code byte at or after `pos`, skipping blanks and comments.
uint32_t Formatter::skip_blank(uint32_t pos) const {
  while (pos < size()) {
    char c = text_[pos];
    if (c == '#') {
      while (pos < size() && text_[pos] != '\n') ++pos;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
      ++pos;
    } else {
      break;
    }
  }
  return pos;
}

// The `{` that opens a block or record, searched from `from` (skipping strings and
// comments); `end` when none is found.
uint32_t Formatter::open_brace(uint32_t from, uint32_t end) const {
  end = std::min(end, size());
  for (uint32_t i = from; i < end; ++i) {
    char c = text_[i];
    if (c == '{') return i;
    if (c == '#') {
      while (i < end && text_[i] != '\n') ++i;
    } else if (c == '"') {
      for (++i; i < end && text_[i] != '"' && text_[i] != '\n'; ++i)
        if (text_[i] == '\\') ++i;
    }
  }
  return end;
}

// The start of keyword `kw` written just before `pos` (blanks between), or `pos`.
uint32_t Formatter::keyword_before(uint32_t pos, std::string_view kw) const {
  uint32_t p = std::min(pos, size());
  while (p > 0 &&
         (text_[p - 1] == ' ' || text_[p - 1] == '\t' || text_[p - 1] == '\r' || text_[p - 1] == '\n'))
    --p;
  if (p >= kw.size() && std::string_view(text_).substr(p - kw.size(), kw.size()) == kw)
    return p - uint32_t(kw.size());
  return pos;
}

// A comment strictly inside the braces: (brace, end - 1).
bool Formatter::comment_inside(uint32_t brace, uint32_t end) const {
  auto it = std::upper_bound(comment_begins_.begin(), comment_begins_.end(), brace);
  return it != comment_begins_.end() && *it + 1 < end;
}

// Opens a block: returns false (after printing `header {}` on one line) when it is empty
// and holds no comment, in which case the caller prints nothing more.
bool Formatter::open_block(int indent, std::string const& header_text, Span span, uint32_t search_from,
                           bool empty, bool blank) {
  uint32_t brace = open_brace(search_from, span.end);
  if (empty && !comment_inside(brace, span.end)) {
    add(indent, header_text + " {}", span.begin, span.end, blank);
    return false;
  }
  add(indent, header_text + " {", span.begin, std::min(brace + 1, span.end), blank);
  return true;
}

void Formatter::close_block(int indent, Span span) {
  uint32_t b = span.end > span.begin ? span.end - 1 : span.begin;
  add(indent, "}", b, span.end, false, indent + 1);
}

std::string Formatter::render() const {
  auto const& comments = policy_.comments;
  std::vector<size_t> order(lines_.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return lines_[a].begin < lines_[b].begin; });
  // The line with the greatest begin <= pos, or -1.
  auto line_at = [&](uint32_t pos) -> long {
    auto it = std::upper_bound(order.begin(), order.end(), pos,
                               [&](uint32_t p, size_t i) { return p < lines_[i].begin; });
    return it == order.begin() ? -1 : long(*(it - 1));
  };
  // The first line with begin > pos, or -1.
  auto line_after = [&](uint32_t pos) -> long {
    auto it = std::upper_bound(order.begin(), order.end(), pos,
                               [&](uint32_t p, size_t i) { return p < lines_[i].begin; });
    return it == order.end() ? -1 : long(*it);
  };

  struct Attached {
    size_t comment;
    bool trailing;
  };
  std::vector<std::vector<Attached>> attached(lines_.size());
  std::vector<size_t> at_end;
  for (size_t ci = 0; ci < comments.size(); ++ci) {
    uint32_t b = std::min(comments[ci].span.begin, size());
    uint32_t ls = b;
    while (ls > 0 && text_[ls - 1] != '\n') --ls;
    uint32_t p = b;
    while (p > ls && (text_[p - 1] == ' ' || text_[p - 1] == '\t' || text_[p - 1] == '\r' ||
                      text_[p - 1] == '\f' || text_[p - 1] == '\v'))
      --p;
    if (lines_.empty()) {
      at_end.push_back(ci);
      continue;
    }
    if (p > ls) {  // code before it on its line: a trailing comment of the line holding that code
      long o = line_at(p - 1);
      if (o >= 0)
        attached[size_t(o)].push_back({ci, true});
      else
        attached[order.front()].push_back({ci, false});
      continue;
    }
    long o = line_at(b);
    if (o >= 0 && b < lines_[size_t(o)].end) {  // inside the code of a line: above it
      attached[size_t(o)].push_back({ci, false});
      continue;
    }
    long n = line_after(b);
    if (n >= 0)
      attached[size_t(n)].push_back({ci, false});
    else
      at_end.push_back(ci);
  }

  auto comment_text = [&](size_t ci) {
    std::string_view s = comments[ci].text;
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n' ||
                          s.back() == '\f' || s.back() == '\v'))
      s.remove_suffix(1);
    return std::string(s);
  };
  auto indent = [](int n) { return std::string(size_t(std::max(n, 0)) * 2, ' '); };

  std::string out;
  for (size_t i = 0; i < lines_.size(); ++i) {
    Line const& l = lines_[i];
    auto cs = attached[i];
    std::stable_sort(cs.begin(), cs.end(),
                     [](Attached const& a, Attached const& b) { return a.comment < b.comment; });
    bool trailing = !cs.empty() && cs.back().trailing;
    if (l.blank_before && !out.empty()) out += '\n';
    for (size_t k = 0; k + (trailing ? 1 : 0) < cs.size(); ++k)
      out += indent(l.comment_indent) + comment_text(cs[k].comment) + '\n';
    out += indent(l.indent) + l.text;
    if (trailing) out += "  " + comment_text(cs.back().comment);
    out += '\n';
  }
  if (!at_end.empty()) {
    if (!out.empty()) out += '\n';
    for (size_t ci : at_end) out += comment_text(ci) + '\n';
  }
  // No trailing blanks (a line's text never ends in one, but be sure).
  std::string clean;
  clean.reserve(out.size());
  size_t start = 0;
  while (start < out.size()) {
    size_t nl = out.find('\n', start);
    if (nl == std::string::npos) nl = out.size();
    std::string_view line(out.data() + start, nl - start);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    clean.append(line);
    clean += '\n';
    start = nl + 1;
  }
  return clean;
}

}  // namespace leadrules::formatting
