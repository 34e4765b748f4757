#include "prospects.hpp"

#include <cstring>
#include <fstream>
#include <utility>

#include <fmt/format.h>

namespace leadrules::bench {

// Grades as the API names them: 0 = F .. 12 = A+.
constexpr char const* kGradeNames[13] = {"F",  "D-", "D",  "D+", "C-", "C", "C+",
                                         "B-", "B",  "B+", "A-", "A",  "A+"};
std::string_view grade_name(int g) { return g >= 0 && g < 13 ? kGradeNames[g] : "?"; }
int grade_index(std::string_view name) {
  for (int g = 0; g < 13; ++g)
    if (name == kGradeNames[g]) return g;
  return -1;
}

// ---- comparison -------------------------------------------------------------------------------

// What the benchmark compares, whatever the engine.

Outcome from_baseline(BaselineResults const& b, size_t row) {
  return {b.total[row], {b.blocks[0][row], b.blocks[1][row]}, b.grade[row], b.segments[row], b.fired[row]};
}

Outcome from_results(Results const& res, Policy const& p, size_t row) {
  Outcome o;
  o.total = res.score(row);
  for (size_t b = 0; b < p.blocks().size(); ++b) o.blocks.push_back(res.block(row, b));
  o.grade = grade_index(res.grade(row));
  for (size_t s = 0; s < p.segments().size(); ++s)
    if (res.in_segment(row, s)) o.segments |= 1u << s;
  for (size_t x = 0; x < p.rules().size(); ++x)
    if (res.fired(row, x)) o.fired |= 1u << x;
  return o;
}

Outcome from_view(ResultView const& r, Policy const& p) {
  Outcome o;
  o.total = r.score();
  for (size_t b = 0; b < p.blocks().size(); ++b) o.blocks.push_back(r.block(b));
  o.grade = grade_index(r.grade());
  for (size_t s = 0; s < p.segments().size(); ++s)
    if (r.in_segment(s)) o.segments |= 1u << s;
  for (size_t x = 0; x < p.rules().size(); ++x)
    if (r.fired(x)) o.fired |= 1u << x;
  return o;
}

static bool same_double(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }  // bit for bit

std::string describe(Outcome const& o, Policy const& p) {
  auto const& blocks = p.blocks();
  auto const& segments = p.segments();
  auto const& rules = p.rules();
  std::string s = fmt::format("total {}", o.total);
  for (size_t b = 0; b < o.blocks.size() && b < blocks.size(); ++b)
    s += fmt::format(", {} {}", blocks[b], o.blocks[b]);
  s += fmt::format(", grade {}", grade_name(o.grade));
  s += ", segments [";
  bool first = true;
  for (size_t x = 0; x < segments.size(); ++x)
    if (o.segments >> x & 1)
      s += fmt::format("{}{}", std::exchange(first, false) ? "" : " ", segments[x].name);
  s += "], fired [";
  first = true;
  for (size_t x = 0; x < rules.size(); ++x)
    if (o.fired >> x & 1) s += fmt::format("{}\"{}\"", std::exchange(first, false) ? "" : ", ", rules[x]);
  return s + "]";
}

std::optional<std::string> first_difference(Outcome const& a, Outcome const& b, Policy const& p) {
  auto const& blocks = p.blocks();
  auto const& segments = p.segments();
  auto const& rules = p.rules();
  if (!same_double(a.total, b.total)) return fmt::format("total {} vs {}", a.total, b.total);
  if (a.blocks.size() != b.blocks.size())
    return fmt::format("{} vs {} blocks", a.blocks.size(), b.blocks.size());
  for (size_t x = 0; x < a.blocks.size(); ++x)
    if (!same_double(a.blocks[x], b.blocks[x]))
      return fmt::format("score {} {} vs {}", blocks[x], a.blocks[x], b.blocks[x]);
  if (a.grade != b.grade) return fmt::format("grade {} vs {}", grade_name(a.grade), grade_name(b.grade));
  for (size_t x = 0; x < segments.size(); ++x)
    if ((a.segments ^ b.segments) >> x & 1)
      return fmt::format("segment {} {} vs {}", segments[x].name, a.segments >> x & 1, b.segments >> x & 1);
  for (size_t x = 0; x < rules.size(); ++x)
    if ((a.fired ^ b.fired) >> x & 1)
      return fmt::format("rule \"{}\" fired {} vs {}", rules[x], a.fired >> x & 1, b.fired >> x & 1);
  return std::nullopt;
}

// The rows of a prospect's colleagues (same account, the prospect excluded), in batch order.
std::vector<size_t> colleagues_of(Batch const& batch, Policy const& p, size_t row) {
  std::vector<size_t> out;
  auto af = p.field_index("account");
  if (!af) return out;
  Batch::Column col = batch.field(*af);
  if (!col.present[row]) return out;
  for (size_t r = 0; r < batch.size(); ++r)
    if (r != row && col.present[r] && col.codes[r] == col.codes[row]) out.push_back(r);
  return out;
}

// One field's value as plain data, ready for the builder's typed setters (the strings are views
// into the batch's dictionaries): what a service holds before it scores a prospect.

static Setting setting_of(FieldInfo const& f, Batch::Column const& col, size_t i) {
  Setting s;
  s.field = f.name;
  s.type = col.type;
  s.missing = !col.present.empty() && !col.present[i];
  if (s.missing && col.type != ValueType::string_list) return s;
  s.missing = false;
  switch (col.type) {
    case ValueType::number: s.number = col.numbers[i]; break;
    case ValueType::string: s.text = col.text(col.codes[i]); break;
    case ValueType::boolean: s.boolean = col.bools[i] != 0; break;
    case ValueType::time:
      s.micros = col.micros[i];
      s.value = Value::of_time(s.micros);
      break;
    case ValueType::duration:
      s.micros = col.micros[i];
      s.value = Value::of_duration(s.micros);
      break;
    case ValueType::grade:
      s.value.type = ValueType::grade;
      s.value.grade = col.grades[i];
      break;
    case ValueType::string_list:
      for (uint32_t k = col.list_offsets[i]; k < col.list_offsets[i + 1]; ++k)
        s.list.push_back(col.text(col.list_codes[k]));
      break;
  }
  return s;
}

static RecordData record_of(Batch const& batch, Policy const& p, size_t row) {
  RecordData rec;
  auto const& fields = p.fields();
  for (size_t f = 0; f < fields.size(); ++f) rec.fields.push_back(setting_of(fields[f], batch.field(f), row));
  auto const& afields = p.activity_fields();
  std::vector<Batch::Column> acols;
  for (size_t f = 0; f < afields.size(); ++f) acols.push_back(batch.activity_field(f));
  auto off = batch.activity_offsets();
  auto kinds = batch.activity_kinds();
  auto times = batch.activity_times();
  for (uint32_t a = off[row]; a < off[row + 1]; ++a) {
    ActivityData act;
    act.kind = p.activity_kinds()[kinds[a]];
    act.at = times[a];
    for (size_t f = 0; f < afields.size(); ++f) {
      Setting s = setting_of(afields[f], acols[f], a);
      if (!s.missing) act.fields.push_back(std::move(s));
    }
    rec.activities.push_back(std::move(act));
  }
  return rec;
}

static void set_field(ProspectBuilder& b, Setting const& s) {
  if (s.missing) {
    b.unset(s.field);
    return;
  }
  switch (s.type) {
    case ValueType::number: b.set(s.field, s.number); break;
    case ValueType::string: b.set(s.field, s.text); break;
    case ValueType::boolean: b.set(s.field, s.boolean); break;
    case ValueType::time: b.set_time(s.field, s.micros); break;
    case ValueType::string_list: b.set_list(s.field, s.list); break;
    default: b.set(s.field, s.value); break;
  }
}

static void with_field(ProspectBuilder& b, Setting const& s) {
  switch (s.type) {
    case ValueType::number: b.with(s.field, s.number); break;
    case ValueType::string: b.with(s.field, s.text); break;
    case ValueType::boolean: b.with(s.field, s.boolean); break;
    default: b.with(s.field, s.value); break;
  }
}

// reset(), then the prospect (records[0]) and its colleagues, field by field, activity by activity.
void fill(ProspectBuilder& b, std::vector<RecordData> const& records) {
  b.reset();
  for (size_t i = 0; i < records.size(); ++i) {
    if (i > 0) b.colleague();
    for (auto const& s : records[i].fields) set_field(b, s);
    for (auto const& a : records[i].activities) {
      b.activity(a.kind, a.at);
      for (auto const& s : a.fields) with_field(b, s);
    }
  }
}

// The prospect at `row` and its colleagues, as records for the builder.
std::vector<RecordData> records_of(Batch const& batch, Policy const& p, size_t row) {
  std::vector<RecordData> recs{record_of(batch, p, row)};
  for (size_t c : colleagues_of(batch, p, row)) recs.push_back(record_of(batch, p, c));
  return recs;
}

// Lines `wanted` of a file (1-based), in order.
std::map<uint32_t, std::string> read_lines(std::string const& path, std::set<uint32_t> const& wanted) {
  std::map<uint32_t, std::string> out;
  std::ifstream in(path);
  std::string line;
  for (uint32_t n = 1; out.size() < wanted.size() && std::getline(in, line); ++n)
    if (wanted.count(n)) out[n] = line;
  return out;
}

}  // namespace leadrules::bench
