// leadrules: lead-management policies as code — the C++ API.
//
// Compile once, evaluate many times (as cel-cpp and Gandiva separate the two):
//
//   auto compiled = leadrules::Policy::compile_file("policy.lr");
//   if (!compiled) { std::cerr << compiled.rendered(); return 1; }
//   leadrules::Policy policy = *compiled.policy;           // immutable, share it between threads
//   auto data = policy.read_file({.prospects = "prospects.jsonl"});
//   if (!data) { std::cerr << data.errors[0].message() << "\n"; return 2; }
//   auto results = policy.evaluate(*data.batch, {.now = leadrules::current_time()});
//   std::cout << results.to_jsonl();
//
// One prospect at a time, with no JSON in between (a service scoring events):
//
//   leadrules::ProspectBuilder p(policy);
//   leadrules::Scratch scratch;                            // one per thread, reused
//   p.set("email", "ana@acme.com").set("employees", 250.0);
//   p.activity("visit", now - 3'600'000'000).with("page", "/pricing");
//   leadrules::ResultView r = policy.evaluate(p, now, scratch);
//   if (r.in_segment("hot")) ...
//
// The library reads no environment variables and never prints. Errors in policies and data are
// values (Diagnostic, DataError); leadrules::Error is thrown only for misuse (an unknown field
// name given to a builder, a batch evaluated by a policy of another schema). A policy LLVM
// cannot compile runs on the interpreter, with a warning among its diagnostics.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "leadrules/diagnostic.hpp"
#include "leadrules/limits.hpp"
#include "leadrules/value.hpp"

// A rule set linked into the program (leadrules.h, LR_RULESET_DECLARE).
struct lr_ruleset;

