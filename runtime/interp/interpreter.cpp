#include "runtime/interp/interpreter.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <unordered_map>

#include <re2/re2.h>

#include "stdlib/builtins.hpp"
#include "stdlib/format.hpp"
#include "stdlib/time.hpp"

namespace leadrules::runtime {

using plan::Op;
using plan::Type;

struct Interpreter::Statics {
  stdlib::TimeZone zone;
  explicit Statics(plan::Plan const& p) : zone(p.timezone) {}
};

namespace {

// A value during evaluation. Strings are views into the batch's dictionaries, the plan's
// constants, or the evaluator's scratch storage (which outlives every frame that can see it).
struct Value {
  bool missing = true;
  double num = 0;
  int64_t i = 0;                       // Time, Duration (micros), Grade, Bool (0/1)
  std::string_view str;
  Column const* list_col = nullptr;    // StringList from a column ...
  uint32_t list_row = 0;
  std::vector<std::string> const* list_const = nullptr;   // ... or from a constant

  static Value none() { return {}; }
  static Value number(double d) {
    Value v;
    if (!std::isfinite(d)) return v;   // x/0, overflow: missing
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
int8_t truth(Value const& v) { return v.missing ? int8_t(-1) : int8_t(v.i != 0); }

size_t list_size(Value const& v) {
  if (v.list_const) return v.list_const->size();
  if (v.list_col) return v.list_col->list_offsets[v.list_row + 1] - v.list_col->list_offsets[v.list_row];
  return 0;
}
std::string_view list_item(Value const& v, size_t k) {
  if (v.list_const) return (*v.list_const)[k];
  uint32_t code = v.list_col->list_codes[v.list_col->list_offsets[v.list_row] + k];
  return v.list_col->dict->at(code);
}

std::optional<int64_t> checked_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}
std::optional<int64_t> checked_sub(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) return std::nullopt;
  return r;
}
// A duration computed in doubles, rounded to the microsecond (half away from zero).
Value duration_from_double(double micros) {
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
  std::vector<PointsWhy> points;       // per plan.points, once its block is computed
  bool total_done = false;
  double total = 0;
  bool grade_done = false;
  int grade = 0;
  std::vector<int8_t> grade_outcomes;
  std::vector<int8_t> segments;        // -1 not computed, 0/1
  std::vector<int32_t> zone_rows;
  bool rules_done = false;
  std::vector<uint8_t> fires;          // per rule
};

class Evaluator {
 public:
  Evaluator(plan::Plan const& plan, Interpreter const& interp, stdlib::TimeZone const& zone,
            Batch const& batch)
      : plan_(plan), zone_(zone), batch_(batch) {
    (void)interp;
    regex_cache_.resize(plan.nodes.size());
  }

  // Colleagues: rows with the same account, in input order.
  void index_accounts() {
    auto const& schema = plan_.schema;
    if (schema.account_field < 0 || !plan_.uses_colleagues) return;
    auto const& col = batch_.fields[size_t(schema.account_field)];
    account_rows_.assign(col.dict->size(), {});
    for (size_t r = 0; r < batch_.rows; ++r)
      if (col.is_present(r)) account_rows_[col.codes[r]].push_back(uint32_t(r));
  }

  Frame& frame(size_t row, int64_t now) {
    auto key = std::make_pair(row, now);
    auto it = frames_.find(key);
    if (it != frames_.end()) return *it->second;
    auto f = std::make_unique<Frame>();
    f->row = row;
    f->now = now;
    f->lets.resize(plan_.lets.size());
    f->let_done.assign(plan_.lets.size(), 0);
    f->blocks.assign(plan_.blocks.size(), 0);
    f->block_done.assign(plan_.blocks.size(), 0);
    f->points.resize(plan_.points.size());
    f->segments.assign(plan_.segments.size(), -1);
    f->zone_rows.assign(plan_.segments.size(), -1);
    auto& ref = *f;
    frames_.emplace(key, std::move(f));
    return ref;
  }

  void forget_frames() {
    frames_.clear();
    scratch_.clear();
  }

  // --- declarations ------------------------------------------------------------------------

  Value let(Frame& f, int32_t i) {
    if (!f.let_done[size_t(i)]) {
      f.lets[size_t(i)] = eval(plan_.lets[size_t(i)].expr, f, -1);
      f.let_done[size_t(i)] = 1;
    }
    return f.lets[size_t(i)];
  }

