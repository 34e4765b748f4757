// The parts of the API that need the compiler (LLVM): the JIT, and writing rule sets compiled
// ahead of time. libleadrules-runtime links api/no_compiler/ instead.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <llvm/Config/llvm-config.h>

#include "api/engines.hpp"
#include "compiler/codegen/object.hpp"
#include "compiler/codegen/ruleset.hpp"
#include "compiler/plan/fingerprint.hpp"
#include "runtime/orc/link_object.hpp"
#include "stdlib/files.hpp"

extern char** environ;

namespace leadrules::api {

std::string_view compiler_info() { return "LLVM " LLVM_VERSION_STRING; }

std::unique_ptr<runtime::Engine> make_jit(std::shared_ptr<plan::Plan const> plan,
                                          CompileOptions const& options, CompileStats& stats) {
  jit::ObjectOptions oo;
  oo.cache_dir = options.cache_dir;
  oo.opt_level = options.opt_level;
  oo.dump_ir = options.dump_ir;
  auto object = jit::compile_object(*plan, oo);
  auto linked = jit::link_object(object.bytes);
  auto const& js = object.stats;
  stats.generate_ms = js.generate_ms;
  stats.optimize_ms = js.optimize_ms;
  stats.codegen_ms = js.codegen_ms;
  stats.link_ms = linked.link_ms;
  stats.opt_level = js.opt_level;
  stats.from_cache = js.from_cache;
  return make_native(std::move(plan), linked.entry, std::move(linked.code), "jit");
}

namespace {

bool is_c_identifier(std::string const& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

// The system's C compiler driver as the linker ($CC, else cc): its output goes into the error.
void link_shared(std::string const& object, std::string const& shared, std::string const& log) {
  char const* cc_env = std::getenv("CC");
  std::string cc = cc_env && *cc_env ? cc_env : "cc";
  std::vector<std::string> args = {
      cc, "-shared", "-o", shared, object, "-lm", "-Wl,-z,noexecstack", "-Wl,-z,relro", "-Wl,-z,now"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, cc.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw Error(
        fmt::format("cannot run the linker `{}` ({}): a shared rule set needs a C toolchain (Debian: "
                    "build-essential); or write an object with -o FILE.o",
                    cc, std::strerror(rc)));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    auto output = stdlib::read_whole_file(log);
    throw Error(fmt::format("the linker `{}` failed:\n{}", cc, output ? *output : std::string()));
  }
}

}  // namespace

RuleSetManifest write_ruleset(plan::Plan const& plan, std::string const& path,
                              CompiledFileOptions const& options) {
  jit::RuleSetOptions ro;
  ro.cpu = options.cpu;
  ro.opt_level = options.opt_level;
  ro.leadrules_version = std::string(version());
  if (options.shared) {
    ro.symbol = "leadrules_ruleset";
  } else {
    if (!is_c_identifier(options.symbol))
      throw Error(fmt::format("the rule set's symbol \"{}\" is not a C identifier (letters, digits, _)",
                              options.symbol));
    ro.symbol = "leadrules_ruleset_" + options.symbol;
  }
  // Set files travel inside: the values as the checker read them, one a line.
  for (auto const& set : plan.sets) {
    if (set.file.empty()) continue;
    std::string text;
    for (auto const& v : set.values) text.append(v).push_back('\n');
    ro.set_files.emplace_back(set.file, std::move(text));
  }
  jit::RuleSetObject object;
  try {
    object = jit::compile_ruleset(plan, ro);
  } catch (std::runtime_error const& e) {
    throw Error(e.what());
  }
  RuleSetManifest manifest{plan.name,       plan_fingerprint(plan), ro.leadrules_version, object.cpu,
                           object.features, plan.source_path,       LR_ABI_VERSION};
  try {  // the files' errors (stdlib: std::runtime_error) as the API promises them, Error
    if (!options.shared) {
      stdlib::write_file_atomically(path, object.bytes);
      return manifest;
    }
    stdlib::TempDir dir("leadrules-compile");
    std::string o = dir.path() + "/ruleset.o", so = dir.path() + "/ruleset.so";
    stdlib::write_file_atomically(o, object.bytes);
    link_shared(o, so, dir.path() + "/linker.log");
    auto bytes = stdlib::read_whole_file(so);
    if (!bytes) throw Error("cannot read the linked rule set " + so);
    stdlib::write_file_atomically(path, *bytes);
    return manifest;
  } catch (Error const&) {
    throw;
  } catch (std::runtime_error const& e) {
    throw Error(e.what());
  }
}

}  // namespace leadrules::api
