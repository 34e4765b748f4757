// The one-prospect latency section of leadrules_bench: a prospect with 20 activities and two
// colleagues, each call timed alone, through (a) a ProspectBuilder filled once, (b) refilled per
// call, (c) lr_evaluate_json; p50, p90, p99 and max on the JIT and the interpreter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "leadrules/leadrules.h"
#include "leadrules/leadrules.hpp"

namespace leadrules::bench {

struct LatencyEngine {
  std::string name;  // jit, interp
  Policy const* policy = nullptr;
  Results const* batch_results = nullptr;  // the batch on this engine (the score check)
  lr_policy* c_policy = nullptr;
};

// Returns false when (a)'s result is not the batch's for the same prospect.
bool run_latency(size_t calls, std::string const& input, Batch const& batch, Policy const& policy,
                 std::vector<LatencyEngine> const& engines, int64_t now);

}  // namespace leadrules::bench
