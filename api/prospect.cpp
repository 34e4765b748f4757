// One prospect at a time: the typed builder, the per-thread scratch and the result view.
#include <fmt/format.h>

#include "api/internal.hpp"
#include "runtime/data/explain_text.hpp"
#include "runtime/data/writers.hpp"
#include "runtime/interp/test_runner.hpp"

namespace leadrules {

struct ProspectBuilder::Impl {
  std::shared_ptr<Policy::Impl const> policy;
  std::vector<plan::TestProspect> records{1};  // [0] the prospect, then colleagues
  size_t used = 1;                             // records in use (reset keeps the others' memory)
  std::vector<plan::TestHistory> history;      // the prospect's
  // Renewed by every change: a scratch that filled its batch from this very content (and the
  // engine's preparation from that batch) is still good while it is the same.
  uint64_t serial = Batch::Impl::next_serial();
  void changed() { serial = Batch::Impl::next_serial(); }

  plan::Schema const& schema() const { return policy->plan->schema; }
  plan::TestProspect& current() { return records[used - 1]; }
};

namespace {

[[noreturn]] void unknown(std::string_view what, std::string_view name,
                          std::vector<std::string> const& known) {
  std::string list;
  for (size_t i = 0; i < known.size() && i < 12; ++i) list += (i ? ", " : "") + known[i];
  throw Error(fmt::format("no {} `{}` in the policy (it has: {})", what, name, list));
}

std::vector<std::string> names_of(std::vector<plan::Field> const& fields) {
  std::vector<std::string> out;
  for (auto const& f : fields) out.push_back(f.name);
  return out;
}

// A value for a field of type `type`: the given value when its type fits; a string is read as
// a time, a duration or a grade when the field has that type.
plan::Constant convert(plan::Field const& f, Value const& v) {
  if (v.type == to_value_type(f.type)) return to_constant(v);
  plan::Type t = f.type;
  if (v.type == ValueType::string && !v.missing) {
    std::optional<Value> parsed;
    if (t == plan::Type::Time) {
      if (auto m = parse_time(v.text)) parsed = Value::of_time(*m);
    } else if (t == plan::Type::Duration) {
      if (auto m = parse_duration(v.text)) parsed = Value::of_duration(*m);
    } else if (t == plan::Type::Grade) {
      parsed = Value::of_grade(v.text);
    }
    if (parsed) return to_constant(*parsed);
  }
  throw Error(fmt::format("field `{}` is a {}; cannot set it to a {} ({})", f.name, plan::type_name(t),
                          type_name(v.type), v.to_literal()));
}

void put(std::vector<std::pair<int32_t, plan::Constant>>& fields, int32_t id, plan::Constant c) {
  for (auto& [k, value] : fields)
    if (k == id) {
      value = std::move(c);
      return;
    }
  fields.emplace_back(id, std::move(c));
}

// Empties a batch and keeps its memory (columns, dictionaries, offsets).
void clear(runtime::Batch& b) {
  b.rows = 0;
  for (auto* cols : {&b.fields, &b.act_fields})
    for (auto& c : *cols) {
      c.truncate(0);
      c.dict->truncate(0);
    }
  b.source_lines.clear();
  b.act_offsets.resize(1);
  b.act_kind.clear();
  b.act_at.clear();
  b.history_offsets.resize(1);
  b.history.clear();
}

}  // namespace

ProspectBuilder::ProspectBuilder(Policy const& policy) : impl_(std::make_unique<Impl>()) {
  impl_->policy = policy.impl();
}
ProspectBuilder::~ProspectBuilder() = default;
ProspectBuilder::ProspectBuilder(ProspectBuilder&&) noexcept = default;
ProspectBuilder& ProspectBuilder::operator=(ProspectBuilder&&) noexcept = default;

ProspectBuilder& ProspectBuilder::reset() {
  impl_->changed();
  for (size_t i = 0; i < impl_->used; ++i) {
    impl_->records[i].fields.clear();
    impl_->records[i].activities.clear();
  }
  impl_->used = 1;
  impl_->history.clear();
  return *this;
}

ProspectBuilder& ProspectBuilder::set(std::string_view field, Value const& value) {
  impl_->changed();
  auto const& schema = impl_->schema();
  int32_t id = schema.prospect_field(field);
  if (id < 0) unknown("field", field, names_of(schema.prospect));
  put(impl_->current().fields, id, convert(schema.prospect[size_t(id)], value));
  return *this;
}
ProspectBuilder& ProspectBuilder::set(std::string_view field, double number) {
  return set(field, Value::of_number(number));
}
ProspectBuilder& ProspectBuilder::set(std::string_view field, std::string_view text) {
  return set(field, Value::of_string(std::string(text)));
}
ProspectBuilder& ProspectBuilder::set(std::string_view field, bool boolean) {
  return set(field, Value::of_bool(boolean));
}
ProspectBuilder& ProspectBuilder::set_time(std::string_view field, int64_t micros) {
  return set(field, Value::of_time(micros));
}
ProspectBuilder& ProspectBuilder::set_list(std::string_view field,
                                           std::vector<std::string_view> const& items) {
  return set(field, Value::of_list({items.begin(), items.end()}));
}
ProspectBuilder& ProspectBuilder::unset(std::string_view field) {
  auto const& schema = impl_->schema();
  int32_t id = schema.prospect_field(field);
  if (id < 0) unknown("field", field, names_of(schema.prospect));
  return set(field, Value::missing_of(to_value_type(schema.prospect[size_t(id)].type)));
}

ProspectBuilder& ProspectBuilder::activity(std::string_view kind, int64_t at_micros) {
  impl_->changed();
  int32_t k = impl_->schema().kind(kind);
  if (k < 0) unknown("activity kind", kind, impl_->schema().kinds);
  auto& a = impl_->current().activities.emplace_back();
  a.kind = k;
  a.at = at_micros;
  return *this;
}

ProspectBuilder& ProspectBuilder::with(std::string_view field, Value const& value) {
  impl_->changed();
  auto& acts = impl_->current().activities;
  if (acts.empty()) throw Error(fmt::format("with(\"{}\", ...) before any activity(...)", field));
  auto const& schema = impl_->schema();
  int32_t id = schema.activity_field(field);
  if (id < 0) unknown("activity field", field, names_of(schema.activity));
  put(acts.back().fields, id, convert(schema.activity[size_t(id)], value));
  return *this;
}
ProspectBuilder& ProspectBuilder::with(std::string_view field, double number) {
  return with(field, Value::of_number(number));
}
ProspectBuilder& ProspectBuilder::with(std::string_view field, std::string_view text) {
  return with(field, Value::of_string(std::string(text)));
}
ProspectBuilder& ProspectBuilder::with(std::string_view field, bool boolean) {
  return with(field, Value::of_bool(boolean));
}

ProspectBuilder& ProspectBuilder::fired(std::string_view rule, int64_t count, std::optional<int64_t> last) {
  impl_->changed();
  int32_t r = impl_->policy->plan->rule_index(rule);
  if (r < 0) unknown("rule", rule, impl_->policy->rules);
  impl_->history.push_back({r, count, last});
  return *this;
}

ProspectBuilder& ProspectBuilder::colleague() {
  impl_->changed();
  if (impl_->used == impl_->records.size()) impl_->records.emplace_back();
  ++impl_->used;
  return *this;
}

size_t ProspectBuilder::records() const { return impl_->used; }
size_t ProspectBuilder::activities() const { return impl_->records[impl_->used - 1].activities.size(); }

// ---- Scratch and evaluation

void fill_batch(plan::Plan const& p, ProspectBuilder const& prospect, runtime::Batch& batch) {
  auto const& b = Access::impl(prospect);
  if (b.policy->plan.get() != &p && !same_schema(b.policy->plan->schema, p.schema))
    throw Error("Policy::evaluate: the prospect was built for a policy with another schema");
  if (batch.fields.size() != p.schema.prospect.size())
    batch = runtime::Batch::for_schema(p.schema);
  else
    clear(batch);
  runtime::append_record(p, batch, b.records[0]);
  for (auto const& h : b.history)
    batch.history.push_back({h.rule, h.count, h.last.has_value(), h.last.value_or(0)});
  batch.history_offsets.back() = uint32_t(batch.history.size());
  for (size_t i = 1; i < b.used; ++i) runtime::append_record(p, batch, b.records[i]);
}

Scratch::Scratch() : impl_(std::make_unique<Impl>()) {}
Scratch::~Scratch() = default;
Scratch::Scratch(Scratch&&) noexcept = default;
Scratch& Scratch::operator=(Scratch&&) noexcept = default;

ResultView Policy::evaluate(ProspectBuilder const& prospect, int64_t now, Scratch& scratch,
                            bool explain) const {
  auto& s = *scratch.impl_;
  auto const& p = *impl_->plan;
  if (s.policy != impl_) {
    s.batch = runtime::Batch::for_schema(p.schema);
    s.engine = impl_->engine->make_row_scratch();
    s.policy = impl_;
    s.filled_serial = 0;
  }
  // The same builder, unchanged since this scratch last filled its batch: evaluate again as is
  // (a prospect re-scored at another `now`, the REPL's expressions).
  uint64_t serial = Access::impl(prospect).serial;
  if (s.filled_serial != serial || s.source != &s.batch) fill_batch(p, prospect, s.batch);
  s.filled_serial = serial;
  runtime::EvalOptions eo;
  eo.now = now;
  eo.explain = explain;
  eo.threads = 1;
  eo.batch_serial = serial;
  impl_->engine->evaluate_row(s.batch, 0, eo, s.engine.get(), s.row);
  s.now = now;
  s.source = &s.batch;
  s.source_row = 0;
  return ResultView(&scratch);
}

ResultView Policy::evaluate(Batch const& batch, size_t row, int64_t now, Scratch& scratch,
                            bool explain) const {
  auto const& b = Access::impl(batch);
  if (b.plan != impl_->plan && !same_schema(b.plan->schema, impl_->plan->schema))
    throw Error("Policy::evaluate: the batch was read for a policy with another schema");
  if (row >= b.batch->rows) throw Error("Policy::evaluate: no row " + std::to_string(row) + " in the batch");
  auto& s = *scratch.impl_;
  if (s.policy != impl_) {
    s.batch = runtime::Batch::for_schema(impl_->plan->schema);
    s.engine = impl_->engine->make_row_scratch();
    s.policy = impl_;
  }
  runtime::EvalOptions eo;
  eo.now = now;
  eo.explain = explain;
  eo.threads = 1;
  eo.batch_serial = b.serial;
  impl_->engine->evaluate_row(*b.batch, row, eo, s.engine.get(), s.row);
  s.now = now;
  s.source = b.batch.get();
  s.source_row = row;
  return ResultView(&scratch);
}

// ---- ResultView

namespace {
Scratch::Impl const& state(Scratch const* s) { return Access::impl(*s); }
}  // namespace

double ResultView::score() const { return state(scratch_).row.total; }
std::string_view ResultView::grade() const { return plan::grade_name(state(scratch_).row.grade); }
double ResultView::block(size_t block) const { return state(scratch_).row.blocks.at(block); }
double ResultView::block(std::string_view name) const {
  auto const& s = state(scratch_);
  auto const& blocks = s.policy->plan->blocks;
  for (size_t i = 0; i < blocks.size(); ++i)
    if (blocks[i].name == name) return s.row.blocks[i];
  return 0;
}
bool ResultView::in_segment(size_t segment) const { return state(scratch_).row.segments.at(segment) != 0; }
bool ResultView::in_segment(std::string_view name) const {
  auto const& s = state(scratch_);
  int32_t i = s.policy->plan->segment_index(name);
  return i >= 0 && s.row.segments[size_t(i)] != 0;
}
bool ResultView::fired(size_t rule) const {
  for (int32_t f : state(scratch_).row.fired)
    if (size_t(f) == rule) return true;
  return false;
}
bool ResultView::fired(std::string_view rule) const {
  int32_t i = state(scratch_).policy->plan->rule_index(rule);
  return i >= 0 && fired(size_t(i));
}
size_t ResultView::action_count() const { return state(scratch_).row.actions.size(); }
Result ResultView::to_result() const {
  auto const& s = state(scratch_);
  return make_result(*s.policy->plan, *s.source, s.source_row, s.row);
}
std::string ResultView::json(bool why) const {
  auto const& s = state(scratch_);
  std::string out;
  runtime::append_json_result(out, *s.policy->plan, *s.source, s.source_row, s.row, why);
  return out;
}
std::string ResultView::explain(bool colour) const {
  auto const& s = state(scratch_);
  return explain_prospect(*s.policy, *s.source, s.source_row, s.row, s.now, colour);
}

}  // namespace leadrules
