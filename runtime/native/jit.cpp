#include "runtime/native/jit.hpp"

#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <span>
#include <unordered_map>

#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>

#include "runtime/native/abi_host.hpp"
#include "stdlib/abi.hpp"
#include "stdlib/builtins.hpp"

namespace leadrules::jit {

namespace {

std::string error_text(llvm::Error e) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << e;
  return os.str();
}

void init_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

}  // namespace

struct JitEngine::Native {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  LrEntry entry = nullptr;
};

JitEngine::~JitEngine() = default;

std::unique_ptr<JitEngine> JitEngine::load(std::shared_ptr<plan::Plan const> plan, std::string_view object,
                                           PredicateEvaluator predicates) {
  init_llvm();
  std::unique_ptr<JitEngine> e(new JitEngine());
  e->plan_ = plan;
  e->layout_ = FrameLayout::build(*plan);
  e->predicates_ = find_column_predicates(*plan);
  e->evaluate_predicate_ = std::move(predicates);
  auto t0 = std::chrono::steady_clock::now();
  // No platform runtime and no process symbols: the policy links only against the allow-list.
  auto jit = llvm::orc::LLJITBuilder()
                 .setPlatformSetUp(llvm::orc::setUpInactivePlatform)
                 .setLinkProcessSymbolsByDefault(false)
                 .create();
  if (!jit) throw std::runtime_error("cannot start the LLVM JIT: " + error_text(jit.takeError()));
  // The allow-list: generated code may call exactly these symbols.
  llvm::orc::SymbolMap symbols;
  auto add = [&](char const* name, void* address) {
    symbols[(*jit)->mangleAndIntern(name)] =
        llvm::orc::ExecutorSymbolDef(llvm::orc::ExecutorAddr::fromPtr(address),
                                     llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
  };
  for (auto const& call : std::span(stdlib::kNativeCalls, stdlib::kNativeCallCount)) add(call.name, call.address);
  // What LLVM itself may lower intrinsics to.
  add("round", reinterpret_cast<void*>(static_cast<double (*)(double)>(&::round)));
  add("memcpy", reinterpret_cast<void*>(&::memcpy));
  add("memset", reinterpret_cast<void*>(&::memset));
  add("memmove", reinterpret_cast<void*>(&::memmove));
  if (auto err = (*jit)->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(symbols))))
    throw std::runtime_error("cannot define runtime symbols: " + error_text(std::move(err)));
  auto buffer = llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(object.data(), object.size()), "leadrules-policy");
  if (auto err = (*jit)->addObjectFile(std::move(buffer)))
    throw std::runtime_error("cannot load the compiled policy: " + error_text(std::move(err)));
  auto entry = (*jit)->lookup(LR_ENTRY_NAME);
  if (!entry) throw std::runtime_error("cannot link the compiled policy: " + error_text(entry.takeError()));
  e->native_ = std::make_unique<Native>();
  e->native_->entry = entry->toPtr<LrEntry>();
  e->native_->jit = std::move(*jit);
  e->link_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return e;
}

// Values of a column grouped by the result of domain()/lower()/upper(): one representative
// value per distinct result (once per email domain, not once per email).
struct ValueClasses {
  std::vector<uint32_t> class_of;      // per dictionary code
  runtime::Column representatives{plan::Type::String};
};

