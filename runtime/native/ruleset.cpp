#include "runtime/native/ruleset.hpp"

#include <dlfcn.h>
#include <elf.h>

#include <cstring>
#include <fstream>
#include <mutex>
#include <span>
#include <string_view>

#include <fmt/format.h>

#include "runtime/native/abi_host.hpp"
#include "stdlib/cpu_features.hpp"

namespace leadrules::jit {

namespace {

std::string text(char const* s) { return s ? std::string(s) : std::string(); }

void* find_call(std::string_view name) {
  for (auto const& call : std::span(stdlib::kNativeCalls, stdlib::kNativeCallCount))
    if (name == call.name) return call.address;
  return nullptr;
}

// dlopen maps the file as its headers describe it: a truncated or damaged file would fault when
// touched (SIGBUS), so every range the loader maps or reads must lie within the file first.
void check_elf(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot load the rule set {}: cannot open it", path));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto bad = [&](char const* why) {
    return std::runtime_error(
        fmt::format("cannot load the rule set {}: {} (is it damaged or truncated? "
                    "make it again with `leadrules compile --shared`)",
                    path, why));
  };
  Elf64_Ehdr eh;
  if (bytes.size() < sizeof eh) throw bad("too short for an ELF file");
  std::memcpy(&eh, bytes.data(), sizeof eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) throw bad("not an ELF file");
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
    throw bad("not a 64-bit ELF file");
#if defined(__x86_64__)
  if (eh.e_machine != EM_X86_64) throw bad("built for another architecture");
#endif
  if (eh.e_type != ET_DYN) throw bad("not a shared object");
  uint64_t size = bytes.size();
  auto within = [&](uint64_t offset, uint64_t length) { return offset <= size && length <= size - offset; };
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || !within(eh.e_phoff, uint64_t(eh.e_phnum) * sizeof(Elf64_Phdr)))
    throw bad("its program headers lie outside the file");
  if (eh.e_shnum && !within(eh.e_shoff, uint64_t(eh.e_shnum) * eh.e_shentsize))
    throw bad("its section headers lie outside the file");
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    std::memcpy(&ph, bytes.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type != PT_NULL && !within(ph.p_offset, ph.p_filesz))
      throw bad("a segment lies outside the file");
  }
}

}  // namespace

RuleSetContents bind_ruleset(LrRuleSet const* rs, std::string const& origin) {
  if (!rs || std::memcmp(rs->magic, LR_RULESET_MAGIC, sizeof rs->magic) != 0)
    throw std::runtime_error(origin + " is not a leadrules rule set (no rule set descriptor)");
  if (rs->abi_version != LR_ABI_VERSION)
    throw std::runtime_error(fmt::format(
        "{} was compiled for leadrules ABI version {}; this runtime reads version {}: compile the policy "
        "again with `leadrules compile` of the same release as the runtime",
        origin, rs->abi_version, LR_ABI_VERSION));
  RuleSetContents out;
  out.policy_name = text(rs->policy_name);
  out.fingerprint = text(rs->fingerprint);
  out.leadrules_version = text(rs->leadrules_version);
  out.cpu = text(rs->cpu);
  out.features = text(rs->features);
  out.source_path = text(rs->source_path);
  if (rs->source) out.source.assign(rs->source, rs->source_size);
  // Every CPU feature the code may use must be there: otherwise the first call would die on an
  // illegal instruction.
  std::string_view features = out.features;
  while (!features.empty()) {
    auto comma = features.find(',');
    std::string_view f = features.substr(0, comma);
    features.remove_prefix(comma == std::string_view::npos ? features.size() : comma + 1);
    if (f.empty()) continue;
    int has = stdlib::host_has_cpu_feature(f);
    if (has != 1)
      throw std::runtime_error(fmt::format(
          "{} was compiled for the CPU {}, whose feature {} {}: compile it for this machine's CPU family "
          "(`leadrules compile --cpu x86-64-v2`, the default, runs on any x86-64 server since 2009)",
          origin, out.cpu, f, has == 0 ? "this machine lacks" : "this runtime cannot check"));
  }
  if (rs->set_files) {
    std::string_view rest(rs->set_files, rs->set_files_size);
    while (!rest.empty()) {
      auto a = rest.find('\0');
      auto b = a == std::string_view::npos ? a : rest.find('\0', a + 1);
      if (b == std::string_view::npos) throw std::runtime_error(origin + ": its set files are damaged");
      out.set_files.emplace_back(rest.substr(0, a), rest.substr(a + 1, b - a - 1));
      rest.remove_prefix(b + 1);
    }
  }
  // The calls: every name must be one of this runtime's; the table is written once per process
  // (a rule set loaded twice gets the same addresses).
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  for (uint32_t i = 0; i < rs->call_count; ++i) {
    std::string_view name = rs->call_names[i];
    void* address = find_call(name);
    if (!address)
      throw std::runtime_error(
          fmt::format("{} calls {}, which this runtime does not have: it was compiled by "
                      "another leadrules release ({})",
                      origin, name, out.leadrules_version));
    rs->calls[i] = address;
  }
  out.entry = rs->entry;
  return out;
}

OpenedRuleSet open_ruleset(std::string const& path) {
  check_elf(path);
  // RTLD_LOCAL: several rule sets each define the same descriptor symbol.
  void* handle = dlopen(path.find('/') == std::string::npos ? ("./" + path).c_str() : path.c_str(),
                        RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw std::runtime_error(fmt::format("cannot load the rule set {}: {}", path, dlerror()));
  std::shared_ptr<void const> keep(handle, [](void const* h) { dlclose(const_cast<void*>(h)); });
  auto const* rs = static_cast<LrRuleSet const*>(dlsym(handle, "leadrules_ruleset"));
  if (!rs)
    throw std::runtime_error(
        path +
        " is a shared object but not a leadrules rule set (no leadrules_ruleset symbol): "
        "make one with `leadrules compile POLICY --shared FILE.so`");
  return {std::move(keep), rs};
}

}  // namespace leadrules::jit