  double decay_factor(int64_t age) const {
    auto const& d = plan_.decay;
    switch (d.kind) {
      case plan::Decay::Kind::None: return 1.0;
      case plan::Decay::Kind::Steps: {
        double factor = 1.0;
        for (auto const& s : d.steps)   // ascending: the largest `after` the age exceeds wins
          if (age > s.after) factor = s.factor;
        return factor;
      }
      case plan::Decay::Kind::Linear: {
        double f = 1.0 - (d.percent / 100.0) * (double(age) / double(d.per));
        return f > 0.0 ? f : 0.0;
      }
    }
    return 1.0;
  }

  // Activities of the frame's prospect that match a kind, the window and a condition, in input
  // order. Activities after `now` are invisible.
  template <class Fn>
  // `outer` is the activity in scope where the aggregate is written (an aggregate nested in a
  // `where`): its window is evaluated there, so it may read that activity's fields.
  void for_matching(Frame& f, int32_t kind, int32_t where, int32_t within, int64_t outer, Fn fn) {
    uint32_t begin = batch_.act_offsets[f.row], end = batch_.act_offsets[f.row + 1];
    int64_t from = std::numeric_limits<int64_t>::min();
    if (within >= 0) {
      Value w = eval(within, f, outer);
      if (w.missing) return;   // an unknown window matches nothing
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

  PointsWhy rule_points(Frame& f, int32_t index) {
    auto const& r = plan_.points[size_t(index)];
    PointsWhy why;
    why.rule = index;
    double total = 0;
    if (r.per) {
      std::vector<uint32_t> matches;
      for_matching(f, r.kind, r.where, r.within, -1, [&](uint32_t a) { matches.push_back(a); });
      if (r.once_per >= 0 && !matches.empty()) {
        // Only the most recent activity of each distinct value counts (ties: later in input).
        auto const& col = batch_.act_fields[size_t(r.once_per)];
        std::unordered_map<uint64_t, uint32_t> best;   // value key -> activity
        auto key_of = [&](uint32_t a) -> uint64_t {
          switch (col.type) {
            case Type::String: return col.codes[a];
            case Type::Number: { double d = col.numbers[a]; uint64_t k; std::memcpy(&k, &d, 8); return k; }
            case Type::Bool: return col.bools[a];
            case Type::Grade: return uint64_t(col.grades[a]);
            default: return uint64_t(col.micros[a]);
          }
        };
        for (uint32_t a : matches) {
          if (!col.is_present(a)) continue;
          auto [it, fresh] = best.emplace(key_of(a), a);
          if (!fresh && batch_.act_at[a] >= batch_.act_at[it->second]) it->second = a;
        }
        std::vector<uint32_t> kept;
        for (uint32_t a : matches)
          if (!col.is_present(a) || best[key_of(a)] == a) kept.push_back(a);
        matches.swap(kept);
      }
      for (uint32_t a : matches) total += r.points * decay_factor(f.now - batch_.act_at[a]);
      why.matches = uint32_t(matches.size());
    } else if (truth(eval(r.condition, f, -1)) == 1) {
      total = r.points;
      why.matches = 1;
    }
    if (r.cap) {
      double bounded = r.points >= 0 ? std::min(total, *r.cap) : std::max(total, -*r.cap);
      why.capped = bounded != total;
      total = bounded;
    }
    why.points = total;
    return why;
  }

  double block(Frame& f, int32_t b) {
    if (!f.block_done[size_t(b)]) {
      auto const& blk = plan_.blocks[size_t(b)];
      double sum = 0;
      for (int32_t r : blk.rules) {
        f.points[size_t(r)] = rule_points(f, r);
        sum += f.points[size_t(r)].points;
      }
      if (blk.cap) sum = std::min(sum, *blk.cap);
      if (blk.floor) sum = std::max(sum, *blk.floor);
      f.blocks[size_t(b)] = sum;
      f.block_done[size_t(b)] = 1;
    }
    return f.blocks[size_t(b)];
  }

  double total(Frame& f) {
    if (!f.total_done) {
      double sum = 0;
      for (size_t b = 0; b < plan_.blocks.size(); ++b) sum += block(f, int32_t(b));
      if (plan_.total_cap) sum = std::min(sum, *plan_.total_cap);
      if (plan_.total_floor) sum = std::max(sum, *plan_.total_floor);
      f.total = sum;
      f.total_done = true;
    }
    return f.total;
  }

  int grade(Frame& f) {
    if (!f.grade_done) {
      int thirds = 0;
      f.grade_outcomes.assign(plan_.grade_moves.size(), -1);
      for (size_t m = 0; m < plan_.grade_moves.size(); ++m) {
        auto const& mv = plan_.grade_moves[m];
        int8_t t = truth(eval(mv.condition, f, -1));
        f.grade_outcomes[m] = t;
        if (t == 1) thirds += mv.thirds;
        else if (t == 0 && mv.has_else) thirds += mv.else_thirds;
      }
      f.grade = std::clamp(plan_.grade_start + thirds, plan::kGradeF, plan::kGradeAPlus);
      f.grade_done = true;
    }
    return f.grade;
  }

  bool segment(Frame& f, int32_t s) {
    if (f.segments[size_t(s)] < 0) {
      auto const& seg = plan_.segments[size_t(s)];
      bool holds = false;
      if (!seg.zone) {
        holds = truth(eval(seg.condition, f, -1)) == 1;
      } else {
        int g = grade(f);
        for (size_t r = 0; r < seg.rows.size(); ++r)
          if (g >= seg.rows[r].grade && truth(eval(seg.rows[r].condition, f, -1)) == 1) {
            holds = true;
            f.zone_rows[size_t(s)] = int32_t(r);
            break;
          }
      }
      f.segments[size_t(s)] = holds ? 1 : 0;
    }
    return f.segments[size_t(s)] == 1;
  }

  FiringRecord const* history(size_t row, int32_t rule) const {
    for (uint32_t h = batch_.history_offsets[row]; h < batch_.history_offsets[row + 1]; ++h)
      if (batch_.history[h].rule == rule) return &batch_.history[h];
    return nullptr;
  }

  bool qualifies(plan::Rule const& r, size_t row, int32_t index, int64_t now) const {
    auto const* h = history(row, index);
    int64_t count = h ? h->count : 0;
    if (r.max && count >= *r.max) return false;
    switch (r.qualifier) {
      case plan::Rule::Qualifier::Once: return count == 0;
      case plan::Rule::Qualifier::Always: return true;
      case plan::Rule::Qualifier::Every:
        if (count == 0 || !h->has_last) return true;
        return now - h->last >= r.every;
    }
    return false;
  }

  void rules(Frame& f) {
    if (f.rules_done) return;
    f.fires.assign(plan_.rules.size(), 0);
    for (size_t i = 0; i < plan_.rules.size(); ++i) {
      auto const& r = plan_.rules[i];
      if (truth(eval(r.condition, f, -1)) == 1 && qualifies(r, f.row, int32_t(i), f.now)) f.fires[i] = 1;
    }
    f.rules_done = true;
  }

  // --- printing ----------------------------------------------------------------------------

  std::string print(Value const& v, Type t) {
    if (t == Type::StringList) {
      std::string out;
      for (size_t k = 0; k < list_size(v); ++k) {
        if (k) out += ", ";
        out += list_item(v, k);
      }
      return out;
    }
    if (v.missing) return "";
    switch (t) {
      case Type::Number: return stdlib::format_number(v.num);
      case Type::String: return std::string(v.str);
      case Type::Bool: return v.i ? "true" : "false";
      case Type::Time: return stdlib::format_time(v.i);
      case Type::Duration: return stdlib::format_duration(v.i);
      case Type::Grade: return std::string(plan::grade_name(int(v.i)));
      case Type::StringList: break;
    }
    return "";
  }

  // A duration literal written in the policy prints as written ("48h"); any other value as
  // print() shows it.
  std::string print_node(int32_t node, Value const& v) {
    auto const& n = plan_.nodes[size_t(node)];
    if (n.op == Op::Const && n.type == Type::Duration) return plan_.constants[size_t(n.index)].text;
    return print(v, n.type);
  }

  std::string_view keep(std::string s) {
    scratch_.push_back(std::move(s));
    return scratch_.back();
  }

  plan::Constant to_constant(Value const& v, Type t) {
    plan::Constant c;
    c.type = t;
    if (t == Type::StringList) {
      for (size_t k = 0; k < list_size(v); ++k) c.list.emplace_back(list_item(v, k));
      return c;
    }
    c.missing = v.missing;
    if (v.missing) return c;
    switch (t) {
      case Type::Number: c.number = v.num; break;
      case Type::String: c.text = std::string(v.str); break;
      case Type::Bool: c.boolean = v.i != 0; break;
      case Type::Time: c.micros = v.i; break;
      case Type::Duration: c.micros = v.i; c.text = print(v, t); break;
      case Type::Grade: c.grade = int(v.i); break;
      case Type::StringList: break;
    }
    return c;
  }

  // --- expressions -------------------------------------------------------------------------

  Value column_value(Column const& col, size_t row) {
    if (col.type == Type::StringList) {
      Value v;
      v.missing = false;
      v.list_col = &col;
      v.list_row = uint32_t(row);
      return v;
    }
    if (!col.is_present(row)) return Value::none();
    switch (col.type) {
      case Type::Number: return Value::number(col.numbers[row]);
      case Type::String: return Value::string(col.string_at(row));
      case Type::Bool: return Value::boolean(col.bools[row] != 0);
      case Type::Time: case Type::Duration: return Value::integer(col.micros[row]);
      case Type::Grade: return Value::integer(col.grades[row]);
      case Type::StringList: break;
    }
    return Value::none();
  }

  Value constant(plan::Constant const& c) {
    if (c.type == Type::StringList) {
      Value v;
      v.missing = false;
      v.list_const = &c.list;
      return v;
    }
    if (c.missing) return Value::none();
    switch (c.type) {
      case Type::Number: return Value::number(c.number);
      case Type::String: return Value::string(c.text);
      case Type::Bool: return Value::boolean(c.boolean);
      case Type::Time: return Value::integer(c.micros);
      case Type::Duration: return Value::integer(c.micros);
      case Type::Grade: return Value::integer(c.grade);
      case Type::StringList: break;
    }
    return Value::none();
  }

  // Regex results are cached per dictionary code when the subject is a column.
  bool regex_match(int32_t node_index, plan::Node const& n, Value const& s, Frame& f, int64_t act) {
    auto const& re = *plan_.regexes[size_t(n.index)].re;
    auto const& subject = plan_.nodes[size_t(n.a)];
    Column const* col = nullptr;
    size_t row = 0;
    if (subject.op == Op::Field) { col = &batch_.fields[size_t(subject.index)]; row = f.row; }
    else if (subject.op == Op::ActField && act >= 0) { col = &batch_.act_fields[size_t(subject.index)]; row = size_t(act); }
    if (!col) return RE2::PartialMatch(s.str, re);
    auto& cache = regex_cache_[size_t(node_index)];
    if (cache.size() != col->dict->size()) cache.resize(col->dict->size(), -1);
    auto& slot = cache[col->codes[row]];
    if (slot < 0) slot = RE2::PartialMatch(s.str, re) ? 1 : 0;
    return slot == 1;
  }

  int compare(Value const& a, Value const& b, Type t) {
    switch (t) {
      case Type::Number: return a.num < b.num ? -1 : a.num > b.num ? 1 : 0;
      case Type::String: { int c = a.str.compare(b.str); return c < 0 ? -1 : c > 0 ? 1 : 0; }
      default: return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
    }
  }

  Value eval(int32_t index, Frame& f, int64_t act) {
    auto const& n = plan_.nodes[size_t(index)];
    switch (n.op) {
      case Op::Const: return constant(plan_.constants[size_t(n.index)]);
      case Op::Now: return Value::integer(f.now);
      case Op::Field: return column_value(batch_.fields[size_t(n.index)], f.row);
      case Op::ActField: return column_value(batch_.act_fields[size_t(n.index)], size_t(act));
      case Op::ActAt: return Value::integer(batch_.act_at[size_t(act)]);
      case Op::ActType: return Value::string(plan_.schema.kinds[batch_.act_kind[size_t(act)]]);
      case Op::Let: return let(f, n.index);
      case Op::Block: return Value::number(block(f, n.index));
      case Op::Total: return Value::number(total(f));
      case Op::Grade: return Value::integer(grade(f));
      case Op::Segment: return Value::boolean(segment(f, n.index));
      case Op::Neg: {
        Value a = eval(n.a, f, act);
        if (a.missing) return a;
        if (n.type == Type::Number) return Value::number(-a.num);
        if (a.i == std::numeric_limits<int64_t>::min()) return Value::none();
        return Value::integer(-a.i);
      }
      case Op::Not: {
        Value a = eval(n.a, f, act);
        if (a.missing) return a;
        return Value::boolean(a.i == 0);
      }
      case Op::And: {
        bool unknown = false;
        for (int32_t x : n.args) {
          int8_t t = truth(eval(x, f, act));
          if (t == 0) return Value::boolean(false);
          if (t < 0) unknown = true;
        }
        return unknown ? Value::none() : Value::boolean(true);
      }
      case Op::Or: {
        bool unknown = false;
        for (int32_t x : n.args) {
          int8_t t = truth(eval(x, f, act));
          if (t == 1) return Value::boolean(true);
          if (t < 0) unknown = true;
        }
        return unknown ? Value::none() : Value::boolean(false);
      }
      case Op::Arith: return arith(n, f, act);
      case Op::Coalesce: {
        Value a = eval(n.a, f, act);
        return a.missing ? eval(n.b, f, act) : a;
      }
      case Op::Compare: {
        Value a = eval(n.args[0], f, act);
        Value b = eval(n.args[1], f, act);
        if (a.missing || b.missing) return Value::none();
        int c = compare(a, b, plan_.nodes[size_t(n.args[0])].type);
        switch (plan::Cmp(n.sub)) {
          case plan::Cmp::Eq: return Value::boolean(c == 0);
          case plan::Cmp::Ne: return Value::boolean(c != 0);
          case plan::Cmp::Lt: return Value::boolean(c < 0);
          case plan::Cmp::Le: return Value::boolean(c <= 0);
          case plan::Cmp::Gt: return Value::boolean(c > 0);
          case plan::Cmp::Ge: return Value::boolean(c >= 0);
        }
        return Value::none();
      }
      case Op::Match: {
        Value s = eval(n.a, f, act);
        if (s.missing) return s;
        return Value::boolean(regex_match(index, n, s, f, act));
      }
      case Op::InSet: {
        Value s = eval(n.a, f, act);
        if (s.missing) return s;
        return Value::boolean(plan_.sets[size_t(n.index)].contains(s.str));
      }
      case Op::InList: {
        Value s = eval(n.a, f, act);
        Value l = eval(n.b, f, act);
        if (s.missing) return Value::none();
        for (size_t k = 0; k < list_size(l); ++k)
          if (list_item(l, k) == s.str) return Value::boolean(true);
        return Value::boolean(false);
      }
      case Op::Within: {
        Value t = eval(n.a, f, act);
        Value d = eval(n.b, f, act);
        if (t.missing || d.missing) return Value::none();
        auto lo = checked_sub(f.now, d.i);
        bool after_lo = lo ? t.i >= *lo : true;
        return Value::boolean(after_lo && t.i <= f.now);
      }
      case Op::Call: return call(n, f, act);
      case Op::ActAgg: return activity_agg(n, f, act);
      case Op::ColAgg: return colleague_agg(n, f);
      case Op::Past: {
        Frame& past = frame(f.row, f.now - n.imm);
        return eval(n.a, past, act);
      }
      case Op::Fired: {
        rules(f);
        return Value::boolean(f.fires[size_t(n.index)] != 0);
      }
      case Op::Template: return Value::string(keep(render(plan_.templates[size_t(n.index)], f, act)));
    }
    return Value::none();
  }

  std::string render(plan::Template const& t, Frame& f, int64_t act) {
    std::string out;
    for (auto const& p : t.pieces) {
      if (p.expr < 0) {
        out += p.text;
        continue;
      }
      out += p.text;
      Value v = eval(p.expr, f, act);
      Type ty = plan_.nodes[size_t(p.expr)].type;
      bool absent = ty == Type::StringList ? list_size(v) == 0 : v.missing;
      if (absent && p.has_fallback) out += p.fallback;
      else out += print_node(p.expr, v);
    }
    return out;
  }

  Value arith(plan::Node const& n, Frame& f, int64_t act) {
    Value a = eval(n.a, f, act);
    Value b = eval(n.b, f, act);
    if (a.missing || b.missing) return Value::none();
    Type ta = plan_.nodes[size_t(n.a)].type, tb = plan_.nodes[size_t(n.b)].type;
    auto op = plan::Arith(n.sub);
    if (ta == Type::Number && tb == Type::Number) {
      switch (op) {
        case plan::Arith::Add: return Value::number(a.num + b.num);
        case plan::Arith::Sub: return Value::number(a.num - b.num);
        case plan::Arith::Mul: return Value::number(a.num * b.num);
        case plan::Arith::Div: return b.num == 0 ? Value::none() : Value::number(a.num / b.num);
      }
    }
    auto from_opt = [](std::optional<int64_t> r) { return r ? Value::integer(*r) : Value::none(); };
    switch (op) {
      case plan::Arith::Add: return from_opt(checked_add(a.i, b.i));   // time+dur, dur+time, dur+dur
      case plan::Arith::Sub: return from_opt(checked_sub(a.i, b.i));   // time-dur, time-time, dur-dur
      case plan::Arith::Mul:
        if (ta == Type::Duration) return duration_from_double(double(a.i) * b.num);
        return duration_from_double(a.num * double(b.i));
      case plan::Arith::Div:
        if (tb == Type::Duration) return b.i == 0 ? Value::none() : Value::number(double(a.i) / double(b.i));
        return b.num == 0 ? Value::none() : duration_from_double(double(a.i) / b.num);
    }
    return Value::none();
  }

  Value call(plan::Node const& n, Frame& f, int64_t act) {
    using B = plan::Builtin;
    auto arg = [&](size_t k) { return eval(n.args[k], f, act); };
    switch (plan::Builtin(n.sub)) {
      case B::Present: {
        Value v = arg(0);
        if (plan_.nodes[size_t(n.args[0])].type == Type::StringList) return Value::boolean(list_size(v) > 0);
        return Value::boolean(!v.missing);
      }
      case B::Lower: case B::Upper: {
        Value v = arg(0);
        if (v.missing) return v;
        return Value::string(keep(plan::Builtin(n.sub) == B::Lower ? stdlib::lower(v.str) : stdlib::upper(v.str)));
      }
      case B::Len: {
        Value v = arg(0);
        if (plan_.nodes[size_t(n.args[0])].type == Type::StringList) return Value::number(double(list_size(v)));
        if (v.missing) return v;
        return Value::number(double(stdlib::length(v.str)));
      }
      case B::Contains: case B::StartsWith: case B::EndsWith: {
        Value s = arg(0), t = arg(1);
        if (s.missing || t.missing) return Value::none();
        auto b = plan::Builtin(n.sub);
        bool r = b == B::Contains ? s.str.find(t.str) != std::string_view::npos
                 : b == B::StartsWith ? s.str.starts_with(t.str) : s.str.ends_with(t.str);
        return Value::boolean(r);
      }
      case B::Domain: {
        Value s = arg(0);
        if (s.missing) return s;
        auto d = stdlib::domain(s.str);
        return d ? Value::string(keep(std::move(*d))) : Value::none();
      }
      case B::Min: case B::Max: {
        Value best = arg(0);
        if (best.missing) return best;
        for (size_t k = 1; k < n.args.size(); ++k) {
          Value v = arg(k);
          if (v.missing) return v;
          int c = compare(v, best, n.type);
          if (plan::Builtin(n.sub) == B::Min ? c < 0 : c > 0) best = v;
        }
        return best;
      }
      case B::Abs: { Value v = arg(0); return v.missing ? v : Value::number(std::fabs(v.num)); }
      case B::Round: { Value v = arg(0); return v.missing ? v : Value::number(stdlib::round_half_away(v.num)); }
      case B::Clamp: {
        Value v = arg(0), lo = arg(1), hi = arg(2);
        if (v.missing || lo.missing || hi.missing) return Value::none();
        return Value::number(std::min(std::max(v.num, lo.num), hi.num));
      }
      case B::Since: {
        Value t = arg(0);
        if (t.missing) return t;
        auto d = checked_sub(f.now, t.i);
        return d ? Value::integer(*d) : Value::none();
      }
      case B::DaysSince: {
        Value t = arg(0);
        if (t.missing) return t;
        return Value::number((double(f.now) - double(t.i)) / double(stdlib::kMicrosPerDay));
      }
      case B::Hour: { Value t = arg(0); return t.missing ? t : Value::number(zone_.hour(t.i)); }
      case B::Weekday: { Value t = arg(0); return t.missing ? t : Value::number(zone_.weekday(t.i)); }
    }
    return Value::none();
  }

  Value activity_agg(plan::Node const& n, Frame& f, int64_t outer) {
    auto agg = plan::Agg(n.sub);
    int64_t count = 0;
    int64_t last = std::numeric_limits<int64_t>::min(), first = std::numeric_limits<int64_t>::max();
    for_matching(f, n.index, n.a, n.b, outer, [&](uint32_t a) {
      ++count;
      last = std::max(last, batch_.act_at[a]);
      first = std::min(first, batch_.act_at[a]);
    });
    switch (agg) {
      case plan::Agg::Count: return Value::number(double(count));
      case plan::Agg::Any: return Value::boolean(count > 0);
      case plan::Agg::No: return Value::boolean(count == 0);
      case plan::Agg::Last: return count ? Value::integer(last) : Value::none();
      case plan::Agg::First: return count ? Value::integer(first) : Value::none();
      default: return Value::none();
    }
  }

  Value colleague_agg(plan::Node const& n, Frame& f) {
    auto agg = plan::Agg(n.sub);
    auto const& col = batch_.fields[size_t(plan_.schema.account_field)];
    static const std::vector<uint32_t> none;
    auto const& rows = col.is_present(f.row) && !account_rows_.empty() ? account_rows_[col.codes[f.row]] : none;
    int64_t count = 0;
    double sum = 0;
    int64_t isum = 0;
    bool isum_ok = true;
    Value best;
    Type t = n.type;
    for (uint32_t r : rows) {
      if (r == f.row) continue;   // never one's own colleague
      Frame& cf = frame(r, f.now);
      switch (agg) {
        case plan::Agg::Count:
        case plan::Agg::Any:
          if (n.a < 0 || truth(eval(n.a, cf, -1)) == 1) ++count;
          break;
        case plan::Agg::Sum: {
          Value v = eval(n.a, cf, -1);
          if (v.missing) break;
          if (t == Type::Number) sum += v.num;
          else if (!__builtin_add_overflow(isum, v.i, &isum)) {}
          else isum_ok = false;
          break;
        }
        case plan::Agg::Min:
        case plan::Agg::Max: {
          Value v = eval(n.a, cf, -1);
          if (v.missing) break;
          if (best.missing) { best = v; break; }
          int c = compare(v, best, t);
          if (agg == plan::Agg::Min ? c < 0 : c > 0) best = v;
          break;
        }
        default: break;
      }
    }
    switch (agg) {
      case plan::Agg::Count: return Value::number(double(count));
      case plan::Agg::Any: return Value::boolean(count > 0);
      case plan::Agg::Sum:
        if (t == Type::Number) return Value::number(sum);
        return isum_ok ? Value::integer(isum) : Value::none();
      case plan::Agg::Min: case plan::Agg::Max:
        if (!best.missing && t == Type::String) best.str = keep(std::string(best.str));
        return best;
      default: return Value::none();
    }
  }

  // --- a prospect's whole result -------------------------------------------------------------

  ProspectResult result(size_t row, int64_t now, bool explain) {
    Frame& f = frame(row, now);
    ProspectResult out;
    out.total = total(f);
    out.blocks = f.blocks;
    out.grade = grade(f);
    out.segments.resize(plan_.segments.size());
    for (size_t s = 0; s < plan_.segments.size(); ++s) out.segments[s] = segment(f, int32_t(s)) ? 1 : 0;
    out.zone_rows = f.zone_rows;
    rules(f);
    for (size_t i = 0; i < plan_.rules.size(); ++i) {
      if (!f.fires[i]) continue;
      out.fired.push_back(int32_t(i));
      for (auto const& a : plan_.rules[i].actions) {
        ActionResult ar;
        ar.rule = int32_t(i);
        ar.kind = a.kind;
        if (a.kind == plan::ActionKind::Set) {
          Type ft = plan_.schema.prospect[size_t(a.field)].type;
          Value v = eval(a.args[0], f, -1);
          plan::Constant c = to_constant(v, ft);
          ar.args = {plan_.schema.prospect[size_t(a.field)].name, print_node(a.args[0], v)};
          auto it = std::find_if(out.sets.begin(), out.sets.end(), [&](auto const& s) { return s.field == a.field; });
          if (it == out.sets.end()) {
            SetResult sr;
            sr.field = a.field;
            sr.value = std::move(c);
            sr.rules = {int32_t(i)};
            out.sets.push_back(std::move(sr));
          } else {
            it->value = std::move(c);   // the later rule wins
            it->rules.push_back(int32_t(i));
          }
        } else {
          for (int32_t x : a.args) ar.args.push_back(print_node(x, eval(x, f, -1)));
        }
        out.actions.push_back(std::move(ar));
      }
    }
    if (explain) {
      for (size_t b = 0; b < plan_.blocks.size(); ++b)
        for (int32_t r : plan_.blocks[b].rules)
          if (f.points[size_t(r)].points != 0 || f.points[size_t(r)].matches) out.points_why.push_back(f.points[size_t(r)]);
      for (size_t m = 0; m < plan_.grade_moves.size(); ++m) {
        auto const& mv = plan_.grade_moves[m];
        GradeWhy g;
        g.move = int32_t(m);
        g.outcome = f.grade_outcomes[m];
        g.thirds = g.outcome == 1 ? mv.thirds : (g.outcome == 0 && mv.has_else ? mv.else_thirds : 0);
        out.grade_why.push_back(g);
      }
    }
    return out;
  }

  plan::Constant node_value(size_t row, int64_t now, int32_t node) {
    Frame& f = frame(row, now);
    return to_constant(eval(node, f, -1), plan_.nodes[size_t(node)].type);
  }

  std::vector<std::vector<uint32_t>> const& account_rows() const { return account_rows_; }

 private:
  plan::Plan const& plan_;
  stdlib::TimeZone const& zone_;
  Batch const& batch_;
  std::map<std::pair<size_t, int64_t>, std::unique_ptr<Frame>> frames_;
  std::deque<std::string> scratch_;
  std::vector<std::vector<int8_t>> regex_cache_;   // per Match node: per dictionary code
  std::vector<std::vector<uint32_t>> account_rows_;
};

}  // namespace

Interpreter::Interpreter(std::shared_ptr<plan::Plan const> plan)
    : plan_(std::move(plan)), statics_(std::make_unique<Statics>(*plan_)) {}
Interpreter::~Interpreter() = default;

Results Interpreter::evaluate(Batch const& batch, EvalOptions const& options) const {
  Results results;
  results.reset(*plan_, batch.rows);
  AccountGroups groups = group_by_account(*plan_, batch);
  // Account by account, so colleagues' memoised values are shared and then dropped. Threads take
  // contiguous ranges of groups; each has its own evaluator.
  auto work = [&](size_t g_begin, size_t g_end) {
    Evaluator ev(*plan_, *this, statics_->zone, batch);
    ev.index_accounts();
    for (size_t g = g_begin; g < g_end; ++g) {
      for (uint32_t i = groups.begin[g]; i < groups.begin[g + 1]; ++i) {
        uint32_t row = groups.rows[i];
        results.set_row(row, ev.result(row, options.now, options.explain));
      }
      ev.forget_frames();
    }
  };
  run_in_parallel(groups.count(), options.threads, work);
  return results;
}

ProspectResult Interpreter::evaluate_row(Batch const& batch, size_t row, EvalOptions const& options) const {
  Evaluator ev(*plan_, *this, statics_->zone, batch);
  ev.index_accounts();
  return ev.result(row, options.now, options.explain);
}

plan::Constant Interpreter::evaluate_node(Batch const& batch, size_t row, int32_t node,
                                          EvalOptions const& options) const {
  Evaluator ev(*plan_, *this, statics_->zone, batch);
  ev.index_accounts();
  return ev.node_value(row, options.now, node);
}

std::vector<uint8_t> Interpreter::column_predicate(int32_t node, bool activity_field, int32_t field,
                                                   Column const& column) const {
  size_t n = column.dict->size();
  Column values(column.type);
  values.dict = column.dict;
  values.present.assign(n + 1, 1);
  values.present[n] = 0;
  values.codes.resize(n + 1);
  for (size_t k = 0; k < n; ++k) values.codes[k] = uint32_t(k);
  values.codes[n] = 0;
  Batch b = Batch::for_schema(plan_->schema);
  (activity_field ? b.act_fields : b.fields)[size_t(field)] = values;
  Evaluator ev(*plan_, *this, statics_->zone, b);
  std::vector<uint8_t> out(n + 1);
  for (size_t k = 0; k <= n; ++k) {
    Frame f;
    f.row = activity_field ? 0 : k;
    int8_t t = truth(ev.eval(node, f, activity_field ? int64_t(k) : -1));
    out[k] = t < 0 ? 2 : uint8_t(t);
  }
  return out;
}


}  // namespace leadrules::runtime
