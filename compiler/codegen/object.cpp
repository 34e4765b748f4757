#include "compiler/codegen/object.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <vector>

#include <fmt/format.h>
#include <llvm/ADT/SCCIterator.h>
#include <llvm/Analysis/CallGraph.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>

#include "compiler/codegen/codegen.hpp"
#include "compiler/codegen/emit.hpp"
#include "compiler/plan/fingerprint.hpp"
#include "compiler/plan/frame_layout.hpp"
#include "stdlib/files.hpp"

namespace leadrules::jit {

namespace {

// Bump when generated code changes meaning or layout: cached objects of older versions are
// then simply not found.
constexpr char const* kCodegenVersion = "3";

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// One TargetMachine for every policy compiled in this process (creating one costs milliseconds).
struct Machine {
  std::mutex mu;
  std::unique_ptr<llvm::TargetMachine> tm;
  std::string cpu;
  Machine() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
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

// The object cache keeps at most kCacheBytes of objects: after each write the least recently
// used go first (by modification time, which a hit refreshes). Every rebuild of leadrules and
// every edit of a policy makes new names, so without this the directory only grows. Only files
// named as this cache names them are touched: the directory may hold other things.
constexpr uintmax_t kCacheBytes = 64u << 20;

bool is_cached_object(std::filesystem::path const& p) {
  return p.extension() == ".o" && p.filename().string().find("-llvm") != std::string::npos;
}

void prune_cache(std::filesystem::path const& dir, std::filesystem::path const& written) {
  namespace fs = std::filesystem;
  struct Entry {
    fs::file_time_type used;
    uintmax_t size;
    fs::path path;
  };
  std::vector<Entry> entries;
  uintmax_t total = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code entry_ec;
    if (!it->is_regular_file(entry_ec) || !is_cached_object(it->path()) || it->path() == written) continue;
    Entry e{it->last_write_time(entry_ec), it->file_size(entry_ec), it->path()};
    if (entry_ec) continue;
    total += e.size;
    entries.push_back(std::move(e));
  }
  if (total <= kCacheBytes) return;
  std::sort(entries.begin(), entries.end(), [](Entry const& a, Entry const& b) { return a.used < b.used; });
  for (auto const& e : entries) {
    if (total <= kCacheBytes) break;
    if (fs::remove(e.path, ec)) total -= e.size;  // another process may have removed it first
  }
}

// A cache that cannot be written is only a slower next start: errors are ignored.
void write_cache(std::string const& path, llvm::SmallVectorImpl<char> const& data) {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  std::filesystem::create_directories(dir, ec);
  try {
    stdlib::write_file_atomically(path, std::string_view(data.data(), data.size()));
  } catch (std::exception const&) {}
  prune_cache(dir, path);  // never the object just written, even when it alone is over the cap
}

// Identifies the code generator that runs: the size and modification time of the file this
// code was loaded from (the executable, or libleadrules.so), so an object cached by another
// build is never loaded.
std::string generator_identity() {
  static std::string id = [] {
    namespace fs = std::filesystem;
    Dl_info info{};
    std::error_code ec;
    fs::path file;
    if (dladdr(reinterpret_cast<void*>(&generator_identity), &info) && info.dli_fname && *info.dli_fname)
      file = info.dli_fname;
    else
      file = fs::read_symlink("/proc/self/exe", ec);
    auto size = fs::file_size(file, ec);
    if (ec) return std::string("unknown");
    auto time = fs::last_write_time(file, ec).time_since_epoch().count();
    return fmt::format("{:x}{:x}", size, time);
  }();
  return id;
}

// Declarations that read each other (`let x2 = x1 + 1`, segments of segments) are functions
// calling functions; inlined all the way, a chain of n becomes one function whose loads and
// stores GVN compares pairwise: a chain of 100 lets took 1.1 s at O2, 250 took 11 s. Inlined
// chains are cut every kInlineChain declarations (that function stays a call), which keeps the
// benefit of inlining for the short chains real policies have.
constexpr unsigned kInlineChain = 8;
void bound_inline_chains(llvm::Module& module) {
  llvm::CallGraph graph(module);
  std::map<llvm::Function const*, unsigned> chain;  // inlinable declarations below, this one included
  for (auto scc = llvm::scc_begin(&graph); !scc.isAtEnd(); ++scc) {  // callees before callers
    for (llvm::CallGraphNode* node : *scc) {
      llvm::Function* f = node->getFunction();
      if (!f || f->isDeclaration()) continue;
      unsigned below = 0;
      for (auto const& call : *node)
        if (auto* callee = call.second->getFunction(); callee && chain.count(callee))
          below = std::max(below, chain[callee]);
      if (below + 1 >= kInlineChain) {
        f->addFnAttr(llvm::Attribute::NoInline);
        chain[f] = 0;
      } else {
        chain[f] = below + 1;
      }
    }
  }
}

void optimise(llvm::Module& module, llvm::TargetMachine& tm, int level) {
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
  if (level == 0) {
    // Large policies: only the cheap clean-ups that turn the generator's stack slots into
    // registers; instruction selection is FastISel.
    llvm::FunctionPassManager fpm;
    fpm.addPass(llvm::SROAPass(llvm::SROAOptions::ModifyCFG));
    fpm.addPass(llvm::EarlyCSEPass());
    fpm.addPass(llvm::SimplifyCFGPass());
    mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
  } else {
    bound_inline_chains(module);
    mpm = pb.buildPerModuleDefaultPipeline(level == 1   ? llvm::OptimizationLevel::O1
                                           : level == 2 ? llvm::OptimizationLevel::O2
                                                        : llvm::OptimizationLevel::O3);
  }
  mpm.run(module, mam);
}

// Instruction selection expands some pseudo-instructions (an f64 select on x86, for one) by
// splitting their basic block and moving the rest of it into a new one, so a block holding n of
// them costs O(n²): a 5,000-rule policy's one-block score function took seconds. Cutting blocks
// into pieces of a bounded size keeps code generation linear. Cut from the end, so that each
// split moves at most one piece.
void split_long_blocks(llvm::Module& module, size_t piece) {
  for (auto& function : module) {
    std::vector<llvm::BasicBlock*> blocks;
    for (auto& block : function) blocks.push_back(&block);
    for (auto* block : blocks) {
      if (block->size() <= 2 * piece) continue;
      std::vector<llvm::Instruction*> cuts;
      size_t n = 0;
      for (auto it = block->getFirstNonPHIIt(); it != block->end(); ++it)
        if (++n % piece == 0 && !it->isTerminator() && !llvm::isa<llvm::AllocaInst>(*it))
          cuts.push_back(&*it);
      for (auto c = cuts.rbegin(); c != cuts.rend(); ++c) block->splitBasicBlock(*c);
    }
  }
}

}  // namespace

std::string error_text(llvm::Error e) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << e;
  return os.str();
}

