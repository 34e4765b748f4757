// The checked policy ("plan"): every name resolved, every expression typed, declarations in
// dependency order. This is all an engine sees — the interpreter and the JIT read the plan, never
// the syntax tree, and nothing here knows how the policy was written (cel-cpp's checked AST).
// A plan is immutable once built and safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace leadrules::plan {

enum class Type : uint8_t { Number, String, Bool, Time, Duration, Grade, StringList };
std::string_view type_name(Type t);

constexpr int kGradeF = 0, kGradeD = 2, kGradeAPlus = 12;  // F D- D D+ C- C C+ B- B B+ A- A A+
std::string_view grade_name(int grade);                    // "B+"

// A literal value: defaults, constants of expressions, test data.
struct Constant {
  Type type = Type::Number;
  bool missing = false;
  double number = 0;              // Number
  int64_t micros = 0;             // Time (since the epoch), Duration
  int grade = 0;                  // Grade
  bool boolean = false;           // Bool
  std::string text;               // String; for Duration the text as written ("48h")
  std::vector<std::string> list;  // StringList
};

// ---------------------------------------------------------------------------------------------
// Schema

struct Field {
  std::string name;
  Type type = Type::String;
  bool optional = false;
  std::optional<Constant> default_value;
  std::string column;                       // input column / JSON key (`from "..."`, else name)
  std::vector<std::string> missing_values;  // `missing "Select"`: read as missing
};

struct Schema {
  std::vector<Field> prospect;     // index = prospect field id
  std::vector<std::string> kinds;  // index = activity kind id
  std::vector<Field> activity;     // declared activity fields (`at`, `type` implicit)
  int32_t id_field = -1;
  int32_t account_field = -1;  // -1: no colleagues
  bool has_activities = false;

  int32_t prospect_field(std::string_view name) const;
  int32_t activity_field(std::string_view name) const;
  int32_t kind(std::string_view name) const;
};

// ---------------------------------------------------------------------------------------------
// Expressions: nodes in one array, children by index (-1 = none).

enum class Op : uint8_t {
  Const,     // constants[index]
  Now,       // the evaluation instant (moved by past())
  Field,     // prospect field `index` (of the prospect in scope: colleague aggregates move it)
  ActField,  // field `index` of the activity in scope (inside an activity aggregate / points rule)
  ActAt,     // the activity's `at`
  ActType,   // the activity's kind name (a String)
  Let,       // lets[index]
  Block,     // the score block blocks[index]
  Total,     // `score`
  Grade,     // `grade`
  Segment,   // segments[index] (a zone is a segment)
  Neg,       // -a (Number, Duration)
  Not,       // Kleene not
  And,
  Or,        // Kleene and/or over args (left to right)
  Arith,     // sub = Arith: a op b, typed by the node's and operands' types
  Coalesce,  // a ?? b
  Compare,   // sub = Cmp; operands of one type (args' type), result Bool (unknown if missing)
  Match,     // regexes[index] against a (String)
  InSet,     // a in sets[index]
  InList,    // a (String) in b (StringList)
  Within,    // a (Time) within b (Duration): now - b <= a <= now
  Call,      // sub = Builtin, args
  ActAgg,    // sub = Agg over activities of kind `index` (-1: any); a = where, b = within
  ColAgg,    // sub = Agg over colleagues; a = condition (Count/Any) or value (Sum/Min/Max)
  Past,      // a evaluated at now - imm (micros)
  Fired,     // tests only: rule `index` fires in this evaluation
  Template,  // templates[index], a String
};

enum class Arith : uint8_t { Add, Sub, Mul, Div };
enum class Cmp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge };
enum class Agg : uint8_t { Count, Any, No, Last, First, Sum, Min, Max };
enum class Builtin : uint8_t {
  Lower,
  Upper,
  Len,
  Contains,
  StartsWith,
  EndsWith,
  Domain,
  Min,
  Max,
  Abs,
  Round,
  Clamp,
  Since,
  DaysSince,
  Hour,
  Weekday,
  Present,
};

struct Node {
  Op op = Op::Const;
  Type type = Type::Bool;         // the node's result type
  uint8_t sub = 0;                // Arith / Cmp / Agg / Builtin
  int32_t a = -1, b = -1;         // operands (see Op)
  int32_t index = -1;             // field / let / block / segment / set / regex / kind / ...
  int64_t imm = 0;                // Past: micros
  std::vector<int32_t> args;      // And, Or, Call, Compare (2)
  uint32_t line = 0, column = 0;  // where it was written (explain, runtime messages)
  uint32_t begin = 0, end = 0;    // its text: bytes [begin, end) of the plan's source_text
};

struct Template {
  struct Piece {
    std::string text;   // literal text
    int32_t expr = -1;  // or an expression
    bool has_fallback = false;
    std::string fallback;  // `{x|text}`
  };
  std::vector<Piece> pieces;
};

struct Regex {
  std::string pattern;
  bool case_insensitive = false;
  std::shared_ptr<re2::RE2 const> re;  // compiled at check time (RE2 is thread-safe to match)
};

struct Set {
  std::string name;                 // "" for an inline {..} literal
  std::string file;                 // file("...") as written, "" for inline values
  std::vector<std::string> values;  // sorted, unique
  bool contains(std::string_view v) const;
};

// ---------------------------------------------------------------------------------------------
// Declarations

struct Let {
  std::string name;
  int32_t expr = -1;
  Type type = Type::Number;
  uint32_t line = 0;
};

