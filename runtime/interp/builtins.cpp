// Builtin functions (strings, numbers, times) and regular-expression matches (cached per
// dictionary code).
#include "runtime/interp/interpreter_internal.hpp"

namespace leadrules::runtime::interp {

// Regex results are cached per dictionary code when the subject is a column.
bool Evaluator::regex_match(int32_t node_index, plan::Node const& n, Value const& s, Frame& f, int64_t act) {
  auto const& re = *plan_.regexes[size_t(n.index)].re;
  auto const& subject = plan_.nodes[size_t(n.a)];
  Column const* col = nullptr;
  size_t row = 0;
  if (subject.op == Op::Field) {
    col = &batch_.fields[size_t(subject.index)];
    row = f.row;
  } else if (subject.op == Op::ActField && act >= 0) {
    col = &batch_.act_fields[size_t(subject.index)];
    row = size_t(act);
  }
  if (!col) return RE2::PartialMatch(s.str, re);
  auto& cache = regex_cache_[size_t(node_index)];
  if (cache.size() != col->dict->size()) cache.resize(col->dict->size(), -1);
  auto& slot = cache[col->codes[row]];
  if (slot < 0) slot = RE2::PartialMatch(s.str, re) ? 1 : 0;
  return slot == 1;
}

Value Evaluator::call(plan::Node const& n, Frame& f, int64_t act) {
  using B = plan::Builtin;
  auto arg = [&](size_t k) { return eval(n.args[k], f, act); };
  switch (plan::Builtin(n.sub)) {
    case B::Present: {
      Value v = arg(0);
      if (plan_.nodes[size_t(n.args[0])].type == Type::StringList) return Value::boolean(list_size(v) > 0);
      return Value::boolean(!v.missing);
    }
    case B::Lower:
    case B::Upper: {
      Value v = arg(0);
      if (v.missing) return v;
      return Value::string(
          keep(plan::Builtin(n.sub) == B::Lower ? stdlib::lower(v.str) : stdlib::upper(v.str)));
    }
    case B::Len: {
      Value v = arg(0);
      if (plan_.nodes[size_t(n.args[0])].type == Type::StringList) return Value::number(double(list_size(v)));
      if (v.missing) return v;
      return Value::number(double(stdlib::length(v.str)));
    }
    case B::Contains:
    case B::StartsWith:
    case B::EndsWith: {
      Value s = arg(0), t = arg(1);
      if (s.missing || t.missing) return Value::none();
      auto b = plan::Builtin(n.sub);
      bool r = b == B::Contains     ? s.str.find(t.str) != std::string_view::npos
               : b == B::StartsWith ? s.str.starts_with(t.str)
                                    : s.str.ends_with(t.str);
      return Value::boolean(r);
    }
    case B::Domain: {
      Value s = arg(0);
      if (s.missing) return s;
      auto d = stdlib::domain(s.str);
      return d ? Value::string(keep(std::move(*d))) : Value::none();
    }
    case B::Min:
    case B::Max: {
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
    case B::Abs: {
      Value v = arg(0);
      return v.missing ? v : Value::number(std::fabs(v.num));
    }
    case B::Round: {
      Value v = arg(0);
      return v.missing ? v : Value::number(stdlib::round_half_away(v.num));
    }
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
    case B::Hour: {
      Value t = arg(0);
      return t.missing ? t : Value::number(zone_.hour(t.i));
    }
    case B::Weekday: {
      Value t = arg(0);
      return t.missing ? t : Value::number(zone_.weekday(t.i));
    }
  }
  return Value::none();
}

}  // namespace leadrules::runtime::interp
