// The canonical formatter behind `leadrules fmt`.
//
// House style (one layout for every policy, like gofmt; everything below is decided from the
// syntax tree alone, never from the user's spacing, so formatting is idempotent):
//
//   - `policy "Name" [timezone "Zone"]` first, then the declarations in source order (never
//     reordered). One blank line separates declaration groups: each schema, the sets, the lets,
//     each score block, a run of top-level `score cap/floor` bounds, a run of top-level points,
//     the decays, the grade lines (`grade start` and the moves), each zone, the segments, each
//     rule and each test. Consecutive declarations of one of the "run" kinds stay together
//     without blank lines. The user's blank lines are not kept.
//   - Two spaces of indentation inside `{ }`. An empty block is `{}` on its header line.
//   - Schema: `kinds a, b, c` on one line, at the place of the first kind, then one field a
//     line: `name: type?` [` = default`] [` from "Col"`] [` missing "a", "b"`].
//   - Points: the amounts of one score block (or of one run of top-level points) are padded to
//     the widest, so the `per`/`if` keywords line up (`points +1  per visit`); the moves of one
//     grade run likewise (`grade +1   if …`). A zone row's grade is padded to three columns
//     (`A-  score >= 20`, `D   score >= 80`).
//   - A rule is one line when it fits in 100 columns (code points; comments are not counted),
//     otherwise `rule "name" [qualifier] when C` and `  do A1, A2` on the next line. A written
//     `once` is kept.
//   - Tests: one item a line, in source order. A record (`prospect`, an activity, `colleague`,
//     `history`) is one line `prospect { id: "t1", email: "a@b" }` when it fits in 100 columns
//     and no comment sits inside its braces; otherwise `prospect {`, one field a line, `}`.
//     A colleague with nested activities is always the long form.
//   - Expressions: single spaces around binary operators and after `,`, none inside `( )`.
//     Every pair of parentheses the user wrote around an expression is kept (like gofmt), even
//     where precedence makes it redundant: `not (a ~* "x")`, `(a ?? "") in s`, `(a and b) or c`
//     stay as written (the tree records them: Expr::parenthesized). Doubled parentheses `((x))`
//     become one pair. Beyond those, parentheses are added only where the grammar needs them
//     (a parsed tree always has them written there; a tree built otherwise may not): by
//     LANGUAGE.md precedence (`not` below comparisons, comparisons not associative, `??` right
//     associative, `+ - * /` left associative); an infix `within` inside an activity
//     aggregate's `where` (or a points rule's `where`); and an `any`/`no` aggregate whose open
//     tail (`where C`, `within D`, or a bare kind before `within`) would swallow what follows
//     it. An expression is never wrapped twice, and no other parentheses are added.
//   - Numbers, durations, times, grades, grade moves and signed numbers print their text as
//     written. Strings are re-escaped: `\"`, `\\`, `\n`, `\t`, other control characters as
//     `\u{XX}`; everything else (UTF-8 included) byte for byte. Templates escape literal braces
//     as `{{`/`}}` and print `{expr}` / `{expr|fallback}` (a `}` in a fallback as `\u{7D}`).
//   - Comments: every comment is printed exactly once, with its trailing blanks removed. Each
//     printed line knows the source range of the code it prints. A comment with code before it
//     on its source line goes to the printed line holding that code, at its end after two
//     spaces; a comment alone on its line goes on its own line before the next printed line
//     that follows it in the source, at that line's indentation (before a closing `}` it keeps
//     the block's inner indentation). Only one comment fits at the end of a line: when several
//     land on one printed line (a multi-line expression joined into one line), the earlier ones
//     go on their own lines above it. Comments after the last declaration end the file, after a
//     blank line.
//   - The output ends with exactly one newline (an empty policy formats as the empty text) and
//     has no trailing blanks.
#include "grammar/format.hpp"

#include <algorithm>
#include <numeric>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "grammar/operators.hpp"

