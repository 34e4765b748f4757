// The public APIs as engines of the differential test: each compiles the case's policy text and
// reads its JSON Lines through include/leadrules/ alone, and returns one JSON line per prospect.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "leadrules/leadrules.hpp"

namespace leadrules::difftest {

// The JIT's object cache for these engines (the production `jit` engine compiles without one):
// the first API engine of a case compiles, the others load its object, so the cache is tested too.
void set_api_cache_dir(std::string dir);

// Policy::evaluate over the batch read by Policy::read_jsonl (with "why").
std::vector<std::string> api_batch(std::string const& name, std::string const& policy,
                                   std::string const& jsonl, int64_t now, Engine engine, unsigned threads);
// Each prospect rebuilt with ProspectBuilder from the batch's columnar view, with its colleagues
// in row order and its firing history, evaluated through one reused Scratch (with "why").
std::vector<std::string> api_builder(std::string const& name, std::string const& policy,
                                     std::string const& jsonl, int64_t now, Engine engine);
// Each row of the batch read once, through Policy::evaluate(batch, row, now, scratch) with one
// Scratch (what it prepared from the batch is kept from row to row; with "why").
std::vector<std::string> api_rows(std::string const& name, std::string const& policy,
                                  std::string const& jsonl, int64_t now, Engine engine);
// The C API: lr_evaluate_json per record for a prospect without colleagues, lr_evaluate_jsonl
// over its account's records otherwise (no "why": the C API writes what `run` writes).
std::vector<std::string> c_api(std::string const& name, std::string const& policy, std::string const& jsonl,
                               int64_t now);

}  // namespace leadrules::difftest