namespace leadrules {

// Misuse of the API or a failure of the machine (not of a policy or of data).
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Batch;
class Results;
class ResultView;
class ProspectBuilder;
class Scratch;
class Policy;

enum class Engine : uint8_t {
  jit,     // native code through LLVM ORC (the default)
  interp,  // the reference interpreter
  // Native code compiled ahead of time: a rule set loaded with Policy::load_compiled. Given to
  // compile(), the policy is compiled to a shared object in a temporary directory and loaded
  // back that way (tests compare it with the other engines; it needs the system linker, cc).
  aot,
};
std::string_view engine_name(Engine e);

// The library's version ("0.2.0") and what it was built with ("LLVM 19.1.7, RelWithDebInfo").
std::string_view version();
std::string_view build_info();

struct CompileOptions {
  Engine engine = Engine::jit;
  std::string cache_dir;  // JIT object cache directory; "" = no cache (the CLI maps
                          // LEADRULES_CACHE_DIR / XDG_CACHE_HOME to this)
  int opt_level = -1;     // JIT: 0..3, or -1 to choose by the policy's size
  std::string dump_ir;    // developers: write the optimised LLVM IR to this file
  // Set files (`file("...")`) are read only from the policy's folder and below, after `..` and
  // symbolic links are resolved, and from these directories (relative ones: to the current
  // directory). The policy's folder is its origin's; an origin like "<policy>" has none.
  std::vector<std::string> allowed_paths;
  // Resource limits (leadrules/limits.hpp): the policy's are checked when compiling, the data's
  // when this policy reads data.
  Limits limits;
};

// `leadrules compile`: a policy as native code for a program or service that has no compiler
// (libleadrules-runtime, which does not link LLVM, loads it).
struct CompiledFileOptions {
  bool shared = true;  // a shared object (.so, for load_compiled) or a relocatable object (.o)
  // The CPU the code is for: an LLVM CPU name, or "host" for this machine's. The default runs
  // on any x86-64 server made since 2009; loading on a CPU without a feature the code uses fails
  // with an error, never an illegal instruction.
  std::string cpu = "x86-64-v2";
  // The descriptor's symbol: a .so always defines `leadrules_ruleset`; a .o defines
  // `leadrules_ruleset_<symbol>` (a C identifier), which the program declares with
  // LR_RULESET_DECLARE(symbol) (leadrules.h) and passes to load_ruleset.
  std::string symbol;
  int opt_level = -1;  // as CompileOptions::opt_level
};

// What a compiled rule set says about itself (its manifest).
struct RuleSetManifest {
  std::string policy_name, fingerprint, leadrules_version, cpu, features, source_path;
  unsigned abi_version = 0;
};

// How long compiling took, and whether the native code came from the cache.
struct CompileStats {
  double check_ms = 0;  // parse + check
  double jit_ms = 0;    // plan -> runnable native code (0 for the interpreter)
  double generate_ms = 0, optimize_ms = 0, codegen_ms = 0, link_ms = 0;
  int opt_level = 0;
  bool from_cache = false;
  size_t plan_nodes = 0;
};

struct CompileResult;
struct ExpressionValue;

// What a policy declares, for tools (completion in the REPL and editors, reports).
struct FieldInfo {
  std::string name;
  ValueType type = ValueType::string;
  bool optional = false;
  std::string column;  // the input column / JSON key it is read from
};
struct SegmentInfo {
  std::string name;
  bool zone = false;
};

// ---------------------------------------------------------------------------------------------
// Data in

struct DataError {
  std::string file;   // the file (or the origin given for a buffer)
  uint32_t line = 0;  // 1-based; 0 = the input as a whole
  std::string field;  // the field or column concerned, may be empty
  std::string reason;
  std::string record;  // the offending line as read, when there is one
  // The record as a JSON value: a JSON line that is an object as written, a CSV record as an
  // object keyed by the header (cells as strings), a broken line as a string; "" when none.
  std::string record_json;
  // "prospects.jsonl:7: data error in `email`: expected a string, got 42"
  std::string message() const;
  // One line of a rejects file: {"file":…,"line":…,"field":…|null,"reason":…,"record":…|null}.
  std::string json() const;
};

// How far a read has got (for a progress bar): `file` (the activities file, then the prospects
// file, for CSV), `bytes` of its `total` read, `prospects` read so far.
struct ReadProgress {
  std::string_view file;
  size_t bytes = 0, total = 0, prospects = 0;
};

struct InputOptions {
  std::string prospects;    // .jsonl / .ndjson / .csv (by extension), or "-" for stdin (JSON Lines)
  std::string activities;   // CSV activities file, optional
  bool keep_going = false;  // collect bad records as rejects instead of stopping at the first
  // Called by the reading thread about every 4,096 records and at the end of each file.
  std::function<void(ReadProgress const&)> progress;
};

// Prospects with their activities and firing histories, column by column, in input order.
// Immutable once read; may be evaluated by several threads at once.
class Batch {
 public:
  size_t size() const;  // prospects
  size_t activity_count() const;
  std::string_view id(size_t row) const;
  std::optional<size_t> find(std::string_view id) const;
  uint32_t line(size_t row) const;                             // input line of a prospect (0 if built)
  size_t bytes() const;                                        // input size
  size_t prospects_read() const;                               // records seen: size() + rejected
  std::vector<DataError> const& rejects() const;               // with keep_going
  std::map<std::string, size_t> const& skipped_kinds() const;  // activity types not in the schema
  // A skipped type that looks like a listed kind ("Visit", "page_view"): type -> that kind.
  std::map<std::string, std::string> const& skipped_kind_hints() const;
  // What a reader of the run should know (line 0): a JSON Lines field whose key no record has.
  std::vector<DataError> const& warnings() const;

  // A columnar view without copies, for services that read the data themselves (bench's
  // hand-written baseline does). Valid while the Batch lives. `field` indexes Policy::fields()
  // or Policy::activity_fields().
  struct Column {
    ValueType type = ValueType::string;
    std::span<uint8_t const> present;        // 0 = missing
    std::span<double const> numbers;         // number
    std::span<int64_t const> micros;         // time, duration
    std::span<int8_t const> grades;          // grade: 0 = F .. 12 = A+
    std::span<uint8_t const> bools;          // bool
    std::span<uint32_t const> codes;         // string: dictionary code
    std::span<uint32_t const> list_offsets;  // [string]: row i is list_codes[off[i] .. off[i+1])
    std::span<uint32_t const> list_codes;
    size_t dictionary_size = 0;
    void const* dictionary_ = nullptr;
    std::string_view text(uint32_t code) const;  // a dictionary value
    std::string_view string_at(size_t row) const { return text(codes[row]); }
    Value value_at(size_t row) const;  // the row's value, copied (missing included)
  };
  Column field(size_t field) const;
  Column activity_field(size_t field) const;
  std::span<uint32_t const> activity_offsets() const;  // prospect p: [off[p], off[p+1])
  std::span<uint16_t const> activity_kinds() const;    // index into Policy::activity_kinds()
  std::span<int64_t const> activity_times() const;
  // A prospect's firing history (JSON "fired", or the --state database).
  struct Firing {
    size_t rule = 0;  // index into Policy::rules()
    int64_t count = 0;
    std::optional<int64_t> last;
  };
  std::vector<Firing> firings(size_t row) const;

