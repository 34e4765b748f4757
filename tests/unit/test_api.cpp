// The public C++ API (include/leadrules/leadrules.hpp), through the public headers only.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <thread>

#include "leadrules/leadrules.hpp"

using namespace leadrules;

namespace {

constexpr char const* kPolicy = R"(policy "API test"
schema prospect {
  id: string
  account: string?
  email: string
  title: string?
  employees: number?
  status: string?
  signed_up: time?
}
schema activity {
  kinds visit, form
  page: string?
}
points +5 per visit where page ~ "^/pricing" cap 20
points +1 per visit cap 10
points +10 if employees >= 200
grade start C
grade +1 if title ~* "director|vp"
segment engaged when count(visit within 7d) >= 2
segment team_active when count(colleague where any visit within 7d) >= 1
rule "Hot list" when engaged do add_to_list("HOT"), set status = "MQL"
rule "Also set" when score > 100 do set status = "SQL"
test "two pricing visits" {
  now @2026-11-22T00:00:00Z
  prospect { id: "t1", email: "a@b.example" }
  visit { page: "/pricing", at: -1d }
  visit { page: "/pricing/team", at: -2d }
  expect score == 12
  expect engaged
  expect action add_to_list("HOT")
}
)";

int64_t const kNow = *parse_time("2026-11-22T00:00:00Z");
int64_t const kHour = 3'600'000'000;

Policy compile_ok(std::string const& text, Engine engine = Engine::jit) {
  auto compiled = Policy::compile(text, "api.lr", {.engine = engine});
  INFO(compiled.rendered());
  REQUIRE(compiled);
  return *compiled.policy;
}

std::string const kData =
    R"({"id":"p1","account":"acme","email":"ana@acme.example","title":"VP Sales","employees":250,)"
    R"("activities":[{"type":"visit","at":"2026-11-21T10:00:00Z","page":"/pricing"},)"
    R"({"type":"visit","at":"2026-11-20T10:00:00Z","page":"/blog"}]})"
    "\n"
    R"({"id":"p2","account":"acme","email":"bo@acme.example","activities":[{"type":"visit","at":"2026-11-21T09:00:00Z","page":"/docs"}]})"
    "\n"
    R"({"id":"p3","email":"cy@solo.example"})"
    "\n";

}  // namespace

TEST_CASE("api: a policy with errors gives diagnostics as values, with a caret", "[api]") {
  auto compiled =
      Policy::compile("policy \"x\"\nschema prospect { id: string }\npoints +1 if emplyees > 3\n", "bad.lr");
  REQUIRE_FALSE(compiled);
  REQUIRE(compiled.diagnostics.errors() >= 1);
  auto const& d = compiled.diagnostics.items.front();
  CHECK(d.severity == Severity::Error);
  CHECK(d.file == "bad.lr");
  CHECK(d.line == 3);
  CHECK(d.column == 14);
  CHECK_FALSE(d.message.empty());
  CHECK(compiled.rendered().find("bad.lr:3:14: error:") != std::string::npos);
  CHECK(compiled.rendered().find('^') != std::string::npos);
}

TEST_CASE("api: what a compiled policy declares", "[api]") {
  Policy p = compile_ok(kPolicy);
  CHECK(p.name() == "API test");
  CHECK(p.engine() == Engine::jit);
  CHECK(p.fingerprint().size() == 32);
  CHECK(p.fields().size() == 7);
  CHECK(p.field_index("employees") == 4u);
  CHECK(p.fields()[4].type == ValueType::number);
  CHECK(p.account_field() == 1u);
  CHECK(p.activity_kinds() == std::vector<std::string>{"visit", "form"});
  CHECK(p.segments().size() == 2);
  CHECK(p.rule_index("Hot list") == 0u);
  CHECK_FALSE(p.segment_index("nope"));
  CHECK(p.summary().find("3 scoring rules") == 0);
  // The same text compiles to the same fingerprint; the interpreter is chosen by option.
  Policy q = compile_ok(kPolicy, Engine::interp);
  CHECK(q.engine() == Engine::interp);
  CHECK(q.fingerprint() == p.fingerprint());
}

