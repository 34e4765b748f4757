// The parsed syntax tree of a policy: exactly what was written, with byte spans into the source.
// Nothing here is resolved or typed; the checker (compiler/) turns it into a plan.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace leadrules::ast {

// Byte offsets [begin, end) into the source text; line and column come from SourceFile.
struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;
};

struct Ident {
  std::string name;
  Span span;
};

enum class BinOp : uint8_t {
  Add,
  Sub,
  Mul,
  Div,
  Coalesce,  // ??
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  Match,
  IMatch,  // ~  ~*
  In,      // x in SET / x in {..} / "v" in tags
  Within,  // t within d
  And,
  Or,
};
enum class UnOp : uint8_t { Neg, Not };

// Activity aggregates: count(X ...), any X ..., no X ..., last(X ...), first(X ...).
// Colleague aggregates: count(colleague where C), any colleague where C, sum/min/max(colleague, E).
enum class AggFn : uint8_t { Count, Any, No, Last, First, Sum, Min, Max };

enum class ExprKind : uint8_t {
  Number,        // number, text = as written
  String,        // text = the unescaped value
  Bool,          // boolean
  Duration,      // micros; text = as written ("48h")
  Time,          // micros since the epoch (UTC); text = as written without '@'
  Grade,         // grade 0 (F) .. 12 (A+); text = as written
  Now,           // the keyword `now`: the evaluation instant
  Name,          // text = identifier (a field, let, set, score block, segment, zone, `score`, `grade`)
  Unary,         // un, args[0]
  Binary,        // bin, args[0], args[1]
  SetLiteral,    // {"a", "b"}: args are String nodes (only right of `in`)
  List,          // ["a", "b"]: args (test values only)
  Call,          // text = function name, args
  ActivityAgg,   // agg, kind (activity kind or "activity"), where?, within?
  ColleagueAgg,  // agg; Count/Any: where = condition; Sum/Min/Max: args[0] = value
  Past,          // args[0] = expression, args[1] = Duration node
  Template,      // an interpolated string (action arguments, `set` values): pieces
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// One piece of an interpolated string: literal text, or `{expr}` / `{expr|fallback}`.
struct TemplatePiece {
  std::string text;                     // literal text (braces already unescaped)
  ExprPtr expr;                         // null for a literal piece
  std::optional<std::string> fallback;  // `|text`, used where expr is missing
};

struct Expr {
  ExprKind kind{};
  Span span;
  bool parenthesized = false;  // written inside ( ) by the user (fmt keeps them)
  double number = 0;
  int64_t micros = 0;
  int grade = 0;
  bool boolean = false;
  std::string text;
  BinOp bin{};
  UnOp un{};
  AggFn agg{};
  Ident kind_name;  // ActivityAgg: the activity kind, or "activity" for any kind
  ExprPtr where;    // aggregate condition
  ExprPtr within;   // aggregate window (a duration expression)
  std::vector<ExprPtr> args;
  std::vector<TemplatePiece> pieces;
};

// ---------------------------------------------------------------------------------------------
// Declarations

struct TypeRef {
  enum class Base : uint8_t { String, Number, Bool, Time, Duration, Grade };
  Base base = Base::String;
  bool list = false;      // [string]
  bool optional = false;  // T?
  Span span;
};

struct FieldDecl {
  Ident name;
  TypeRef type;
  ExprPtr default_value;             // `= literal`
  std::optional<std::string> from;   // `from "Column"`
  std::vector<std::string> missing;  // `missing "Select", "N/A"`
  Span span;
};

struct SchemaDecl {
  bool activity = false;     // schema activity { ... } vs schema prospect { ... }
  std::vector<Ident> kinds;  // activity only
  std::vector<FieldDecl> fields;
  Span span;
};

struct SetDecl {
  Ident name;
  std::vector<std::string> values;  // literal members
  std::vector<Span> value_spans;
  std::optional<std::string> file;  // file("path"), relative to the policy
  Span file_span;                   // the path's string literal
  Span span;
};

struct LetDecl {
  Ident name;
  ExprPtr value;
  Span span;
};

struct Number {  // a signed number as written (points, caps, floors)
  double value = 0;
  std::string text;
  Span span;
};

struct PointsRule {
  Number points;                  // +N / -N
  bool per = false;               // `per X` (activity rule) vs `if C`
  Ident kind;                     // per: activity kind or "activity"
  ExprPtr where;                  // per: optional condition
  ExprPtr within;                 // per: optional window (duration expression)
  std::optional<Ident> once_per;  // per: `once per FIELD`
  ExprPtr condition;              // if: the condition
  std::optional<Number> cap;
  Span span;  // the whole rule
};

struct ScoreDecl {
  Ident name;
  std::optional<Number> cap;
  std::optional<Number> floor;
  std::vector<PointsRule> rules;
  Span span;
};

// Top-level `score cap M` / `score floor F`: bounds of the total.
struct ScoreBound {
  bool is_cap = true;
  Number value;
  Span span;
};

struct DecayDecl {
  Number percent;       // 50 for 50%
  bool linear = false;  // `per D` instead of `after D`
  ExprPtr duration;     // a Duration node
  Span span;
};

struct GradeStart {
  ExprPtr grade;  // a Grade node
  Span span;
};

// `grade +1/3 if C else -1/3`; moves are in thirds of a letter.
struct GradeMove {
  int thirds = 0;
  std::string text;  // as written: "+1/3", "-1", "+4/3"
  ExprPtr condition;
  std::optional<int> else_thirds;
  std::string else_text;
  Span span;
};

struct ZoneRow {
  ExprPtr grade;  // a Grade node
  ExprPtr condition;
  Span span;
};

struct ZoneDecl {
  Ident name;
  std::vector<ZoneRow> rows;
  Span span;
};

struct SegmentDecl {
  Ident name;
  ExprPtr condition;
  Span span;
};

struct Action {
  Ident name;                  // builtin action name, or "set"
  std::vector<ExprPtr> args;   // string literal arguments arrive as Template nodes
  std::optional<Ident> field;  // set FIELD = value
  ExprPtr value;               // set: the value (a Template for a string literal)
  Span span;
};

struct RuleDecl {
  enum class Qualifier : uint8_t { Once, Always, Every };
  std::string name;
  Span name_span;
  Qualifier qualifier = Qualifier::Once;
  bool qualifier_written = false;  // `once` written explicitly
  ExprPtr every;                   // Every: a Duration node
  std::optional<Number> max;       // `max N`
  ExprPtr condition;
  std::vector<Action> actions;
  Span span;
};

// ---------------------------------------------------------------------------------------------
// Tests

struct TestField {  // `name: value`
  Ident name;
  ExprPtr value;  // a literal, a List, or a signed Duration (relative time)
  Span span;
};

struct TestActivity {  // `visit { page: "/pricing", at: -2d }`
  Ident kind;
  std::vector<TestField> fields;
  Span span;
};

struct TestProspect {  // `prospect { ... }` or `colleague { ... }`
  std::vector<TestField> fields;
  std::vector<TestActivity> activities;  // nested activities (colleague blocks)
  Span span;
};

struct TestHistory {  // `history "rule" { count: 1, last: -3d }`
  std::string rule;
  Span rule_span;
  std::vector<TestField> fields;
  Span span;
};

struct Expect {
  enum class Kind : uint8_t { Condition, Set, Action };
  Kind kind = Kind::Condition;
  ExprPtr condition;             // Condition (may use fired("rule"))
  std::optional<Ident> field;    // Set: `expect set F == V`
  ExprPtr value;                 // Set: V
  std::optional<Action> action;  // Action: `expect action notify("a", "b")`
  Span span;
};

struct TestDecl {
  std::string name;
  Span name_span;
  ExprPtr now;  // a Time node, or null (default @2026-01-01T00:00:00Z)
  std::optional<TestProspect> prospect;
  std::vector<TestActivity> activities;  // of the prospect under test
  std::vector<TestProspect> colleagues;
  std::vector<TestHistory> history;
  std::vector<Expect> expects;
  Span span;
};

// ---------------------------------------------------------------------------------------------

using Decl = std::variant<SchemaDecl, SetDecl, LetDecl, ScoreDecl, ScoreBound, PointsRule, DecayDecl,
                          GradeStart, GradeMove, ZoneDecl, SegmentDecl, RuleDecl, TestDecl>;

struct Comment {
  std::string text;  // from '#' to the end of the line, '#' included
  Span span;
};

// Declared outside Policy: clang (and so clang-tidy) cannot emplace an optional of a nested
// struct with default member initialisers inside its still incomplete enclosing class.
struct UnparsedNames {
  std::set<std::string> names;  // lets, sets, score blocks, segments, zones
  std::set<std::string> rules;  // rule names
  bool schema = false;          // a schema failed: no name can be checked
};

struct Policy {
  std::optional<std::string> name;  // policy "Name"
  Span name_span;
  std::optional<std::string> timezone;  // timezone "Asia/Tokyo"
  Span timezone_span;
  std::vector<Decl> decls;        // in source order
  std::vector<Comment> comments;  // every comment, in source order (for fmt)

  // A partial tree (parse_policy_partial after syntax errors): what the declarations that failed
  // to parse would have declared, so that checking the rest does not call those names unknown.
  using Unparsed = UnparsedNames;
  std::optional<Unparsed> unparsed;  // empty when the whole text parsed
};

}  // namespace leadrules::ast
