// Policy: compile (text -> plan -> engine), what it declares, data in, batch evaluation, tests.
#include <atomic>
#include <chrono>

#include <fmt/format.h>

#include "api/internal.hpp"
#include "compiler/checker/checker.hpp"
#include "compiler/plan/fingerprint.hpp"
#include "grammar/format.hpp"
#include "grammar/parser.hpp"
#include "runtime/interp/test_runner.hpp"
#include "stdlib/files.hpp"
#include "stdlib/format.hpp"

namespace leadrules {

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

FieldInfo field_info(plan::Field const& f) { return {f.name, to_value_type(f.type), f.optional, f.column}; }

}  // namespace

// Builds the engine the options ask for, unless one is given (a rule set's). A policy the code
// generator cannot take (LLVM fails, or the policy is beyond its limits) still runs: on the
// interpreter, with a warning.
std::shared_ptr<Policy::Impl> build_policy(std::shared_ptr<plan::Plan const> plan,
                                           CompileOptions const& options, double check_ms, bool with_engine,
                                           Diagnostics& diags, std::unique_ptr<runtime::Engine> ready) {
  auto impl = std::make_shared<Policy::Impl>();
  impl->plan = plan;
  impl->options = options;
  impl->stats.check_ms = check_ms;
  impl->stats.plan_nodes = plan->nodes.size();
  impl->interp = std::make_unique<runtime::Interpreter>(plan);
  impl->kind = options.engine;
  if (ready) {
    impl->engine = std::move(ready);
  } else if (with_engine && options.engine == Engine::jit) {
    try {
      auto t0 = Clock::now();
      impl->engine = api::make_jit(plan, options, impl->stats);
      impl->stats.jit_ms = ms_since(t0);
    } catch (std::exception const& e) {
      Diagnostic d;
      d.severity = Severity::Warning;
      d.file = plan->source_path;
      d.message =
          fmt::format("cannot compile this policy to native code ({}); it runs on the interpreter", e.what());
      diags.add(std::move(d));
      impl->kind = Engine::interp;
    }
  } else {
    impl->kind = Engine::interp;
  }
  if (!impl->engine) impl->engine = api::make_interpreter(plan);
  impl->fingerprint = plan_fingerprint(*plan);
  for (auto const& f : plan->schema.prospect) impl->fields.push_back(field_info(f));
  for (auto const& f : plan->schema.activity) impl->activity_fields.push_back(field_info(f));
  for (auto const& b : plan->blocks) impl->blocks.push_back(b.name);
  for (auto const& r : plan->rules) impl->rules.push_back(r.name);
  for (auto const& s : plan->segments) impl->segments.push_back({s.name, s.zone});
  return impl;
}

namespace {

CompileResult finish(std::shared_ptr<plan::Plan const> plan, Diagnostics diags, CompileOptions const& options,
                     double check_ms, bool with_engine) {
  if (plan && with_engine && options.engine == Engine::aot)
    return api::compile_through_ruleset(plan, options, std::move(diags));
  CompileResult out;
  if (plan) out.policy.emplace(build_policy(std::move(plan), options, check_ms, with_engine, diags));
  out.diagnostics = std::move(diags);
  return out;
}

template <class T>
std::optional<size_t> index_of(std::vector<T> const& items, std::string_view name) {
  for (size_t i = 0; i < items.size(); ++i) {
    if constexpr (std::is_same_v<T, std::string>) {
      if (items[i] == name) return i;
    } else if (items[i].name == name) {
      return i;
    }
  }
  return std::nullopt;
}

LoadResult load(std::shared_ptr<plan::Plan const> const& plan, runtime::ReadOptions const& ro,
                runtime::ReadResult (*reader)(plan::Plan const&, runtime::ReadOptions const&)) {
  LoadResult out;
  try {
    auto read = reader(*plan, ro);
    auto impl = std::make_unique<Batch::Impl>();
    impl->plan = plan;
    impl->batch = std::make_shared<runtime::Batch>(std::move(read.batch));
    for (auto& r : read.rejects)
      impl->rejects.push_back(
          {r.file, r.line, r.field, r.reason, std::move(r.text), std::move(r.record_json)});
    for (auto& w : read.warnings) impl->warnings.push_back({w.file, w.line, w.field, w.reason, {}, {}});
    impl->skipped_kinds = std::move(read.skipped_kinds);
    impl->skipped_kind_hints = std::move(read.kind_hints);
    impl->bytes = read.bytes;
    impl->prospects_read = read.prospects_read;
    out.batch.emplace(Access::make_batch(std::move(impl)));
  } catch (runtime::DataErrors const& e) {
    for (auto const& r : e.errors)
      out.errors.push_back({r.file, r.line, r.field, r.reason, r.text, r.record_json});
    out.error_count = e.total;
    out.rejectable = e.rejectable;
  } catch (runtime::DataError const& e) {
    out.errors.push_back(to_error(e));
    out.error_count = 1;
  }
  return out;
}

}  // namespace

