// Values as text, the way action arguments and templates print them, and as plan constants.
#include "runtime/interp/interpreter_internal.hpp"

namespace leadrules::runtime::interp {

std::string Evaluator::print(Value const& v, Type t) {
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
std::string Evaluator::print_node(int32_t node, Value const& v) {
  auto const& n = plan_.nodes[size_t(node)];
  if (n.op == Op::Const && n.type == Type::Duration) return plan_.constants[size_t(n.index)].text;
  return print(v, n.type);
}

std::string Evaluator::render(plan::Template const& t, Frame& f, int64_t act) {
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
    if (absent && p.has_fallback)
      out += p.fallback;
    else
      out += print_node(p.expr, v);
  }
  return out;
}

plan::Constant Evaluator::to_constant(Value const& v, Type t) {
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
    case Type::Duration:
      c.micros = v.i;
      c.text = print(v, t);
      break;
    case Type::Grade: c.grade = int(v.i); break;
    case Type::StringList: break;
  }
  return c;
}

}  // namespace leadrules::runtime::interp
