// Internal to grammar/'s parser: the parse state (a stack of typed items with marks), the
// syntax error, and the helpers the actions share (tokens, unescaping, tree nodes, literal
// values). Free of PEGTL, so parser_nodes.cpp and parser_errors.cpp need not include it; the
// PEGTL parts (parser_errors.hpp, parser_actions_*.hpp) are included by parser.cpp alone.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "grammar/ast.hpp"
#include "grammar/source.hpp"

namespace leadrules::parser_detail {

using namespace ast;

// Parentheses, calls and aggregates may nest this deep (native recursion of the parser), and
// an expression tree may be this high (operator chains, prefix operators): beyond, an error.
constexpr int kMaxNesting = 200;
constexpr int kMaxHeight = 256;

struct SyntaxError {
  Span span;
  std::string message;
  std::string hint;
};

// ---------------------------------------------------------------------------------------------
// Items: what actions push.

struct ExprItem {
  ExprPtr e;
  Span outer;      // the span including enclosing parentheses (what a parent's span starts at)
  int height = 1;  // height of the tree
};
struct OpItem {
  BinOp op;
  Span span;
};
struct PrefixItem {
  UnOp op;
  Span span;
};
struct StrItem {
  std::string text;
  Span span;
};
struct WhereItem {
  ExprItem cond;
  bool colleague = false;
};
struct WithinItem {
  ExprItem window;
};
struct CapItem {
  Number n;
};
struct FloorItem {
  Number n;
};
struct MaxItem {
  Number n;
};
struct OnceItem {
  Ident field;
};
struct FnItem {
  AggFn fn;
  Span span;
};
struct MoveItem {
  int thirds;
  std::string text;
  Span span;
};
struct FallbackItem {
  std::string text;
};
struct PieceItem {
  TemplatePiece piece;
  int height = 0;
};
struct FromItem {
  std::string column;
};
struct MissingItem {
  std::vector<std::string> values;
};
struct FileItem {
  std::string path;
  Span span;  // the string literal
};
struct KindItem {
  Ident kind;
};
struct TargetItem {
  bool activity;
};
struct LinearItem {};
struct QualItem {
  RuleDecl::Qualifier q;
  ExprPtr every;
  std::optional<Number> max;
};
struct NowItem {
  ExprPtr time;
  Span span;
};
struct ProspectItem {
  TestProspect p;
  bool colleague;
};
struct PolicyItem {
  std::string name;
  Span name_span;
  std::optional<std::string> tz;
  Span tz_span;
  Span span;
};
struct DeclItem {
  Decl decl;
};

using Item = std::variant<ExprItem, OpItem, PrefixItem, StrItem, WhereItem, WithinItem, CapItem, FloorItem,
                          MaxItem, OnceItem, FnItem, MoveItem, FallbackItem, PieceItem, FromItem, MissingItem,
                          FileItem, KindItem, TargetItem, LinearItem, QualItem, NowItem, ProspectItem,
                          PolicyItem, DeclItem, Ident, Number, TypeRef, FieldDecl, PointsRule, ZoneRow,
                          Action, TestField, TestActivity, TestHistory, Expect>;

struct Mark {
  size_t items;
  char const* begin;
};

struct State {
  SourceFile const& src;
  char const* base;
  char const* end;
  std::vector<Item> items;
  std::vector<Mark> marks;
  int depth = 0;
  std::string open_name;  // the score block, zone or test being parsed (for messages)
  Span last_comma{};      // the last comma of an action list
  std::map<uint32_t, Comment> comments;

  explicit State(SourceFile const& s)
      : src(s), base(s.text().data()), end(s.text().data() + s.text().size()) {
    items.reserve(64);
    marks.reserve(256);
  }

  void reset() {
    items.clear();
    marks.clear();
    depth = 0;
    open_name.clear();
  }

  uint32_t off(char const* p) const { return uint32_t(p - base); }
  template <typename In>
  Span span(In const& in) const {
    return {off(in.begin()), off(in.end())};
  }

  // The items pushed by the sub-rules of the rule whose action runs now.
  std::vector<Item> take() {
    size_t m = marks.empty() ? 0 : marks.back().items;
    std::vector<Item> out;
    out.reserve(items.size() - m);
    for (size_t i = m; i < items.size(); ++i) out.push_back(std::move(items[i]));
    items.resize(m);
    return out;
  }
  template <typename T>
  T pop() {
    T v = std::move(std::get<T>(items.back()));
    items.pop_back();
    return v;
  }
  template <typename T>
  void push(T&& v) {
    items.emplace_back(std::forward<T>(v));
  }
};

[[noreturn]] inline void fail(Span span, std::string message, std::string hint = {}) {
  throw SyntaxError{span, std::move(message), std::move(hint)};
}

// ---------------------------------------------------------------------------------------------
// Small helpers (parser_nodes.cpp; the token helpers in parser_errors.cpp)

inline bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

inline size_t utf8_length(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c >> 5) == 0x6) return 2;
  if ((c >> 4) == 0xE) return 3;
  if ((c >> 3) == 0x1E) return 4;
  return 1;
}

// The extent of the token at p (for carets and "found `…`").
Span token_at(State const& st, char const* p);
// "`tok`", "the end of the line" or "the end of the file", for "expected …, found …".
std::string describe_found(State const& st, char const* p);
// Hints for tokens other languages use.
std::string hint_for_found(State const& st, char const* p);

// Unescapes the raw text of a string (or a template's literal run) that the grammar has
// already validated, at byte offset `at`. In templates `{{`/`}}` are literal braces.
std::string unescape(State const& st, std::string_view raw, uint32_t at, bool braces);

ExprItem node(ExprKind k, Span s);
void check_height(ExprItem const& it);
// Makes `child` an argument of `parent`.
void adopt(ExprItem& parent, ExprItem child);
void adopt_into(ExprItem& parent, ExprPtr& slot, ExprItem child);
ExprItem binary(BinOp op, ExprItem lhs, ExprItem rhs);
ExprItem unary(UnOp op, Span op_span, ExprItem operand);

int grade_index(std::string_view g);
// Numbers: at most 400 digits, finite as a double.
double number_value(std::string_view text, Span span);
int64_t duration_micros(std::string_view text, Span span);
ExprItem duration_node(std::string_view text, Span span);
ExprItem number_node(std::string_view text, Span span);
Number number_struct(std::string_view text, Span span);
ExprItem time_node(std::string_view text, Span span);

// Collects the items of a composite rule by type.
template <typename T>
T* first_of(std::vector<Item>& items) {
  for (auto& i : items)
    if (auto* p = std::get_if<T>(&i)) return p;
  return nullptr;
}

}  // namespace leadrules::parser_detail