TEST_CASE("api: JSON Lines from memory, batch evaluation, JSON and CSV out", "[api]") {
  for (Engine engine : {Engine::jit, Engine::interp}) {
    Policy p = compile_ok(kPolicy, engine);
    auto data = p.read_jsonl(kData, "mem.jsonl");
    REQUIRE(data);
    Batch const& batch = *data.batch;
    REQUIRE(batch.size() == 3);
    CHECK(batch.id(1) == "p2");
    CHECK(batch.find("p3") == 2u);
    CHECK_FALSE(batch.find("nobody"));
    CHECK(batch.activity_count() == 3);
    auto results = p.evaluate(batch, {.now = kNow, .threads = 2});
    REQUIRE(results.size() == 3);
    CHECK(results.score(0) == 17);  // pricing 5 + 2 visits + 10 employees
    CHECK(results.grade(0) == "B");
    CHECK(results.in_segment(0, 0));
    CHECK(results.in_segment(0, 1));  // p2 visited
    CHECK_FALSE(results.in_segment(2, 1));
    Result r = results[0];
    CHECK(r.id == "p1");
    CHECK(r.segments == std::vector<std::string>{"engaged", "team_active"});
    REQUIRE(r.actions.size() == 2);
    CHECK(r.actions[0].action == "add_to_list");
    CHECK(r.actions[0].args == std::vector<std::string>{"HOT"});
    REQUIRE(r.set.size() == 1);
    CHECK(r.set[0].field == "status");
    CHECK(r.set[0].value.text == "MQL");
    std::string all;
    for (size_t i = 0; i < results.size(); ++i) all += results.json(i);
    CHECK(results.to_jsonl() == all);
    CHECK(results.json(0).rfind(R"({"id":"p1","score":17,)", 0) == 0);
    CHECK(results.to_csv().rfind("id,score,", 0) == 0);
  }
}

TEST_CASE("api: data errors are values naming line and field - keep_going collects rejects", "[api]") {
  Policy p = compile_ok(kPolicy, Engine::interp);
  std::string bad = kData + R"({"id":"p4","email":"d@x.example","employees":"many"})" + "\n";
  auto strict = p.read_jsonl(bad, "bad.jsonl");
  REQUIRE_FALSE(strict);
  REQUIRE(strict.errors.size() == 1);
  CHECK(strict.errors[0].file == "bad.jsonl");
  CHECK(strict.errors[0].line == 4);
  CHECK(strict.errors[0].field == "employees");
  CHECK(strict.errors[0].message().rfind("bad.jsonl:4: data error in `employees`:", 0) == 0);
  auto lenient = p.read_jsonl(bad, "bad.jsonl", /*keep_going=*/true);
  REQUIRE(lenient);
  CHECK(lenient.batch->size() == 3);
  REQUIRE(lenient.batch->rejects().size() == 1);
  CHECK(lenient.batch->rejects()[0].line == 4);
  CHECK(lenient.batch->prospects_read() == 4);
}

TEST_CASE("api: CSV from memory with an activities buffer", "[api]") {
  Policy p = compile_ok(kPolicy, Engine::interp);
  auto data = p.read_csv(
      "id,account,email,title,employees,status,signed_up\nc1,,x@y.example,,300,,\n"
      "c2,,z@y.example,,,,\n",
      "prospect_id,type,at,page\nc1,visit,2026-11-21T00:00:00Z,/pricing\n", "mem.csv");
  INFO((data ? std::string() : data.errors[0].message()));
  REQUIRE(data);
  auto results = p.evaluate(*data.batch, {.now = kNow});
  CHECK(results.score(0) == 16);
  CHECK(results.score(1) == 0);
}