namespace leadrules {

namespace {

using namespace ast;

constexpr size_t kMaxWidth = 100;

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

// ---------------------------------------------------------------------------------------------
// Strings

enum class Esc { String, TemplateText, Fallback };

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

std::string number_text(ast::Number const& n) {
  return n.text.empty() ? fmt::format("{}", n.value) : n.text;
}

std::string move_text(std::string const& text, int thirds) {
  if (!text.empty()) return text;
  char sign = thirds < 0 ? '-' : '+';
  int a = thirds < 0 ? -thirds : thirds;
  return a % 3 == 0 ? fmt::format("{}{}", sign, a / 3) : fmt::format("{}{}/3", sign, a);
}

// ---------------------------------------------------------------------------------------------
// Expressions

// Precedence levels, loosest first (LANGUAGE.md "Expressions").
enum Level : int { kOr = 1, kAnd, kNot, kCmp, kCoal, kAdd, kMul, kUnary, kPrimary };

// The infix tokens an expression's printed tail would swallow if they followed it: an `any X
// where C` reads everything after it into C, a bare `any X` takes a following `within` as its
// window, and a window (`within D`, at the `??` level) takes `+ - * / ??`.
enum : unsigned {
  kTMul = 1, kTAdd = 2, kTCoal = 4, kTCmp = 8, kTWithin = 16, kTAnd = 32, kTOr = 64, kTAll = 127
};

struct Out {
  std::string text;
  unsigned tail = 0;
  int level = kPrimary;
};

Out paren(Out o) { return {"(" + o.text + ")", 0, kPrimary}; }

int level_of(BinOp op) {
  switch (op) {
    case BinOp::Or: return kOr;
    case BinOp::And: return kAnd;
    case BinOp::Coalesce: return kCoal;
    case BinOp::Add: case BinOp::Sub: return kAdd;
    case BinOp::Mul: case BinOp::Div: return kMul;
    default: return kCmp;
  }
}

unsigned token_of(BinOp op) {
  switch (op) {
    case BinOp::Or: return kTOr;
    case BinOp::And: return kTAnd;
    case BinOp::Coalesce: return kTCoal;
    case BinOp::Add: case BinOp::Sub: return kTAdd;
    case BinOp::Mul: case BinOp::Div: return kTMul;
    case BinOp::Within: return kTWithin;
    default: return kTCmp;
  }
}

char const* agg_name(AggFn f) {
  switch (f) {
    case AggFn::Count: return "count";
    case AggFn::Any: return "any";
    case AggFn::No: return "no";
    case AggFn::Last: return "last";
    case AggFn::First: return "first";
    case AggFn::Sum: return "sum";
    case AggFn::Min: return "min";
    case AggFn::Max: return "max";
  }
  return "?";
}

Out print_expr(Expr const& e, bool no_within);

// `e` printed where the grammar expects level `min` or tighter. `no_within`: the context is an
// activity aggregate's `where`, where an infix `within` must be parenthesised.
// Parentheses the user wrote (`parenthesized`) are always kept, and they satisfy every need for
// parentheses at this place, so `e` is never wrapped twice. Inside them the grammar reads a whole
// expression again, where an infix `within` needs no parentheses of its own.
Out print_at(Expr const* e, int min, bool no_within) {
  if (!e) return {};
  if (e->parenthesized) return paren(print_expr(*e, false));
  Out o = print_expr(*e, no_within);
  bool infix_within = e->kind == ExprKind::Binary && e->bin == BinOp::Within;
  if (o.level < min || (no_within && infix_within)) return paren(std::move(o));
  return o;
}

std::string text_of(Expr const* e, int min = kOr) { return print_at(e, min, false).text; }

// The `where C` of an activity aggregate or a `per` rule; `window_follows`: a `within D` comes
// next, which C must not swallow.
std::string where_text(Expr const* where, bool window_follows, unsigned* tail = nullptr) {
  Out w = print_at(where, kOr, true);
  if (window_follows && (w.tail & kTWithin)) w = paren(std::move(w));
  if (tail) *tail = w.tail;
  return w.text;
}

std::string join_args(std::vector<ExprPtr> const& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i) out += ", ";
    out += text_of(args[i].get());
  }
  return out;
}

