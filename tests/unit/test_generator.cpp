// The differential-test generator (tests/differential/): deterministic, and its policies and
// data are valid by construction.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "compiler/checker/checker.hpp"
#include "leadrules/diagnostic.hpp"
#include "runtime/data/readers.hpp"
#include "tests/differential/generator.hpp"

using namespace leadrules;

TEST_CASE("the generator is deterministic", "[generator]") {
  for (uint64_t seed : {1ull, 2ull, 77ull, 123456789ull}) {
    auto const a = difftest::generate_case(seed);
    auto const b = difftest::generate_case(seed);
    CHECK(a.policy_text == b.policy_text);
    CHECK(a.prospects_jsonl == b.prospects_jsonl);
    CHECK(a.now == b.now);
  }
  // Different seeds give different cases.
  CHECK(difftest::generate_case(1).policy_text != difftest::generate_case(2).policy_text);
}

TEST_CASE("generated policies check clean and their data reads", "[generator]") {
  namespace fs = std::filesystem;
  fs::path const dir = fs::temp_directory_path() / "leadrules-test-generator";
  fs::create_directories(dir);
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    INFO("seed " << seed);
    auto const gc = difftest::generate_case(seed);
    Diagnostics diags;
    auto plan = compile_policy_text("generated.lr", gc.policy_text, diags);
    INFO(render(diags) << "\n" << gc.policy_text);
    REQUIRE(plan);
    fs::path const data = dir / ("case-" + std::to_string(seed) + ".jsonl");
    {
      std::ofstream out(data, std::ios::binary);
      out << gc.prospects_jsonl;
    }
    runtime::ReadOptions ro;
    ro.prospects = data.string();
    runtime::ReadResult rr;
    REQUIRE_NOTHROW(rr = runtime::read_input(*plan, ro));
    CHECK(rr.batch.rows >= 1);
    CHECK(rr.prospects_rejected == 0);
    fs::remove(data);
  }
  fs::remove_all(dir);
}
