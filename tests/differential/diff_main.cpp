// leadrules_difftest: differential testing of the evaluation engines on generated cases.
//
//   leadrules_difftest [--cases N] [--seed S] [--keep DIR] [--verbose] [--coverage]
//                      [--max-prospects N] [--exact-colleague-sums] [--print]
//
// Case k (0 <= k < N) is generate_case(S + k): a policy and JSON Lines data. Each case is
// compiled (a policy the checker rejects is a generator bug: the diagnostics and the policy are
// printed), its data is read through the real reader, every engine evaluates it (with
// explanations), and every engine's JSON result line of every prospect must equal the first
// engine's byte for byte. To rerun one failing case: `--seed <its seed> --cases 1`.
// With --keep DIR, each failing case is written to DIR/case-<seed>/ (policy.lr,
// prospects.jsonl, now.txt, one <engine>.jsonl per engine, and a README with the commands).
//
// The engines are listed in ONE place, engines() below: the JIT is added there.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "api/engines.hpp"
#include "compiler/checker/checker.hpp"
#include "leadrules/diagnostic.hpp"
#include "runtime/data/readers.hpp"
#include "runtime/data/writers.hpp"
#include "runtime/interp/interpreter.hpp"
#include "tests/differential/api_engines.hpp"
#include "tests/differential/generator.hpp"
#include "tests/differential/minimize.hpp"

namespace fs = std::filesystem;
using namespace leadrules;

