// Private to runtime/interp: the evaluator behind Interpreter (interpreter.hpp), its values and
// its memo frames. Each part of the evaluator lives in its own file, named at its member
// declarations below; interpreter.cpp holds the public Interpreter on top of it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <unordered_map>

#include <re2/re2.h>

#include "runtime/interp/interpreter.hpp"
#include "stdlib/builtins.hpp"
#include "stdlib/format.hpp"
#include "stdlib/time.hpp"

namespace leadrules::runtime::interp {

using plan::Op;
using plan::Type;

// A value during evaluation. Strings are views into the batch's dictionaries, the plan's
// constants, or the evaluator's scratch storage (which outlives every frame that can see it).
struct Value {
  bool missing = true;
  double num = 0;
  int64_t i = 0;  // Time, Duration (micros), Grade, Bool (0/1)
  std::string_view str;
  Column const* list_col = nullptr;  // StringList from a column ...
  uint32_t list_row = 0;
  std::vector<std::string> const* list_const = nullptr;  // ... or from a constant

  static Value none() { return {}; }
  static Value number(double d) {
    Value v;
    if (!std::isfinite(d)) return v;  // x/0, overflow: missing
    v.missing = false;
    v.num = d;
    return v;
  }
  static Value integer(int64_t x) {
    Value v;
    v.missing = false;
    v.i = x;
    return v;
  }
  static Value boolean(bool b) { return integer(b ? 1 : 0); }
  static Value string(std::string_view s) {
    Value v;
    v.missing = false;
    v.str = s;
    return v;
  }
};

// Kleene truth: 1 true, 0 false, -1 unknown.
inline int8_t truth(Value const& v) { return v.missing ? int8_t(-1) : int8_t(v.i != 0); }

inline size_t list_size(Value const& v) {
  if (v.list_const) return v.list_const->size();
  if (v.list_col) return v.list_col->list_offsets[v.list_row + 1] - v.list_col->list_offsets[v.list_row];
  return 0;
}
inline std::string_view list_item(Value const& v, size_t k) {
  if (v.list_const) return (*v.list_const)[k];
  uint32_t code = v.list_col->list_codes[v.list_col->list_offsets[v.list_row] + k];
  return v.list_col->dict->at(code);
}

inline std::optional<int64_t> checked_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}
inline std::optional<int64_t> checked_sub(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) return std::nullopt;
  return r;
}
// A duration computed in doubles, rounded to the microsecond (half away from zero).
inline Value duration_from_double(double micros) {
  if (!std::isfinite(micros) || std::fabs(micros) >= 9.2e18) return Value::none();
  return Value::integer(int64_t(std::llround(micros)));
}

// Evaluation state of one prospect at one instant: the memo of its declarations.
struct Frame {
  size_t row = 0;
  int64_t now = 0;
  std::vector<Value> lets;
  std::vector<uint8_t> let_done;
  std::vector<double> blocks;
  std::vector<uint8_t> block_done;
  std::vector<PointsWhy> points;  // per plan.points, once its block is computed
  bool total_done = false;
  double total = 0;
  bool grade_done = false;
  int grade = 0;
  std::vector<int8_t> grade_outcomes;
  std::vector<int8_t> segments;  // -1 not computed, 0/1
  std::vector<int32_t> zone_rows;
  bool rules_done = false;
  std::vector<uint8_t> fires;  // per rule
};

class Evaluator {
 public:
  Evaluator(plan::Plan const& plan, Interpreter const& interp, stdlib::TimeZone const& zone,
            Batch const& batch)
      : plan_(plan), zone_(zone), batch_(batch) {
    (void)interp;
    regex_cache_.resize(plan.nodes.size());
  }

