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

// A value as a spreadsheet cell: text as it is, numbers and times as results print them, lists
// joined by ";".
std::string constant_text(plan::Constant const& c) {
  if (c.type == plan::Type::String) return c.text;
  if (c.type == plan::Type::StringList) {
    std::string out;
    for (size_t k = 0; k < c.list.size(); ++k) out += (k ? ";" : "") + c.list[k];
    return out;
  }
  return plan::print_constant(c);
}

// An input field of row `row` for --keep, as constant_text prints it; "" when missing.
std::string field_text(Column const& col, size_t row) {
  using T = plan::Type;
  if (col.type == T::StringList) {
    std::string out;
    for (uint32_t k = col.list_offsets[row]; k < col.list_offsets[row + 1]; ++k)
      out += (out.empty() ? "" : ";") + std::string(col.dict->at(col.list_codes[k]));
    return out;
  }
  if (!col.present[row]) return {};
  switch (col.type) {
    case T::String: return std::string(col.dict->at(col.codes[row]));
    case T::Number: return stdlib::format_number(col.numbers[row]);
    case T::Bool: return col.bools[row] ? "true" : "false";
    case T::Time: return stdlib::format_time(col.micros[row]);
    case T::Duration: return stdlib::format_duration(col.micros[row]);
    case T::Grade: return std::string(plan::grade_name(col.grades[row]));
    default: return {};
  }
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

CsvLayout csv_layout(plan::Plan const& plan, std::vector<int32_t> keep) {
  CsvLayout l;
  l.keep = std::move(keep);
  std::vector<bool> kind_used, field_set(plan.schema.prospect.size());
  for (auto const& rule : plan.rules)
    for (auto const& a : rule.actions) {
      if (a.kind == plan::ActionKind::Set) {
        field_set[size_t(a.field)] = true;
      } else {
        if (kind_used.size() <= size_t(a.kind)) kind_used.resize(size_t(a.kind) + 1);
        kind_used[size_t(a.kind)] = true;
      }
    }
  for (size_t k = 0; k < kind_used.size(); ++k)
    if (kind_used[k]) l.action_kinds.push_back(plan::ActionKind(k));
  for (size_t f = 0; f < field_set.size(); ++f)
    if (field_set[f]) l.set_fields.push_back(int32_t(f));
  return l;
}

void append_csv_header(std::string& out, plan::Plan const& plan, CsvLayout const& layout) {
  out += "id";
  for (int32_t f : layout.keep) out += "," + csv_cell(plan.schema.prospect[size_t(f)].name);
  out += ",score";
  for (auto const& b : plan.blocks) out += "," + csv_cell("score_" + b.name);
  out += ",grade";
  for (auto const& s : plan.segments) out += "," + csv_cell(s.name);
  for (auto k : layout.action_kinds) out += "," + std::string(plan::action_name(k));
  for (int32_t f : layout.set_fields) out += "," + csv_cell("set_" + plan.schema.prospect[size_t(f)].name);
  out += "\n";
}

void append_csv_result(std::string& out, plan::Plan const& plan, Batch const& batch, size_t row,
                       ProspectResult const& r, CsvLayout const& layout) {
  out += csv_cell(batch.id(row, plan.schema));
  for (int32_t f : layout.keep) out += "," + csv_cell(field_text(batch.fields[size_t(f)], row));
  out += ',';
  append_number(out, r.total);
  for (size_t b = 0; b < plan.blocks.size(); ++b) {
    out += ',';
    append_number(out, r.blocks[b]);
  }
  out += ',';
  out += plan::grade_name(r.grade);
  for (size_t s = 0; s < plan.segments.size(); ++s) out += r.segments[s] ? ",true" : ",false";
  // One column per action kind: each action's arguments, actions apart by "; " (how CRMs import
  // multi-valued cells); a notify is `to: message`, a task `title (due 48h)`.
  for (auto kind : layout.action_kinds) {
    std::string cell;
    for (auto const& a : r.actions) {
      if (a.kind != kind) continue;
      if (!cell.empty()) cell += "; ";
      if (kind == plan::ActionKind::Notify)
        cell += a.args[0] + ": " + a.args[1];
      else if (kind == plan::ActionKind::Task)
        cell += a.args[0] + " (due " + a.args[1] + ")";
      else
        cell += a.args[0];
    }
    out += "," + csv_cell(cell);
  }
  // One column per field the policy sets: the value set, empty when no rule set it.
  for (int32_t f : layout.set_fields) {
    std::string cell;
    for (auto const& st : r.sets)
      if (st.field == f) cell = st.value.missing ? "" : constant_text(st.value);
    out += "," + csv_cell(cell);
  }
  out += "\n";
}

}  // namespace leadrules::runtime