namespace {

// ---------------------------------------------------------------------------------------------
// The engines under test. Each maps (plan, batch, now) to one result per batch row, with the
// explanation filled (the comparison includes "why"). The first engine is the reference.

using EngineFn = std::function<std::vector<runtime::ProspectResult>(
    std::shared_ptr<plan::Plan const> const& plan, runtime::Batch const& batch, int64_t now)>;

// Engines behind the public API produce JSON lines themselves (from the policy's text and the
// data's); `why` says whether their lines carry the explanation (the C API's do not).
struct CaseInput {
  std::string const& name;
  std::string const& policy_text;
  std::string const& jsonl;
  int64_t now;
};
using JsonFn = std::function<std::vector<std::string>(CaseInput const&)>;

struct EngineUnderTest {
  std::string name;
  EngineFn run;
  JsonFn json = nullptr;
  bool why = true;
};

// A copy of some rows of a batch (their fields, activities and histories), with fresh
// dictionaries: the codes of every string differ from the original's.
void copy_value(runtime::Column& to, runtime::Column const& from, size_t i) {
  using plan::Type;
  if (from.type == Type::StringList) {
    std::vector<std::string_view> items;
    for (uint32_t k = from.list_offsets[i]; k < from.list_offsets[i + 1]; ++k)
      items.push_back(from.dict->at(from.list_codes[k]));
    to.push_list(items);
    return;
  }
  if (!from.is_present(i)) {
    to.push_missing();
    return;
  }
  switch (from.type) {
    case Type::Number: to.push_number(from.numbers[i]); break;
    case Type::Time:
    case Type::Duration: to.push_micros(from.micros[i]); break;
    case Type::Grade: to.push_grade(from.grades[i]); break;
    case Type::Bool: to.push_bool(from.bools[i] != 0); break;
    case Type::String: to.push_string(from.string_at(i)); break;
    case Type::StringList: break;
  }
}

runtime::Batch subset(plan::Schema const& schema, runtime::Batch const& b, std::vector<size_t> const& rows) {
  runtime::Batch out = runtime::Batch::for_schema(schema);
  for (size_t r : rows) {
    for (size_t f = 0; f < b.fields.size(); ++f) copy_value(out.fields[f], b.fields[f], r);
    if (r < b.source_lines.size()) out.source_lines.push_back(b.source_lines[r]);
    for (uint32_t a = b.act_offsets[r]; a < b.act_offsets[r + 1]; ++a) {
      out.act_kind.push_back(b.act_kind[a]);
      out.act_at.push_back(b.act_at[a]);
      for (size_t f = 0; f < b.act_fields.size(); ++f) copy_value(out.act_fields[f], b.act_fields[f], a);
    }
    out.act_offsets.push_back(uint32_t(out.act_kind.size()));
    for (uint32_t h = b.history_offsets[r]; h < b.history_offsets[r + 1]; ++h)
      out.history.push_back(b.history[h]);
    out.history_offsets.push_back(uint32_t(out.history.size()));
    ++out.rows;
  }
  return out;
}

// `base` run on each account's prospects as a batch of their own (prospects without an account
// alone), groups in reverse order. Colleagues are the same rows in the same order, so every
// result must be identical; what changes is everything batch-wide: dictionary codes, caches
// keyed by them, row numbers, and whatever state an engine keeps between rows.
EngineUnderTest by_account(EngineUnderTest base) {
  return {base.name + ".by-account", [base](auto const& plan, runtime::Batch const& batch, int64_t now) {
            auto const& schema = plan->schema;
            std::vector<std::vector<size_t>> groups;
            std::map<std::string, size_t, std::less<>> group_of;
            for (size_t r = 0; r < batch.rows; ++r) {
              if (schema.account_field >= 0 && batch.fields[size_t(schema.account_field)].is_present(r)) {
                std::string key(batch.fields[size_t(schema.account_field)].string_at(r));
                auto [it, fresh] = group_of.emplace(key, groups.size());
                if (fresh) groups.emplace_back();
                groups[it->second].push_back(r);
              } else {
                groups.push_back({r});
              }
            }
            std::vector<runtime::ProspectResult> results(batch.rows);
            for (size_t g = groups.size(); g-- > 0;) {
              runtime::Batch const part = subset(schema, batch, groups[g]);
              auto sub = base.run(plan, part, now);
              if (sub.size() != groups[g].size()) throw std::runtime_error("wrong number of results");
              for (size_t k = 0; k < sub.size(); ++k) results[groups[g][k]] = std::move(sub[k]);
            }
            return results;
          }};
}

// An engine's columnar results as one ProspectResult per row.
std::vector<runtime::ProspectResult> per_row(runtime::Results const& results) {
  std::vector<runtime::ProspectResult> out;
  out.reserve(results.rows);
  for (size_t r = 0; r < results.rows; ++r) out.push_back(results.row(r));
  return out;
}

std::vector<EngineUnderTest> engines() {
  std::vector<EngineUnderTest> list;

  // The reference: the interpreter over the whole batch (accounts evaluated together).
  list.push_back({"interp.batch", [](auto const& plan, runtime::Batch const& batch, int64_t now) {
                    runtime::Interpreter interp(plan);
                    runtime::EvalOptions options;
                    options.now = now;
                    options.explain = true;
                    return per_row(interp.evaluate(batch, options));
                  }});

  // The interpreter one row at a time (a fresh evaluation, no memo shared between rows).
  list.push_back({"interp.row", [](auto const& plan, runtime::Batch const& batch, int64_t now) {
                    runtime::Interpreter interp(plan);
                    runtime::EvalOptions options;
                    options.now = now;
                    options.explain = true;
                    std::vector<runtime::ProspectResult> results;
                    results.reserve(batch.rows);
                    for (size_t row = 0; row < batch.rows; ++row)
                      results.push_back(interp.evaluate_row(batch, row, options));
                    return results;
                  }});

  // The interpreter on each account as a batch of its own (fresh dictionaries and codes).
  list.push_back(by_account(list[0]));

  // The LLVM JIT, one thread at the optimisation level production picks, and two threads
  // (groups split across threads; results in input order) unoptimised, so both code paths are
  // checked. Compiled without the object cache so every case exercises code generation.
  for (unsigned threads : {1u, 2u}) {
    list.push_back({threads == 1 ? "jit" : "jit.threads",
                    [threads](auto const& plan, runtime::Batch const& batch, int64_t now) {
                      CompileOptions jo;  // no cache_dir: no object cache
                      jo.opt_level = threads == 1 ? -1 : 0;
                      CompileStats stats;
                      auto engine = api::make_jit(plan, jo, stats);
                      runtime::EvalOptions options;
                      options.now = now;
                      options.explain = true;
                      options.threads = threads;
                      return per_row(engine->evaluate(batch, options));
                    }});
  }

  // The public APIs, each from the policy's and the data's text (tests/differential/api_engines).
  list.push_back({"api.batch", nullptr, [](CaseInput const& c) {
                    return difftest::api_batch(c.name, c.policy_text, c.jsonl, c.now, leadrules::Engine::jit,
                                               2);
                  }});
  list.push_back({"api.builder", nullptr, [](CaseInput const& c) {
                    return difftest::api_builder(c.name, c.policy_text, c.jsonl, c.now,
                                                 leadrules::Engine::jit);
                  }});
  list.push_back({"api.rows", nullptr, [](CaseInput const& c) {
                    return difftest::api_rows(c.name, c.policy_text, c.jsonl, c.now, leadrules::Engine::jit);
                  }});
  list.push_back({"api.builder.interp", nullptr, [](CaseInput const& c) {
                    return difftest::api_builder(c.name, c.policy_text, c.jsonl, c.now,
                                                 leadrules::Engine::interp);
                  }});
  // Compiled ahead of time: a shared object written by the rule-set code generator, loaded back
  // the way libleadrules-runtime loads one (its policy checked again, its calls bound).
  list.push_back({"aot", nullptr, [](CaseInput const& c) {
                    return difftest::api_batch(c.name, c.policy_text, c.jsonl, c.now, leadrules::Engine::aot,
                                               1);
                  }});
  list.push_back({"c_api", nullptr,
                  [](CaseInput const& c) { return difftest::c_api(c.name, c.policy_text, c.jsonl, c.now); },
                  /*why=*/false});
  return list;
}

// ---------------------------------------------------------------------------------------------

struct Options {
  uint64_t cases = 300;
  uint64_t seed = 1;
  std::string keep;
  std::vector<std::string> engines;  // empty: all
  bool verbose = false;
  bool coverage = false;
  bool print = false;
  bool minimize = false;
  bool timing = false;
  difftest::GenOptions gen;
};

[[noreturn]] void usage(char const* msg) {
  if (msg) std::fprintf(stderr, "leadrules_difftest: %s\n", msg);
  std::fprintf(stderr,
               "usage: leadrules_difftest [--cases N] [--seed S] [--keep DIR] [--engines A,B] [--minimize]\n"
               "                          [--verbose] [--coverage] [--timing] [--max-prospects N]\n"
               "                          [--exact-colleague-sums] [--print]\n"
               "  --cases N        number of generated cases (default 300)\n"
               "  --seed S         the first case's seed; case k uses seed S+k (default 1)\n"
               "  --keep DIR       write each failing case (policy, data, outputs) to DIR/case-<seed>/\n"
               "  --engines A,B    only these engines (the reference, the first, is always run)\n"
               "  --minimize       shrink each failing case (slow) and print the smallest one found\n"
               "  --verbose        one line per case\n"
               "  --coverage       count the generated constructs and result features\n"
               "  --timing         time spent in each engine\n"
               "  --max-prospects  at most N prospects a case (default 60)\n"
               "  --exact-colleague-sums  keep sum(colleague, ...) over values summing exactly\n"
               "  --print          print each case's policy and data\n");
  std::exit(2);
}

uint64_t parse_u64(char const* s, char const* what) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (errno || !end || *end || !*s || s[0] == '-') usage((std::string("bad number for ") + what).c_str());
  return v;
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string const a = argv[i];
    auto value = [&](char const* what) -> char const* {
      if (i + 1 >= argc) usage((std::string(what) + " needs a value").c_str());
      return argv[++i];
    };
    if (a == "--cases")
      o.cases = parse_u64(value("--cases"), "--cases");
    else if (a == "--seed")
      o.seed = parse_u64(value("--seed"), "--seed");
    else if (a == "--keep")
      o.keep = value("--keep");
    else if (a == "--engines") {
      std::string const list = value("--engines");
      size_t b = 0;
      while (b <= list.size()) {
        size_t e = list.find(',', b);
        if (e == std::string::npos) e = list.size();
        if (e > b) o.engines.push_back(list.substr(b, e - b));
        b = e + 1;
      }
    } else if (a == "--minimize")
      o.minimize = true;
    else if (a == "--verbose" || a == "-v")
      o.verbose = true;
    else if (a == "--coverage")
      o.coverage = true;
    else if (a == "--timing")
      o.timing = true;
    else if (a == "--print")
      o.print = true;
    else if (a == "--max-prospects") {
      o.gen.max_prospects = int(parse_u64(value("--max-prospects"), "--max-prospects"));
      if (o.gen.max_prospects < 1) usage("--max-prospects must be at least 1");
      o.gen.min_prospects = std::min(o.gen.min_prospects, o.gen.max_prospects);
    } else if (a == "--exact-colleague-sums")
      o.gen.inexact_colleague_sums = false;
    else if (a == "--help" || a == "-h")
      usage(nullptr);
    else
      usage(("unknown option " + a).c_str());
  }
  return o;
}