  // evaluator.cpp: frames, values, the expression dispatch and arithmetic.
  // Colleagues: rows with the same account, in input order.
  void index_accounts();
  // The memo frame of one prospect at one instant, made on first use.
  Frame& frame(size_t row, int64_t now);
  void forget_frames();
  Value column_value(Column const& col, size_t row);
  Value constant(plan::Constant const& c);
  Value eval(int32_t index, Frame& f, int64_t act);
  Value arith(plan::Node const& n, Frame& f, int64_t act);
  int compare(Value const& a, Value const& b, Type t) {
    switch (t) {
      case Type::Number: return a.num < b.num ? -1 : a.num > b.num ? 1 : 0;
      case Type::String: {
        int c = a.str.compare(b.str);
        return c < 0 ? -1 : c > 0 ? 1 : 0;
      }
      default: return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
    }
  }
  // Keeps a computed string alive for as long as the frames that can see it.
  std::string_view keep(std::string s) {
    scratch_.push_back(std::move(s));
    return scratch_.back();
  }

  // declarations.cpp: lets, points, blocks, the total, the grade, segments and zones.
  Value let(Frame& f, int32_t i);
  double decay_factor(int64_t age) const;
  template <class Fn>
  void for_matching(Frame& f, int32_t kind, int32_t where, int32_t within, int64_t outer, Fn fn);
  // The activities a `per` rule counts: kind, window, condition, then `once per`.
  std::vector<uint32_t> rule_matches(Frame& f, int32_t index);
  PointsWhy rule_points(Frame& f, int32_t index);
  double block(Frame& f, int32_t b);
  double total(Frame& f);
  int grade(Frame& f);
  bool segment(Frame& f, int32_t s);

  // rules.cpp: rules, their firing history, actions and a prospect's whole result.
  FiringRecord const* history(size_t row, int32_t rule) const;
  bool qualifies(plan::Rule const& r, size_t row, int32_t index, int64_t now) const;
  void rules(Frame& f);
  ProspectResult result(size_t row, int64_t now, bool explain);
  plan::Constant node_value(size_t row, int64_t now, int32_t node);

  // builtins.cpp: builtin functions and regular expressions.
  bool regex_match(int32_t node_index, plan::Node const& n, Value const& s, Frame& f, int64_t act);
  Value call(plan::Node const& n, Frame& f, int64_t act);

  // aggregates.cpp: activity and colleague aggregates.
  Value activity_agg(plan::Node const& n, Frame& f, int64_t outer);
  Value colleague_agg(plan::Node const& n, Frame& f);

  // printing.cpp: values as text (action arguments, templates) and as plan constants.
  std::string print(Value const& v, Type t);
  std::string print_node(int32_t node, Value const& v);
  std::string render(plan::Template const& t, Frame& f, int64_t act);
  plan::Constant to_constant(Value const& v, Type t);

  std::vector<std::vector<uint32_t>> const& account_rows() const { return account_rows_; }

 private:
  plan::Plan const& plan_;
  stdlib::TimeZone const& zone_;
  Batch const& batch_;
  std::map<std::pair<size_t, int64_t>, std::unique_ptr<Frame>> frames_;
  std::deque<std::string> scratch_;
  std::vector<std::vector<int8_t>> regex_cache_;  // per Match node: per dictionary code
  std::vector<std::vector<uint32_t>> account_rows_;
};

// Activities of the frame's prospect that match a kind, the window and a condition, in input
// order. Activities after `now` are invisible.
// `outer` is the activity in scope where the aggregate is written (an aggregate nested in a
// `where`): its window is evaluated there, so it may read that activity's fields.
template <class Fn>
void Evaluator::for_matching(Frame& f, int32_t kind, int32_t where, int32_t within, int64_t outer, Fn fn) {
  uint32_t begin = batch_.act_offsets[f.row], end = batch_.act_offsets[f.row + 1];
  int64_t from = std::numeric_limits<int64_t>::min();
  if (within >= 0) {
    Value w = eval(within, f, outer);
    if (w.missing) return;  // an unknown window matches nothing
    auto lo = checked_sub(f.now, w.i);
    from = lo ? *lo : std::numeric_limits<int64_t>::min();
  }
  for (uint32_t a = begin; a < end; ++a) {
    if (kind >= 0 && batch_.act_kind[a] != uint16_t(kind)) continue;
    int64_t at = batch_.act_at[a];
    if (at > f.now || at < from) continue;
    if (where >= 0 && truth(eval(where, f, int64_t(a))) != 1) continue;
    fn(a);
  }
}

}  // namespace leadrules::runtime::interp
