// `leadrules compile POLICY (-o FILE.o | --shared FILE.so)`: the policy as native code for a
// service that ships a fixed, reviewed rule set and no compiler (libleadrules-runtime).
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"

namespace leadrules::cli {

int compile_command(Options const& o) {
  if (o.object_out.empty() && o.shared_out.empty()) {
    std::cerr << "leadrules compile: say where to write it: -o FILE.o (to link into a program) or --shared "
                 "FILE.so (to load with lr_load_compiled)\n";
    return 2;
  }
  CompileOptions co{.engine = Engine::interp, .allowed_paths = o.allowed_paths, .limits = o.limits};
  auto compiled = Policy::compile_file(o.policy, co);
  std::cerr << compiled.rendered(o.colour);
  if (!compiled) return 1;
  CompiledFileOptions fo;
  fo.shared = !o.shared_out.empty();
  fo.cpu = o.cpu;
  fo.opt_level = o.opt_level;
  std::string const& path = fo.shared ? o.shared_out : o.object_out;
  if (!fo.shared) {
    fo.symbol = o.symbol;
    if (fo.symbol.empty())  // the file's stem, made a C identifier: scoring-v2.o -> scoring_v2
      for (char c : std::filesystem::path(path).stem().string())
        fo.symbol += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  }
  auto t0 = Clock::now();
  RuleSetManifest m;
  try {
    m = compiled.policy->write_compiled(path, fo);
  } catch (Error const& e) {
    std::cerr << "leadrules compile: " << e.what() << "\n";
    return 1;
  }
  std::error_code ec;
  auto bytes = std::filesystem::file_size(path, ec);
  std::cout << fmt::format("{}: policy \"{}\" ({}), fingerprint {}, for {} ({}), {} KB in {:.0f} ms\n", path,
                           m.policy_name, m.source_path, m.fingerprint, m.cpu,
                           m.features.empty() ? "no extensions" : m.features, (bytes + 1023) / 1024,
                           seconds_since(t0) * 1000);
  if (fo.shared)
    std::cout << fmt::format(
        "load it with lr_load_compiled(\"{}\") or `leadrules run {}` (libleadrules-runtime "
        "needs no LLVM)\n",
        path, path);
  else
    std::cout << fmt::format(
        "link it into a program with libleadrules-runtime; LR_RULESET_DECLARE({}); then "
        "lr_load_ruleset(LR_RULESET({}), ...)\n",
        fo.symbol, fo.symbol);
  return 0;
}

}  // namespace leadrules::cli