std::string numbered(std::string const& text) {
  std::string out;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%4d| ", ++n);
    out += buf + line + "\n";
  }
  return out;
}

void write_file(fs::path const& p, std::string const& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// Where two strings first differ, for the message.
size_t first_difference(std::string const& a, std::string const& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

struct Coverage {
  std::map<std::string, uint64_t> constructs;  // policies containing the construct
  uint64_t prospects = 0, with_actions = 0, with_conflicts = 0, with_sets = 0, with_segments = 0,
           fractional_scores = 0, activities = 0;

  void policy(std::string const& text) {
    static char const* const needles[] = {"timezone",
                                          "past(past(",
                                          "past(",
                                          "sum(colleague",
                                          "min(colleague",
                                          "max(colleague",
                                          "count(colleague",
                                          "any colleague",
                                          "once per",
                                          "per activity",
                                          "% per",
                                          "% after",
                                          "grade start",
                                          " else ",
                                          "zone ",
                                          "segment ",
                                          " always",
                                          " every ",
                                          " max ",
                                          "set ",
                                          " ~* ",
                                          " ~ ",
                                          " in {",
                                          " within ",
                                          "last(",
                                          "first(",
                                          "count(",
                                          "any ",
                                          "no ",
                                          " ?? ",
                                          "present(",
                                          "lower(",
                                          "upper(",
                                          "len(",
                                          "contains(",
                                          "starts_with(",
                                          "ends_with(",
                                          "domain(",
                                          "min(",
                                          "max(",
                                          "abs(",
                                          "round(",
                                          "clamp(",
                                          "since(",
                                          "days_since(",
                                          "hour(",
                                          "weekday(",
                                          "score cap",
                                          "score floor",
                                          " cap ",
                                          " floor ",
                                          "add_to_list(",
                                          "remove_from_list(",
                                          "untag(",
                                          " tag(",
                                          "notify(",
                                          "task(",
                                          "flag(",
                                          "enroll(",
                                          "|",
                                          "{{",
                                          "from \"",
                                          "missing \"",
                                          ": grade",
                                          ": duration",
                                          ": [string]",
                                          "= @",
                                          " when "};
    for (char const* n : needles)
      if (text.find(n) != std::string::npos) ++constructs[n];
  }
  void result(runtime::ProspectResult const& r) {
    ++prospects;
    with_actions += !r.actions.empty();
    with_sets += !r.sets.empty();
    bool conflict = false;
    for (auto const& s : r.sets) conflict |= s.rules.size() > 1;
    with_conflicts += conflict;
    bool seg = false;
    for (auto s : r.segments) seg |= s != 0;
    with_segments += seg;
    fractional_scores += r.total != double(int64_t(r.total));
  }
  void print(uint64_t cases) const {
    std::printf("coverage over %llu policies (how many contain each construct):\n",
                (unsigned long long)cases);
    for (auto const& [k, v] : constructs)
      std::printf("  %-22s %llu\n", ("'" + k + "'").c_str(), (unsigned long long)v);
    std::printf(
        "results: %llu prospects (%llu activities), %llu with actions, %llu with set, %llu with conflicts, "
        "%llu in some segment, %llu with a fractional score\n",
        (unsigned long long)prospects, (unsigned long long)activities, (unsigned long long)with_actions,
        (unsigned long long)with_sets, (unsigned long long)with_conflicts, (unsigned long long)with_segments,
        (unsigned long long)fractional_scores);
  }
};

struct CaseOutcome {
  bool ok = true;
  bool setup_failed = false;                                 // policy rejected / data unreadable
  std::vector<size_t> bad_engines;                           // engines that threw or disagree
  std::string report;                                        // what went wrong
  std::vector<std::pair<std::string, std::string>> outputs;  // engine -> JSON Lines
};

struct Timing {
  std::vector<double> seconds;
};

CaseOutcome run_case(std::string const& name, std::string const& policy_text, std::string const& jsonl,
                     int64_t now, fs::path const& tmp, std::vector<EngineUnderTest> const& list,
                     Coverage* cov, Timing* timing) {
  CaseOutcome out;
  Diagnostics diags;
  auto plan = compile_policy_text(name + ".lr", policy_text, diags);
  if (!plan) {
    out.ok = false;
    out.setup_failed = true;
    out.report = "GENERATOR BUG: the checker rejects the generated policy\n" + render(diags) + "\npolicy:\n" +
                 numbered(policy_text);
    return out;
  }
  if (cov) cov->policy(policy_text);

  fs::path const data = tmp / (name + ".jsonl");
  write_file(data, jsonl);
  runtime::ReadResult input;
  try {
    runtime::ReadOptions ro;
    ro.prospects = data.string();
    input = runtime::read_input(*plan, ro);
  } catch (runtime::DataError const& e) {
    out.ok = false;
    out.setup_failed = true;
    out.report = "GENERATOR (or reader) BUG: the generated data is rejected: " + e.file + ":" +
                 std::to_string(e.line) + ": " + e.field + ": " + e.reason + "\n";
    fs::remove(data);
    return out;
  } catch (std::exception const& e) {
    out.ok = false;
    out.setup_failed = true;
    out.report = std::string("reading the data threw: ") + e.what() + "\n";
    fs::remove(data);
    return out;
  }
  fs::remove(data);
  runtime::Batch const& batch = input.batch;
  if (cov) cov->activities += batch.activity_count();

  std::vector<std::vector<std::string>> lines(list.size());
  std::vector<std::string> reference_without_why;  // for the engines whose lines carry no "why"
  for (size_t e = 0; e < list.size(); ++e) {
    std::vector<runtime::ProspectResult> results;
    auto const t0 = std::chrono::steady_clock::now();
    if (list[e].json) {
      try {
        lines[e] = list[e].json({name, policy_text, jsonl, now});
      } catch (std::exception const& ex) {
        out.ok = false;
        out.bad_engines.push_back(e);
        out.report += "engine " + list[e].name + " threw: " + ex.what() + "\n";
        lines[e].clear();
        continue;
      }
      if (timing) {
        timing->seconds.resize(list.size());
        timing->seconds[e] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      }
      std::string all;
      for (auto const& l : lines[e]) all += l;
      out.outputs.emplace_back(list[e].name, std::move(all));
      continue;
    }
    try {
      results = list[e].run(plan, batch, now);
    } catch (std::exception const& ex) {
      out.ok = false;
      out.bad_engines.push_back(e);
      out.report += "engine " + list[e].name + " threw: " + ex.what() + "\n";
      continue;
    }
    if (timing) {
      timing->seconds.resize(list.size());
      timing->seconds[e] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    if (results.size() != batch.rows) {
      out.ok = false;
      out.bad_engines.push_back(e);
      out.report += "engine " + list[e].name + " returned " + std::to_string(results.size()) +
                    " results for " + std::to_string(batch.rows) + " rows\n";
      continue;
    }
    std::string all;
    for (size_t row = 0; row < batch.rows; ++row) {
      std::string line;
      runtime::append_json_result(line, *plan, batch, row, results[row], /*why=*/true);
      all += line;
      lines[e].push_back(std::move(line));
      if (cov && e == 0) cov->result(results[row]);
      if (e == 0) {
        std::string plain;
        runtime::append_json_result(plain, *plan, batch, row, results[row], /*why=*/false);
        reference_without_why.push_back(std::move(plain));
      }
    }
    out.outputs.emplace_back(list[e].name, std::move(all));
  }

  // Every engine against the first.
  size_t shown = 0;
  for (size_t e = 1; e < list.size(); ++e) {
    if (lines[0].size() != batch.rows) continue;
    bool bad = false;
    if (lines[e].size() != batch.rows) {
      if (!list[e].json || std::count(out.bad_engines.begin(), out.bad_engines.end(), e)) continue;
      out.ok = false;
      out.bad_engines.push_back(e);
      out.report += "engine " + list[e].name + " returned " + std::to_string(lines[e].size()) +
                    " lines for " + std::to_string(batch.rows) + " rows\n";
      continue;
    }
    for (size_t row = 0; row < batch.rows; ++row) {
      std::string const& a = list[e].why ? lines[0][row] : reference_without_why[row];
      std::string const& b = lines[e][row];
      if (a == b) continue;
      out.ok = false;
      bad = true;
      if (shown++ >= 3) continue;
      size_t const at = first_difference(a, b);
      out.report += "row " + std::to_string(row) + " (id " + std::string(batch.id(row, plan->schema)) +
                    "): " + list[0].name + " and " + list[e].name + " differ at byte " + std::to_string(at) +
                    "\n  " + list[0].name + ": " + a + "  " + list[e].name + ": " + b;
    }
    if (bad) out.bad_engines.push_back(e);
  }
  if (shown > 3) out.report += "... and " + std::to_string(shown - 3) + " more differing rows\n";
  if (!out.ok && out.report.find("policy:\n") == std::string::npos)
    out.report += "policy:\n" + numbered(policy_text);
  return out;
}

void keep_case(fs::path const& dir, uint64_t seed, difftest::GeneratedCase const& gc, CaseOutcome const& oc) {
  fs::path const d = dir / ("case-" + std::to_string(seed));
  std::error_code ec;
  fs::create_directories(d, ec);
  if (ec) {
    std::fprintf(stderr, "cannot create %s: %s\n", d.string().c_str(), ec.message().c_str());
    return;
  }
  std::string const now = difftest::format_rfc3339(gc.now);
  write_file(d / "policy.lr", gc.policy_text);
  write_file(d / "prospects.jsonl", gc.prospects_jsonl);
  write_file(d / "now.txt", now + "\n");
  for (auto const& [name, text] : oc.outputs) write_file(d / (name + ".jsonl"), text);
  write_file(d / "report.txt", oc.report);
  write_file(d / "README", "Generated case, seed " + std::to_string(seed) +
                               ".\n"
                               "Rerun:   leadrules_difftest --seed " +
                               std::to_string(seed) +
                               " --cases 1\n"
                               "By hand: leadrules run policy.lr --input prospects.jsonl --now " +
                               now + " --explain --engine interp\n");
}

// Shrinks a failing case while the reference and `engine` still disagree (or `engine` throws).
void minimize_case(uint64_t seed, difftest::GeneratedCase const& gc, fs::path const& tmp,
                   std::vector<EngineUnderTest> const& list, size_t engine, Options const& opt) {
  std::vector<EngineUnderTest> const pair = {list[0], list[engine]};
  auto fails = [&](difftest::CaseText const& c) {
    CaseOutcome const oc =
        run_case("minimize-" + std::to_string(seed), c.policy, c.data, c.now, tmp, pair, nullptr, nullptr);
    return !oc.ok && !oc.setup_failed;
  };
  std::printf("minimizing seed %llu (%s against %s)...\n", (unsigned long long)seed,
              list[engine].name.c_str(), list[0].name.c_str());
  std::fflush(stdout);
  difftest::CaseText const small =
      difftest::minimize({gc.policy_text, gc.prospects_jsonl, gc.now}, fails, [](std::string const& s) {
        std::printf("  %s\n", s.c_str());
        std::fflush(stdout);
      });
  CaseOutcome const oc = run_case("minimized-" + std::to_string(seed), small.policy, small.data, small.now,
                                  tmp, pair, nullptr, nullptr);
  std::printf("---- minimized seed %llu, now %s\n%s---- data\n%s---- outputs\n", (unsigned long long)seed,
              difftest::format_rfc3339(small.now).c_str(), small.policy.c_str(), small.data.c_str());
  for (auto const& [name, text] : oc.outputs) std::printf("%s: %s", name.c_str(), text.c_str());
  std::printf("----\n");
  if (!opt.keep.empty()) {
    fs::path const d = fs::path(opt.keep) / ("case-" + std::to_string(seed));
    fs::create_directories(d);
    write_file(d / "minimized.lr", small.policy);
    write_file(d / "minimized.jsonl", small.data);
    std::string outs;
    for (auto const& [name, text] : oc.outputs) outs += name + ": " + text;
    write_file(d / "minimized.outputs", outs);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options const opt = parse_args(argc, argv);
  std::vector<EngineUnderTest> list = engines();
  if (!opt.engines.empty()) {
    std::vector<EngineUnderTest> chosen = {list[0]};
    for (auto const& name : opt.engines) {
      auto it =
          std::find_if(list.begin(), list.end(), [&](EngineUnderTest const& e) { return e.name == name; });
      if (it == list.end()) usage(("no engine named " + name).c_str());
      if (it != list.begin()) chosen.push_back(*it);
    }
    list = chosen;
  }

  char tmpl[] = "/tmp/leadrules-difftest.XXXXXX";
  char const* tmp_dir = ::mkdtemp(tmpl);
  if (!tmp_dir) {
    std::perror("mkdtemp");
    return 2;
  }
  fs::path const tmp = tmp_dir;
  difftest::set_api_cache_dir((tmp / "object-cache").string());
  if (!opt.keep.empty()) fs::create_directories(opt.keep);

  std::printf("leadrules_difftest: %llu cases from seed %llu; engines:", (unsigned long long)opt.cases,
              (unsigned long long)opt.seed);
  for (auto const& e : list) std::printf(" %s", e.name.c_str());
  std::printf("\n");
  std::fflush(stdout);

  Coverage cov;
  Timing timing;
  uint64_t passed = 0, failed = 0;
  std::vector<uint64_t> failing;
  for (uint64_t k = 0; k < opt.cases; ++k) {
    uint64_t const seed = opt.seed + k;
    difftest::GeneratedCase const gc = difftest::generate_case(seed, opt.gen);
    if (opt.print) {
      std::printf("==== case seed %llu, now %s\n%s---- data\n%s", (unsigned long long)seed,
                  difftest::format_rfc3339(gc.now).c_str(), gc.policy_text.c_str(),
                  gc.prospects_jsonl.c_str());
    }
    CaseOutcome const oc =
        run_case("case-" + std::to_string(seed), gc.policy_text, gc.prospects_jsonl, gc.now, tmp, list,
                 opt.coverage ? &cov : nullptr, opt.timing ? &timing : nullptr);
    if (oc.ok) {
      ++passed;
      if (opt.verbose) std::printf("seed %llu: ok\n", (unsigned long long)seed);
    } else {
      ++failed;
      failing.push_back(seed);
      std::printf("==== FAILED: seed %llu (now %s)\n%s\n", (unsigned long long)seed,
                  difftest::format_rfc3339(gc.now).c_str(), oc.report.c_str());
      if (!opt.keep.empty()) keep_case(opt.keep, seed, gc, oc);
      if (opt.minimize && !oc.setup_failed && !oc.bad_engines.empty())
        minimize_case(seed, gc, tmp, list, oc.bad_engines.front(), opt);
    }
    std::fflush(stdout);
  }
  std::error_code ec;
  fs::remove_all(tmp, ec);

  if (opt.coverage) cov.print(opt.cases);
  if (opt.timing) {
    std::printf("time in each engine (evaluation, including any compilation):\n");
    for (size_t e = 0; e < list.size() && e < timing.seconds.size(); ++e)
      std::printf("  %-28s %8.3f s\n", list[e].name.c_str(), timing.seconds[e]);
  }
  std::printf("%llu passed, %llu failed", (unsigned long long)passed, (unsigned long long)failed);
  if (!failing.empty()) {
    std::printf(" (seeds:");
    for (size_t i = 0; i < failing.size() && i < 20; ++i)
      std::printf(" %llu", (unsigned long long)failing[i]);
    if (failing.size() > 20) std::printf(" ...");
    std::printf(")");
  }
  std::printf("\n");
  return failed ? 1 : 0;
}
