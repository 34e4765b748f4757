#include "runtime/orc/link_object.hpp"

#include <chrono>
#include <cmath>
#include <cstring>
#include <mutex>
#include <span>

#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>

#include "runtime/native/abi_host.hpp"

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

LinkedObject link_object(std::string_view object) {
  init_llvm();
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
  for (auto const& call : std::span(stdlib::kNativeCalls, stdlib::kNativeCallCount))
    add(call.name, call.address);
  // What LLVM itself may lower intrinsics to.
  add("round", reinterpret_cast<void*>(static_cast<double (*)(double)>(&::round)));
  add("memcpy", reinterpret_cast<void*>(&::memcpy));
  add("memset", reinterpret_cast<void*>(&::memset));
  add("memmove", reinterpret_cast<void*>(&::memmove));
  if (auto err = (*jit)->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(symbols))))
    throw std::runtime_error("cannot define runtime symbols: " + error_text(std::move(err)));
  auto buffer =
      llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(object.data(), object.size()), "leadrules-policy");
  if (auto err = (*jit)->addObjectFile(std::move(buffer)))
    throw std::runtime_error("cannot load the compiled policy: " + error_text(std::move(err)));
  auto entry = (*jit)->lookup(LR_ENTRY_NAME);
  if (!entry) throw std::runtime_error("cannot link the compiled policy: " + error_text(entry.takeError()));
  LinkedObject out;
  out.entry = entry->toPtr<LrEntry>();
  out.code = std::shared_ptr<llvm::orc::LLJIT const>(std::move(*jit));
  out.link_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace leadrules::jit
