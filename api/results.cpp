// Results and Batch accessors: typed values and the writers' JSON, CSV and explanation.
#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "api/internal.hpp"
#include "runtime/data/explain_text.hpp"
#include "runtime/data/writers.hpp"
#include "stdlib/names.hpp"

namespace leadrules {

Result make_result(plan::Plan const& p, runtime::Batch const& batch, size_t row,
                   runtime::ProspectResult const& r) {
  Result out;
  out.id = std::string(batch.id(row, p.schema));
  out.score = r.total;
  for (size_t b = 0; b < p.blocks.size(); ++b) out.scores.emplace_back(p.blocks[b].name, r.blocks[b]);
  out.grade = std::string(plan::grade_name(r.grade));
  for (size_t s = 0; s < p.segments.size(); ++s)
    if (r.segments[s]) out.segments.push_back(p.segments[s].name);
  for (int32_t f : r.fired) out.fired.push_back(p.rules[size_t(f)].name);
  for (auto const& a : r.actions)
    out.actions.push_back({p.rules[size_t(a.rule)].name, std::string(plan::action_name(a.kind)), a.args});
  for (auto const& s : r.sets) {
    SetField sf{p.schema.prospect[size_t(s.field)].name, to_value(s.value), {}};
    for (int32_t rule : s.rules) sf.rules.push_back(p.rules[size_t(rule)].name);
    out.set.push_back(std::move(sf));
  }
  return out;
}

// ---- Batch

Batch::Batch(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Batch::Batch(Batch&&) noexcept = default;
Batch& Batch::operator=(Batch&&) noexcept = default;
Batch::~Batch() = default;

size_t Batch::size() const { return impl_->batch->rows; }
size_t Batch::activity_count() const { return impl_->batch->activity_count(); }
std::string_view Batch::id(size_t row) const { return impl_->batch->id(row, impl_->plan->schema); }
std::optional<size_t> Batch::find(std::string_view id) const {
  for (size_t r = 0; r < size(); ++r)
    if (this->id(r) == id) return r;
  return std::nullopt;
}
uint32_t Batch::line(size_t row) const {
  auto const& lines = impl_->batch->source_lines;
  return row < lines.size() ? lines[row] : 0;
}
size_t Batch::bytes() const { return impl_->bytes; }
size_t Batch::prospects_read() const { return impl_->prospects_read; }
std::vector<DataError> const& Batch::rejects() const { return impl_->rejects; }
std::map<std::string, size_t> const& Batch::skipped_kinds() const { return impl_->skipped_kinds; }

static Batch::Column view_of(runtime::Column const& c) {
  Batch::Column v;
  v.type = to_value_type(c.type);
  v.present = c.present;
  v.numbers = c.numbers;
  v.micros = c.micros;
  v.grades = c.grades;
  v.bools = c.bools;
  v.codes = c.codes;
  v.list_offsets = c.list_offsets;
  v.list_codes = c.list_codes;
  v.dictionary_size = c.dict->size();
  v.dictionary_ = c.dict.get();
  return v;
}
std::string_view Batch::Column::text(uint32_t code) const {
  return static_cast<runtime::Dictionary const*>(dictionary_)->at(code);
}
Value Batch::Column::value_at(size_t i) const {
  if (type == ValueType::string_list) {
    std::vector<std::string> items;
    for (uint32_t k = list_offsets[i]; k < list_offsets[i + 1]; ++k) items.emplace_back(text(list_codes[k]));
    return Value::of_list(std::move(items));
  }
  if (!present[i]) return Value::missing_of(type);
  switch (type) {
    case ValueType::number: return Value::of_number(numbers[i]);
    case ValueType::string: return Value::of_string(std::string(string_at(i)));
    case ValueType::boolean: return Value::of_bool(bools[i] != 0);
    case ValueType::time: return Value::of_time(micros[i]);
    case ValueType::duration: return Value::of_duration(micros[i]);
    case ValueType::grade: return *Value::of_grade(plan::grade_name(grades[i]));
    case ValueType::string_list: break;
  }
  return Value::missing_of(type);
}

Batch::Column Batch::field(size_t f) const { return view_of(impl_->batch->fields.at(f)); }
Batch::Column Batch::activity_field(size_t f) const { return view_of(impl_->batch->act_fields.at(f)); }
std::span<uint32_t const> Batch::activity_offsets() const { return impl_->batch->act_offsets; }
std::span<uint16_t const> Batch::activity_kinds() const { return impl_->batch->act_kind; }
std::span<int64_t const> Batch::activity_times() const { return impl_->batch->act_at; }

std::vector<Batch::Firing> Batch::firings(size_t row) const {
  auto const& b = *impl_->batch;
  std::vector<Firing> out;
  for (uint32_t h = b.history_offsets.at(row); h < b.history_offsets.at(row + 1); ++h) {
    auto const& rec = b.history[h];
    out.push_back(
        {size_t(rec.rule), rec.count, rec.has_last ? std::optional<int64_t>(rec.last) : std::nullopt});
  }
  return out;
}

// ---- Results

Results::Results(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Results::Results(Results&&) noexcept = default;
Results& Results::operator=(Results&&) noexcept = default;
Results::~Results() = default;

size_t Results::size() const { return impl_->results.rows; }
double Results::score(size_t row) const { return impl_->results.total.at(row); }
std::string_view Results::grade(size_t row) const { return plan::grade_name(impl_->results.grade.at(row)); }
double Results::block(size_t row, size_t block) const {
  auto const& r = impl_->results;
  return r.blocks.at(row * r.n_blocks + block);
}
bool Results::in_segment(size_t row, size_t segment) const {
  auto const& r = impl_->results;
  return r.segments.at(row * r.n_segments + segment) != 0;
}
bool Results::fired(size_t row, size_t rule) const {
  auto const& r = impl_->results;
  return r.fired.at(row * r.n_rules + rule) != 0;
}
std::span<double const> Results::scores() const { return impl_->results.total; }

Result Results::operator[](size_t row) const {
  return make_result(*impl_->policy->plan, *impl_->batch, row, impl_->results.row(row));
}

std::string Results::json(size_t row, bool why) const {
  std::string out;
  runtime::append_json_result(out, *impl_->policy->plan, *impl_->batch, row, impl_->results.row(row), why);
  return out;
}

std::string Results::to_jsonl(bool why) const {
  std::string out;
  out.reserve(size() * 160);
  write_jsonl([&](std::string_view piece) { out += piece; }, why);
  return out;
}

namespace {
constexpr size_t kPiece = size_t(1) << 20;
}

void Results::write_jsonl(std::function<void(std::string_view)> const& sink, bool why) const {
  std::string piece;
  piece.reserve(kPiece + 4096);
  for (size_t r = 0; r < size(); ++r) {
    runtime::append_json_result(piece, *impl_->policy->plan, *impl_->batch, r, impl_->results.row(r), why);
    if (piece.size() >= kPiece) {
      sink(piece);
      piece.clear();
    }
  }
  if (!piece.empty()) sink(piece);
}

std::string Results::to_csv(std::vector<std::string> const& keep) const {
  std::string out;
  write_csv([&](std::string_view piece) { out += piece; }, keep);
  return out;
}

void Results::write_csv(std::function<void(std::string_view)> const& sink,
                        std::vector<std::string> const& keep) const {
  auto const& p = *impl_->policy->plan;
  std::vector<int32_t> kept;
  std::vector<std::string> names;
  for (auto const& f : p.schema.prospect) names.push_back(f.name);
  for (auto const& name : keep) {
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      auto near = stdlib::closest_name(name, names);
      throw std::invalid_argument(fmt::format("--keep: the schema has no field `{}`{}", name,
                                              near.empty() ? "" : fmt::format("; did you mean `{}`?", near)));
    }
    kept.push_back(int32_t(it - names.begin()));
  }
  auto layout = runtime::csv_layout(p, std::move(kept));
  std::string piece;
  runtime::append_csv_header(piece, p, layout);
  for (size_t r = 0; r < size(); ++r) {
    runtime::append_csv_result(piece, p, *impl_->batch, r, impl_->results.row(r), layout);
    if (piece.size() >= kPiece) {
      sink(piece);
      piece.clear();
    }
  }
  if (!piece.empty()) sink(piece);
}

std::string Results::explain(size_t row, bool colour) const {
  return explain_prospect(*impl_->policy, *impl_->batch, row, impl_->results.row(row), impl_->now, colour);
}

std::string score_histogram(std::span<double const> scores, std::optional<double> mark, bool colour,
                            size_t width) {
  return runtime::score_histogram(std::vector<double>(scores.begin(), scores.end()), mark, colour, width);
}

}  // namespace leadrules