bool same_schema(plan::Schema const& a, plan::Schema const& b) {
  auto same_fields = [](std::vector<plan::Field> const& x, std::vector<plan::Field> const& y) {
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (x[i].name != y[i].name || x[i].type != y[i].type) return false;
    return true;
  };
  return same_fields(a.prospect, b.prospect) && same_fields(a.activity, b.activity) && a.kinds == b.kinds &&
         a.id_field == b.id_field && a.account_field == b.account_field;
}

uint64_t Batch::Impl::next_serial() {
  static std::atomic<uint64_t> counter{0};
  return ++counter;
}

DataError to_error(runtime::DataError const& e) { return {e.file, e.line, e.field, e.reason, {}}; }

std::string DataError::message() const {
  std::string where = file;
  if (line) where += fmt::format(":{}", line);
  return fmt::format("{}: data error{}: {}", where, field.empty() ? "" : " in `" + field + "`", reason);
}

std::string DataError::json() const {
  std::string out = "{\"file\":";
  stdlib::append_json_string(out, file);
  out += fmt::format(",\"line\":{},\"field\":", line);
  if (field.empty())
    out += "null";
  else
    stdlib::append_json_string(out, field);
  out += ",\"reason\":";
  stdlib::append_json_string(out, reason);
  out += ",\"record\":";
  if (!record_json.empty())
    out += record_json;
  else if (!record.empty())
    stdlib::append_json_string(out, record);
  else
    out += "null";
  out += '}';
  return out;
}

std::map<std::string, std::string> const& Batch::skipped_kind_hints() const {
  return impl_->skipped_kind_hints;
}
std::vector<DataError> const& Batch::warnings() const { return impl_->warnings; }

std::string_view engine_name(Engine e) {
  return e == Engine::jit ? "jit" : e == Engine::aot ? "aot" : "interp";
}

LoadResult::LoadResult() = default;
LoadResult::~LoadResult() = default;
LoadResult::LoadResult(LoadResult&&) noexcept = default;
LoadResult& LoadResult::operator=(LoadResult&&) noexcept = default;

Policy::Policy(std::shared_ptr<Impl const> impl) : impl_(std::move(impl)) {}

CompileResult Policy::compile(std::string_view text, std::string origin, CompileOptions const& options) {
  Diagnostics diags;
  auto t0 = Clock::now();
  auto plan =
      compile_policy_text(std::move(origin), std::string(text), diags, options.allowed_paths, options.limits);
  return finish(std::move(plan), std::move(diags), options, ms_since(t0), true);
}

CompileResult Policy::compile_file(std::string const& path, CompileOptions const& options) {
  Diagnostics diags;
  auto t0 = Clock::now();
  auto plan = compile_policy_file(path, diags, options.allowed_paths, options.limits);
  return finish(std::move(plan), std::move(diags), options, ms_since(t0), true);
}

CompileResult check_policy(std::string_view text, std::string origin, CompileOptions const& options) {
  Diagnostics diags;
  auto t0 = Clock::now();
  auto plan =
      compile_policy_text(std::move(origin), std::string(text), diags, options.allowed_paths, options.limits);
  return finish(std::move(plan), std::move(diags),
                {.engine = Engine::interp, .allowed_paths = options.allowed_paths, .limits = options.limits},
                ms_since(t0), false);
}

CompileResult check_policy_file(std::string const& path, CompileOptions const& options) {
  Diagnostics diags;
  auto t0 = Clock::now();
  auto plan = compile_policy_file(path, diags, options.allowed_paths, options.limits);
  return finish(std::move(plan), std::move(diags),
                {.engine = Engine::interp, .allowed_paths = options.allowed_paths, .limits = options.limits},
                ms_since(t0), false);
}

FormatResult format_policy(std::string_view text, std::string origin) {
  FormatResult out;
  SourceFile source(std::move(origin), std::string(text));
  auto tree = parse_policy(source, out.diagnostics);
  if (!tree) return out;
  out.text = leadrules::format_policy(*tree, source);
  out.changed = *out.text != source.text();
  return out;
}

