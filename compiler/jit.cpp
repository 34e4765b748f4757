#include "compiler/jit.hpp"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <unordered_map>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <unistd.h>

#include <fmt/format.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>

#include "compiler/codegen.hpp"
#include "compiler/fingerprint.hpp"
#include "stdlib/abi.hpp"
#include "stdlib/abi_host.hpp"
#include "stdlib/builtins.hpp"

namespace leadrules::jit {

namespace {

// Bump when generated code changes meaning or layout: cached objects of older versions are
// then simply not found.
constexpr char const* kCodegenVersion = "2";

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

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

// One TargetMachine for every policy compiled in this process (creating one costs milliseconds).
struct Machine {
  std::mutex mu;
  std::unique_ptr<llvm::TargetMachine> tm;
  std::string cpu;
  Machine() {
    init_llvm();
    auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
    if (!jtmb) throw std::runtime_error("LLVM cannot target this machine: " + error_text(jtmb.takeError()));
    auto made = jtmb->createTargetMachine();
    if (!made) throw std::runtime_error("LLVM cannot target this machine: " + error_text(made.takeError()));
    cpu = std::string((*made)->getTargetCPU());
    tm = std::move(*made);
  }
};
Machine& machine() {
  static Machine m;
  return m;
}

std::string cache_directory(JitOptions const& o) {
  if (!o.cache_dir.empty()) return o.cache_dir;
  if (char const* d = std::getenv("LEADRULES_CACHE_DIR"); d && *d) return d;
  if (char const* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/leadrules";
  if (char const* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/leadrules";
  return {};
}

std::optional<std::string> read_all(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

void write_cache(std::string const& path, llvm::SmallVectorImpl<char> const& data) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::string tmp = fmt::format("{}.tmp-{}", path, ::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) return;   // a cache that cannot be written is only a slower next start
    out.write(data.data(), std::streamsize(data.size()));
    if (!out) {
      out.close();
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) fs::remove(tmp, ec);
}

// Bigger policies get cheaper optimisation: compile latency grows with code size.
// Identifies the code generator that runs: the executable's size and modification time (a
// rebuild of the engine changes both), so an object cached by another build is never loaded.
std::string generator_identity() {
  static std::string id = [] {
    namespace fs = std::filesystem;
    std::error_code ec;
    auto exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return std::string("unknown");
    auto size = fs::file_size(exe, ec);
    auto time = fs::last_write_time(exe, ec).time_since_epoch().count();
    return fmt::format("{:x}{:x}", size, time);
  }();
  return id;
}

// (Measured: 1,000 scoring rules, ~4k plan nodes, take 11 s at O1, most of it in instruction
// selection over a few huge functions; O0 uses FastISel.)
int choose_opt_level(plan::Plan const& p) {
  if (p.nodes.size() < 2500) return 2;
  return 0;
}

}  // namespace

struct JitEngine::Native {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  void (*entry)(LrEnv*, int32_t, int32_t) = nullptr;
};

JitEngine::~JitEngine() = default;

std::unique_ptr<JitEngine> JitEngine::compile(std::shared_ptr<plan::Plan const> plan, JitOptions const& options) {
  auto t_start = Clock::now();
  std::unique_ptr<JitEngine> e(new JitEngine());
  e->plan_ = plan;
  e->layout_ = FrameLayout::build(*plan);
  e->predicates_ = find_column_predicates(*plan);
  e->reference_ = std::make_unique<runtime::Interpreter>(plan);
  auto& st = e->stats_;
  st.plan_nodes = plan->nodes.size();
  st.opt_level = options.opt_level >= 0 ? std::min(options.opt_level, 3) : choose_opt_level(*plan);

  Machine& m = machine();
  bool use_cache = options.use_cache && !std::getenv("LEADRULES_NO_CACHE");
  std::string dir = use_cache ? cache_directory(options) : std::string();
  if (!dir.empty())
    st.cache_file = fmt::format("{}/{}-llvm{}-cg{}-{}-O{}-{}.o", dir, plan_fingerprint(*plan), LLVM_VERSION_STRING,
                                kCodegenVersion, generator_identity(), st.opt_level, m.cpu);

  std::unique_ptr<llvm::MemoryBuffer> object;
  if (!st.cache_file.empty()) {
    if (auto bytes = read_all(st.cache_file)) {
      object = llvm::MemoryBuffer::getMemBufferCopy(*bytes, st.cache_file);
      st.from_cache = true;
    }
  }
  if (!object) {
    auto t0 = Clock::now();
    llvm::LLVMContext context;
    auto module = generate_module(*plan, e->layout_, e->predicates_, context);
    st.generate_ms = ms_since(t0);
    llvm::SmallVector<char, 0> buffer;
    {
      std::lock_guard<std::mutex> lock(m.mu);
      auto& tm = *m.tm;
      module->setDataLayout(tm.createDataLayout());
      module->setTargetTriple(tm.getTargetTriple().str());
      t0 = Clock::now();
      {
        llvm::LoopAnalysisManager lam;
        llvm::FunctionAnalysisManager fam;
        llvm::CGSCCAnalysisManager cgam;
        llvm::ModuleAnalysisManager mam;
        llvm::PassBuilder pb(&tm);
        pb.registerModuleAnalyses(mam);
        pb.registerCGSCCAnalyses(cgam);
        pb.registerFunctionAnalyses(fam);
        pb.registerLoopAnalyses(lam);
        pb.crossRegisterProxies(lam, fam, cgam, mam);
        llvm::ModulePassManager mpm;
        if (st.opt_level == 0) {
          // Large policies: only the cheap clean-ups that turn the generator's stack slots into
          // registers; instruction selection is FastISel.
          llvm::FunctionPassManager fpm;
          fpm.addPass(llvm::SROAPass(llvm::SROAOptions::ModifyCFG));
          fpm.addPass(llvm::EarlyCSEPass());
          fpm.addPass(llvm::SimplifyCFGPass());
          mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
        } else {
          mpm = pb.buildPerModuleDefaultPipeline(st.opt_level == 1   ? llvm::OptimizationLevel::O1
                                                 : st.opt_level == 2 ? llvm::OptimizationLevel::O2
                                                                     : llvm::OptimizationLevel::O3);
        }
        mpm.run(*module, mam);
      }
      st.optimize_ms = ms_since(t0);
      if (char const* dump = std::getenv("LEADRULES_DUMP_IR"); dump && *dump) {   // for developers
        std::error_code ec;
        llvm::raw_fd_ostream out(dump, ec);
        if (!ec) module->print(out, nullptr);
      }
      t0 = Clock::now();
      tm.setOptLevel(st.opt_level == 0 ? llvm::CodeGenOptLevel::None
                     : st.opt_level == 1 ? llvm::CodeGenOptLevel::Less : llvm::CodeGenOptLevel::Default);
      llvm::raw_svector_ostream os(buffer);
      llvm::legacy::PassManager pm;
      if (tm.addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile))
        throw std::runtime_error("LLVM cannot emit object code for this machine");
      pm.run(*module);
      st.codegen_ms = ms_since(t0);
    }
    if (!st.cache_file.empty()) write_cache(st.cache_file, buffer);
    object = llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(buffer.data(), buffer.size()), "leadrules-policy");
  }

