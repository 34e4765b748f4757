#include "compiler/plan/plan.hpp"

#include <algorithm>

#include "stdlib/format.hpp"
#include "stdlib/time.hpp"

namespace leadrules::plan {

std::string_view type_name(Type t) {
  switch (t) {
    case Type::Number: return "number";
    case Type::String: return "string";
    case Type::Bool: return "bool";
    case Type::Time: return "time";
    case Type::Duration: return "duration";
    case Type::Grade: return "grade";
    case Type::StringList: return "[string]";
  }
  return "?";
}

std::string_view grade_name(int grade) {
  static constexpr std::string_view names[] = {"F",  "D-", "D",  "D+", "C-", "C", "C+",
                                               "B-", "B",  "B+", "A-", "A",  "A+"};
  return grade >= 0 && grade <= kGradeAPlus ? names[grade] : "?";
}

std::string_view action_name(ActionKind k) {
  switch (k) {
    case ActionKind::AddToList: return "add_to_list";
    case ActionKind::RemoveFromList: return "remove_from_list";
    case ActionKind::Tag: return "tag";
    case ActionKind::Untag: return "untag";
    case ActionKind::Notify: return "notify";
    case ActionKind::Task: return "task";
    case ActionKind::Flag: return "flag";
    case ActionKind::Enroll: return "enroll";
    case ActionKind::Set: return "set";
  }
  return "?";
}

namespace {
template <class Vec, class Get>
int32_t find_index(Vec const& v, std::string_view name, Get get) {
  for (size_t i = 0; i < v.size(); ++i)
    if (get(v[i]) == name) return int32_t(i);
  return -1;
}
}  // namespace

int32_t Schema::prospect_field(std::string_view name) const {
  return find_index(prospect, name, [](Field const& f) -> std::string_view { return f.name; });
}
int32_t Schema::activity_field(std::string_view name) const {
  return find_index(activity, name, [](Field const& f) -> std::string_view { return f.name; });
}
int32_t Schema::kind(std::string_view name) const {
  return find_index(kinds, name, [](std::string const& k) -> std::string_view { return k; });
}
int32_t Plan::rule_index(std::string_view name) const {
  return find_index(rules, name, [](Rule const& r) -> std::string_view { return r.name; });
}
int32_t Plan::segment_index(std::string_view name) const {
  return find_index(segments, name, [](Segment const& s) -> std::string_view { return s.name; });
}

bool Set::contains(std::string_view v) const {
  return std::binary_search(values.begin(), values.end(), v, [](auto const& a, auto const& b) {
    return std::string_view(a) < std::string_view(b);
  });
}

std::string print_constant(plan::Constant const& c) {
  if (c.type == Type::StringList) {
    std::string out;
    for (size_t k = 0; k < c.list.size(); ++k) out += (k ? ", " : "") + c.list[k];
    return out;
  }
  if (c.missing) return "";
  switch (c.type) {
    case Type::Number: return leadrules::stdlib::format_number(c.number);
    case Type::String: return c.text;
    case Type::Bool: return c.boolean ? "true" : "false";
    case Type::Time: return leadrules::stdlib::format_time(c.micros);
    case Type::Duration: return c.text.empty() ? leadrules::stdlib::format_duration(c.micros) : c.text;
    case Type::Grade: return std::string(grade_name(c.grade));
    case Type::StringList: break;
  }
  return "";
}

}  // namespace leadrules::plan
