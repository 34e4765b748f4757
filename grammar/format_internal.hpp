// Private to the formatter (format.hpp): the Formatter class, the printed lines it collects, and
// the helpers its files share (text and escaping, expressions, run kinds). format.cpp holds the
// house style and the entry point; the other format_*.cpp files one part each.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/format.hpp"

namespace leadrules::formatting {

using namespace ast;

constexpr size_t kMaxWidth = 100;

// format_text.cpp: widths, padding, strings and numbers as written.
// Width in code points (what diagnostics call columns).
size_t width(std::string_view s);
std::string pad(std::string_view s, size_t w);
enum class Esc { String, TemplateText, Fallback };
void append_escaped(std::string& out, std::string_view s, Esc mode);
std::string quoted(std::string_view s);
std::string number_text(ast::Number const& n);
std::string move_text(std::string const& text, int thirds);

// format_expressions.cpp: expressions with the parentheses the grammar needs.
// Precedence levels, loosest first (LANGUAGE.md "Expressions").
enum Level : int { kOr = 1, kAnd, kNot, kCmp, kCoal, kAdd, kMul, kUnary, kPrimary };
std::string text_of(Expr const* e, int min = kOr);
// The `where C` of an activity aggregate or a `per` rule; `window_follows`: a `within D` comes
// next, which C must not swallow.
std::string where_text(Expr const* where, bool window_follows, unsigned* tail = nullptr);
std::string action_text(Action const& a);

// format_declarations.cpp: run kinds. Consecutive declarations of one run kind are not separated
// by blank lines.
enum Run : int { kAlone = 0, kSets, kLets, kBounds, kPoints, kDecays, kGrades, kSegments };
Run run_kind(Decl const& d);

// One printed line (format_layout.cpp renders them with the comments).
struct Line {
  int indent = 0;
  std::string text;
  uint32_t begin = 0, end = 0;  // the source range of the code this line prints
  int comment_indent = 0;       // indentation of the comments printed above it
  bool blank_before = false;
};

class Formatter {
 public:
  Formatter(Policy const& p, SourceFile const& src) : policy_(p), text_(src.text()) {
    for (auto const& c : p.comments) comment_begins_.push_back(c.span.begin);
    std::sort(comment_begins_.begin(), comment_begins_.end());
  }

  std::string run();  // format.cpp

 private:
  Policy const& policy_;
  std::string const& text_;
  std::vector<Line> lines_;
  std::vector<uint32_t> comment_begins_;  // sorted
  size_t align_ = 0;

  // format_layout.cpp: printed lines, scanning the source for the positions the tree does not
  // record, blocks, and the final rendering with every comment put in its place.
  void add(int indent, std::string text, uint32_t begin, uint32_t end, bool blank = false,
           int comment_indent = -1);
  uint32_t size() const { return uint32_t(text_.size()); }
  uint32_t skip_blank(uint32_t pos) const;
  uint32_t open_brace(uint32_t from, uint32_t end) const;
  uint32_t keyword_before(uint32_t pos, std::string_view kw) const;
  bool comment_inside(uint32_t brace, uint32_t end) const;
  bool open_block(int indent, std::string const& header_text, Span span, uint32_t search_from, bool empty,
                  bool blank);
  void close_block(int indent, Span span);
  std::string render() const;

  // format_declarations.cpp: one overload per declaration kind.
  void header();
  void declaration(Decl const& d, bool blank);
  void decl(SchemaDecl const& s, bool blank);
  void decl(SetDecl const& d, bool blank);
  void decl(LetDecl const& d, bool blank);
  void decl(ScoreDecl const& d, bool blank);
  void decl(ScoreBound const& d, bool blank);
  void decl(PointsRule const& d, bool blank);
  void decl(DecayDecl const& d, bool blank);
  void decl(GradeStart const& d, bool blank);
  void decl(GradeMove const& d, bool blank);
  void decl(ZoneDecl const& d, bool blank);
  void decl(SegmentDecl const& d, bool blank);
  void decl(RuleDecl const& d, bool blank);
  // Tests: records (`prospect { … }`, activities, colleagues, history) and the test itself.
  void record(int indent, std::string const& head, Span span, uint32_t search_from,
              std::vector<TestField> const& fields, std::vector<TestActivity> const* nested);
  void activity(int indent, TestActivity const& a);
  void decl(TestDecl const& t, bool blank);
};

}  // namespace leadrules::formatting
