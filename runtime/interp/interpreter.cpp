// Interpreter: the reference engine's public face (interpreter.hpp). Batches are evaluated
// account by account with one Evaluator (interpreter_internal.hpp) per thread.
#include "runtime/interp/interpreter_internal.hpp"

namespace leadrules::runtime {

using interp::Evaluator;
using interp::Frame;
using interp::truth;

struct Interpreter::Statics {
  stdlib::TimeZone zone;
  explicit Statics(plan::Plan const& p) : zone(p.timezone) {}
};

Interpreter::Interpreter(std::shared_ptr<plan::Plan const> plan)
    : plan_(std::move(plan)), statics_(std::make_unique<Statics>(*plan_)) {}
Interpreter::~Interpreter() = default;

Results Interpreter::evaluate(Batch const& batch, EvalOptions const& options) const {
  Results results;
  results.reset(*plan_, batch.rows);
  AccountGroups groups = group_by_account(*plan_, batch);
  // Account by account, so colleagues' memoised values are shared and then dropped. Threads take
  // chunks of groups in turn; each has its own evaluator.
  auto make_worker = [&] {
    auto ev = std::make_unique<Evaluator>(*plan_, *this, statics_->zone, batch);
    ev->index_accounts();
    return [&, ev = std::move(ev)](size_t g_begin, size_t g_end) {
      for (size_t g = g_begin; g < g_end; ++g) {
        for (uint32_t i = groups.begin[g]; i < groups.begin[g + 1]; ++i) {
          uint32_t row = groups.rows[i];
          results.set_row(row, ev->result(row, options.now, options.explain));
        }
        ev->forget_frames();
      }
    };
  };
  run_chunked(groups.count(), options.threads, 1024, make_worker);
  return results;
}

ProspectResult Interpreter::evaluate_row(Batch const& batch, size_t row, EvalOptions const& options) const {
  Evaluator ev(*plan_, *this, statics_->zone, batch);
  ev.index_accounts();
  return ev.result(row, options.now, options.explain);
}

plan::Constant Interpreter::evaluate_node(Batch const& batch, size_t row, int32_t node,
                                          EvalOptions const& options) const {
  Evaluator ev(*plan_, *this, statics_->zone, batch);
  ev.index_accounts();
  return ev.node_value(row, options.now, node);
}

Interpreter::Probe::Probe(Interpreter const& interp, Batch const& batch, size_t row, int64_t now)
    : interp_(interp),
      batch_(batch),
      row_(row),
      now_(now),
      ev_(std::make_unique<Evaluator>(*interp.plan_, interp, interp.statics_->zone, batch)) {
  ev_->index_accounts();
}
Interpreter::Probe::~Probe() = default;

plan::Constant Interpreter::Probe::value(int32_t node) { return ev_->node_value(row_, now_, node); }

ProspectResult const& Interpreter::Probe::result() {
  if (!result_) result_ = std::make_unique<ProspectResult>(ev_->result(row_, now_, /*explain=*/true));
  return *result_;
}

std::vector<uint32_t> Interpreter::Probe::matches(int32_t points_rule) {
  return ev_->rule_matches(ev_->frame(row_, now_), points_rule);
}

double Interpreter::Probe::decay_factor(int64_t age) const { return ev_->decay_factor(age); }

std::pair<int64_t, std::optional<int64_t>> Interpreter::Probe::activities(int32_t node) {
  plan::Node n = interp_.plan_->nodes[size_t(node)];
  auto& f = ev_->frame(row_, now_);
  n.sub = uint8_t(plan::Agg::Count);
  auto count = ev_->activity_agg(n, f, -1);
  n.sub = uint8_t(plan::Agg::Last);
  auto last = ev_->activity_agg(n, f, -1);
  return {count.missing ? 0 : int64_t(count.num),
          last.missing ? std::nullopt : std::optional<int64_t>(last.i)};
}

std::vector<uint8_t> Interpreter::column_predicate(int32_t node, bool activity_field, int32_t field,
                                                   Column const& column) const {
  size_t n = column.dict->size();
  Column values(column.type);
  values.dict = column.dict;
  values.present.assign(n + 1, 1);
  values.present[n] = 0;
  values.codes.resize(n + 1);
  for (size_t k = 0; k < n; ++k) values.codes[k] = uint32_t(k);
  values.codes[n] = 0;
  Batch b = Batch::for_schema(plan_->schema);
  (activity_field ? b.act_fields : b.fields)[size_t(field)] = values;
  Evaluator ev(*plan_, *this, statics_->zone, b);
  std::vector<uint8_t> out(n + 1);
  for (size_t k = 0; k <= n; ++k) {
    Frame f;
    f.row = activity_field ? 0 : k;
    int8_t t = truth(ev.eval(node, f, activity_field ? int64_t(k) : -1));
    out[k] = t < 0 ? 2 : uint8_t(t);
  }
  return out;
}

}  // namespace leadrules::runtime
