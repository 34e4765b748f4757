// Rule sets compiled ahead of time: loading one (LLVM-free: libleadrules-runtime), writing one
// (the compiler's part is in api/compiler/), and Engine::aot, the round trip through both.

#include <chrono>

#include <fmt/format.h>

#include "api/internal.hpp"
#include "compiler/checker/checker.hpp"
#include "compiler/plan/fingerprint.hpp"
#include "runtime/native/ruleset.hpp"
#include "stdlib/files.hpp"

namespace leadrules {

namespace {

CompileResult failure(std::string const& origin, std::string message, std::string hint = {}) {
  Diagnostic d;
  d.file = origin;
  d.message = std::move(message);
  d.hint = std::move(hint);
  CompileResult out;
  out.diagnostics.add(std::move(d));
  return out;
}

// The plan again from the policy the rule set carries, checked by this release: it must be the
// plan the code was generated from (same fingerprint), or the code would read another layout.
CompileResult load_bound(jit::RuleSetContents contents, std::shared_ptr<void const> code,
                         std::string const& origin, CompileOptions const& options) {
  auto t0 = std::chrono::steady_clock::now();
  Diagnostics diags;
  auto plan = compile_policy_text(contents.source_path, contents.source, diags, {}, options.limits,
                                  &contents.set_files);
  double check_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!plan) {
    CompileResult out = failure(origin,
                                "the policy inside this rule set does not check with leadrules " +
                                    std::string(version()) + " (errors below)",
                                "compile it again with `leadrules compile` of this release");
    for (auto& d : diags.items) out.diagnostics.add(std::move(d));
    return out;
  }
  std::string fingerprint = plan_fingerprint(*plan);
  if (fingerprint != contents.fingerprint)
    return failure(origin,
                   fmt::format("this rule set's code was generated from a plan with fingerprint {}, but its "
                               "policy checks to {} with leadrules {}",
                               contents.fingerprint, fingerprint, version()),
                   "compile it again with `leadrules compile` of this release");
  CompileOptions o = options;
  o.engine = Engine::aot;
  auto engine = api::make_native(plan, contents.entry, std::move(code), "aot");
  auto impl = build_policy(plan, o, check_ms, false, diags, std::move(engine));
  impl->manifest = RuleSetManifest{contents.policy_name, contents.fingerprint, contents.leadrules_version,
                                   contents.cpu,         contents.features,    contents.source_path,
                                   LR_ABI_VERSION};
  CompileResult out;
  out.policy.emplace(Policy(std::move(impl)));
  out.diagnostics = std::move(diags);
  return out;
}

}  // namespace

CompileResult Policy::load_compiled(std::string const& path, CompileOptions const& options) {
  try {
    auto opened = jit::open_ruleset(path);
    auto contents = jit::bind_ruleset(opened.descriptor, path);
    return load_bound(std::move(contents), std::move(opened.handle), path, options);
  } catch (std::runtime_error const& e) {
    return failure(path, e.what());
  }
}

CompileResult Policy::load_ruleset(lr_ruleset const* ruleset, std::string origin,
                                   CompileOptions const& options) {
  try {
    auto contents = jit::bind_ruleset(reinterpret_cast<LrRuleSet const*>(ruleset), origin);
    return load_bound(std::move(contents), nullptr, origin, options);
  } catch (std::runtime_error const& e) {
    return failure(origin, e.what());
  }
}

RuleSetManifest Policy::write_compiled(std::string const& path, CompiledFileOptions const& options) const {
  return api::write_ruleset(*impl_->plan, path, options);
}

std::optional<RuleSetManifest> Policy::manifest() const { return impl_->manifest; }

CompileResult api::compile_through_ruleset(std::shared_ptr<plan::Plan const> plan,
                                           CompileOptions const& options, Diagnostics diags) {
  CompileResult out;
  try {
    stdlib::TempDir dir("leadrules-aot");  // removed at once: the loaded object stays mapped
    CompiledFileOptions fo;
    fo.cpu = "host";
    fo.opt_level = options.opt_level;
    write_ruleset(*plan, dir.path() + "/policy.so", fo);
    out = Policy::load_compiled(dir.path() + "/policy.so", options);
  } catch (std::exception const& e) {
    out = failure(plan->source_path, e.what());
  }
  for (auto& d : out.diagnostics.items) diags.add(std::move(d));
  out.diagnostics = std::move(diags);
  return out;
}

}  // namespace leadrules
