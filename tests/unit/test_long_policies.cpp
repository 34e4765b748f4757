// Policies with hundreds of rules in one block, grade, and rule list: the JIT generates them as
// chains of part functions (compiler/codegen: in_parts) to keep compile time linear. The results,
// explanations included, must equal the interpreter's byte for byte, floating-point sums in the
// interpreter's order.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <random>

#include "leadrules/leadrules.hpp"

using namespace leadrules;

namespace {

// Enough of each kind to need several parts (64 items a part), with points that do not add up
// exactly in binary, so a change of summation order would show.
std::string long_policy(size_t n) {
  std::string text = R"(policy "long"
schema prospect {
  id: string
  n: number?
  title: string?
}
schema activity {
  kinds visit, form
  page: string?
}
)";
  for (size_t i = 0; i < n; ++i) {
    if (i % 3 == 0)
      text += fmt::format("points +0.{} per visit where page == \"/p{}\"\n", i % 9 + 1, i % 7);
    else if (i % 3 == 1)
      text += fmt::format("points -0.0{} if n > {}\n", i % 9 + 1, i % 50);
    else
      text += fmt::format("points +1.{} per form within {}d cap 3\n", i % 9 + 1, i % 30 + 1);
  }
  for (size_t i = 0; i < n; ++i)
    text += fmt::format("grade {}1/3 if n > {} else -1/3\n", i % 2 ? "+" : "-", i % 40);
  for (size_t i = 0; i < n; ++i) {
    char const* every = i % 3 == 0 ? "" : i % 3 == 1 ? " always" : " every 2d";
    text += fmt::format(
        "rule \"r{}\"{} when score > {} and n < {} do tag(\"t{}\"), notify(\"owner\", \"{{title|?}} {}\")\n",
        i, every, double(i % 20) / 2, 10 + i % 40, i, i);
  }
  return text;
}

std::string long_data(size_t prospects) {
  std::mt19937 rng(7);
  std::string out;
  for (size_t p = 0; p < prospects; ++p) {
    out += fmt::format(R"({{"id":"p{}")", p);
    if (rng() % 5) out += fmt::format(R"(,"n":{})", rng() % 60);
    if (rng() % 2) out += R"(,"title":"VP")";
    out += R"(,"activities":[)";
    size_t acts = rng() % 12;
    for (size_t a = 0; a < acts; ++a)
      out += fmt::format(R"({}{{"type":"{}","at":"2026-11-{:02}T10:00:00Z","page":"/p{}"}})", a ? "," : "",
                         rng() % 3 ? "visit" : "form", 1 + rng() % 21, rng() % 7);
    out += "]}\n";
  }
  return out;
}

}  // namespace

TEST_CASE("jit: long blocks, grades and rule lists in parts equal the interpreter", "[jit][long]") {
  std::string const text = long_policy(200);
  std::string const data = long_data(80);
  int64_t const now = *parse_time("2026-11-22T00:00:00Z");
  // The interpreter, then the JIT at O0 (what a policy this size gets) and at O2 (inlined parts).
  std::string outputs[3];
  CompileOptions const options[3] = {{.engine = Engine::interp},
                                     {.engine = Engine::jit, .opt_level = 0},
                                     {.engine = Engine::jit, .opt_level = 2}};
  for (int e = 0; e < 3; ++e) {
    auto compiled = Policy::compile(text, "long.lr", options[e]);
    INFO(compiled.rendered());
    REQUIRE(compiled);
    auto loaded = compiled.policy->read_jsonl(data, "long.jsonl");
    REQUIRE(loaded);
    outputs[e] = compiled.policy->evaluate(*loaded.batch, {.now = now, .explain = true}).to_jsonl(true);
  }
  REQUIRE(outputs[0].size() > 1000);
  CHECK(outputs[0] == outputs[1]);
  CHECK(outputs[0] == outputs[2]);
}
