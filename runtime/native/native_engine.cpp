#include "runtime/native/native_engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <map>
#include <unordered_map>

#include "runtime/native/abi_host.hpp"
#include "stdlib/abi.hpp"
#include "stdlib/builtins.hpp"

namespace leadrules::jit {

NativeEngine::NativeEngine(std::shared_ptr<plan::Plan const> plan, LrEntry entry,
                           std::shared_ptr<void const> code, PredicateEvaluator predicates, std::string name)
    : plan_(std::move(plan)), entry_(entry), code_(std::move(code)), name_(std::move(name)) {
  layout_ = FrameLayout::build(*plan_);
  predicates_ = find_column_predicates(*plan_);
  for (size_t k = 0; k < predicates_.size(); ++k) {
    auto const& pr = predicates_[k];
    auto& cols = predicate_columns_;
    auto it = std::find_if(cols.begin(), cols.end(),
                           [&](auto const& c) { return c.activity == pr.activity && c.field == pr.field; });
    if (it == cols.end()) it = cols.insert(cols.end(), {pr.activity, pr.field, {}});
    it->predicates.push_back(uint32_t(k));
  }
  evaluate_predicate_ = std::move(predicates);
  zone_ = std::make_unique<stdlib::TimeZone>(plan_->timezone);
}

NativeEngine::~NativeEngine() = default;

// Values of a column grouped by the result of domain()/lower()/upper(): one representative
// value per distinct result (once per email domain, not once per email).
struct ValueClasses {
  std::vector<uint32_t> class_of;  // per dictionary code
  runtime::Column representatives{plan::Type::String};
};

static ValueClasses classify(runtime::Column const& col, plan::Builtin via) {
  ValueClasses out;
  size_t n = col.dict->size();
  out.class_of.resize(n);
  std::unordered_map<std::string, uint32_t> class_of_result;
  uint32_t no_result = UINT32_MAX;  // the class of "the function gives missing"
  for (size_t k = 0; k < n; ++k) {
    std::string_view v = col.dict->at(uint32_t(k));
    std::optional<std::string> r;
    switch (via) {
      case plan::Builtin::Domain: r = stdlib::domain(v); break;
      case plan::Builtin::Lower: r = stdlib::lower(v); break;
      default: r = stdlib::upper(v); break;
    }
    uint32_t* slot = r ? &class_of_result.try_emplace(std::move(*r), UINT32_MAX).first->second : &no_result;
    if (*slot == UINT32_MAX) *slot = out.representatives.dict->intern(v);  // it keeps its original text
    out.class_of[k] = *slot;
  }
  return out;
}

// The interpreter evaluates the predicate on each representative; every value takes its class's.
static std::vector<uint8_t> predicate_by_class(PredicateEvaluator const& evaluate, ColumnPredicate const& pr,
                                               ValueClasses const& classes) {
  auto small = evaluate(pr.node, pr.activity, pr.field, classes.representatives);
  size_t n = classes.class_of.size();
  std::vector<uint8_t> out(n + 1);
  for (size_t k = 0; k < n; ++k) out[k] = small[classes.class_of[k]];
  out[n] = small[classes.representatives.dict->size()];  // the missing value
  return out;
}

// ---------------------------------------------------------------------------------------------
// Evaluation: the host prepares the batch's view (columns, dictionaries, predicate tables),
// then evaluates account group by account group, each thread with its own frames.

namespace {

// The batch as generated code reads it. Buffers are reused when prepared again (one-prospect
// evaluation keeps a view per thread), so a warm view allocates nothing.
struct BatchView {
  std::vector<LrColumn> fields, act_fields;
  std::vector<std::vector<char const*>> dict_ptrs;  // per column: fields, then activity fields
  std::vector<std::vector<uint32_t>> dict_lens;
  std::vector<std::vector<uint8_t>> tables;  // per precomputed predicate
  std::vector<uint8_t const*> table_ptrs;
  std::vector<LrHistory> history;

  void prepare(runtime::Batch const& batch) {
    size_t nf = batch.fields.size(), na = batch.act_fields.size();
    fields.resize(nf);
    act_fields.resize(na);
    dict_ptrs.resize(nf + na);
    dict_lens.resize(nf + na);
    for (size_t i = 0; i < nf; ++i) fields[i] = column(batch.fields[i], i);
    for (size_t i = 0; i < na; ++i) act_fields[i] = column(batch.act_fields[i], nf + i);
    copy_history(batch);
  }

  void copy_history(runtime::Batch const& batch) {
    history.clear();
    for (auto const& h : batch.history) history.push_back({h.count, h.last, h.rule, h.has_last ? 1 : 0});
  }