std::string template_text(Expr const& e) {
  std::string out = "\"";
  for (auto const& p : e.pieces) {
    if (!p.expr) {
      append_escaped(out, p.text, Esc::TemplateText);
      continue;
    }
    out += '{';
    out += text_of(p.expr.get());
    if (p.fallback) {
      out += '|';
      append_escaped(out, *p.fallback, Esc::Fallback);
    }
    out += '}';
  }
  out += '"';
  return out;
}

Out print_expr(Expr const& e, bool nw) {
  switch (e.kind) {
    case ExprKind::Number:
      return {e.text.empty() ? fmt::format("{}", e.number) : e.text};
    case ExprKind::String: return {quoted(e.text)};
    case ExprKind::Bool: return {e.boolean ? "true" : "false"};
    case ExprKind::Duration: return {e.text};
    case ExprKind::Time: return {"@" + e.text};
    case ExprKind::Grade: return {e.text};
    case ExprKind::Now: return {"now"};
    case ExprKind::Name: return {e.text};
    case ExprKind::Template: return {template_text(e)};

    case ExprKind::Unary: {
      Expr const* operand = e.args.empty() ? nullptr : e.args[0].get();
      if (e.un == UnOp::Neg) {
        Out o = print_at(operand, kUnary, nw);
        return {"-" + o.text, o.tail, kUnary};
      }
      Out o = print_at(operand, kNot, nw);
      return {"not " + o.text, o.tail, kNot};
    }

    case ExprKind::Binary: {
      int lv = level_of(e.bin);
      int lmin = lv, rmin = lv + 1;  // left associative
      if (lv == kCmp) lmin = rmin = kCoal;                      // not associative
      if (lv == kCoal) { lmin = kAdd; rmin = kCoal; }            // right associative
      if (lv == kAnd) rmin = kNot;                               // `a and not b`
      if (e.bin == BinOp::In) rmin = kPrimary;                   // a set literal or a name
      Out l = print_at(e.args.size() > 0 ? e.args[0].get() : nullptr, lmin, nw);
      if (l.tail & token_of(e.bin)) l = paren(std::move(l));
      Out r = print_at(e.args.size() > 1 ? e.args[1].get() : nullptr, rmin, nw);
      return {l.text + " " + op_text(e.bin) + " " + r.text, r.tail, lv};
    }

    case ExprKind::SetLiteral: {
      std::string out = "{";
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (i) out += ", ";
        out += e.args[i] ? text_of(e.args[i].get()) : std::string("\"\"");
      }
      return {out + "}"};
    }
    case ExprKind::List: return {"[" + join_args(e.args) + "]"};
    case ExprKind::Call: return {e.text + "(" + join_args(e.args) + ")"};

    case ExprKind::ActivityAgg: {
      std::string body = e.kind_name.name;
      unsigned where_tail = 0;
      if (e.where) body += " where " + where_text(e.where.get(), e.within != nullptr, &where_tail);
      Out win;
      if (e.within) {
        win = print_at(e.within.get(), kCoal, false);
        body += " within " + win.text;
      }
      if (e.agg == AggFn::Any || e.agg == AggFn::No) {
        unsigned tail = e.within ? (kTMul | kTAdd | kTCoal | win.tail) : e.where ? kTAll : kTWithin;
        return {std::string(agg_name(e.agg)) + " " + body, tail, kPrimary};
      }
      return {std::string(agg_name(e.agg)) + "(" + body + ")"};
    }

    case ExprKind::ColleagueAgg: {
      switch (e.agg) {
        case AggFn::Count: return {"count(colleague where " + text_of(e.where.get()) + ")"};
        case AggFn::Any:
        case AggFn::No:
          return {std::string(agg_name(e.agg)) + " colleague where " + text_of(e.where.get()),
                  kTAll, kPrimary};
        default: {
          Expr const* value = e.args.empty() ? e.where.get() : e.args[0].get();
          return {std::string(agg_name(e.agg)) + "(colleague, " + text_of(value) + ")"};
        }
      }
    }

    case ExprKind::Past:
      return {"past(" + text_of(e.args.size() > 0 ? e.args[0].get() : nullptr) + ", " +
              text_of(e.args.size() > 1 ? e.args[1].get() : nullptr) + ")"};
  }
  return {};
}

