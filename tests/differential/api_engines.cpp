#include "tests/differential/api_engines.hpp"

#include <map>
#include <numeric>
#include <stdexcept>

#include "leadrules/leadrules.h"
#include "leadrules/leadrules.hpp"

namespace leadrules::difftest {

namespace {

std::string cache_dir;

Policy compile(std::string const& name, std::string const& text, Engine engine) {
  auto compiled = Policy::compile(text, name + ".lr", {.engine = engine, .cache_dir = cache_dir});
  if (!compiled) throw std::runtime_error("the API rejects the policy:\n" + compiled.rendered());
  if (compiled.policy->engine() != engine)  // a fallback to the interpreter would prove nothing
    throw std::runtime_error("the policy runs on " + std::string(engine_name(compiled.policy->engine())) +
                             ", not " + std::string(engine_name(engine)) + ":\n" + compiled.rendered());
  return *compiled.policy;
}

Batch read(Policy const& policy, std::string const& name, std::string const& jsonl) {
  auto data = policy.read_jsonl(jsonl, name + ".jsonl");
  if (!data) throw std::runtime_error("the API rejects the data: " + data.errors.front().message());
  return std::move(*data.batch);
}

std::string with_newline(std::string s) {
  if (s.empty() || s.back() != '\n') s += '\n';
  return s;
}

// Rows of each account, in row order; a prospect without an account is alone.
std::vector<std::vector<size_t>> colleagues_of(Policy const& policy, Batch const& batch) {
  std::vector<std::vector<size_t>> out(batch.size());
  auto account = policy.account_field();
  if (!account) {
    for (size_t r = 0; r < batch.size(); ++r) out[r] = {r};
    return out;
  }
  auto col = batch.field(*account);
  std::map<std::string_view, std::vector<size_t>> by_account;
  for (size_t r = 0; r < batch.size(); ++r)
    if (col.present[r]) by_account[col.string_at(r)].push_back(r);
  for (size_t r = 0; r < batch.size(); ++r)
    out[r] = col.present[r] ? by_account[col.string_at(r)] : std::vector<size_t>{r};
  return out;
}

void add_record(ProspectBuilder& b, Policy const& policy, Batch const& batch, size_t row) {
  auto const& fields = policy.fields();
  for (size_t f = 0; f < fields.size(); ++f) b.set(fields[f].name, batch.field(f).value_at(row));
  auto offsets = batch.activity_offsets();
  auto kinds = batch.activity_kinds();
  auto times = batch.activity_times();
  auto const& act_fields = policy.activity_fields();
  for (uint32_t a = offsets[row]; a < offsets[row + 1]; ++a) {
    b.activity(policy.activity_kinds()[kinds[a]], times[a]);
    for (size_t f = 0; f < act_fields.size(); ++f)
      b.with(act_fields[f].name, batch.activity_field(f).value_at(a));
  }
}

}  // namespace

void set_api_cache_dir(std::string dir) { cache_dir = std::move(dir); }

std::vector<std::string> api_batch(std::string const& name, std::string const& text, std::string const& jsonl,
                                   int64_t now, Engine engine, unsigned threads) {
  Policy policy = compile(name, text, engine);
  Batch batch = read(policy, name, jsonl);
  auto results = policy.evaluate(batch, {.now = now, .explain = true, .threads = threads});
  std::vector<std::string> out;
  for (size_t r = 0; r < results.size(); ++r) out.push_back(results.json(r, true));
  return out;
}

std::vector<std::string> api_builder(std::string const& name, std::string const& text,
                                     std::string const& jsonl, int64_t now, Engine engine) {
  Policy policy = compile(name, text, engine);
  Batch batch = read(policy, name, jsonl);
  auto groups = colleagues_of(policy, batch);
  ProspectBuilder builder(policy);
  Scratch scratch;
  std::vector<std::string> out;
  for (size_t r = 0; r < batch.size(); ++r) {
    builder.reset();
    add_record(builder, policy, batch, r);
    for (auto const& f : batch.firings(r)) builder.fired(policy.rules()[f.rule], f.count, f.last);
    for (size_t c : groups[r])
      if (c != r) add_record(builder.colleague(), policy, batch, c);
    out.push_back(policy.evaluate(builder, now, scratch, /*explain=*/true).json(true));
  }
  return out;
}

std::vector<std::string> api_rows(std::string const& name, std::string const& text, std::string const& jsonl,
                                  int64_t now, Engine engine) {
  Policy policy = compile(name, text, engine);
  Batch batch = read(policy, name, jsonl);
  Scratch scratch;
  std::vector<std::string> out(batch.size());
  // Rows in a scrambled order, so the kept preparation serves rows it was not made for.
  for (size_t k = 0; k < batch.size(); ++k) {
    size_t r = (k * 7 + 3) % batch.size();
    if (std::gcd(batch.size(), size_t(7)) != 1) r = k;
    out[r] = policy.evaluate(batch, r, now, scratch, /*explain=*/true).json(true);
  }
  return out;
}

std::vector<std::string> c_api(std::string const& name, std::string const& text, std::string const& jsonl,
                               int64_t now) {
  char* diagnostics = nullptr;
  lr_policy* p = lr_compile_with(text.data(), text.size(), (name + ".lr").c_str(), "jit",
                                 cache_dir.empty() ? nullptr : cache_dir.c_str(), &diagnostics);
  std::string diag = diagnostics ? diagnostics : "";
  lr_free(diagnostics);
  if (!p) throw std::runtime_error("lr_compile rejects the policy:\n" + diag);
  std::vector<std::string> records;  // the non-blank lines: row r is records[r]
  for (size_t b = 0; b < jsonl.size();) {
    size_t e = jsonl.find('\n', b);
    if (e == std::string::npos) e = jsonl.size();
    std::string line = jsonl.substr(b, e - b);
    if (line.find_first_not_of(" \t\r") != std::string::npos) records.push_back(line);
    b = e + 1;
  }
  // Who is whose colleague: read through the C++ API (the C API has no batch handle).
  Policy policy = compile(name, text, Engine::interp);
  Batch batch = read(policy, name, jsonl);
  auto groups = colleagues_of(policy, batch);
  std::vector<std::string> out;
  auto take = [&](char* result, char* error) {
    if (!result) {
      std::string why = error ? error : "(no error text)";
      lr_free(error);
      lr_policy_free(p);
      throw std::runtime_error("the C API failed: " + why);
    }
    std::string s = result;
    lr_free(result);
    return s;
  };
  for (size_t r = 0; r < records.size(); ++r) {
    char* error = nullptr;
    if (groups[r].size() == 1) {
      out.push_back(
          with_newline(take(lr_evaluate_json(p, records[r].data(), records[r].size(), now, &error), error)));
      continue;
    }
    std::string lines;
    size_t mine = 0;
    for (size_t k = 0; k < groups[r].size(); ++k) {
      if (groups[r][k] == r) mine = k;
      lines += records[groups[r][k]] + "\n";
    }
    std::string all = take(lr_evaluate_jsonl(p, lines.data(), lines.size(), now, &error), error);
    size_t b = 0;
    for (size_t k = 0; k < mine; ++k) b = all.find('\n', b) + 1;
    out.push_back(with_newline(all.substr(b, all.find('\n', b) - b)));
  }
  lr_policy_free(p);
  return out;
}

}  // namespace leadrules::difftest
