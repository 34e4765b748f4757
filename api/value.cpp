// Values, times and durations as the API hands them over: thin wrappers over the stdlib.
#include <chrono>

#include "api/internal.hpp"
#include "stdlib/format.hpp"
#include "stdlib/names.hpp"
#include "stdlib/time.hpp"

namespace leadrules {

std::string_view type_name(ValueType t) { return plan::type_name(plan::Type(t)); }

ValueType to_value_type(plan::Type t) {
  switch (t) {
    case plan::Type::Number: return ValueType::number;
    case plan::Type::String: return ValueType::string;
    case plan::Type::Bool: return ValueType::boolean;
    case plan::Type::Time: return ValueType::time;
    case plan::Type::Duration: return ValueType::duration;
    case plan::Type::Grade: return ValueType::grade;
    case plan::Type::StringList: return ValueType::string_list;
  }
  return ValueType::number;
}

static plan::Type to_plan_type(ValueType t) {
  switch (t) {
    case ValueType::number: return plan::Type::Number;
    case ValueType::string: return plan::Type::String;
    case ValueType::boolean: return plan::Type::Bool;
    case ValueType::time: return plan::Type::Time;
    case ValueType::duration: return plan::Type::Duration;
    case ValueType::grade: return plan::Type::Grade;
    case ValueType::string_list: return plan::Type::StringList;
  }
  return plan::Type::Number;
}

Value to_value(plan::Constant const& c) {
  Value v;
  v.type = to_value_type(c.type);
  v.missing = c.missing;
  v.number = c.number;
  v.micros = c.micros;
  v.grade = c.grade;
  v.boolean = c.boolean;
  v.text = c.text;
  v.list = c.list;
  return v;
}

plan::Constant to_constant(Value const& v) {
  plan::Constant c;
  c.type = to_plan_type(v.type);
  c.missing = v.missing;
  c.number = v.number;
  c.micros = v.micros;
  c.grade = v.grade;
  c.boolean = v.boolean;
  c.text = v.text;
  c.list = v.list;
  return c;
}

Value Value::of_number(double x) {
  Value v;
  v.number = x;
  return v;
}
Value Value::of_string(std::string s) {
  Value v;
  v.type = ValueType::string;
  v.text = std::move(s);
  return v;
}
Value Value::of_bool(bool b) {
  Value v;
  v.type = ValueType::boolean;
  v.boolean = b;
  return v;
}
Value Value::of_time(int64_t micros) {
  Value v;
  v.type = ValueType::time;
  v.micros = micros;
  return v;
}
Value Value::of_duration(int64_t micros) {
  Value v;
  v.type = ValueType::duration;
  v.micros = micros;
  v.text = stdlib::format_duration(micros);
  return v;
}
std::optional<Value> Value::of_grade(std::string_view name) {
  for (int g = plan::kGradeF; g <= plan::kGradeAPlus; ++g)
    if (plan::grade_name(g) == name) {
      Value v;
      v.type = ValueType::grade;
      v.grade = g;
      return v;
    }
  return std::nullopt;
}
Value Value::of_list(std::vector<std::string> items) {
  Value v;
  v.type = ValueType::string_list;
  v.list = std::move(items);
  return v;
}
Value Value::missing_of(ValueType t) {
  Value v;
  v.type = t;
  v.missing = t != ValueType::string_list;  // a missing [string] is the empty list
  return v;
}

std::string Value::to_string() const { return plan::print_constant(to_constant(*this)); }

std::string Value::to_literal() const {
  if (type == ValueType::string_list) {
    std::string out = "[";
    for (size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + stdlib::json_escape(list[i]);
    return out + "]";
  }
  if (missing) return "missing";
  if (type == ValueType::string) return stdlib::json_escape(text);
  return to_string();
}

int64_t current_time() {
  auto now = std::chrono::system_clock::now();
  return std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
}
std::optional<int64_t> parse_time(std::string_view text) { return stdlib::parse_time(text); }
std::string format_time(int64_t micros) { return stdlib::format_time(micros); }
std::optional<int64_t> parse_duration(std::string_view text) { return stdlib::parse_duration(text); }
std::string format_duration(int64_t micros) { return stdlib::format_duration(micros); }
std::string format_number(double v) { return stdlib::format_number(v); }

std::string json_quote(std::string_view text) {
  std::string out;
  stdlib::append_json_string(out, text);
  return out;
}

std::string suggest_name(std::string_view word, std::vector<std::string> const& candidates) {
  return stdlib::closest_name(word, candidates);
}
std::string suggest_spelling(std::string_view word, std::vector<std::string> const& candidates) {
  return stdlib::closest_spelling(word, candidates);
}

}  // namespace leadrules