std::string action_text(Action const& a) {
  if (a.field) return "set " + a.field->name + " = " + text_of(a.value.get());
  return a.name.name + "(" + join_args(a.args) + ")";
}

// ---------------------------------------------------------------------------------------------
// Declarations

char const* type_base(TypeRef::Base b) {
  switch (b) {
    case TypeRef::Base::String: return "string";
    case TypeRef::Base::Number: return "number";
    case TypeRef::Base::Bool: return "bool";
    case TypeRef::Base::Time: return "time";
    case TypeRef::Base::Duration: return "duration";
    case TypeRef::Base::Grade: return "grade";
  }
  return "string";
}

std::string field_text(FieldDecl const& f) {
  std::string s = f.name.name + ": ";
  s += f.type.list ? fmt::format("[{}]", type_base(f.type.base)) : type_base(f.type.base);
  if (f.type.optional) s += '?';
  if (f.default_value) s += " = " + text_of(f.default_value.get());
  if (f.from) s += " from " + quoted(*f.from);
  if (!f.missing.empty()) {
    s += " missing ";
    for (size_t i = 0; i < f.missing.size(); ++i) s += (i ? ", " : "") + quoted(f.missing[i]);
  }
  return s;
}

std::string set_text(SetDecl const& d) {
  std::string s = "set " + d.name.name + " = ";
  if (d.file) return s + "file(" + quoted(*d.file) + ")";
  s += '{';
  for (size_t i = 0; i < d.values.size(); ++i) s += (i ? ", " : "") + quoted(d.values[i]);
  return s + '}';
}

std::string points_text(PointsRule const& r, size_t amount_width) {
  std::string s = "points " + pad(number_text(r.points), amount_width) + " ";
  if (r.per) {
    s += "per " + r.kind.name;
    if (r.where) s += " where " + where_text(r.where.get(), r.within != nullptr);
    if (r.within) s += " within " + text_of(r.within.get(), kCoal);
    if (r.once_per) s += " once per " + r.once_per->name;
  } else {
    s += "if " + text_of(r.condition.get());
  }
  if (r.cap) s += " cap " + number_text(*r.cap);
  return s;
}

std::string decay_text(DecayDecl const& d) {
  std::string p = number_text(d.percent);
  if (p.empty() || p.back() != '%') p += '%';
  return "decay " + p + (d.linear ? " per " : " after ") + text_of(d.duration.get());
}

std::string grade_move_text(GradeMove const& g, size_t move_width) {
  std::string s = "grade " + pad(move_text(g.text, g.thirds), move_width) + " if " +
                  text_of(g.condition.get());
  if (g.else_thirds) s += " else " + move_text(g.else_text, *g.else_thirds);
  return s;
}

std::string field_value_text(TestField const& f) {
  return f.name.name + ": " + text_of(f.value.get());
}

std::string expect_text(Expect const& x) {
  switch (x.kind) {
    case Expect::Kind::Condition: return "expect " + text_of(x.condition.get());
    case Expect::Kind::Set:
      return "expect set " + (x.field ? x.field->name : std::string()) + " == " +
             text_of(x.value.get(), kCoal);
    case Expect::Kind::Action:
      return "expect action " + (x.action ? action_text(*x.action) : std::string());
  }
  return {};
}

// Run kinds: consecutive declarations of one run kind are not separated by blank lines.
enum Run : int { kAlone = 0, kSets, kLets, kBounds, kPoints, kDecays, kGrades, kSegments };

