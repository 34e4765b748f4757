// `leadrules test`: runs a policy's `test` blocks through an engine and reports each expect.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "compiler/plan/plan.hpp"
#include "runtime/data/table.hpp"
#include "runtime/interp/interpreter.hpp"

namespace leadrules::runtime {

struct TestOutcome {
  std::string name;
  uint32_t line = 0;
  bool passed = true;
  std::vector<std::string> failures;  // one paragraph per failing expect
};

// The test's prospect is row 0, its colleagues follow; history belongs to row 0.
Batch batch_for_test(plan::Plan const& plan, plan::Test const& test);

// Appends one record's values to the batch's columns (tests, the REPL, the embedding API).
void append_record(plan::Plan const& plan, Batch& batch, plan::TestProspect const& record);

std::vector<TestOutcome> run_tests(Interpreter const& engine);

}  // namespace leadrules::runtime
