// Aggregates: over a prospect's matching activities (count, any, no, last, first) and over its
// colleagues, the other prospects of the same account (count, any, sum, min, max).
#include "runtime/interp/interpreter_internal.hpp"

namespace leadrules::runtime::interp {

Value Evaluator::activity_agg(plan::Node const& n, Frame& f, int64_t outer) {
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

Value Evaluator::colleague_agg(plan::Node const& n, Frame& f) {
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
    if (r == f.row) continue;  // never one's own colleague
    Frame& cf = frame(r, f.now);
    switch (agg) {
      case plan::Agg::Count:
      case plan::Agg::Any:
        if (n.a < 0 || truth(eval(n.a, cf, -1)) == 1) ++count;
        break;
      case plan::Agg::Sum: {
        Value v = eval(n.a, cf, -1);
        if (v.missing) break;
        if (t == Type::Number)
          sum += v.num;
        else if (!__builtin_add_overflow(isum, v.i, &isum)) {
        } else
          isum_ok = false;
        break;
      }
      case plan::Agg::Min:
      case plan::Agg::Max: {
        Value v = eval(n.a, cf, -1);
        if (v.missing) break;
        if (best.missing) {
          best = v;
          break;
        }
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
    case plan::Agg::Min:
    case plan::Agg::Max:
      if (!best.missing && t == Type::String) best.str = keep(std::string(best.str));
      return best;
    default: return Value::none();
  }
}

}  // namespace leadrules::runtime::interp