Run run_kind(Decl const& d) {
  return std::visit(
      [](auto const& x) -> Run {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, SetDecl>) return kSets;
        else if constexpr (std::is_same_v<T, LetDecl>) return kLets;
        else if constexpr (std::is_same_v<T, ScoreBound>) return kBounds;
        else if constexpr (std::is_same_v<T, PointsRule>) return kPoints;
        else if constexpr (std::is_same_v<T, DecayDecl>) return kDecays;
        else if constexpr (std::is_same_v<T, GradeStart> || std::is_same_v<T, GradeMove>) return kGrades;
        else if constexpr (std::is_same_v<T, SegmentDecl>) return kSegments;
        else return kAlone;  // schema, score block, zone, rule, test: a group each
      },
      d);
}

// ---------------------------------------------------------------------------------------------
// Layout

struct Line {
  int indent = 0;
  std::string text;
  uint32_t begin = 0, end = 0;   // the source range of the code this line prints
  int comment_indent = 0;        // indentation of the comments printed above it
  bool blank_before = false;
};

class Formatter {
 public:
  Formatter(Policy const& p, SourceFile const& src) : policy_(p), text_(src.text()) {
    for (auto const& c : p.comments) comment_begins_.push_back(c.span.begin);
    std::sort(comment_begins_.begin(), comment_begins_.end());
  }

  std::string run() {
    header();
    size_t n = policy_.decls.size();
    for (size_t i = 0; i < n;) {
      Decl const& d = policy_.decls[i];
      Run kind = run_kind(d);
      size_t j = i + 1;
      if (kind != kAlone) while (j < n && run_kind(policy_.decls[j]) == kind) ++j;
      bool blank = !lines_.empty();
      if (kind == kPoints || kind == kGrades) {  // align the points amounts / grade moves of the run
        size_t w = 0;
        for (size_t k = i; k < j; ++k) {
          if (auto* r = std::get_if<PointsRule>(&policy_.decls[k])) w = std::max(w, width(number_text(r->points)));
          if (auto* g = std::get_if<GradeMove>(&policy_.decls[k])) w = std::max(w, width(move_text(g->text, g->thirds)));
        }
        align_ = w;
      }
      for (size_t k = i; k < j; ++k) {
        declaration(policy_.decls[k], blank);
        blank = false;
      }
      i = j;
    }
    return render();
  }

 private:
  Policy const& policy_;
  std::string const& text_;
  std::vector<Line> lines_;
  std::vector<uint32_t> comment_begins_;  // sorted
  size_t align_ = 0;

  void add(int indent, std::string text, uint32_t begin, uint32_t end, bool blank = false,
           int comment_indent = -1) {
    Line l;
    l.indent = indent;
    l.text = std::move(text);
    l.begin = begin;
    l.end = std::max(end, begin);
    l.comment_indent = comment_indent < 0 ? indent : comment_indent;
    l.blank_before = blank;
    lines_.push_back(std::move(l));
  }

  // --- source scanning (for the positions the tree does not record) ---

  uint32_t size() const { return uint32_t(text_.size()); }

