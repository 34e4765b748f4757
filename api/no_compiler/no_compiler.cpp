// libleadrules-runtime has no compiler (it does not link LLVM): what needs one says so.
// libleadrules links api/compiler/ instead.
#include "api/engines.hpp"

namespace leadrules::api {

namespace {
constexpr char const* kNoCompiler =
    "libleadrules-runtime has no compiler; load a rule set made by `leadrules compile` "
    "(Policy::load_compiled), or link libleadrules";
}

std::string_view compiler_info() { return "runtime only, no compiler"; }

std::unique_ptr<runtime::Engine> make_jit(std::shared_ptr<plan::Plan const>, CompileOptions const&,
                                          CompileStats&) {
  throw std::runtime_error(kNoCompiler);
}

RuleSetManifest write_ruleset(plan::Plan const&, std::string const&, CompiledFileOptions const&) {
  throw Error(kNoCompiler);
}

}  // namespace leadrules::api
