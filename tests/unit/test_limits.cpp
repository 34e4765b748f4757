// Resource limits (issue 12, leadrules/limits.hpp): parsing `--limit NAME=VALUE`, the policy
// limits of the checker, and the JIT frame layout of wide policies (many declarations at several
// past() instants), which used to be refused as "past() offsets explode".
#include <catch2/catch.hpp>

#include <string>

#include "compiler/checker/checker.hpp"
#include "compiler/plan/frame_layout.hpp"
#include "leadrules/limits.hpp"

using namespace leadrules;

namespace {
constexpr char const* kSchema = "schema prospect {\n  id: string\n  n: number?\n}\n";
}

TEST_CASE("limits: NAME=VALUE with K/M/G, unknown names and bad values") {
  Limits l;
  CHECK_FALSE(l.set("depth", "2000"));
  CHECK(l.depth == 2000);
  CHECK_FALSE(l.set("line-bytes", "128M"));
  CHECK(l.line_bytes == 128u << 20);
  auto unknown = l.set("deep", "3");
  REQUIRE(unknown);
  CHECK(unknown->find("the limits are: policy-bytes") != std::string::npos);
  CHECK(l.set("depth", "0"));
  CHECK(l.set("depth", "-1"));
  CHECK(l.set("depth", "1x"));
  CHECK(l.set("depth", "99999999999999999999"));
  CHECK(Limits::how_to_raise("depth", 1000) ==
        "raise the limit depth (1000) with `--limit depth=2000` (Limits::depth in the API)");
}

TEST_CASE("limits: policy size and number of declarations") {
  Limits small;
  small.policy_bytes = 64;
  Diagnostics d;
  std::string text = std::string(kSchema) + "segment a when n > 1\nsegment b when n > 2\n";
  CHECK_FALSE(compile_policy_text("big.lr", text, d, {}, small));
  REQUIRE(d.items.size() == 1);
  CHECK(d.items[0].message.find("the policy is too large") != std::string::npos);
  CHECK(d.items[0].hint.find("--limit policy-bytes=128") != std::string::npos);

  Limits few;
  few.declarations = 2;
  Diagnostics d2;
  CHECK_FALSE(compile_policy_text("many.lr", text + "segment c when n > 3\n", d2, {}, few));
  REQUIRE(d2.items.size() == 1);
  CHECK(d2.items[0].message == "too many declarations: the policy has 4, the limit is 2");
  CHECK(d2.items[0].line == 6);  // the first declaration over the limit (schema, a, b)
}

TEST_CASE("limits: a wide policy at several past() instants gets a frame layout") {
  // 30,000 segments, each evaluated at 4 instants: 120,000 (declaration, instant) pairs, over the
  // old cap of 100,000 that made the JIT refuse what the interpreter runs.
  std::string text = kSchema;
  text += "segment s0 when n > 0\n";
  for (int i = 1; i < 30000; ++i)
    text += "segment s" + std::to_string(i) + " when s0 and n > " + std::to_string(i % 7) + "\n";
  text += "segment moved when past(s29999, 1d) or past(s29999, 2d) or past(s29999, 3d)\n";
  Diagnostics d;
  auto plan = compile_policy_text("wide.lr", text, d);
  REQUIRE(plan);
  auto layout = jit::FrameLayout::build(*plan);
  CHECK(layout.offsets.size() == 4);
}

TEST_CASE("limits: past() instants beyond what compiles natively are refused early") {
  // Nested past() doubles the instants at every level: 2^12 instants, refused once over 256
  // (before walking them all).
  std::string text = kSchema;
  text += "let t0 = n\n";
  for (int i = 1; i <= 12; ++i)
    text += "let t" + std::to_string(i) + " = past(t" + std::to_string(i - 1) + ", " +
            std::to_string(1 << i) + "h) + past(t" + std::to_string(i - 1) + ", 1h)\n";
  text += "segment recent when t12 > 0\n";
  Diagnostics d;
  auto plan = compile_policy_text("past.lr", text, d);
  REQUIRE(plan);
  CHECK_THROWS_WITH(jit::FrameLayout::build(*plan), Catch::Contains("more than 256 distinct instants"));
}