TEST_CASE("api: the builder and one-prospect evaluation equal the batch, byte for byte", "[api]") {
  for (Engine engine : {Engine::jit, Engine::interp}) {
    Policy p = compile_ok(kPolicy, engine);
    auto data = p.read_jsonl(kData, "mem.jsonl");
    auto batch_results = p.evaluate(*data.batch, {.now = kNow, .explain = true});
    ProspectBuilder b(p);
    Scratch scratch;
    for (int round = 0; round < 3; ++round) {  // the same builder and scratch, reused
      b.reset();
      b.set("id", "p1").set("account", "acme").set("email", "ana@acme.example").set("title", "VP Sales");
      b.set("employees", 250.0);
      b.activity("visit", *parse_time("2026-11-21T10:00:00Z")).with("page", "/pricing");
      b.activity("visit", *parse_time("2026-11-20T10:00:00Z")).with("page", "/blog");
      b.colleague().set("id", "p2").set("account", "acme").set("email", "bo@acme.example");
      b.activity("visit", *parse_time("2026-11-21T09:00:00Z")).with("page", "/docs");
      CHECK(b.records() == 2);
      ResultView v = p.evaluate(b, kNow, scratch, /*explain=*/true);
      CHECK(v.score() == 17);
      CHECK(v.grade() == "B");
      CHECK(v.in_segment("team_active"));
      CHECK(v.fired("Hot list"));
      CHECK(v.json(true) == batch_results.json(0, true));
      CHECK(v.explain() == batch_results.explain(0));
      // A row of a batch through the same scratch.
      CHECK(p.evaluate(*data.batch, 0, kNow, scratch, true).json(true) == batch_results.json(0, true));
    }
    // Alone (no colleague), the colleague segment does not hold.
    b.reset().set("id", "p1").set("email", "ana@acme.example");
    ResultView alone = p.evaluate(b, kNow, scratch);
    CHECK_FALSE(alone.in_segment("team_active"));
    CHECK(alone.score() == 0);
  }
}

TEST_CASE("api: the builder refuses unknown names and wrong types", "[api]") {
  Policy p = compile_ok(kPolicy, Engine::interp);
  ProspectBuilder b(p);
  CHECK_THROWS_AS(b.set("emplyees", 3.0), Error);
  CHECK_THROWS_WITH(b.set("emplyees", 3.0), Catch::Contains("no field `emplyees`"));
  CHECK_THROWS_AS(b.set("employees", "many"), Error);
  CHECK_THROWS_AS(b.activity("webinar", kNow), Error);
  CHECK_THROWS_AS(b.with("page", "/x"), Error);  // no activity yet
  CHECK_THROWS_AS(b.fired("No such rule", 1), Error);
  // A time given as text is read as a time.
  CHECK_NOTHROW(b.set("signed_up", "2026-11-01"));
  CHECK_THROWS_AS(b.set("signed_up", "yesterday"), Error);
}

TEST_CASE("api: firing history through the builder: a once rule does not fire again", "[api]") {
  Policy p = compile_ok(kPolicy);
  ProspectBuilder b(p);
  Scratch s;
  b.set("id", "h1").set("email", "h@x.example");
  b.activity("visit", kNow - kHour).activity("visit", kNow - 2 * kHour);
  CHECK(p.evaluate(b, kNow, s).fired("Hot list"));
  b.fired("Hot list", 1, kNow - 24 * kHour);
  CHECK_FALSE(p.evaluate(b, kNow, s).fired("Hot list"));
}

TEST_CASE("api: tests, check and fmt as library calls", "[api]") {
  Policy p = compile_ok(kPolicy, Engine::interp);
  auto outcomes = p.run_tests();
  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].passed);
  std::string failing = std::string(kPolicy);
  failing.replace(failing.find("expect score == 12"), 18, "expect score == 13");
  auto t = compile_ok(failing, Engine::interp).run_tests();
  REQUIRE(t.size() == 1);
  CHECK_FALSE(t[0].passed);
  CHECK_FALSE(t[0].failures.empty());

  auto checked = check_policy(kPolicy, "k.lr");
  REQUIRE(checked);
  CHECK(checked.policy->engine() == Engine::interp);

  auto f = format_policy("policy \"x\"\nschema prospect {   id: string }\npoints   +1 if  true\n", "f.lr");
  REQUIRE(f.text);
  CHECK(f.changed);
  auto again = format_policy(*f.text, "f.lr");
  CHECK_FALSE(again.changed);
  CHECK_FALSE(format_policy("policy \"x\" schema {", "broken.lr").text);
}