  LrColumn column(runtime::Column const& c, size_t slot) {
    LrColumn out{};
    out.present = c.present.data();
    out.numbers = c.numbers.data();
    out.micros = c.micros.data();
    out.grades = c.grades.data();
    out.bools = c.bools.data();
    out.codes = c.codes.data();
    out.list_offsets = c.list_offsets.data();
    out.list_codes = c.list_codes.data();
    // The dictionary with a sentinel empty string at dict_size (what a missing value reads).
    size_t n = c.dict->size();
    auto& ptrs = dict_ptrs[slot];
    auto& lens = dict_lens[slot];
    ptrs.assign(n + 1, "");
    lens.assign(n + 1, 0);
    for (size_t k = 0; k < n; ++k) {
      auto s = c.dict->at(uint32_t(k));
      ptrs[k] = s.data();
      lens[k] = uint32_t(s.size());
    }
    out.dict_ptr = ptrs.data();
    out.dict_len = lens.data();
    out.dict_size = uint32_t(n);
    return out;
  }

  LrEnv env(runtime::Batch const& batch, int64_t now) {
    table_ptrs.resize(tables.size());
    for (size_t k = 0; k < tables.size(); ++k) table_ptrs[k] = tables[k].data();
    LrEnv e{};
    e.fields = fields.data();
    e.act_fields = act_fields.data();
    e.act_offsets = batch.act_offsets.data();
    e.act_kind = batch.act_kind.data();
    e.act_at = batch.act_at.data();
    e.hist_offsets = batch.history_offsets.data();
    e.history = history.data();
    e.preds = table_ptrs.data();
    e.now = now;
    return e;
  }
};

// Copies a prospect's frame at `now` (offset 0) into its row of the results.
void read_frame(plan::Plan const& p, FrameLayout const& L, uint8_t const* fp, size_t row, bool explain,
                runtime::Results& results) {
  auto rd = [&](uint32_t at, auto sample) {
    decltype(sample) v;
    std::memcpy(&v, fp + at, sizeof v);
    return v;
  };
  results.total[row] = rd(L.total_value, 0.0);
  for (size_t x = 0; x < p.blocks.size(); ++x)
    results.blocks[row * results.n_blocks + x] = rd(L.block_value[x], 0.0);
  results.grade[row] = int8_t(rd(L.grade_value, int32_t(0)));
  for (size_t s = 0; s < p.segments.size(); ++s) {
    results.segments[row * results.n_segments + s] = rd(L.segment_state[s], uint8_t(0)) == 2 ? 1 : 0;
    results.zone_rows[row * results.n_segments + s] = rd(L.zone_row[s], int32_t(0));
  }
  for (size_t x = 0; x < p.rules.size(); ++x)
    results.fired[row * results.n_rules + x] = rd(L.fires[x], uint8_t(0));
  if (!explain) return;
  auto& why = results.points_why[row];
  for (auto const& blk : p.blocks)
    for (int32_t pr : blk.rules) {
      runtime::PointsWhy w;
      w.rule = pr;
      w.points = rd(L.point_value[size_t(pr)], 0.0);
      w.matches = rd(L.point_matches[size_t(pr)], uint32_t(0));
      w.capped = rd(L.point_capped[size_t(pr)], uint8_t(0)) != 0;
      if (w.points != 0 || w.matches) why.push_back(w);
    }
  for (size_t m = 0; m < p.grade_moves.size(); ++m) {
    auto const& mv = p.grade_moves[m];
    runtime::GradeWhy gw;
    gw.move = int32_t(m);
    gw.outcome = rd(L.grade_outcome[m], int8_t(0));
    gw.thirds = gw.outcome == 1 ? mv.thirds : (gw.outcome == 0 && mv.has_else ? mv.else_thirds : 0);
    results.grade_why[row].push_back(gw);
  }
}

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// One thread's memory for one-prospect evaluation. Predicate answers are kept per distinct
// value across calls (a service sees the same pages, titles and domains again and again), so a
// warm call evaluates no predicate at all: one lookup per value of a column answers every
// predicate on that column.
struct JitRowScratch final : runtime::RowScratch {
  BatchView view;
  struct ColumnAnswers {
    std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> slot_of;  // value -> answers
    std::vector<uint8_t> answers;  // slot .. slot + predicates on the column
    std::vector<uint8_t> missing;  // per predicate on the column; empty until asked
  };
  std::vector<ColumnAnswers> columns;         // per entry of NativeEngine::predicate_columns_
  runtime::Column probe{plan::Type::String};  // one value, to ask the reference
  std::vector<uint32_t> group, slot;
  std::vector<uint64_t> frames;
  runtime::Results results;
  stdlib::LrHost host;
  std::vector<uint32_t> account_rows, account_begin;  // index_accounts()
  uint64_t prepared_serial = 0;                       // the batch all this was prepared for
};

constexpr size_t kGroupsPerChunk = 2048;       // threads take account groups this many at a time
constexpr size_t kMaxCachedAnswers = 1 << 16;  // values per column; beyond it the cache starts over

}  // namespace

runtime::Results NativeEngine::evaluate(runtime::Batch const& batch,
                                        runtime::EvalOptions const& options) const {
  auto const& p = *plan_;
  runtime::Results results;
  results.reset(p, batch.rows);
  BatchView view;
  view.prepare(batch);
  std::map<std::tuple<bool, int32_t, int32_t>, ValueClasses> classes;  // shared by predicates on one column
  for (auto const& pr : predicates_) {
    auto const& col = (pr.activity ? batch.act_fields : batch.fields)[size_t(pr.field)];
    if (pr.via < 0) {
      view.tables.push_back(evaluate_predicate_(pr.node, pr.activity, pr.field, col));
      continue;
    }
    auto key = std::make_tuple(pr.activity, pr.field, pr.via);
    auto it = classes.find(key);
    if (it == classes.end()) it = classes.emplace(key, classify(col, plan::Builtin(pr.via))).first;
    view.tables.push_back(predicate_by_class(evaluate_predicate_, pr, it->second));
  }
  LrEnv base = view.env(batch, options.now);

  runtime::AccountGroups groups = runtime::group_by_account(p, batch);
  size_t frame_words = layout_.offsets.size() * layout_.size / 8;
  auto entry = entry_;

  // Each thread's worker keeps its host, frames and slot table from chunk to chunk.
  auto make_worker = [&] {
    return [&, host = stdlib::LrHost{}, frames = std::vector<uint64_t>{},
            slot = std::vector<uint32_t>(batch.rows ? batch.rows : 1)](size_t g_begin, size_t g_end) mutable {
      LrEnv env = base;
      host.plan = &p;
      host.zone = zone_.get();
      host.results = &results;
      env.host = &host;
      env.frame_slot = slot.data();
      for (size_t g = g_begin; g < g_end; ++g) {
        uint32_t b = groups.begin[g], k = groups.begin[g + 1] - b;
        frames.assign(size_t(k) * frame_words, 0);
        env.frames = reinterpret_cast<uint8_t*>(frames.data());
        env.group_rows = &groups.rows[b];
        env.group_size = k;
        for (uint32_t i = 0; i < k; ++i) slot[groups.rows[b + i]] = i;
        for (uint32_t i = 0; i < k; ++i) {
          uint32_t row = groups.rows[b + i];
          entry(&env, int32_t(row), 1);
          read_frame(p, layout_, env.frames + size_t(i) * frame_words * 8, row, options.explain, results);
        }
        host.reset_group();
      }
    };
  };
  runtime::run_chunked(groups.count(), options.threads, kGroupsPerChunk, make_worker);
  return results;
}

runtime::ProspectResult NativeEngine::evaluate_row(runtime::Batch const& batch, size_t row,
                                                   runtime::EvalOptions const& options) const {
  runtime::ProspectResult out;
  auto scratch = make_row_scratch();
  evaluate_row(batch, row, options, scratch.get(), out);
  return out;
}

std::unique_ptr<runtime::RowScratch> NativeEngine::make_row_scratch() const {
  auto s = std::make_unique<JitRowScratch>();
  s->columns.resize(predicate_columns_.size());
  return s;
}

// Predicate tables from the answers kept per value; the reference is asked only for new values.
void NativeEngine::prepare_tables(runtime::Batch const& batch, runtime::RowScratch& scratch) const {
  auto& s = static_cast<JitRowScratch&>(scratch);
  // Predicate tables from the answers kept per value; the reference is asked only for new values.
  s.view.tables.resize(predicates_.size());
  for (size_t c = 0; c < predicate_columns_.size(); ++c) {
    auto const& pc = predicate_columns_[c];
    auto const& col = (pc.activity ? batch.act_fields : batch.fields)[size_t(pc.field)];
    auto& known = s.columns[c];
    size_t n = col.dict->size(), m = pc.predicates.size();
    auto ask = [&](size_t j) {
      auto const& pr = predicates_[pc.predicates[j]];
      return evaluate_predicate_(pr.node, pr.activity, pr.field, s.probe);
    };
    if (known.missing.empty()) {  // the probe with no value: index 0 is "missing"
      s.probe.truncate(0);
      s.probe.dict->truncate(0);
      for (size_t j = 0; j < m; ++j) known.missing.push_back(ask(j)[0]);
    }
    for (size_t j = 0; j < m; ++j) s.view.tables[pc.predicates[j]].resize(n + 1);
    for (size_t code = 0; code < n; ++code) {
      std::string_view v = col.dict->at(uint32_t(code));
      auto it = known.slot_of.find(v);
      if (it == known.slot_of.end()) {
        if (known.slot_of.size() >= kMaxCachedAnswers) {
          known.slot_of.clear();
          known.answers.clear();
        }
        s.probe.truncate(0);
        s.probe.dict->truncate(0);
        s.probe.push_string(v);
        it = known.slot_of.emplace(std::string(v), uint32_t(known.answers.size())).first;
        for (size_t j = 0; j < m; ++j) known.answers.push_back(ask(j)[0]);
      }
      for (size_t j = 0; j < m; ++j) s.view.tables[pc.predicates[j]][code] = known.answers[it->second + j];
    }
    for (size_t j = 0; j < m; ++j) s.view.tables[pc.predicates[j]][n] = known.missing[j];
  }
}

// Rows by account (dictionary code), ascending within an account: a row's colleagues at once.
void NativeEngine::index_accounts(runtime::Batch const& batch, runtime::RowScratch& scratch) const {
  auto& s = static_cast<JitRowScratch&>(scratch);
  s.account_begin.clear();
  s.account_rows.clear();
  int32_t account = plan_->schema.account_field;
  if (account < 0) return;
  auto const& acc = batch.fields[size_t(account)];
  size_t n = acc.dict->size();
  s.account_begin.assign(n + 2, 0);
  for (size_t r = 0; r < batch.rows; ++r)
    if (acc.is_present(r)) ++s.account_begin[acc.codes[r] + 2];
  for (size_t k = 2; k < n + 2; ++k) s.account_begin[k] += s.account_begin[k - 1];
  s.account_rows.resize(s.account_begin[n + 1]);
  for (size_t r = 0; r < batch.rows; ++r)
    if (acc.is_present(r)) s.account_rows[s.account_begin[acc.codes[r] + 1]++] = uint32_t(r);
}

void NativeEngine::evaluate_row(runtime::Batch const& batch, size_t row, runtime::EvalOptions const& options,
                                runtime::RowScratch* scratch, runtime::ProspectResult& out) const {
  auto& s = dynamic_cast<JitRowScratch&>(*scratch);
  auto const& p = *plan_;
  // Rows of one immutable batch: the view, the predicate tables and the account index cover the
  // whole batch and are prepared once; the firing history is copied again (FiringStore::load is
  // the one change a host may make).
  bool reuse = options.batch_serial != 0 && options.batch_serial == s.prepared_serial;
  if (reuse) {
    s.view.copy_history(batch);
  } else {
    s.view.prepare(batch);
    prepare_tables(batch, s);
    index_accounts(batch, s);
    s.prepared_serial = options.batch_serial;
  }
  LrEnv env = s.view.env(batch, options.now);

  // The row's group: it and its colleagues (same account), ascending.
  s.group.clear();
  int32_t account = p.schema.account_field;
  auto const* acc = account >= 0 ? &batch.fields[size_t(account)] : nullptr;
  if (acc && acc->is_present(row)) {
    uint32_t code = acc->codes[row];
    s.group.assign(s.account_rows.begin() + s.account_begin[code],
                   s.account_rows.begin() + s.account_begin[code + 1]);
  } else {
    s.group.push_back(uint32_t(row));
  }
  s.slot.resize(std::max<size_t>(batch.rows, 1));
  uint32_t mine = 0;
  for (uint32_t i = 0; i < s.group.size(); ++i) {
    s.slot[s.group[i]] = i;
    if (s.group[i] == row) mine = i;
  }
  size_t frame_words = layout_.offsets.size() * layout_.size / 8;
  s.frames.assign(s.group.size() * frame_words, 0);

  if (reuse && s.results.rows == batch.rows) {
    for (uint32_t r : s.group) s.results.clear_row(r);  // the only rows this call writes
  } else {
    s.results.reset(p, batch.rows);
  }
  s.host.plan = &p;
  s.host.zone = zone_.get();
  s.host.results = &s.results;
  env.host = &s.host;
  env.frame_slot = s.slot.data();
  env.frames = reinterpret_cast<uint8_t*>(s.frames.data());
  env.group_rows = s.group.data();
  env.group_size = uint32_t(s.group.size());
  entry_(&env, int32_t(row), 1);
  read_frame(p, layout_, env.frames + size_t(mine) * frame_words * 8, row, options.explain, s.results);
  s.host.reset_group();
  // The variable parts move out (their rows are cleared before the next call writes them).
  std::swap(out.actions, s.results.actions[row]);
  std::swap(out.sets, s.results.sets[row]);
  std::swap(out.points_why, s.results.points_why[row]);
  std::swap(out.grade_why, s.results.grade_why[row]);
  s.results.row_into(row, out, /*variable_parts=*/false);
}

}  // namespace leadrules::jit
