#include "runtime/data/writers.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "compiler/plan/plan.hpp"
#include "stdlib/format.hpp"
#include "stdlib/time.hpp"

namespace leadrules::runtime {

using stdlib::append_json_string;
using stdlib::append_number;

namespace {

// A typed JSON value for `set`: numbers and booleans stay themselves, the rest print as strings.
void append_json_constant(std::string& out, plan::Constant const& c) {
  using T = plan::Type;
  if (c.type == T::StringList) {
    out += '[';
    for (size_t k = 0; k < c.list.size(); ++k) {
      if (k) out += ',';
      append_json_string(out, c.list[k]);
    }
    out += ']';
    return;
  }
  if (c.missing) {
    out += "null";
    return;
  }
  switch (c.type) {
    case T::Number: append_number(out, c.number); break;
    case T::Bool: out += c.boolean ? "true" : "false"; break;
    default: append_json_string(out, plan::print_constant(c)); break;
  }
}

std::string csv_cell(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

std::string action_text(plan::Plan const& plan, ActionResult const& a) {
  (void)plan;
  if (a.kind == plan::ActionKind::Set)
    return fmt::format("set {} = {}", a.args[0], stdlib::json_escape(a.args[1]));
  std::string out(plan::action_name(a.kind));
  out += '(';
  for (size_t k = 0; k < a.args.size(); ++k) {
    if (k) out += ", ";
    bool is_duration = a.kind == plan::ActionKind::Task && k == 1;
    out += is_duration ? a.args[k] : stdlib::json_escape(a.args[k]);
  }
  out += ')';
  return out;
}

void append_json_result(std::string& out, plan::Plan const& plan, Batch const& batch, size_t row,
                        ProspectResult const& r, bool why) {
  out += "{\"id\":";
  append_json_string(out, batch.id(row, plan.schema));
  out += ",\"score\":";
  append_number(out, r.total);
  out += ",\"scores\":{";
  for (size_t b = 0; b < plan.blocks.size(); ++b) {
    if (b) out += ',';
    append_json_string(out, plan.blocks[b].name);
    out += ':';
    append_number(out, r.blocks[b]);
  }
  out += "},\"grade\":\"";
  out += plan::grade_name(r.grade);
  out += "\",\"segments\":[";
  bool first = true;
  for (size_t s = 0; s < plan.segments.size(); ++s) {
    if (!r.segments[s]) continue;
    if (!first) out += ',';
    first = false;
    append_json_string(out, plan.segments[s].name);
  }
  out += "],\"actions\":[";
  for (size_t k = 0; k < r.actions.size(); ++k) {
    auto const& a = r.actions[k];
    if (k) out += ',';
    out += "{\"rule\":";
    append_json_string(out, plan.rules[size_t(a.rule)].name);
    out += ",\"action\":\"";
    out += plan::action_name(a.kind);
    out += "\",\"args\":[";
    for (size_t i = 0; i < a.args.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, a.args[i]);
    }
    out += "]}";
  }
  out += "],\"set\":{";
  for (size_t k = 0; k < r.sets.size(); ++k) {
    if (k) out += ',';
    append_json_string(out, plan.schema.prospect[size_t(r.sets[k].field)].name);
    out += ':';
    append_json_constant(out, r.sets[k].value);
  }
  out += '}';
  bool conflicts =
      std::any_of(r.sets.begin(), r.sets.end(), [](auto const& s) { return s.rules.size() > 1; });
  if (conflicts) {
    out += ",\"conflicts\":{";
    bool firstc = true;
    for (auto const& s : r.sets) {
      if (s.rules.size() < 2) continue;
      if (!firstc) out += ',';
      firstc = false;
      append_json_string(out, plan.schema.prospect[size_t(s.field)].name);
      out += ":[";
      for (size_t i = 0; i < s.rules.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, plan.rules[size_t(s.rules[i])].name);
      }
      out += ']';
    }
    out += '}';
  }
  if (why) {
    out += ",\"why\":[";
    bool firstw = true;
    for (auto const& p : r.points_why) {
      auto const& rule = plan.points[size_t(p.rule)];
      if (!firstw) out += ',';
      firstw = false;
      out += "{\"block\":";
      append_json_string(out, plan.blocks[size_t(rule.block)].name);
      out += fmt::format(",\"line\":{},\"rule\":", rule.line);
      append_json_string(out, rule.source);
      out += ",\"points\":";
      append_number(out, p.points);
      out += fmt::format(",\"matches\":{}", p.matches);
      if (p.capped) out += ",\"capped\":true";
      out += '}';
    }
    for (auto const& g : r.grade_why) {
      if (g.thirds == 0) continue;
      auto const& mv = plan.grade_moves[size_t(g.move)];
      if (!firstw) out += ',';
      firstw = false;
      out += fmt::format("{{\"grade\":{},\"line\":{},\"rule\":", g.thirds, mv.line);
      append_json_string(out, mv.source);
      out += fmt::format(",\"matched\":{}}}", g.outcome == 1 ? "true" : "false");
    }
    out += ']';
  }
  out += "}\n";
}

void append_csv_header(std::string& out, plan::Plan const& plan) {
  out += "id,score";
  for (auto const& b : plan.blocks) out += "," + csv_cell("score_" + b.name);
  out += ",grade";
  for (auto const& s : plan.segments) out += "," + csv_cell(s.name);
  out += ",actions,set\n";
}

void append_csv_result(std::string& out, plan::Plan const& plan, Batch const& batch, size_t row,
                       ProspectResult const& r) {
  out += csv_cell(batch.id(row, plan.schema));
  out += ',';
  append_number(out, r.total);
  for (size_t b = 0; b < plan.blocks.size(); ++b) {
    out += ',';
    append_number(out, r.blocks[b]);
  }
  out += ',';
  out += plan::grade_name(r.grade);
  for (size_t s = 0; s < plan.segments.size(); ++s) out += r.segments[s] ? ",true" : ",false";
  std::string actions;
  for (auto const& a : r.actions) {
    if (!actions.empty()) actions += "; ";
    actions += plan.rules[size_t(a.rule)].name + ": " + action_text(plan, a);
  }
  std::string sets;
  for (auto const& s : r.sets) {
    if (!sets.empty()) sets += "; ";
    sets += plan.schema.prospect[size_t(s.field)].name + "=" + plan::print_constant(s.value);
  }
  out += "," + csv_cell(actions) + "," + csv_cell(sets) + "\n";
}

}  // namespace leadrules::runtime
