// Internal to the API: what the public handles hold. Public headers see only forward
// declarations of these; everything here may change without breaking clients.
#pragma once

#include <memory>
#include <vector>

#include "api/engines.hpp"
#include "compiler/plan/plan.hpp"
#include "leadrules/leadrules.hpp"
#include "runtime/data/readers.hpp"
#include "runtime/data/result.hpp"
#include "runtime/data/table.hpp"
#include "runtime/interp/interpreter.hpp"

namespace leadrules {

struct Policy::Impl {
  std::shared_ptr<plan::Plan const> plan;
  std::unique_ptr<runtime::Engine> engine;       // the one compile options chose
  std::unique_ptr<runtime::Interpreter> interp;  // tests, expressions (the REPL), the reference
  CompileOptions options;
  CompileStats stats;
  Engine kind = Engine::jit;
  std::string fingerprint;
  std::vector<FieldInfo> fields, activity_fields;
  std::vector<std::string> blocks, rules;
  std::vector<SegmentInfo> segments;
  std::optional<RuleSetManifest> manifest;  // loaded from a rule set
};

struct Batch::Impl {
  std::shared_ptr<plan::Plan const> plan;
  std::shared_ptr<runtime::Batch> batch;  // shared with the Results made from it
  std::vector<DataError> rejects;
  std::map<std::string, size_t> skipped_kinds;
  std::map<std::string, std::string> skipped_kind_hints;
  std::vector<DataError> warnings;
  size_t bytes = 0, prospects_read = 0;
  uint64_t serial = next_serial();  // names this batch for one-prospect reuse
  static uint64_t next_serial();
};

struct Results::Impl {
  std::shared_ptr<Policy::Impl const> policy;
  std::shared_ptr<runtime::Batch const> batch;
  runtime::Results results;
  int64_t now = 0;
};

struct Scratch::Impl {
  std::shared_ptr<Policy::Impl const> policy;  // the policy the batch is shaped for
  runtime::Batch batch;
  runtime::Results results;
  std::unique_ptr<runtime::RowScratch> engine;  // the engine's own per-thread memory
  runtime::ProspectResult row;                  // the result, as the writers read it
  runtime::Batch const* source = nullptr;       // the batch it is a row of: &batch or a caller's
  uint64_t filled_serial = 0;                   // the builder content `batch` holds
  size_t source_row = 0;
  int64_t now = 0;
};

// The public handles' innards, for the API's own files.
struct Access {
  static Batch make_batch(std::unique_ptr<Batch::Impl> impl) { return Batch(std::move(impl)); }
  static Batch::Impl& impl(Batch& b) { return *b.impl_; }
  static Batch::Impl const& impl(Batch const& b) { return *b.impl_; }
  static Scratch::Impl const& impl(Scratch const& s) { return *s.impl_; }
  static ProspectBuilder::Impl const& impl(ProspectBuilder const& b) { return *b.impl_; }
  static Results::Impl const& impl(Results const& r) { return *r.impl_; }
};

// A checked plan as a policy: with `ready` as its engine, or the one options.engine asks for
// (when with_engine), the interpreter otherwise.
std::shared_ptr<Policy::Impl> build_policy(std::shared_ptr<plan::Plan const> plan,
                                           CompileOptions const& options, double check_ms, bool with_engine,
                                           Diagnostics& diags,
                                           std::unique_ptr<runtime::Engine> ready = nullptr);

Value to_value(plan::Constant const& c);
plan::Constant to_constant(Value const& v);
ValueType to_value_type(plan::Type t);
DataError to_error(runtime::DataError const& e);
// Batches and prospects read for one version of a policy can be evaluated by another whose
// schema has the same shape (hot reload).
bool same_schema(plan::Schema const& a, plan::Schema const& b);
// The builder's prospect (row 0) and colleagues into `batch` (emptied first, memory kept).
void fill_batch(plan::Plan const& p, ProspectBuilder const& prospect, runtime::Batch& batch);
Result make_result(plan::Plan const& p, runtime::Batch const& batch, size_t row,
                   runtime::ProspectResult const& r);
// `leadrules explain` for row `row` scored `r` by the policy's engine, with why not from the
// interpreter on that row (explore.cpp).
std::string explain_prospect(Policy::Impl const& policy, runtime::Batch const& batch, size_t row,
                             runtime::ProspectResult const& r, int64_t now, bool colour);

}  // namespace leadrules