// Bigger policies get cheaper optimisation: compile latency grows with code size.
// (Measured: 1,000 scoring rules, ~4k plan nodes, take 11 s at O1, most of it in instruction
// selection over a few huge functions; O0 uses FastISel.)
int choose_opt_level(plan::Plan const& p) { return p.nodes.size() < 2500 ? 2 : 0; }

void optimise_and_emit(llvm::Module& module, llvm::TargetMachine& tm, CompileStats& st,
                       std::string const& dump_ir, llvm::SmallVectorImpl<char>& out,
                       std::function<void(llvm::Module&)> const& before_emit) {
  module.setDataLayout(tm.createDataLayout());
  module.setTargetTriple(tm.getTargetTriple().str());
  auto t0 = Clock::now();
  optimise(module, tm, st.opt_level);
  split_long_blocks(module, 256);
  if (before_emit) before_emit(module);
  st.optimize_ms = ms_since(t0);
  if (!dump_ir.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream dump(dump_ir, ec);
    if (!ec) module.print(dump, nullptr);
  }
  t0 = Clock::now();
  tm.setOptLevel(st.opt_level == 0   ? llvm::CodeGenOptLevel::None
                 : st.opt_level == 1 ? llvm::CodeGenOptLevel::Less
                                     : llvm::CodeGenOptLevel::Default);
  llvm::raw_svector_ostream os(out);
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile))
    throw std::runtime_error("LLVM cannot emit object code for this machine");
  pm.run(module);
  st.codegen_ms = ms_since(t0);
}

std::string host_cpu() { return machine().cpu; }

ObjectCode compile_object(plan::Plan const& plan, ObjectOptions const& options) {
  auto t_start = Clock::now();
  ObjectCode out;
  auto& st = out.stats;
  st.plan_nodes = plan.nodes.size();
  st.opt_level = options.opt_level >= 0 ? std::min(options.opt_level, 3) : choose_opt_level(plan);
  Machine& m = machine();
  out.cpu = m.cpu;
  if (!options.cache_dir.empty())
    st.cache_file =
        fmt::format("{}/{}-llvm{}-cg{}-{}-O{}-{}.o", options.cache_dir, plan_fingerprint(plan),
                    LLVM_VERSION_STRING, kCodegenVersion, generator_identity(), st.opt_level, m.cpu);
  if (!st.cache_file.empty()) {
    if (auto bytes = stdlib::read_whole_file(st.cache_file)) {
      std::error_code ec;  // a hit is a use: the pruning keeps the recently used
      std::filesystem::last_write_time(st.cache_file, std::filesystem::file_time_type::clock::now(), ec);
      out.bytes = std::move(*bytes);
      st.from_cache = true;
      st.total_ms = ms_since(t_start);
      return out;
    }
  }
  auto layout = FrameLayout::build(plan);
  auto predicates = find_column_predicates(plan);
  auto t0 = Clock::now();
  llvm::LLVMContext context;
  auto module = generate_module(plan, layout, predicates, context);
  st.generate_ms = ms_since(t0);
  llvm::SmallVector<char, 0> buffer;
  {
    std::lock_guard<std::mutex> lock(m.mu);
    optimise_and_emit(*module, *m.tm, st, options.dump_ir, buffer, {});
  }
  if (!st.cache_file.empty()) write_cache(st.cache_file, buffer);
  out.bytes.assign(buffer.data(), buffer.size());
  st.total_ms = ms_since(t_start);
  return out;
}

}  // namespace leadrules::jit