std::string const& Policy::name() const { return impl_->plan->name; }
std::string const& Policy::path() const { return impl_->plan->source_path; }
std::string Policy::fingerprint() const { return impl_->fingerprint; }
Engine Policy::engine() const { return impl_->kind; }
CompileStats const& Policy::stats() const { return impl_->stats; }
std::vector<FieldInfo> const& Policy::fields() const { return impl_->fields; }
std::vector<std::string> const& Policy::activity_kinds() const { return impl_->plan->schema.kinds; }
std::vector<FieldInfo> const& Policy::activity_fields() const { return impl_->activity_fields; }
std::vector<std::string> const& Policy::blocks() const { return impl_->blocks; }
std::vector<SegmentInfo> const& Policy::segments() const { return impl_->segments; }
std::vector<std::string> const& Policy::rules() const { return impl_->rules; }
size_t Policy::id_field() const { return size_t(impl_->plan->schema.id_field); }
std::optional<size_t> Policy::account_field() const {
  int32_t a = impl_->plan->schema.account_field;
  return a >= 0 ? std::optional<size_t>(size_t(a)) : std::nullopt;
}
std::optional<size_t> Policy::field_index(std::string_view name) const {
  return index_of(impl_->fields, name);
}
std::optional<size_t> Policy::segment_index(std::string_view name) const {
  return index_of(impl_->segments, name);
}
std::optional<size_t> Policy::rule_index(std::string_view name) const { return index_of(impl_->rules, name); }
std::optional<size_t> Policy::block_index(std::string_view name) const {
  return index_of(impl_->blocks, name);
}

std::string Policy::summary() const {
  auto const& p = *impl_->plan;
  auto plural = [](size_t n, std::string_view one) {
    return fmt::format("{} {}{}", n, one, n == 1 ? "" : "s");
  };
  size_t zones = 0;
  for (auto const& s : p.segments) zones += s.zone;
  return fmt::format("{} in {}, {}, {}, {}, {}, {}", plural(p.points.size(), "scoring rule"),
                     plural(p.blocks.size(), "block"), plural(p.grade_moves.size(), "grade move"),
                     plural(p.segments.size() - zones, "segment"), plural(zones, "zone"),
                     plural(p.rules.size(), "automation rule"), plural(p.tests.size(), "test"));
}

LoadResult Policy::read_file(InputOptions const& input) const {
  runtime::ReadOptions ro;
  ro.prospects = input.prospects;
  ro.activities = input.activities;
  ro.keep_going = input.keep_going;
  ro.limits = impl_->options.limits;
  if (input.progress)
    ro.progress = [&input](std::string_view file, size_t bytes, size_t total, size_t prospects) {
      input.progress({file, bytes, total, prospects});
    };
  return load(impl_->plan, ro, &runtime::read_input);
}

LoadResult Policy::read_jsonl(std::string_view text, std::string origin, bool keep_going) const {
  runtime::ReadOptions ro;
  ro.prospects = std::move(origin);
  ro.prospects_text = text;
  ro.keep_going = keep_going;
  ro.limits = impl_->options.limits;
  return load(impl_->plan, ro, &runtime::read_jsonl);
}

LoadResult Policy::read_csv(std::string_view prospects, std::string_view activities, std::string origin,
                            bool keep_going) const {
  runtime::ReadOptions ro;
  ro.prospects = origin;
  ro.prospects_text = prospects;
  if (!activities.empty()) {
    ro.activities = origin + " (activities)";
    ro.activities_text = activities;
  }
  ro.keep_going = keep_going;
  ro.limits = impl_->options.limits;
  return load(impl_->plan, ro, &runtime::read_csv);
}

Results Policy::evaluate(Batch const& batch, EvalOptions const& options) const {
  auto const& b = Access::impl(batch);
  if (b.plan != impl_->plan && !same_schema(b.plan->schema, impl_->plan->schema))
    throw Error("Policy::evaluate: the batch was read for a policy with another schema");
  auto r = std::make_unique<Results::Impl>();
  r->policy = impl_;
  r->batch = b.batch;
  r->now = options.now;
  runtime::EvalOptions eo;
  eo.now = options.now;
  eo.explain = options.explain;
  eo.threads = options.threads ? options.threads : 1;
  r->results = impl_->engine->evaluate(*b.batch, eo);
  return Results(std::move(r));
}

std::vector<TestOutcome> Policy::run_tests() const {
  std::vector<TestOutcome> out;
  for (auto& t : runtime::run_tests(*impl_->interp))
    out.push_back({t.name, t.line, t.passed, std::move(t.failures)});
  return out;
}

std::optional<std::string> read_file(std::string const& path, std::string* error) {
  return stdlib::read_whole_file(path, error);
}

struct OutputFile::Impl {
  explicit Impl(std::string const& path) : file(path) {}
  stdlib::AtomicFile file;
};
OutputFile::OutputFile(std::string const& path) : impl_(std::make_unique<Impl>(path)) {}
OutputFile::~OutputFile() = default;
void OutputFile::write(std::string_view data) { impl_->file.write(data); }
void OutputFile::commit() { impl_->file.commit(); }

bool write_file_atomically(std::string const& path, std::string_view data, std::string* error) {
  try {
    stdlib::write_file_atomically(path, data);
    return true;
  } catch (std::exception const& e) {
    if (error) *error = e.what();
    return false;
  }
}

}  // namespace leadrules
