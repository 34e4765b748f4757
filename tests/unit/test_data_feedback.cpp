// What the data readers tell about bad or mismatched data (issue 13, items 2, 3, 4, 5 and 11),
// through the public API: columns and keys the data lacks, ids of rejected lines, the rejects as
// JSON, strict mode's list of errors, activity types that look like a listed kind.
#include <catch2/catch.hpp>

#include <string>

#include "leadrules/leadrules.hpp"

using namespace leadrules;

namespace {

constexpr char const* kPolicy = R"(policy "feedback"
schema prospect {
  id: string                  from "Prospect ID"
  email: string
  time_on_site: number?       from "Total Time Spent On Website"
  status: string = "Lead"
}
schema activity {
  kinds visit, form, pageview
  page: string?
}
points +25 if time_on_site >= 600
points +1  per visit
)";

Policy compile_ok() {
  auto compiled = Policy::compile(kPolicy, "feedback.lr", {.engine = Engine::interp});
  INFO(compiled.rendered());
  REQUIRE(compiled);
  return *compiled.policy;
}

}  // namespace

TEST_CASE("feedback: a column the schema reads that the CSV header lacks is an error", "[feedback]") {
  Policy p = compile_ok();
  // An optional field's `from` column spelt with another letter case.
  auto data = p.read_csv("Prospect ID,email,Total Time Spent on Website\nx1,a@x,900\n", {}, "leads.csv");
  REQUIRE_FALSE(data);
  REQUIRE(data.errors.size() == 1);
  CHECK(data.errors[0].line == 1);
  CHECK(data.errors[0].field == "Total Time Spent On Website");
  CHECK(data.errors[0].reason ==
        "no column \"Total Time Spent On Website\" in the header for the field time_on_site; did you mean "
        "\"Total Time Spent on Website\"?");
  CHECK_FALSE(data.rejectable);
  // keep_going does not help: there is no line to set aside.
  CHECK_FALSE(
      p.read_csv("Prospect ID,email,Total Time Spent on Website\nx1,a@x,900\n", {}, "leads.csv", true));
  // The required id: the same did-you-mean, spaces and case ignored.
  auto id = p.read_csv("Prospect Id,email,Total Time Spent On Website\nx1,a@x,900\n", {}, "leads.csv");
  REQUIRE_FALSE(id);
  CHECK(
      id.errors[0].reason ==
      "no column \"Prospect ID\" in the header: every prospect needs its id; did you mean \"Prospect Id\"?");
  // Every missing column is named, not only the first.
  auto two = p.read_csv("Prospect ID,mail\nx1,a@x\n", {}, "leads.csv");
  REQUIRE(two.errors.size() == 2);
  CHECK(two.errors[0].field == "email");
  CHECK(two.errors[1].field == "Total Time Spent On Website");
  // A field with a default (status) may lack its column; an activity field may not.
  auto ok = p.read_csv("Prospect ID,email,Total Time Spent On Website\nx1,a@x,900\n",
                       "prospect_id,type,at,page\nx1,visit,2026-11-20,/\n", "leads.csv");
  INFO((ok ? std::string() : ok.errors[0].message()));
  REQUIRE(ok);
  auto acts = p.read_csv("Prospect ID,email,Total Time Spent On Website\nx1,a@x,900\n",
                         "prospect_id,type,at,Page\nx1,visit,2026-11-20,/\n", "leads.csv");
  REQUIRE_FALSE(acts);
  CHECK(acts.errors[0].reason ==
        "no column \"page\" in the header for the activity field page; did you mean \"Page\"?");
}

TEST_CASE("feedback: JSON Lines keys no record has, and required keys with a near miss", "[feedback]") {
  Policy p = compile_ok();
  auto data = p.read_jsonl(
      "{\"Prospect ID\":\"x1\",\"email\":\"a@x\",\"Total Time Spent on Website\":900}\n"
      "{\"Prospect "
      "ID\":\"x2\",\"email\":\"b@x\",\"activities\":[{\"type\":\"visit\",\"at\":\"2026-11-20\",\"Page\":\"/"
      "\"}]}\n",
      "leads.jsonl");
  REQUIRE(data);
  auto const& w = data.batch->warnings();
  REQUIRE(w.size() == 2);
  CHECK(w[0].field == "Total Time Spent On Website");
  CHECK(w[0].reason ==
        "no record has the key \"Total Time Spent On Website\" (field time_on_site): time_on_site is missing "
        "for "
        "every record; did you mean \"Total Time Spent on Website\"?");
  CHECK(w[1].reason ==
        "no activity has the key \"page\": page is missing for every activity; did you mean \"Page\"?");
  // A field some record has gets no warning.
  auto fine =
      p.read_jsonl("{\"Prospect ID\":\"x1\",\"email\":\"a@x\",\"Total Time Spent On Website\":null}\n");
  REQUIRE(fine);
  CHECK(fine.batch->warnings().empty());
  // The required id under another spelling: the record's keys are suggested.
  auto id = p.read_jsonl("{\"Prospect Id\":\"x1\",\"email\":\"a@x\"}\n", "leads.jsonl");
  REQUIRE_FALSE(id);
  CHECK(id.errors[0].reason ==
        "missing required field (no key \"Prospect ID\"; did you mean \"Prospect Id\"?)");
}