TEST_CASE("api: PolicyHolder swaps atomically and keeps the old version on a failed reload", "[api]") {
  std::string v1 = kPolicy;
  std::string v2 = v1;
  v2.replace(v2.find("points +10 if employees"), 10, "points +20");
  PolicyHolder holder(compile_ok(v1));
  CHECK(holder.version() == 1);
  Policy in_flight = holder.current();
  auto bad = holder.reload("policy \"x\"\nschema prospect { id: string }\npoints +1 if nope\n", "v3.lr");
  CHECK_FALSE(bad);
  CHECK(holder.version() == 1);
  auto good = holder.reload(v2, "v2.lr");
  REQUIRE(good);
  CHECK(holder.version() == 2);
  auto data = in_flight.read_jsonl(kData, "mem.jsonl");
  // The old handle still evaluates on v1; the holder now gives v2, same batch.
  CHECK(in_flight.evaluate(*data.batch, {.now = kNow}).score(0) == 17);
  CHECK(holder.current().evaluate(*data.batch, {.now = kNow}).score(0) == 27);
}

TEST_CASE("api: FiringStore keeps the history between runs", "[api]") {
  auto dir = std::filesystem::temp_directory_path() / ("leadrules-api-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "state.db").string();
  Policy p = compile_ok(kPolicy, Engine::interp);
  for (int run = 0; run < 2; ++run) {
    DataError error;
    auto store = FiringStore::open(path, &error);
    REQUIRE(store);
    auto data = p.read_jsonl(kData, "mem.jsonl");
    REQUIRE_FALSE(store->load(p, *data.batch));
    auto results = p.evaluate(*data.batch, {.now = kNow});
    CHECK(results.fired(0, 0) == (run == 0));  // "Hot list" fires once
    REQUIRE_FALSE(store->record(p, *data.batch, results, kNow));
  }
  std::filesystem::remove_all(dir);
  DataError error;
  CHECK_FALSE(FiringStore::open("/nonexistent-dir/x/state.db", &error));
  CHECK_FALSE(error.reason.empty());
}

TEST_CASE("api: values and times", "[api]") {
  CHECK(parse_time("2026-11-22") == kNow);
  CHECK_FALSE(parse_time("22/11/2026"));
  CHECK(format_time(kNow) == "2026-11-22T00:00:00Z");
  CHECK(parse_duration("48h") == 48 * kHour);
  CHECK(format_duration(48 * kHour) == "2d");
  CHECK(format_number(-0.0) == "0");
  CHECK(Value::of_grade("B+")->to_string() == "B+");
  CHECK_FALSE(Value::of_grade("E"));
  CHECK(Value::of_list({"a", "b"}).to_literal() == R"(["a", "b"])");
  CHECK(Value::missing_of(ValueType::number).to_literal() == "missing");
  CHECK(Value::of_string("x\"y").to_literal() == R"("x\"y")");
}

TEST_CASE("api: expressions evaluate for one prospect, errors have a caret", "[api]") {
  Policy p = compile_ok(kPolicy, Engine::interp);
  ProspectBuilder b(p);
  b.set("id", "p1").set("email", "ana@acme.example").set("title", "VP Sales").set("employees", 250.0);
  b.activity("visit", kNow - 2 * kHour).with("page", "/pricing");
  b.activity("visit", kNow - 30 * kHour).with("page", "/blog");
  auto value = [&](char const* e) {
    auto v = p.evaluate_expression(e, b, kNow);
    INFO(e << "\n" << render(v.diagnostics));
    REQUIRE(v);
    return *v.value;
  };
  CHECK(value("score").number == 17);
  CHECK(value("score").type == ValueType::number);
  CHECK(value("grade").to_string() == "B");
  CHECK(value("engaged").boolean);
  CHECK(value("count(visit within 7d)").number == 2);
  CHECK(value("past(score, 1d)").number == 11);  // a day ago: the /blog visit (+1) and employees (+10) only
  CHECK(value("fired(\"Hot list\")").boolean);
  CHECK_FALSE(value("fired(\"Also set\")").boolean);
  CHECK(value("domain(email)").text == "acme.example");
  CHECK(value("days_since(last(activity))").number == 2.0 / 24);
  CHECK(value("status").missing);

  auto bad = p.evaluate_expression("scor + 1", b, kNow);
  REQUIRE_FALSE(bad);
  REQUIRE(bad.diagnostics.errors() == 1);
  CHECK(bad.diagnostics.items[0].file == "<expr>");
  CHECK(bad.diagnostics.items[0].column == 1);
  CHECK(bad.diagnostics.items[0].hint.find("score") != std::string::npos);
  CHECK(render(bad.diagnostics).find('^') != std::string::npos);
  CHECK_FALSE(p.evaluate_expression("score >", b, kNow));
  CHECK_FALSE(p.evaluate_expression("count(webinar)", b, kNow));
}

TEST_CASE("api: why a segment, zone or rule does not hold", "[api]") {
  Policy p = compile_ok(kPolicy, Engine::interp);
  ProspectBuilder b(p);
  b.set("id", "p1").set("email", "ana@acme.example");
  b.activity("visit", kNow - 2 * kHour).with("page", "/pricing");
  auto engaged = p.why_not("engaged", b, kNow);
  REQUIRE(engaged);
  CHECK(engaged->find("segment `engaged` does not hold") == 0);
  CHECK(engaged->find("needs count(visit within 7d) >= 2, count(visit within 7d) is 1") != std::string::npos);
  auto hot = p.why_not("Hot list", b, kNow);
  REQUIRE(hot);
  CHECK(hot->find("rule \"Hot list\" does not fire") == 0);
  CHECK(hot->find("needs engaged, which does not hold") != std::string::npos);
  CHECK_FALSE(p.why_not("no such thing", b, kNow));
  // It holds: nothing to explain. Then the history stops the rule.
  b.activity("visit", kNow - 3 * kHour);
  CHECK(p.why_not("engaged", b, kNow) == std::string());
  CHECK(p.why_not("Hot list", b, kNow) == std::string());
  b.fired("Hot list", 1, kNow - 24 * kHour);
  auto once = p.why_not("Hot list", b, kNow);
  REQUIRE(once);
  CHECK(once->find("holds, but fired 1d ago (once)") != std::string::npos);
}

TEST_CASE("api: literals as test blocks write them", "[api]") {
  std::string error;
  CHECK(parse_literal(R"("a \"q\" \u00e9")", ValueType::string, kNow)->text == "a \"q\" \xc3\xa9");
  CHECK_FALSE(parse_literal("unquoted", ValueType::string, kNow, &error));
  CHECK_FALSE(error.empty());
  CHECK(parse_literal(" 42.5 ", ValueType::number, kNow)->number == 42.5);
  CHECK_FALSE(parse_literal("4x", ValueType::number, kNow));
  CHECK(parse_literal("-1h", ValueType::time, kNow)->micros == kNow - kHour);
  CHECK(parse_literal("+2d", ValueType::time, kNow)->micros == kNow + 48 * kHour);
  CHECK(parse_literal("@2026-11-22", ValueType::time, kNow)->micros == kNow);
  CHECK(parse_literal("now", ValueType::time, kNow)->micros == kNow);
  CHECK_FALSE(parse_literal("yesterday", ValueType::time, kNow));
  CHECK(parse_literal("48h", ValueType::duration, kNow)->micros == 48 * kHour);
  CHECK(parse_literal("B+", ValueType::grade, kNow)->to_string() == "B+");
  CHECK_FALSE(parse_literal("B +", ValueType::grade, kNow));
  CHECK(parse_literal(R"(["a", "b"])", ValueType::string_list, kNow)->list ==
        std::vector<std::string>{"a", "b"});
  CHECK(parse_literal("[]", ValueType::string_list, kNow)->list.empty());
  CHECK_FALSE(parse_literal(R"(["a",])", ValueType::string_list, kNow));
  CHECK(parse_literal("missing", ValueType::number, kNow)->missing);
  CHECK(parse_literal("true", ValueType::boolean, kNow)->boolean);
}

TEST_CASE("api: a scratch reuses what it prepared only while the builder is unchanged", "[api]") {
  Policy p = compile_ok(kPolicy);
  ProspectBuilder b(p);
  Scratch s;
  b.set("id", "r1").set("email", "r@x.example");
  b.activity("visit", kNow - kHour).with("page", "/pricing");
  b.activity("visit", kNow - 2 * kHour).with("page", "/blog");
  CHECK(p.evaluate(b, kNow, s).score() == 7);
  CHECK(p.evaluate(b, kNow, s).score() == 7);                      // the same, kept
  CHECK(p.evaluate(b, kNow - 90 * 60'000'000LL, s).score() == 1);  // earlier: only the /blog visit
  b.set("employees", 500.0);                                       // changed: filled again
  CHECK(p.evaluate(b, kNow, s).score() == 17);
  b.with("page", "/pricing/team");  // the last activity's page
  CHECK(p.evaluate(b, kNow, s).score() == 22);
  ProspectBuilder other(p);  // another builder, same scratch
  other.set("id", "r2").set("email", "o@x.example");
  CHECK(p.evaluate(other, kNow, s).score() == 0);
  CHECK(p.evaluate(b, kNow, s).score() == 22);
}

TEST_CASE("api: a prospect built without an id is evaluated, its id empty", "[api]") {
  Policy p = compile_ok(kPolicy);
  ProspectBuilder b(p);
  Scratch s;
  b.set("email", "no.id@x.example").activity("visit", kNow - kHour);
  auto view = p.evaluate(b, kNow, s);
  CHECK(view.score() == 1);
  CHECK(view.to_result().id.empty());
  CHECK(view.json().rfind(R"({"id":"","score":1,)", 0) == 0);
}

TEST_CASE("api: results written in pieces equal the whole text, and an output file is whole or absent",
          "[api]") {
  Policy p = compile_ok(kPolicy);
  // 30,000 prospects: several pieces of about 1 MB.
  std::string many;
  for (int i = 0; i < 30000; ++i)
    many += R"({"id":"q)" + std::to_string(i) + R"(","email":"x@y.example","title":"VP",)" +
            R"("activities":[{"type":"visit","at":"2026-11-21T10:00:00Z","page":"/pricing"}]})" + "\n";
  auto data = p.read_jsonl(many, "many.jsonl");
  REQUIRE(data);
  auto results = p.evaluate(*data.batch, {.now = kNow});
  std::vector<size_t> sizes;
  std::string joined;
  results.write_jsonl([&](std::string_view piece) {
    sizes.push_back(piece.size());
    joined += piece;
  });
  CHECK(joined == results.to_jsonl());
  CHECK(sizes.size() > 1);
  for (size_t s : sizes) CHECK(s < (size_t(1) << 20) + 4096);
  std::string csv;
  results.write_csv([&](std::string_view piece) { csv += piece; }, {"email"});
  CHECK(csv == results.to_csv({"email"}));

  auto dir = std::filesystem::temp_directory_path() / ("leadrules-out-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "out.jsonl").string();
  {
    OutputFile file(path);
    file.write("partial\n");
  }  // never committed: nothing there
  CHECK_FALSE(std::filesystem::exists(path));
  {
    OutputFile file(path);
    results.write_jsonl([&](std::string_view piece) { file.write(piece); });
    CHECK_FALSE(std::filesystem::exists(path));  // not before commit
    file.commit();
  }
  CHECK(read_file(path) == results.to_jsonl());
  CHECK_THROWS_AS(OutputFile((dir / "no/such/dir/x").string()), std::runtime_error);
  std::filesystem::remove_all(dir);
}