struct PointsRule {
  int32_t block = -1;
  double points = 0;
  bool per = false;        // per activity (decayed) vs if (once)
  int32_t kind = -1;       // per: activity kind, -1 = any activity
  int32_t where = -1;      // per: condition node over the activity
  int32_t within = -1;     // per: window node (Duration)
  int32_t once_per = -1;   // per: activity field id for `once per FIELD`
  int32_t condition = -1;  // if: condition node
  std::optional<double> cap;
  uint32_t line = 0;
  std::string source;  // the rule as written, for explain
};

struct ScoreBlock {
  std::string name;            // "score" for the implicit top-level block
  std::vector<int32_t> rules;  // indexes into Plan::points, source order
  std::optional<double> cap, floor;
  uint32_t line = 0;
};

struct Decay {
  enum class Kind : uint8_t { None, Steps, Linear };
  Kind kind = Kind::None;
  struct Step {
    int64_t after = 0;
    double factor = 1;
  };                        // factor = 1 - P/100
  std::vector<Step> steps;  // sorted by `after`, ascending
  double percent = 0;       // Linear: P
  int64_t per = 0;          // Linear: D (micros)
};

struct GradeMove {
  int thirds = 0;
  bool has_else = false;
  int else_thirds = 0;
  int32_t condition = -1;
  uint32_t line = 0;
  std::string source;
};

struct Segment {
  std::string name;
  bool zone = false;
  int32_t condition = -1;  // segment
  struct Row {
    int grade = 0;
    int32_t condition = -1;
    uint32_t line = 0;
  };
  std::vector<Row> rows;  // zone
  uint32_t line = 0;
};

enum class ActionKind : uint8_t {
  AddToList,
  RemoveFromList,
  Tag,
  Untag,
  Notify,
  Task,
  Flag,
  Enroll,
  Set,
};
std::string_view action_name(ActionKind k);

// Prints a value as interpolation and action arguments show it (fine print 7 and 8): lists
// joined by ", ", missing as "", durations as written.
std::string print_constant(Constant const& c);

struct Action {
  ActionKind kind = ActionKind::Flag;
  std::vector<int32_t> args;  // nodes (Template for string literals); Set: the value
  int32_t field = -1;         // Set: prospect field id
  uint32_t line = 0;
};

struct Rule {
  enum class Qualifier : uint8_t { Once, Always, Every };
  std::string name;
  Qualifier qualifier = Qualifier::Once;
  int64_t every = 0;           // Every: micros
  std::optional<int64_t> max;  // `max N`
  int32_t condition = -1;
  std::vector<Action> actions;
  uint32_t line = 0;
};

// ---------------------------------------------------------------------------------------------
// Tests (`leadrules test`): data resolved against the schema, times made absolute.

struct TestActivity {
  int32_t kind = -1;
  int64_t at = 0;
  std::vector<std::pair<int32_t, Constant>> fields;  // activity field id -> value
};

struct TestProspect {
  std::vector<std::pair<int32_t, Constant>> fields;  // prospect field id -> value
  std::vector<TestActivity> activities;
};

struct TestHistory {
  int32_t rule = -1;
  int64_t count = 0;
  std::optional<int64_t> last;
};

struct Expect {
  enum class Kind : uint8_t { Condition, Set, Action };
  Kind kind = Kind::Condition;
  int32_t condition = -1;  // Condition
  int32_t field = -1;      // Set
  Constant value;          // Set
  ActionKind action = ActionKind::Flag;
  std::vector<std::string> action_args;  // Action: arguments as they print
  uint32_t line = 0;
  std::string source;
  // A failing expect shows these values: the operands of a comparison, or the condition itself.
  std::vector<std::pair<std::string, int32_t>> shown;  // (source text, node)
};

struct Test {
  std::string name;
  int64_t now = 0;
  TestProspect prospect;
  std::vector<TestProspect> colleagues;
  std::vector<TestHistory> history;
  std::vector<Expect> expects;
  uint32_t line = 0;
};

// ---------------------------------------------------------------------------------------------

// A declaration in evaluation order (its dependencies come first).
struct DeclRef {
  enum class Kind : uint8_t { Let, Block, Total, Grade, Segment };
  Kind kind;
  int32_t index;  // Total, Grade: 0
};

// Set files given with the policy instead of read from disk (a rule set compiled ahead of time
// carries its own): file("...") as written, and the file's text.
using SetFiles = std::vector<std::pair<std::string, std::string>>;

struct Plan {
  std::string name;  // policy "Name"
  std::string timezone = "UTC";
  std::string source_path;
  std::string source_text;  // the policy as checked (why-not quotes its conditions)
  Schema schema;

  std::vector<Node> nodes;
  std::vector<Constant> constants;
  std::vector<Template> templates;
  std::vector<Regex> regexes;
  std::vector<Set> sets;

  std::vector<Let> lets;
  std::vector<PointsRule> points;
  std::vector<ScoreBlock> blocks;  // source order (the implicit block at its first rule)
  std::optional<double> total_cap, total_floor;
  Decay decay;
  int grade_start = kGradeD;
  std::vector<GradeMove> grade_moves;
  std::vector<Segment> segments;  // segments and zones, declaration order
  std::vector<Rule> rules;
  std::vector<Test> tests;

  std::vector<DeclRef> order;    // lets, blocks, total, grade, segments in dependency order
  bool uses_colleagues = false;  // any colleague aggregate anywhere
  bool uses_past = false;

  int32_t rule_index(std::string_view name) const;
  int32_t segment_index(std::string_view name) const;
};

}  // namespace leadrules::plan