TEST_CASE("feedback: a rejected line's id stays taken", "[feedback]") {
  Policy p = compile_ok();
  std::string const jsonl =
      "{\"Prospect ID\":\"x1\",\"email\":\"a@x\",\"Total Time Spent On Website\":\"long\"}\n"
      "{\"Prospect ID\":\"x2\",\"email\":\"b@x\"}\n"
      "{\"Prospect ID\":\"x1\",\"email\":\"c@x\"}\n";
  auto data = p.read_jsonl(jsonl, "leads.jsonl", true);
  REQUIRE(data);
  CHECK(data.batch->size() == 1);
  REQUIRE(data.batch->rejects().size() == 2);
  CHECK(data.batch->rejects()[1].line == 3);
  CHECK(data.batch->rejects()[1].reason == "duplicate id \"x1\" (first on line 1, which was rejected)");
  // Also when the error comes before the id in the record, and in CSV.
  auto early = p.read_jsonl(
      "{\"Total Time Spent On Website\":\"long\",\"Prospect ID\":\"x1\",\"email\":\"a@x\"}\n"
      "{\"Prospect ID\":\"x1\",\"email\":\"c@x\"}\n",
      "leads.jsonl", true);
  REQUIRE(early);
  CHECK(early.batch->size() == 0);
  auto csv = p.read_csv("Prospect ID,email,Total Time Spent On Website\nx1,a@x,long\nx2,b@x,\nx1,c@x,1\n", {},
                        "leads.csv", true);
  REQUIRE(csv);
  CHECK(csv.batch->size() == 1);
  REQUIRE(csv.batch->rejects().size() == 2);
  CHECK(csv.batch->rejects()[1].reason == "duplicate id \"x1\" (first on line 2, which was rejected)");
}

TEST_CASE("feedback: rejects as JSON", "[feedback]") {
  Policy p = compile_ok();
  auto data = p.read_jsonl(
      "{\"Prospect ID\":\"x1\",\"email\":\"a@x\",\"Total Time Spent On Website\":\"long\"}\n"
      "{\"Prospect ID\":\"x2\",\"email\":\"b@x\"\n"
      "{\"Prospect ID\":\"x3\",\"email\":\"c@x\"}\n",
      "leads.jsonl", true);
  REQUIRE(data);
  auto const& r = data.batch->rejects();
  REQUIRE(r.size() == 2);
  CHECK(
      r[0].json() ==
      R"({"file":"leads.jsonl","line":1,"field":"Total Time Spent On Website","reason":"expected a number, found \"long\"",)"
      R"("record":{"Prospect ID":"x1","email":"a@x","Total Time Spent On Website":"long"}})");
  CHECK(r[1].json() == R"({"file":"leads.jsonl","line":2,"field":null,"reason":")" + r[1].reason +
                           R"(","record":"{\"Prospect ID\":\"x2\",\"email\":\"b@x\""})");
  // CSV: the row as an object keyed by the header; a row that does not line up as its text.
  auto csv = p.read_csv("Prospect ID,email,Total Time Spent On Website,\nx1,a@x,long,z\nx2,b@x\n", {},
                        "leads.csv", true);
  REQUIRE(csv);
  REQUIRE(csv.batch->rejects().size() == 2);
  CHECK(csv.batch->rejects()[0].record_json ==
        R"j({"Prospect ID":"x1","email":"a@x","Total Time Spent On Website":"long","(column 4)":"z"})j");
  CHECK(csv.batch->rejects()[1].record_json == R"("x2,b@x")");
}

TEST_CASE("feedback: strict mode reads on and lists every bad record", "[feedback]") {
  Policy p = compile_ok();
  std::string jsonl;
  auto line = [](int i, bool bad) {
    return "{\"Prospect ID\":\"x" + std::to_string(i) + "\",\"email\":\"e\"" +
           (bad ? ",\"Total Time Spent On Website\":\"long\"" : "") + "}\n";
  };
  for (int i = 0; i < 130; ++i) jsonl += line(i, i % 2 == 0);
  auto data = p.read_jsonl(jsonl, "leads.jsonl");
  REQUIRE_FALSE(data);
  CHECK(data.rejectable);
  CHECK(data.error_count == 65);
  REQUIRE(data.errors.size() == 65);
  CHECK(data.errors[0].line == 1);
  CHECK(data.errors[64].line == 129);
  CHECK(data.errors[1].line == 3);
  CHECK(data.errors[1].record + "\n" == line(2, true));
  // Beyond 100 errors only the count grows.
  std::string many;
  for (int i = 0; i < 150; ++i) many += line(i, true);
  auto lots = p.read_jsonl(many, "leads.jsonl");
  CHECK(lots.error_count == 150);
  CHECK(lots.errors.size() == 100);
  // A file that cannot be read at all is one error, not rejectable.
  auto none = p.read_file({.prospects = "/nonexistent/leads.jsonl"});
  CHECK(none.error_count == 1);
  CHECK_FALSE(none.rejectable);
}

TEST_CASE("feedback: activity types that look like a listed kind", "[feedback]") {
  Policy p = compile_ok();
  auto data = p.read_jsonl(
      "{\"Prospect ID\":\"x1\",\"email\":\"a@x\",\"activities\":[{\"type\":\"Visit\",\"at\":\"2026-11-20\"},"
      "{\"type\":\"page_view\",\"at\":\"2026-11-20\"},{\"type\":\"chat\",\"at\":\"2026-11-20\"},"
      "{\"type\":\"vist\",\"at\":\"2026-11-20\"}]}\n");
  REQUIRE(data);
  CHECK(data.batch->skipped_kinds().size() == 4);
  CHECK(data.batch->skipped_kind_hints() ==
        std::map<std::string, std::string>{{"Visit", "visit"}, {"page_view", "pageview"}, {"vist", "visit"}});
  auto csv = p.read_csv("Prospect ID,email,Total Time Spent On Website\nx1,a@x,\n",
                        "prospect_id,type,at,page\nx1,FORM,2026-11-20,\n");
  REQUIRE(csv);
  CHECK(csv.batch->skipped_kind_hints() == std::map<std::string, std::string>{{"FORM", "form"}});
}
