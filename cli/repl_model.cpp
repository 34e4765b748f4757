#include "repl_model.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "repl_text.hpp"

namespace leadrules::cli::repl {

namespace {

bool present(Value const& v) { return v.type == ValueType::string_list ? !v.list.empty() : !v.missing; }

RecordModel record_of(Policy const& policy, Batch const& batch, size_t row) {
  RecordModel r;
  auto const& fields = policy.fields();
  for (size_t f = 0; f < fields.size(); ++f)
    if (Value v = batch.field(f).value_at(row); present(v)) r.fields[fields[f].name] = std::move(v);
  auto offsets = batch.activity_offsets();
  auto kinds = batch.activity_kinds();
  auto times = batch.activity_times();
  auto const& act_fields = policy.activity_fields();
  for (uint32_t a = offsets[row]; a < offsets[row + 1]; ++a) {
    ActivityModel m{policy.activity_kinds()[kinds[a]], times[a], {}};
    for (size_t f = 0; f < act_fields.size(); ++f)
      if (Value v = batch.activity_field(f).value_at(a); present(v))
        m.fields[act_fields[f].name] = std::move(v);
    r.activities.push_back(std::move(m));
  }
  return r;
}

FieldInfo const* find_field(std::vector<FieldInfo> const& fields, std::string const& name) {
  for (auto const& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

void build_record(RecordModel const& r, Policy const& policy, ProspectBuilder& b) {
  for (auto const& [name, value] : r.fields)
    if (auto const* f = find_field(policy.fields(), name); f && f->type == value.type) b.set(name, value);
  auto const& kinds = policy.activity_kinds();
  for (auto const& a : r.activities) {
    if (std::find(kinds.begin(), kinds.end(), a.kind) == kinds.end()) continue;
    b.activity(a.kind, a.at);
    for (auto const& [name, value] : a.fields)
      if (auto const* f = find_field(policy.activity_fields(), name); f && f->type == value.type)
        b.with(name, value);
  }
}

void adapt_record(RecordModel& r, Policy const& policy, std::string const& who,
                  std::vector<std::string>& notes) {
  for (auto it = r.fields.begin(); it != r.fields.end();) {
    auto const* f = find_field(policy.fields(), it->first);
    if (f && f->type == it->second.type) {
      ++it;
      continue;
    }
    notes.push_back(f ? fmt::format("{}: dropped `{}` (now a {}, was a {})", who, it->first,
                                    type_name(f->type), type_name(it->second.type))
                      : fmt::format("{}: dropped `{}` (no longer in the schema)", who, it->first));
    it = r.fields.erase(it);
  }
  auto const& kinds = policy.activity_kinds();
  size_t n = 0;
  std::erase_if(r.activities, [&](ActivityModel const& a) {
    bool gone = std::find(kinds.begin(), kinds.end(), a.kind) == kinds.end();
    n += gone;
    return gone;
  });
  if (n)
    notes.push_back(fmt::format("{}: dropped {} activit{} of kinds no longer in the schema", who, n,
                                n == 1 ? "y" : "ies"));
  for (auto& a : r.activities)
    std::erase_if(a.fields, [&](auto const& kv) {
      auto const* f = find_field(policy.activity_fields(), kv.first);
      return !f || f->type != kv.second.type;
    });
}

std::string shown(Value const& v, int64_t now) {
  if (v.type == ValueType::time && !v.missing)
    return fmt::format("{} ({})", format_time(v.micros), ago(v.micros, now));
  return v.to_literal();
}

std::string activity_fields_text(ActivityModel const& a, Policy const& policy, int64_t now,
                                 bool test_syntax) {
  std::string out;
  for (auto const& f : policy.activity_fields()) {
    auto it = a.fields.find(f.name);
    if (it == a.fields.end()) continue;
    out += fmt::format("{}{}: {}", out.empty() ? "" : ", ", f.name,
                       test_syntax ? test_literal(it->second, now) : shown(it->second, now));
  }
  return out;
}

void save_record_fields(std::string& out, RecordModel const& r, Policy const& policy, int64_t now,
                        std::string const& indent) {
  for (auto const& f : policy.fields()) {
    auto it = r.fields.find(f.name);
    if (it == r.fields.end()) continue;
    out += fmt::format("{}{}: {}\n", indent, f.name, test_literal(it->second, now));
  }
}

void save_activities(std::string& out, RecordModel const& r, Policy const& policy, int64_t now,
                     std::string const& indent) {
  for (auto const& a : r.activities) {
    std::string fields = activity_fields_text(a, policy, now, true);
    out += fmt::format("{}{} {{ {}{}at: {} }}\n", indent, a.kind, fields, fields.empty() ? "" : ", ",
                       relative_or_absolute(a.at, now));
  }
}

}  // namespace

ProspectModel ProspectModel::blank(Policy const& policy) {
  ProspectModel p;
  p.self.fields[policy.fields()[policy.id_field()].name] = Value::of_string("new");
  return p;
}

ProspectModel ProspectModel::from_batch(Policy const& policy, Batch const& batch, size_t row) {
  ProspectModel p;
  p.self = record_of(policy, batch, row);
  for (auto const& f : batch.firings(row)) p.history.push_back({policy.rules()[f.rule], f.count, f.last});
  if (auto account = policy.account_field()) {
    auto col = batch.field(*account);
    if (col.present[row])
      for (size_t r = 0; r < batch.size(); ++r)
        if (r != row && col.present[r] && col.string_at(r) == col.string_at(row))
          p.colleagues.push_back(record_of(policy, batch, r));
  }
  return p;
}

std::string ProspectModel::id(Policy const& policy) const {
  auto it = self.fields.find(policy.fields()[policy.id_field()].name);
  return it == self.fields.end() ? std::string() : it->second.text;
}

void ProspectModel::build(Policy const& policy, ProspectBuilder& b) const {
  b.reset();
  build_record(self, policy, b);
  auto const& rules = policy.rules();
  for (auto const& h : history)
    if (std::find(rules.begin(), rules.end(), h.rule) != rules.end()) b.fired(h.rule, h.count, h.last);
  for (auto const& c : colleagues) build_record(c, policy, b.colleague());
}

std::vector<std::string> ProspectModel::adapt(Policy const& policy) {
  std::vector<std::string> notes;
  adapt_record(self, policy, "prospect", notes);
  for (auto& c : colleagues) {
    auto it = c.fields.find(policy.fields()[policy.id_field()].name);
    adapt_record(c, policy, "colleague " + (it == c.fields.end() ? std::string("?") : it->second.text),
                 notes);
  }
  auto const& rules = policy.rules();
  std::erase_if(history, [&](FiringModel const& h) {
    bool gone = std::find(rules.begin(), rules.end(), h.rule) == rules.end();
    if (gone) notes.push_back(fmt::format("history of rule \"{}\" dropped (no such rule any more)", h.rule));
    return gone;
  });
  return notes;
}

std::string show(ProspectModel const& p, Policy const& policy, int64_t now) {
  std::string out = fmt::format("prospect {}   (now {})\n", quote(p.id(policy)), format_time(now));
  size_t width = 0;
  for (auto const& f : policy.fields()) width = std::max(width, f.name.size());
  for (auto const& f : policy.fields()) {
    auto it = p.self.fields.find(f.name);
    if (it != p.self.fields.end())
      out += fmt::format("  {:<{}}  {}\n", f.name, width, shown(it->second, now));
  }
  if (p.self.activities.empty()) {
    out += "activities: none\n";
  } else {
    out += fmt::format("activities ({}):\n", p.self.activities.size());
    size_t kw = 0;
    for (auto const& a : p.self.activities) kw = std::max(kw, a.kind.size());
    for (size_t i = 0; i < p.self.activities.size(); ++i) {
      auto const& a = p.self.activities[i];
      out += fmt::format("  {:>2}  {:<{}}  {}  {:<12} {}\n", i + 1, a.kind, kw, format_time(a.at),
                         ago(a.at, now), activity_fields_text(a, policy, now, false));
      while (out.size() >= 2 && out[out.size() - 2] == ' ') out.erase(out.size() - 2, 1);
    }
  }
  for (auto const& h : p.history)
    out += fmt::format("history {}: count {}{}\n", quote(h.rule), h.count,
                       h.last ? fmt::format(", last {} ({})", format_time(*h.last), ago(*h.last, now)) : "");
  if (!p.colleagues.empty()) {
    std::string list;
    for (auto const& c : p.colleagues) {
      auto it = c.fields.find(policy.fields()[policy.id_field()].name);
      list += fmt::format("{}{} ({} activit{})", list.empty() ? "" : ", ",
                          it == c.fields.end() ? "?" : quote(it->second.text), c.activities.size(),
                          c.activities.size() == 1 ? "y" : "ies");
    }
    out += fmt::format("colleagues ({}): {}\n", p.colleagues.size(), list);
  }
  return out;
}

std::string save_test(std::string const& name, ProspectModel const& p, Policy const& policy, int64_t now,
                      Result const& result) {
  std::string out = fmt::format("test {} {{\n  now @{}\n  prospect {{\n", quote(name), format_time(now));
  save_record_fields(out, p.self, policy, now, "    ");
  out += "  }\n";
  save_activities(out, p.self, policy, now, "  ");
  for (auto const& h : p.history) {
    out += fmt::format("  history {} {{ count: {}", quote(h.rule), h.count);
    if (h.last) out += ", last: " + relative_or_absolute(*h.last, now);
    out += " }\n";
  }
  for (auto const& c : p.colleagues) {
    out += "  colleague {\n";
    save_record_fields(out, c, policy, now, "    ");
    save_activities(out, c, policy, now, "    ");
    out += "  }\n";
  }
  out += fmt::format("  expect score == {}\n", format_number(result.score));
  out += fmt::format("  expect grade == {}\n", result.grade);
  for (auto const& s : policy.segments()) {
    bool holds = std::find(result.segments.begin(), result.segments.end(), s.name) != result.segments.end();
    out += fmt::format("  expect {}{}\n", holds ? "" : "not ", s.name);
  }
  for (auto const& r : result.fired) out += fmt::format("  expect fired({})\n", quote(r));
  out += "}\n";
  return out;
}

}  // namespace leadrules::cli::repl