  auto t0 = Clock::now();
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
  for (unsigned i = 0; i < stdlib::kNativeCallCount; ++i) add(stdlib::kNativeCalls[i].name, stdlib::kNativeCalls[i].address);
  // What LLVM itself may lower intrinsics to.
  add("round", reinterpret_cast<void*>(static_cast<double (*)(double)>(&::round)));
  add("memcpy", reinterpret_cast<void*>(&::memcpy));
  add("memset", reinterpret_cast<void*>(&::memset));
  add("memmove", reinterpret_cast<void*>(&::memmove));
  if (auto err = (*jit)->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(symbols))))
    throw std::runtime_error("cannot define runtime symbols: " + error_text(std::move(err)));
  if (auto err = (*jit)->addObjectFile(std::move(object)))
    throw std::runtime_error("cannot load the compiled policy: " + error_text(std::move(err)));
  auto entry = (*jit)->lookup(kEntryName);
  if (!entry) throw std::runtime_error("cannot link the compiled policy: " + error_text(entry.takeError()));
  e->native_ = std::make_unique<Native>();
  e->native_->entry = entry->toPtr<void (*)(LrEnv*, int32_t, int32_t)>();
  e->native_->jit = std::move(*jit);
  st.link_ms = ms_since(t0);
  st.total_ms = ms_since(t_start);
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
static std::vector<uint8_t> predicate_by_class(runtime::Interpreter const& reference, ColumnPredicate const& pr,
                                               ValueClasses const& classes) {
  auto small = reference.column_predicate(pr.node, pr.activity, pr.field, classes.representatives);
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
  auto t0_all = Clock::now();
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
      view.tables.push_back(reference_->column_predicate(pr.node, pr.activity, pr.field, col));
      continue;
    }
    auto key = std::make_tuple(pr.activity, pr.field, pr.via);
    auto it = classes.find(key);
    if (it == classes.end()) it = classes.emplace(key, classify(col, plan::Builtin(pr.via))).first;
    view.tables.push_back(predicate_by_class(*reference_, pr, it->second));
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

  auto t_prep = Clock::now();
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
  auto t_run = Clock::now();
  runtime::run_in_parallel(groups.count(), options.threads, work);
  if (std::getenv("LEADRULES_TIMING"))   // for developers: where the evaluation's time goes
    fmt::print(stderr, "jit: prepare {:.1f} ms, groups {:.1f} ms, evaluate {:.1f} ms\n", ms_since(t0_all) - ms_since(t_prep), ms_since(t_prep) - ms_since(t_run), ms_since(t_run));
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