  struct Impl;
  Batch(Batch&&) noexcept;
  Batch& operator=(Batch&&) noexcept;
  ~Batch();

 private:
  friend class Policy;
  friend class FiringStore;
  friend struct Access;
  explicit Batch(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct LoadResult {
  std::optional<Batch> batch;  // absent when stopped by a data error
  // Why the read stopped, else empty: in strict mode every bad record (the first 100, in input
  // order), or the one problem of the input as a whole (no file, a bad header).
  std::vector<DataError> errors;
  size_t error_count = 0;   // all the bad records found (errors may hold fewer)
  bool rejectable = false;  // the errors are bad records, which keep_going would set aside
  explicit operator bool() const { return batch.has_value(); }
  LoadResult();
  ~LoadResult();
  LoadResult(LoadResult&&) noexcept;
  LoadResult& operator=(LoadResult&&) noexcept;
};

// ---------------------------------------------------------------------------------------------
// Results out

struct Action {
  std::string rule;               // the automation rule's name
  std::string action;             // add_to_list, tag, notify, set, ...
  std::vector<std::string> args;  // as they print ("48h", interpolated messages)
};

struct SetField {
  std::string field;
  Value value;                     // value.missing: the rule clears the field
  std::vector<std::string> rules;  // every rule that set it, in order; more than one = a conflict
};

// One prospect's result as plain values.
struct Result {
  std::string id;
  double score = 0;
  std::vector<std::pair<std::string, double>> scores;  // per score block, in source order
  std::string grade;                                   // "B+"
  std::vector<std::string> segments;                   // that hold (zones included), declaration order
  std::vector<std::string> fired;                      // automation rules that fired, rule order
  std::vector<Action> actions;                         // rule order, then written order
  std::vector<SetField> set;                           // in order of the first set of each field
};

struct EvalOptions {
  int64_t now = 0;       // microseconds since the epoch, UTC
  bool explain = false;  // keep the rule-by-rule why (for explain() and JSON "why")
  unsigned threads = 1;  // account groups split across this many threads
};

// The results of a batch, row by row in input order. Keeps what it needs of the batch (ids).
class Results {
 public:
  size_t size() const;
  double score(size_t row) const;
  std::string_view grade(size_t row) const;
  double block(size_t row, size_t block) const;       // index into Policy::blocks()
  bool in_segment(size_t row, size_t segment) const;  // index into Policy::segments()
  bool fired(size_t row, size_t rule) const;          // index into Policy::rules()
  std::span<double const> scores() const;             // every row's total
  Result operator[](size_t row) const;

  // The JSON object `leadrules run` writes for the row (one line, '\n' included); `why` adds the
  // explanation (needs EvalOptions::explain).
  std::string json(size_t row, bool why = false) const;
  std::string to_jsonl(bool why = false) const;
  // Header + one line per prospect: id, the `keep` schema fields passed through, score, blocks,
  // grade, segments, one column per action kind, one per field the policy sets. Throws
  // std::invalid_argument naming a `keep` field the schema lacks.
  std::string to_csv(std::vector<std::string> const& keep = {}) const;
  // The same, handed to `sink` in pieces of about 1 MB (a large run's results are never all in
  // memory at once); `sink` may throw, which stops the writing.
  void write_jsonl(std::function<void(std::string_view)> const& sink, bool why = false) const;
  void write_csv(std::function<void(std::string_view)> const& sink,
                 std::vector<std::string> const& keep = {}) const;
  // `leadrules explain`: points by rule (decay by factor and age), grade moves, zone rows, fired
  // rules (needs explain); and why the other segments, zones and rules do not hold or fire, and
  // what an unknown `if` lacks, worked out by the interpreter for this row (whatever the engine).
  std::string explain(size_t row, bool colour = false) const;

  struct Impl;
  Results(Results&&) noexcept;
  Results& operator=(Results&&) noexcept;
  ~Results();

 private:
  friend class Policy;
  friend class FiringStore;
  friend struct Access;
  explicit Results(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A horizontal histogram of scores in text (explain, diff), marking `mark` when given.
std::string score_histogram(std::span<double const> scores, std::optional<double> mark = std::nullopt,
                            bool colour = false, size_t width = 40);

// ---------------------------------------------------------------------------------------------
// One prospect at a time

// Builds one prospect (row 0) with its activities, firing history and colleagues. Field names
// are resolved against the policy's schema; an unknown name or a value of the wrong type throws
// leadrules::Error. Unset fields take their defaults (or are missing); reset() starts over and
// keeps the memory of its arrays (only text longer than a short string is allocated again).
class ProspectBuilder {
 public:
  explicit ProspectBuilder(Policy const& policy);
  ~ProspectBuilder();
  ProspectBuilder(ProspectBuilder&&) noexcept;
  ProspectBuilder& operator=(ProspectBuilder&&) noexcept;

  ProspectBuilder& reset();

  // A field of the current record (the prospect, or the last colleague()).
  ProspectBuilder& set(std::string_view field, Value const& value);
  ProspectBuilder& set(std::string_view field, double number);
  ProspectBuilder& set(std::string_view field, std::string_view text);  // string (also time, grade by text)
  ProspectBuilder& set(std::string_view field, char const* text) {
    return set(field, std::string_view(text));
  }
  ProspectBuilder& set(std::string_view field, bool boolean);
  ProspectBuilder& set_time(std::string_view field, int64_t micros);
  ProspectBuilder& set_list(std::string_view field, std::vector<std::string_view> const& items);
  ProspectBuilder& unset(std::string_view field);  // missing

  // An activity of the current record; with() sets its fields.
  ProspectBuilder& activity(std::string_view kind, int64_t at_micros);
  ProspectBuilder& with(std::string_view field, Value const& value);
  ProspectBuilder& with(std::string_view field, double number);
  ProspectBuilder& with(std::string_view field, std::string_view text);
  ProspectBuilder& with(std::string_view field, char const* text) {
    return with(field, std::string_view(text));
  }
  ProspectBuilder& with(std::string_view field, bool boolean);

  // The prospect's firing history of a rule (what `--state` or JSON "fired" provides).
  ProspectBuilder& fired(std::string_view rule, int64_t count, std::optional<int64_t> last = std::nullopt);

  // Starts a colleague (same account: set the account field to the prospect's).
  ProspectBuilder& colleague();

  size_t records() const;     // 1 + colleagues
  size_t activities() const;  // of the current record

  struct Impl;

 private:
  friend class Policy;
  friend struct Access;
  std::unique_ptr<Impl> impl_;
};

// A read-only view of one prospect's result inside a Scratch: no allocation to read it. Valid
// until the Scratch evaluates again.
class ResultView {
 public:
  double score() const;
  std::string_view grade() const;
  double block(size_t block) const;
  double block(std::string_view name) const;  // 0 when no such block
  bool in_segment(size_t segment) const;
  bool in_segment(std::string_view name) const;  // false when no such segment
  bool fired(size_t rule) const;
  bool fired(std::string_view rule) const;
  size_t action_count() const;
  Result to_result() const;                        // everything, as values
  std::string json(bool why = false) const;        // as `leadrules run` writes it
  std::string explain(bool colour = false) const;  // needs an explaining evaluation

 private:
  friend class Policy;
  friend class Scratch;
  explicit ResultView(Scratch const* s) : scratch_(s) {}
  Scratch const* scratch_;
};

// Per-thread working memory for single-prospect evaluation: reused call after call, so a warm
// hot path does not allocate (on the JIT: none per call, but for the text of actions that fire).
// Not shareable between threads at once.
class Scratch {
 public:
  Scratch();
  ~Scratch();
  Scratch(Scratch&&) noexcept;
  Scratch& operator=(Scratch&&) noexcept;
  struct Impl;

 private:
  friend class Policy;
  friend class ResultView;
  friend struct Access;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------------
// Tests, check, fmt

struct TestOutcome {
  std::string name;
  uint32_t line = 0;
  bool passed = true;
  std::vector<std::string> failures;  // one paragraph per failing expect
};

struct FormatResult {
  std::optional<std::string> text;  // the canonical text; absent on a syntax error
  Diagnostics diagnostics;
  bool changed = false;  // text differs from the input
};
// `leadrules fmt`: the canonical formatting of a policy, every comment kept.
FormatResult format_policy(std::string_view text, std::string origin = "<policy>");

// ---------------------------------------------------------------------------------------------
// The compiled policy

// A checked and compiled policy: immutable, cheap to copy (a shared handle), and safe to use
// from any number of threads at once.
class Policy {
 public:
  static CompileResult compile(std::string_view text, std::string origin = "<policy>",
                               CompileOptions const& options = {});
  static CompileResult compile_file(std::string const& path, CompileOptions const& options = {});
  // A rule set compiled ahead of time (`leadrules compile --shared`): the shared object is
  // loaded, checked (ABI version, CPU features, the policy it carries against its code) and
  // evaluated by its native code; engine() is Engine::aot. Every problem is an error diagnostic,
  // never a crash. options.engine and the JIT's options are ignored; limits apply to data.
  static CompileResult load_compiled(std::string const& path, CompileOptions const& options = {});
  // The same for a rule set linked into the program (`leadrules compile -o NAME.o`); `origin`
  // names it in messages.
  static CompileResult load_ruleset(lr_ruleset const* ruleset, std::string origin = "<rule set>",
                                    CompileOptions const& options = {});
  // Writes this policy as native code (see CompiledFileOptions), atomically; returns what its
  // manifest says. Throws leadrules::Error with the reason. Not in libleadrules-runtime, which
  // has no compiler.
  RuleSetManifest write_compiled(std::string const& path, CompiledFileOptions const& options = {}) const;
  // The manifest of the rule set this policy was loaded from (engine() == Engine::aot).
  std::optional<RuleSetManifest> manifest() const;

  std::string const& name() const;  // `policy "Name"`
  std::string const& path() const;  // the origin it was compiled from
  std::string fingerprint() const;  // 32 hex digits: same plan, same fingerprint
  Engine engine() const;
  CompileStats const& stats() const;
  // `leadrules check`'s summary: "12 scoring rules in 2 blocks, 3 grade moves, ..."
  std::string summary() const;

  std::vector<FieldInfo> const& fields() const;  // prospect fields, schema order
  std::vector<std::string> const& activity_kinds() const;
  std::vector<FieldInfo> const& activity_fields() const;
  std::vector<std::string> const& blocks() const;
  std::vector<SegmentInfo> const& segments() const;
  std::vector<std::string> const& rules() const;
  size_t id_field() const;                      // index into fields()
  std::optional<size_t> account_field() const;  // colleagues share it; none without
  std::optional<size_t> field_index(std::string_view name) const;
  std::optional<size_t> segment_index(std::string_view name) const;
  std::optional<size_t> rule_index(std::string_view name) const;
  std::optional<size_t> block_index(std::string_view name) const;

  // Data in. Strict unless keep_going: the first bad record stops the read.
  LoadResult read_file(InputOptions const& input) const;
  LoadResult read_jsonl(std::string_view text, std::string origin = "<jsonl>", bool keep_going = false) const;
  LoadResult read_csv(std::string_view prospects, std::string_view activities = {},
                      std::string origin = "<csv>", bool keep_going = false) const;

  // Evaluate every prospect of a batch (colleagues: the batch's rows with the same account).
  Results evaluate(Batch const& batch, EvalOptions const& options) const;
  // One prospect with its colleagues, into the caller's per-thread scratch.
  ResultView evaluate(ProspectBuilder const& prospect, int64_t now, Scratch& scratch,
                      bool explain = false) const;
  // One row of a batch (its colleagues: the batch's rows with the same account), into the
  // scratch; the view also reads the batch, which must outlive it.
  ResultView evaluate(Batch const& batch, size_t row, int64_t now, Scratch& scratch,
                      bool explain = false) const;

  // The policy's `test` blocks, on the interpreter.
  std::vector<TestOutcome> run_tests() const;

  // Exploring one prospect (the REPL, editors), on the interpreter.
  // The value of an expression of the language for the builder's prospect at `now`: the
  // policy's names, `score`, `grade`, aggregates, `past()`, `fired("rule")`; a bare name of a
  // score block, segment or zone too. Errors come with positions in `expression` (file
  // "<expr>", line 1) and a caret.
  ExpressionValue evaluate_expression(std::string_view expression, ProspectBuilder const& prospect,
                                      int64_t now) const;
  // Why a segment or zone does not hold, or a rule does not fire, for the prospect: the
  // conditions that fail and the values they saw, one per line ("" when it holds / fires).
  // nullopt when the policy has no segment, zone or rule of that name.
  std::optional<std::string> why_not(std::string_view name, ProspectBuilder const& prospect,
                                     int64_t now) const;
  std::string const& source_text() const;  // the policy's text as compiled

  struct Impl;
  explicit Policy(std::shared_ptr<Impl const> impl);
  std::shared_ptr<Impl const> const& impl() const { return impl_; }

 private:
  std::shared_ptr<Impl const> impl_;
};

struct ExpressionValue {
  std::optional<Value> value;  // absent when the expression has errors
  Diagnostics diagnostics;
  explicit operator bool() const { return value.has_value(); }
};

struct CompileResult {
  std::optional<Policy> policy;  // absent when the policy has errors
  Diagnostics diagnostics;       // errors and warnings, in the order found
  explicit operator bool() const { return policy.has_value(); }
  std::string rendered(bool colour = false) const { return render(diagnostics, colour); }
};

// `leadrules check`: compiles without generating code. The summary line on success. Of the
// options only allowed_paths counts.
CompileResult check_policy(std::string_view text, std::string origin = "<policy>",
                           CompileOptions const& options = {});
CompileResult check_policy_file(std::string const& path, CompileOptions const& options = {});

// ---------------------------------------------------------------------------------------------
// Firing history between runs (`leadrules run --state FILE`): a SQLite database read before a
// run and updated in one transaction after a successful one. A read-write store holds the
// database's write lock from open() (or the load() after a record()) until record() commits or
// the store is destroyed (nothing recorded); a second read-write store on the same file is
// refused at once. A process killed at any moment leaves the history before or after the run.
class FiringStore {
 public:
  // read_only (`--dry-run`): never creates or writes the file, holds no lock between loads.
  enum class Mode { read_write, read_only };
  // Opens (creating when absent, read_write only); nullopt with *error set when it cannot: the
  // file is in use by another run, is not a leadrules state, is from a newer leadrules, or is
  // corrupt (error->reason is a sentence that names the file).
  static std::optional<FiringStore> open(std::string const& path, DataError* error,
                                         Mode mode = Mode::read_write);
  // Replaces the batch's firing history with the database's for every prospect it knows.
  std::optional<DataError> load(Policy const& policy, Batch& batch);
  // Adds this run's firings (count + 1, last = now), all or nothing, and releases the lock.
  std::optional<DataError> record(Policy const& policy, Batch const& batch, Results const& results,
                                  int64_t now);

  FiringStore(FiringStore&&) noexcept;
  FiringStore& operator=(FiringStore&&) noexcept;
  ~FiringStore();
  struct Impl;

 private:
  explicit FiringStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------------
// Hot reload: a running service swaps to a new version of a policy atomically. Readers take the
// current version with current() (a shared handle: an evaluation in flight finishes on the
// version it started with); a version that fails to compile leaves the old one in place.
class PolicyHolder {
 public:
  explicit PolicyHolder(Policy initial);
  ~PolicyHolder();
  PolicyHolder(PolicyHolder const&) = delete;
  PolicyHolder& operator=(PolicyHolder const&) = delete;

  Policy current() const;
  void swap(Policy next);
  // Compiles with the current version's options; on success swaps and returns the result with
  // its diagnostics (warnings); on failure keeps the old version and returns why.
  CompileResult reload(std::string_view text, std::string origin);
  CompileResult reload_file(std::string const& path);
  uint64_t version() const;  // 1 for the initial policy, +1 per swap

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------------
// Files: the whole file, or a write through a temporary file and a rename (never half a file).
std::optional<std::string> read_file(std::string const& path, std::string* error = nullptr);
bool write_file_atomically(std::string const& path, std::string_view data, std::string* error = nullptr);

// A file written piece by piece, whole or not at all: through a temporary file that commit()
// renames into place (fsync'd); destroyed without commit(), or after an error, it leaves the
// old file as it was. A device or FIFO (/dev/null) is written in place. Errors throw
// std::runtime_error naming the file and the reason.
class OutputFile {
 public:
  explicit OutputFile(std::string const& path);
  ~OutputFile();
  OutputFile(OutputFile const&) = delete;
  OutputFile& operator=(OutputFile const&) = delete;
  void write(std::string_view data);
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leadrules
