// `leadrules explain` says why not (issue 13, items 12 and 13): segments, zones and rules that do
// not hold or fire with the failing condition and its values, rules held back by their firing
// history, unknown `if` points with what is missing, decayed points with factor and age. Through
// the public API only; both engines must explain alike (the why-not runs on the interpreter).
#include <catch2/catch.hpp>

#include <string>

#include "leadrules/leadrules.hpp"

using namespace leadrules;

namespace {

// Line numbers matter: the explanation names them.
constexpr char const* kPolicy = R"(policy "Explain test"
schema prospect {
  id: string
  email: string
  title: string?
  employees: number?
  status: string = "Prospect"
}
schema activity {
  kinds visit, form
  page: string?
}
points +1  per visit
points +30 per form
points +10 if employees >= 200
decay 25% after 60d
grade start B
grade +1 if title ~* "director"
zone hot {
  A-  score >= 20
  B-  score >= 40
}
segment mql when score >= 100 and grade >= B-
rule "Hot list" when hot do tag("hot")
rule "MQL" when mql do set status = "MQL"
rule "Busy" every 1d when count(visit within 7d) >= 1 do tag("busy")
)";

int64_t const kNow = *parse_time("2026-11-22T00:00:00Z");
int64_t const kHour = 3'600'000'000;
int64_t const kDay = 24 * kHour;

Policy compile_ok(Engine engine) {
  auto compiled = Policy::compile(kPolicy, "explain.lr", {.engine = engine});
  INFO(compiled.rendered());
  REQUIRE(compiled);
  return *compiled.policy;
}

bool has(std::string const& text, std::string const& part) {
  INFO(text);
  INFO("looking for: " << part);
  return text.find(part) != std::string::npos;
}

// p-31: a form today and a visit: score 31; no title, so the grade stays B (unknown move).
ProspectBuilder at_31(Policy const& p) {
  ProspectBuilder b(p);
  b.set("id", "p-31").set("email", "a@b.example");
  b.activity("form", kNow - 2 * kHour);
  b.activity("visit", kNow - 3 * kHour).with("page", "/pricing");
  return b;
}

std::string explain(Policy const& p, ProspectBuilder const& b) {
  Scratch scratch;
  return p.evaluate(b, kNow, scratch, /*explain=*/true).explain();
}

}  // namespace

TEST_CASE("explain: a zone that does not hold names each row's failing condition with values", "[explain]") {
  for (Engine engine : {Engine::jit, Engine::interp}) {
    Policy p = compile_ok(engine);
    std::string text = explain(p, at_31(p));
    CHECK(has(text, "segments\n    (none)\n  not holding:\n"));
    CHECK(has(text,
              "    hot  (line 19): no row holds\n"
              "        B- (line 21): needs score >= 40, score is 31\n"
              "        A- (line 20): needs grade >= A-, grade is B\n"));
    // Of `score >= 100 and grade >= B-`, only the conjunct that fails.
    CHECK(has(text, "    mql  (line 23): needs score >= 100, score is 31\n"));
  }
}

TEST_CASE("explain: rules that do not fire say why, firing history included", "[explain]") {
  for (Engine engine : {Engine::jit, Engine::interp}) {
    Policy p = compile_ok(engine);
    std::string text = explain(p, at_31(p));
    CHECK(has(text, "  not firing:\n"));
    CHECK(has(text, "    \"Hot list\" (line 24): needs hot, which does not hold\n"));
    CHECK(has(text, "    \"MQL\" (line 25): needs mql, which does not hold\n"));
    // A director is hot (A >= A-, 31 >= 20); "Hot list" fired 3 days ago, "Busy" 20 hours ago.
    ProspectBuilder b = at_31(p);
    b.set("title", "Director of Sales");
    b.fired("Hot list", 1, kNow - 3 * kDay);
    b.fired("Busy", 2, kNow - 20 * kHour);
    text = explain(p, b);
    CHECK(has(text, "    hot  (zone row on line 20: grade >= A-)\n"));
    CHECK(has(text, "    \"Hot list\" (line 24): holds, but fired 3d ago (once)\n"));
    CHECK(has(
        text,
        "    \"Busy\" (line 26): holds, but fired 20h ago (every 1d: again from 2026-11-22T04:00:00Z)\n"));
  }
}

TEST_CASE("explain: the REPL's why-not is the same analysis", "[explain]") {
  Policy p = compile_ok(Engine::interp);
  ProspectBuilder b = at_31(p);
  auto hot = p.why_not("hot", b, kNow);
  REQUIRE(hot);
  CHECK(*hot ==
        "zone `hot` does not hold:\n"
        "  B- (line 21): needs score >= 40, score is 31\n"
        "  A- (line 20): needs grade >= A-, grade is B\n");
  auto rule = p.why_not("Hot list", b, kNow);
  REQUIRE(rule);
  CHECK(*rule ==
        "rule \"Hot list\" does not fire:\n"
        "  needs hot, which does not hold (line 19):\n"
        "    B- (line 21): needs score >= 40, score is 31\n"
        "    A- (line 20): needs grade >= A-, grade is B\n");
  auto busy = p.why_not("Busy", b, kNow);  // a visit 3h ago: it fires
  CHECK(busy == std::string());
}