  // The first code byte at or after `pos`, skipping blanks and comments.
  uint32_t skip_blank(uint32_t pos) const {
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
  uint32_t open_brace(uint32_t from, uint32_t end) const {
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
  uint32_t keyword_before(uint32_t pos, std::string_view kw) const {
    uint32_t p = std::min(pos, size());
    while (p > 0 && (text_[p - 1] == ' ' || text_[p - 1] == '\t' || text_[p - 1] == '\r' ||
                     text_[p - 1] == '\n'))
      --p;
    if (p >= kw.size() && std::string_view(text_).substr(p - kw.size(), kw.size()) == kw)
      return p - uint32_t(kw.size());
    return pos;
  }

  // A comment strictly inside the braces: (brace, end - 1).
  bool comment_inside(uint32_t brace, uint32_t end) const {
    auto it = std::upper_bound(comment_begins_.begin(), comment_begins_.end(), brace);
    return it != comment_begins_.end() && *it + 1 < end;
  }

  // --- blocks ---

  // Opens a block: returns false (after printing `header {}` on one line) when it is empty
  // and holds no comment, in which case the caller prints nothing more.
  bool open_block(int indent, std::string const& header_text, Span span, uint32_t search_from,
                  bool empty, bool blank) {
    uint32_t brace = open_brace(search_from, span.end);
    if (empty && !comment_inside(brace, span.end)) {
      add(indent, header_text + " {}", span.begin, span.end, blank);
      return false;
    }
    add(indent, header_text + " {", span.begin, std::min(brace + 1, span.end), blank);
    return true;
  }

  void close_block(int indent, Span span) {
    uint32_t b = span.end > span.begin ? span.end - 1 : span.begin;
    add(indent, "}", b, span.end, false, indent + 1);
  }

  // --- declarations ---

  void header() {
    if (!policy_.name) return;
    std::string s = "policy " + quoted(*policy_.name);
    uint32_t end = policy_.name_span.end;
    if (policy_.timezone) {
      s += " timezone " + quoted(*policy_.timezone);
      end = std::max(end, policy_.timezone_span.end);
    }
    uint32_t begin = policy_.name_span.begin;
    uint32_t first = skip_blank(text_.starts_with("\xEF\xBB\xBF") ? 3 : 0);  // after a BOM
    if (first < begin && std::string_view(text_).substr(first, 6) == "policy") begin = first;
    add(0, std::move(s), begin, end);
  }

  void declaration(Decl const& d, bool blank) {
    std::visit([&](auto const& x) { decl(x, blank); }, d);
  }

  void decl(SchemaDecl const& s, bool blank) {
    std::string head = s.activity ? "schema activity" : "schema prospect";
    if (!open_block(0, head, s.span, s.span.begin, s.kinds.empty() && s.fields.empty(), blank))
      return;
    struct Item { uint32_t begin; int kind; size_t index; };
    std::vector<Item> items;
    if (!s.kinds.empty()) {
      uint32_t b = s.kinds.front().span.begin;
      items.push_back({keyword_before(b, "kinds"), 0, 0});
    }
    for (size_t i = 0; i < s.fields.size(); ++i) items.push_back({s.fields[i].span.begin, 1, i});
    std::stable_sort(items.begin(), items.end(),
                     [](Item const& a, Item const& b) { return a.begin < b.begin; });
    for (auto const& it : items) {
      if (it.kind == 0) {
        std::string t = "kinds ";
        uint32_t e = it.begin;
        for (size_t i = 0; i < s.kinds.size(); ++i) {
          t += (i ? ", " : "") + s.kinds[i].name;
          e = std::max(e, s.kinds[i].span.end);
        }
        add(1, std::move(t), it.begin, e);
      } else {
        auto const& f = s.fields[it.index];
        add(1, field_text(f), f.span.begin, f.span.end);
      }
    }
    close_block(0, s.span);
  }

  void decl(SetDecl const& d, bool blank) { add(0, set_text(d), d.span.begin, d.span.end, blank); }

  void decl(LetDecl const& d, bool blank) {
    add(0, "let " + d.name.name + " = " + text_of(d.value.get()), d.span.begin, d.span.end, blank);
  }

  void decl(ScoreDecl const& d, bool blank) {
    std::string head = "score " + d.name.name;
    uint32_t from = d.name.span.end;
    if (d.cap) {
      head += " cap " + number_text(*d.cap);
      from = std::max(from, d.cap->span.end);
    }
    if (d.floor) {
      head += " floor " + number_text(*d.floor);
      from = std::max(from, d.floor->span.end);
    }
    if (!open_block(0, head, d.span, from, d.rules.empty(), blank)) return;
    size_t w = 0;
    for (auto const& r : d.rules) w = std::max(w, width(number_text(r.points)));
    for (auto const& r : d.rules) add(1, points_text(r, w), r.span.begin, r.span.end);
    close_block(0, d.span);
  }

  void decl(ScoreBound const& d, bool blank) {
    add(0, std::string(d.is_cap ? "score cap " : "score floor ") + number_text(d.value),
        d.span.begin, d.span.end, blank);
  }

  void decl(PointsRule const& d, bool blank) {
    add(0, points_text(d, align_), d.span.begin, d.span.end, blank);
  }

  void decl(DecayDecl const& d, bool blank) {
    add(0, decay_text(d), d.span.begin, d.span.end, blank);
  }

  void decl(GradeStart const& d, bool blank) {
    add(0, "grade start " + text_of(d.grade.get()), d.span.begin, d.span.end, blank);
  }

  void decl(GradeMove const& d, bool blank) {
    add(0, grade_move_text(d, align_), d.span.begin, d.span.end, blank);
  }

  void decl(ZoneDecl const& d, bool blank) {
    if (!open_block(0, "zone " + d.name.name, d.span, d.name.span.end, d.rows.empty(), blank))
      return;
    for (auto const& r : d.rows)
      add(1, pad(text_of(r.grade.get()), 3) + " " + text_of(r.condition.get()), r.span.begin,
          r.span.end);
    close_block(0, d.span);
  }

  void decl(SegmentDecl const& d, bool blank) {
    add(0, "segment " + d.name.name + " when " + text_of(d.condition.get()), d.span.begin,
        d.span.end, blank);
  }

  void decl(RuleDecl const& d, bool blank) {
    std::string head = "rule " + quoted(d.name);
    switch (d.qualifier) {
      case RuleDecl::Qualifier::Once:
        if (d.qualifier_written) head += " once";
        break;
      case RuleDecl::Qualifier::Always: head += " always"; break;
      case RuleDecl::Qualifier::Every: head += " every " + text_of(d.every.get()); break;
    }
    if (d.max && d.qualifier != RuleDecl::Qualifier::Once) head += " max " + number_text(*d.max);
    head += " when " + text_of(d.condition.get());
    std::string actions = "do ";
    for (size_t i = 0; i < d.actions.size(); ++i)
      actions += (i ? ", " : "") + action_text(d.actions[i]);
    std::string one = head + " " + actions;
    if (width(one) <= kMaxWidth) {
      add(0, std::move(one), d.span.begin, d.span.end, blank);
      return;
    }
    uint32_t cond_end = d.condition ? d.condition->span.end : d.name_span.end;
    uint32_t do_at = d.actions.empty() ? d.span.end : d.actions.front().span.begin;
    do_at = std::max(keyword_before(do_at, "do"), cond_end);
    add(0, std::move(head), d.span.begin, cond_end, blank);
    add(1, std::move(actions), do_at, d.span.end);
  }

  // One record: `prospect { … }`, an activity, `colleague { … }` or `history "r" { … }`.
  void record(int indent, std::string const& head, Span span, uint32_t search_from,
              std::vector<TestField> const& fields, std::vector<TestActivity> const* nested) {
    uint32_t brace = open_brace(search_from, span.end);
    bool has_nested = nested && !nested->empty();
    if (!has_nested && !comment_inside(brace, span.end)) {
      std::string one = head + (fields.empty() ? " {}" : " { ");
      for (size_t i = 0; i < fields.size(); ++i)
        one += (i ? ", " : "") + field_value_text(fields[i]);
      if (!fields.empty()) one += " }";
      if (size_t(indent) * 2 + width(one) <= kMaxWidth) {
        add(indent, std::move(one), span.begin, span.end);
        return;
      }
    }
    add(indent, head + " {", span.begin, std::min(brace + 1, span.end));
    struct Item { uint32_t begin; bool activity; size_t index; };
    std::vector<Item> items;
    for (size_t i = 0; i < fields.size(); ++i) items.push_back({fields[i].span.begin, false, i});
    if (nested)
      for (size_t i = 0; i < nested->size(); ++i) items.push_back({(*nested)[i].span.begin, true, i});
    std::stable_sort(items.begin(), items.end(),
                     [](Item const& a, Item const& b) { return a.begin < b.begin; });
    for (auto const& it : items) {
      if (it.activity) {
        activity(indent + 1, (*nested)[it.index]);
      } else {
        auto const& f = fields[it.index];
        add(indent + 1, field_value_text(f), f.span.begin, f.span.end);
      }
    }
    close_block(indent, span);
  }

  void activity(int indent, TestActivity const& a) {
    record(indent, a.kind.name, a.span, a.kind.span.end, a.fields, nullptr);
  }

  void decl(TestDecl const& t, bool blank) {
    bool empty = !t.now && !t.prospect && t.activities.empty() && t.colleagues.empty() &&
                 t.history.empty() && t.expects.empty();
    if (!open_block(0, "test " + quoted(t.name), t.span, t.name_span.end, empty, blank)) return;
    // The tree keeps the items by kind; print them in source order.
    enum Kind { Now, Prospect, Activity, Colleague, History, Expect };
    struct Item { uint32_t begin; Kind kind; size_t index; };
    std::vector<Item> items;
    if (t.now) items.push_back({keyword_before(t.now->span.begin, "now"), Now, 0});
    if (t.prospect) items.push_back({t.prospect->span.begin, Prospect, 0});
    for (size_t i = 0; i < t.activities.size(); ++i) items.push_back({t.activities[i].span.begin, Activity, i});
    for (size_t i = 0; i < t.colleagues.size(); ++i) items.push_back({t.colleagues[i].span.begin, Colleague, i});
    for (size_t i = 0; i < t.history.size(); ++i) items.push_back({t.history[i].span.begin, History, i});
    for (size_t i = 0; i < t.expects.size(); ++i) items.push_back({t.expects[i].span.begin, Expect, i});
    std::stable_sort(items.begin(), items.end(),
                     [](Item const& a, Item const& b) { return a.begin < b.begin; });
    for (auto const& it : items) {
      switch (it.kind) {
        case Now:
          add(1, "now " + text_of(t.now.get()), it.begin, t.now->span.end);
          break;
        case Prospect:
          record(1, "prospect", t.prospect->span, t.prospect->span.begin, t.prospect->fields,
                 &t.prospect->activities);
          break;
        case Activity: activity(1, t.activities[it.index]); break;
        case Colleague: {
          auto const& c = t.colleagues[it.index];
          record(1, "colleague", c.span, c.span.begin, c.fields, &c.activities);
          break;
        }
        case History: {
          auto const& h = t.history[it.index];
          record(1, "history " + quoted(h.rule), h.span, h.rule_span.end, h.fields, nullptr);
          break;
        }
        case Expect: {
          auto const& x = t.expects[it.index];
          add(1, expect_text(x), x.span.begin, x.span.end);
          break;
        }
      }
    }
    close_block(0, t.span);
  }

  // --- comments and output ---

  std::string render() const {
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

    struct Attached { size_t comment; bool trailing; };
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
        if (o >= 0) attached[size_t(o)].push_back({ci, true});
        else attached[order.front()].push_back({ci, false});
        continue;
      }
      long o = line_at(b);
      if (o >= 0 && b < lines_[size_t(o)].end) {  // inside the code of a line: above it
        attached[size_t(o)].push_back({ci, false});
        continue;
      }
      long n = line_after(b);
      if (n >= 0) attached[size_t(n)].push_back({ci, false});
      else at_end.push_back(ci);
    }

    auto comment_text = [&](size_t ci) {
      std::string_view s = comments[ci].text;
      while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                            s.back() == '\n' || s.back() == '\f' || s.back() == '\v'))
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
};

}  // namespace

std::string format_policy(ast::Policy const& policy, SourceFile const& source) {
  return Formatter(policy, source).run();
}

}  // namespace leadrules