static ValueClasses classify(runtime::Column const& col, plan::Builtin via) {
  ValueClasses out;
  size_t n = col.dict->size();
  out.class_of.resize(n);
  std::unordered_map<std::string, uint32_t> class_of_result;
  uint32_t no_result = UINT32_MAX;   // the class of "the function gives missing"
  for (size_t k = 0; k < n; ++k) {
    std::string_view v = col.dict->at(uint32_t(k));
    std::optional<std::string> r;
    switch (via) {
      case plan::Builtin::Domain: r = stdlib::domain(v); break;
      case plan::Builtin::Lower: r = stdlib::lower(v); break;
      default: r = stdlib::upper(v); break;
    }
    uint32_t* slot = r ? &class_of_result.try_emplace(std::move(*r), UINT32_MAX).first->second : &no_result;
    if (*slot == UINT32_MAX) *slot = out.representatives.dict->intern(v);   // it keeps its original text
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
  out[n] = small[classes.representatives.dict->size()];   // the missing value
  return out;
}

// ---------------------------------------------------------------------------------------------
// Evaluation: the host prepares the batch's view (columns, dictionaries, predicate tables),
// then evaluates account group by account group, each thread with its own frames.

namespace {

struct BatchView {
  std::vector<LrColumn> fields, act_fields;
  std::deque<std::vector<char const*>> dict_ptrs;
  std::deque<std::vector<uint32_t>> dict_lens;
  std::vector<std::vector<uint8_t>> tables;
  std::vector<uint8_t const*> table_ptrs;
  std::vector<LrHistory> history;

  LrColumn column(runtime::Column const& c) {
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
    auto& ptrs = dict_ptrs.emplace_back(c.dict->size() + 1, "");
    auto& lens = dict_lens.emplace_back(c.dict->size() + 1, 0);
    for (size_t k = 0; k < c.dict->size(); ++k) {
      auto s = c.dict->at(uint32_t(k));
      ptrs[k] = s.data();
      lens[k] = uint32_t(s.size());
    }
    out.dict_ptr = ptrs.data();
    out.dict_len = lens.data();
    out.dict_size = uint32_t(c.dict->size());
    return out;
  }
};

}  // namespace

runtime::Results JitEngine::evaluate(runtime::Batch const& batch, runtime::EvalOptions const& options) const {
  auto const& p = *plan_;
  runtime::Results results;
  results.reset(p, batch.rows);
  BatchView view;
  for (auto const& c : batch.fields) view.fields.push_back(view.column(c));
  for (auto const& c : batch.act_fields) view.act_fields.push_back(view.column(c));
  std::map<std::tuple<bool, int32_t, int32_t>, ValueClasses> classes;   // shared by predicates on one column
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
  for (auto const& t : view.tables) view.table_ptrs.push_back(t.data());
  view.history.reserve(batch.history.size());
  for (auto const& h : batch.history) view.history.push_back({h.count, h.last, h.rule, h.has_last ? 1 : 0});

  LrEnv base{};
  base.fields = view.fields.data();
  base.act_fields = view.act_fields.data();
  base.act_offsets = batch.act_offsets.data();
  base.act_kind = batch.act_kind.data();
  base.act_at = batch.act_at.data();
  base.hist_offsets = batch.history_offsets.data();
  base.history = view.history.data();
  base.preds = view.table_ptrs.data();
  base.now = options.now;

  runtime::AccountGroups groups = runtime::group_by_account(p, batch);
  stdlib::TimeZone zone(p.timezone);
  size_t n_off = layout_.offsets.size();
  auto entry = native_->entry;
  auto const& L = layout_;

  auto work = [&](size_t g_begin, size_t g_end) {
    LrEnv env = base;
    stdlib::LrHost host;
    host.plan = &p;
    host.zone = &zone;
    host.results = &results;
    env.host = &host;
    std::vector<uint64_t> frames;   // 8-byte aligned storage
    std::vector<uint32_t> slot(batch.rows ? batch.rows : 1);
    env.frame_slot = slot.data();
    for (size_t g = g_begin; g < g_end; ++g) {
      uint32_t b = groups.begin[g], k = groups.begin[g + 1] - b;
      frames.assign(size_t(k) * n_off * L.size / 8, 0);
      env.frames = reinterpret_cast<uint8_t*>(frames.data());
      env.group_rows = &groups.rows[b];
      env.group_size = k;
      for (uint32_t i = 0; i < k; ++i) slot[groups.rows[b + i]] = i;
      for (uint32_t i = 0; i < k; ++i) {
        uint32_t row = groups.rows[b + i];
        entry(&env, int32_t(row), 1);
        // Read the prospect's frame at `now` (offset 0).
        uint8_t const* fp = env.frames + size_t(i) * n_off * L.size;
        auto rd = [&](uint32_t at, auto sample) {
          decltype(sample) v;
          std::memcpy(&v, fp + at, sizeof v);
          return v;
        };
        results.total[row] = rd(L.total_value, 0.0);
        for (size_t x = 0; x < p.blocks.size(); ++x) results.blocks[row * results.n_blocks + x] = rd(L.block_value[x], 0.0);
        results.grade[row] = int8_t(rd(L.grade_value, int32_t(0)));
        for (size_t s = 0; s < p.segments.size(); ++s) {
          results.segments[row * results.n_segments + s] = rd(L.segment_state[s], uint8_t(0)) == 2 ? 1 : 0;
          results.zone_rows[row * results.n_segments + s] = rd(L.zone_row[s], int32_t(0));
        }
        for (size_t x = 0; x < p.rules.size(); ++x) results.fired[row * results.n_rules + x] = rd(L.fires[x], uint8_t(0));
        if (options.explain) {
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
      }
      host.reset_group();
    }
  };
  runtime::run_in_parallel(groups.count(), options.threads, work);
  return results;
}

runtime::ProspectResult JitEngine::evaluate_row(runtime::Batch const& batch, size_t row,
                                                runtime::EvalOptions const& options) const {
  // A row is evaluated with its whole group (colleagues are read lazily either way).
  runtime::EvalOptions o = options;
  o.threads = 1;
  return evaluate(batch, o).row(row);
}

}  // namespace leadrules::jit