TEST_CASE("explain: an `if` rule unknown for missing data says what is missing", "[explain]") {
  for (Engine engine : {Engine::jit, Engine::interp}) {
    Policy p = compile_ok(engine);
    std::string text = explain(p, at_31(p));
    CHECK(
        has(text, "           0  line 15   points +10 if employees >= 200  (unknown: employees missing)\n"));
    CHECK(
        has(text,
            "         0  line 18   grade +1 if title ~* \"director\"  (unknown: title missing, no move)\n"));
    ProspectBuilder b = at_31(p);
    b.set("employees", 50.0);
    CHECK(has(explain(p, b), "           0  line 15   points +10 if employees >= 200  (did not hold)\n"));
  }
}

TEST_CASE("explain: decayed points show the factor and the age", "[explain]") {
  for (Engine engine : {Engine::jit, Engine::interp}) {
    Policy p = compile_ok(engine);
    ProspectBuilder b(p);
    b.set("id", "p-old").set("email", "a@b.example");
    b.activity("form", kNow - 75 * kDay);
    std::string text = explain(p, b);
    CHECK(has(text, "       +22.5  line 14   points +30 per form  (1 match: 30 × 0.75, age 75d)\n"));
    CHECK(has(text, "    no match: line 13\n"));
    // A recent one counts in full next to the old one.
    b.activity("form", kNow - 1 * kDay);
    b.activity("form", kNow - 80 * kDay);
    text = explain(p, b);
    CHECK(has(text,
              "         +75  line 14   points +30 per form  (3 matches: 1 in full; 2 × 30 × 0.75, ages "
              "75d..80d)\n"));
  }
}

TEST_CASE("explain: a batch's explanation is the engine's result with the interpreter's why", "[explain]") {
  std::string const data =
      R"({"id":"p-31","email":"a@b.example","activities":[{"type":"form","at":"2026-11-21T22:00:00Z"},)"
      R"({"type":"visit","at":"2026-11-21T21:00:00Z","page":"/pricing"}]})"
      "\n";
  std::string texts[2];
  int i = 0;
  for (Engine engine : {Engine::jit, Engine::interp}) {
    Policy p = compile_ok(engine);
    auto read = p.read_jsonl(data, "mem.jsonl");
    REQUIRE(read);
    auto results = p.evaluate(*read.batch, {.now = kNow, .explain = true});
    texts[i++] = results.explain(0);
    CHECK(texts[i - 1] == explain(p, at_31(p)));
  }
  CHECK(texts[0] == texts[1]);
}

TEST_CASE("explain: evaluated without explain, rules that scored are not taken for rules that did not",
          "[explain]") {
  Policy p = compile_ok(Engine::interp);
  ProspectBuilder b = at_31(p);
  b.set("employees", 300.0);
  Scratch scratch;
  std::string text = p.evaluate(b, kNow, scratch, /*explain=*/false).explain();
  CHECK_FALSE(has(text, "employees >= 200"));
  CHECK_FALSE(has(text, "no match"));
  CHECK(has(explain(p, b), "         +10  line 15   points +10 if employees >= 200  (holds)\n"));
}

TEST_CASE("explain: an or alternative by alternative, a let opened up, an aggregate counted, max",
          "[explain]") {
  constexpr char const* kWhy = R"(policy "Why not"
schema prospect {
  id: string
  email: string
  country: string?
  employees: number?
}
schema activity {
  kinds visit
}
let big = employees >= 200
segment target when big or country in {"JP", "US"}
segment quiet when no visit within 30d
rule "Ping" always max 2 when any visit do tag("ping")
)";
  for (Engine engine : {Engine::jit, Engine::interp}) {
    auto compiled = Policy::compile(kWhy, "why.lr", {.engine = engine});
    INFO(compiled.rendered());
    REQUIRE(compiled);
    Policy const& p = *compiled.policy;
    ProspectBuilder b(p);
    b.set("id", "w1").set("email", "a@b.example").set("country", "DE").set("employees", 50.0);
    b.activity("visit", kNow - 2 * kDay);
    b.fired("Ping", 2, kNow - kDay);
    std::string text = explain(p, b);
    CHECK(has(text,
              "  not holding:\n"
              "    target  (line 12): needs one of:\n"
              "        needs big, which is false\n"
              "            needs employees >= 200, employees is 50\n"
              "        needs country in {\"JP\", \"US\"}, country is \"DE\"\n"
              "    quiet  (line 13): needs no visit within 30d, there is 1, the last 2d ago\n"));
    CHECK(has(text, "    \"Ping\" (line 14): holds, but fired 2 times, last 1d ago (max 2)\n"));
  }
}
