#include "compiler/codegen/ruleset.hpp"

#include <chrono>
#include <map>

#include <fmt/format.h>
#include <llvm/ADT/StringMap.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/GlobalVariable.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/TargetParser/Host.h>

#include "compiler/codegen/codegen.hpp"
#include "compiler/codegen/emit.hpp"
#include "compiler/plan/fingerprint.hpp"
#include "stdlib/cpu_features.hpp"
#include "stdlib/format.hpp"

namespace leadrules::jit {

namespace {

struct Target {
  std::unique_ptr<llvm::TargetMachine> tm;
  std::string cpu, features;
};

// A position-independent target for the CPU asked for; the checkable features it enables.
Target make_target(std::string const& cpu_asked) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  std::string triple = llvm::sys::getProcessTriple(), why;
  auto const* target = llvm::TargetRegistry::lookupTarget(triple, why);
  if (!target) throw std::runtime_error("LLVM cannot target " + triple + ": " + why);
  Target out;
  std::string feature_string;
  if (cpu_asked == "host") {
    out.cpu = llvm::sys::getHostCPUName().str();
    for (auto const& f : llvm::sys::getHostCPUFeatures())
      feature_string +=
          fmt::format("{}{}{}", feature_string.empty() ? "" : ",", f.second ? '+' : '-', f.first().str());
  } else {
    out.cpu = cpu_asked;
  }
  // Checked before a target machine is made for it: LLVM would only print a warning.
  std::unique_ptr<llvm::MCSubtargetInfo> probe(target->createMCSubtargetInfo(triple, "", ""));
  if (!probe || !probe->isCPUStringValid(out.cpu))
    throw std::runtime_error(fmt::format(
        "unknown CPU \"{}\": name one LLVM knows (x86-64, x86-64-v2, x86-64-v3, x86-64-v4, skylake, znver3, "
        "...), or host for this machine's",
        out.cpu));
  llvm::TargetOptions to;
  out.tm.reset(target->createTargetMachine(triple, out.cpu, feature_string, to, llvm::Reloc::PIC_,
                                           llvm::CodeModel::Small));
  if (!out.tm) throw std::runtime_error("LLVM cannot make a target machine for " + triple);
  auto const* sti = out.tm->getMCSubtargetInfo();
  for (auto name : stdlib::checkable_cpu_features())
    if (sti->checkFeatures("+" + std::string(name)))
      out.features += (out.features.empty() ? "" : ",") + std::string(name);
  return out;
}

// Calls from the generated code go through a table the loader fills in, instead of symbols
// resolved by a dynamic linker: the object then needs none of the runtime's symbols exported
// (a host may link the runtime with hidden visibility) and the loader sees exactly which calls
// it needs. Done after optimisation, so the calls' attributes have served.
llvm::GlobalVariable* route_calls_through_table(llvm::Module& module, std::vector<std::string>& names) {
  auto& C = module.getContext();
  std::vector<llvm::Function*> calls;
  for (auto& f : module)
    if (f.isDeclaration() && !f.isIntrinsic() && f.getName().starts_with("lr_") && !f.use_empty())
      calls.push_back(&f);
  auto* ptr = llvm::PointerType::get(C, 0);
  auto* table_type = llvm::ArrayType::get(ptr, calls.size());
  auto* table = new llvm::GlobalVariable(module, table_type, false, llvm::GlobalValue::InternalLinkage,
                                         llvm::ConstantAggregateZero::get(table_type), "lr_calls");
  for (size_t i = 0; i < calls.size(); ++i) {
    llvm::Function* f = calls[i];
    names.push_back(f->getName().str());
    std::vector<llvm::CallInst*> sites;
    for (auto* user : f->users())
      if (auto* call = llvm::dyn_cast<llvm::CallInst>(user); call && call->getCalledOperand() == f)
        sites.push_back(call);
      else
        throw std::runtime_error("generated code uses " + names.back() + " other than by calling it");
    for (auto* call : sites) {
      llvm::IRBuilder<> B(call);
      auto* slot = B.CreateConstInBoundsGEP2_64(table_type, table, 0, i);
      call->setCalledOperand(B.CreateLoad(ptr, slot, names.back()));
    }
    f->eraseFromParent();
  }
  return table;
}

llvm::Constant* text(llvm::Module& module, std::string_view s, char const* name) {
  auto* data =
      llvm::ConstantDataArray::getString(module.getContext(), llvm::StringRef(s.data(), s.size()), true);
  auto* g =
      new llvm::GlobalVariable(module, data->getType(), true, llvm::GlobalValue::PrivateLinkage, data, name);
  g->setAlignment(llvm::Align(1));
  return g;
}

}  // namespace

