// The evaluator's core: memo frames per prospect and instant, column and constant values, and
// the dispatch of an expression node to its value (with arithmetic and comparisons).
#include "runtime/interp/interpreter_internal.hpp"

namespace leadrules::runtime::interp {

// Colleagues: rows with the same account, in input order.
void Evaluator::index_accounts() {
  auto const& schema = plan_.schema;
  if (schema.account_field < 0 || !plan_.uses_colleagues) return;
  auto const& col = batch_.fields[size_t(schema.account_field)];
  account_rows_.assign(col.dict->size(), {});
  for (size_t r = 0; r < batch_.rows; ++r)
    if (col.is_present(r)) account_rows_[col.codes[r]].push_back(uint32_t(r));
}

Frame& Evaluator::frame(size_t row, int64_t now) {
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

void Evaluator::forget_frames() {
  frames_.clear();
  scratch_.clear();
}

Value Evaluator::column_value(Column const& col, size_t row) {
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
    case Type::Time:
    case Type::Duration: return Value::integer(col.micros[row]);
    case Type::Grade: return Value::integer(col.grades[row]);
    case Type::StringList: break;
  }
  return Value::none();
}

Value Evaluator::constant(plan::Constant const& c) {
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

Value Evaluator::eval(int32_t index, Frame& f, int64_t act) {
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

Value Evaluator::arith(plan::Node const& n, Frame& f, int64_t act) {
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
    case plan::Arith::Add: return from_opt(checked_add(a.i, b.i));  // time+dur, dur+time, dur+dur
    case plan::Arith::Sub: return from_opt(checked_sub(a.i, b.i));  // time-dur, time-time, dur-dur
    case plan::Arith::Mul:
      if (ta == Type::Duration) return duration_from_double(double(a.i) * b.num);
      return duration_from_double(a.num * double(b.i));
    case plan::Arith::Div:
      if (tb == Type::Duration) return b.i == 0 ? Value::none() : Value::number(double(a.i) / double(b.i));
      return b.num == 0 ? Value::none() : duration_from_double(double(a.i) / b.num);
  }
  return Value::none();
}

}  // namespace leadrules::runtime::interp