RuleSetObject compile_ruleset(plan::Plan const& plan, RuleSetOptions const& options) {
  auto t_start = std::chrono::steady_clock::now();
  RuleSetObject out;
  Target target = make_target(options.cpu);
  out.cpu = target.cpu;
  out.features = target.features;
  std::string fingerprint = plan_fingerprint(plan);
  out.manifest = fmt::format(
      "{{\"format\":\"leadrules rule set\",\"abi\":{},\"policy\":{},\"fingerprint\":{},\"leadrules\":{},"
      "\"llvm\":{},\"cpu\":{},\"features\":{},\"source\":{}}}",
      LR_ABI_VERSION, stdlib::json_escape(plan.name), stdlib::json_escape(fingerprint),
      stdlib::json_escape(options.leadrules_version), stdlib::json_escape(LLVM_VERSION_STRING),
      stdlib::json_escape(out.cpu), stdlib::json_escape(out.features), stdlib::json_escape(plan.source_path));
  auto& st = out.stats;
  st.plan_nodes = plan.nodes.size();
  st.opt_level = options.opt_level >= 0 ? std::min(options.opt_level, 3) : choose_opt_level(plan);

  auto layout = FrameLayout::build(plan);
  auto predicates = find_column_predicates(plan);
  llvm::LLVMContext context;
  auto module = generate_module(plan, layout, predicates, context);
  std::string sets;
  for (auto const& [path, contents] : options.set_files) {
    sets.append(path).push_back('\0');
    sets.append(contents).push_back('\0');
  }
  auto add_descriptor = [&](llvm::Module& m) {
    std::vector<std::string> names;
    auto* table = route_calls_through_table(m, names);
    auto* entry = m.getFunction(LR_ENTRY_NAME);
    entry->setLinkage(llvm::GlobalValue::InternalLinkage);  // many rule sets may link into one program
    auto& C = m.getContext();
    auto* ptr = llvm::PointerType::get(C, 0);
    auto* i32 = llvm::Type::getInt32Ty(C);
    auto* i64 = llvm::Type::getInt64Ty(C);
    std::vector<llvm::Constant*> name_ptrs;
    for (auto const& n : names) name_ptrs.push_back(text(m, n, "lr_call_name"));
    auto* names_type = llvm::ArrayType::get(ptr, names.size());
    auto* names_array =
        new llvm::GlobalVariable(m, names_type, true, llvm::GlobalValue::PrivateLinkage,
                                 llvm::ConstantArray::get(names_type, name_ptrs), "lr_call_names");
    auto* manifest = llvm::cast<llvm::GlobalVariable>(text(m, out.manifest, "lr_manifest"));
    manifest->setSection(".leadrules");  // `readelf -p .leadrules FILE` shows it
    // The layout of LrRuleSet (stdlib/abi.hpp), field by field.
    auto* magic = llvm::ConstantDataArray::getString(C, LR_RULESET_MAGIC, true);
    std::vector<llvm::Constant*> fields = {
        magic,
        llvm::ConstantInt::get(i32, LR_ABI_VERSION),
        llvm::ConstantInt::get(i32, names.size()),
        manifest,
        text(m, plan.name, "lr_policy_name"),
        text(m, fingerprint, "lr_fingerprint"),
        text(m, options.leadrules_version, "lr_version"),
        text(m, out.cpu, "lr_cpu"),
        text(m, out.features, "lr_features"),
        text(m, plan.source_path, "lr_source_path"),
        text(m, plan.source_text, "lr_source"),
        llvm::ConstantInt::get(i64, plan.source_text.size()),
        text(m, sets, "lr_set_files"),
        llvm::ConstantInt::get(i64, sets.size()),
        names_array,
        table,
        entry,
    };
    std::vector<llvm::Type*> types;
    for (auto* f : fields) types.push_back(f->getType());
    auto* type = llvm::StructType::get(C, types);
    auto* descriptor = new llvm::GlobalVariable(m, type, true, llvm::GlobalValue::ExternalLinkage,
                                                llvm::ConstantStruct::get(type, fields), options.symbol);
    descriptor->setAlignment(llvm::Align(8));
  };
  llvm::SmallVector<char, 0> buffer;
  optimise_and_emit(*module, *target.tm, st, "", buffer, add_descriptor);
  out.bytes.assign(buffer.data(), buffer.size());
  st.total_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_start).count();
  return out;
}

}  // namespace leadrules::jit
