// Diagnostics for the mistakes new users make (issue 13, items 1, 9, 10): each class of mistake
// gets a clear message at the right place, and a syntax error does not hide the name and type
// errors of the declarations that did parse.
#include <catch2/catch.hpp>

#include <string>

#include "compiler/checker/checker.hpp"
#include "grammar/format.hpp"
#include "grammar/parser.hpp"

using namespace leadrules;

namespace {

constexpr char const* kSchema = R"(schema prospect {
  id: string
  email: string
  title: string?
  employees: number?
  status: string = "Lead"
  assigned_at: time?
  last_grade: grade?
}
schema activity {
  kinds visit, form
  page: string?
}
)";
constexpr uint32_t kSchemaLines = 13;

// Parses (syntax only) and returns every diagnostic.
Diagnostics parsed(std::string const& text) {
  SourceFile src("test.lr", text);
  Diagnostics d;
  (void)parse_policy(src, d);
  return d;
}

// Parses + checks the schema and `body` (whose first line is line 1 in `line` below).
Diagnostics compiled(std::string const& body) {
  Diagnostics d;
  auto plan = compile_policy_text("test.lr", std::string(kSchema) + body, d);
  if (!d.items.empty()) CHECK_FALSE(plan);
  return d;
}

// The body has exactly one error: `message` (a part of it) at line (of the body) and column.
void one_error(std::string const& body, std::string const& message, uint32_t line, uint32_t column,
               std::string const& hint = {}) {
  Diagnostics d = compiled(body);
  INFO(body << "\n---\n" << render(d));
  REQUIRE(d.items.size() == 1);
  CHECK(d.items[0].severity == Severity::Error);
  CHECK_THAT(d.items[0].message, Catch::Contains(message));
  CHECK(d.items[0].line == kSchemaLines + line);
  CHECK(d.items[0].column == column);
  if (!hint.empty()) CHECK_THAT(d.items[0].hint, Catch::Contains(hint));
}

void no_error(std::string const& body) {
  Diagnostics d = compiled(body);
  INFO(body << "\n---\n" << render(d));
  CHECK(d.items.empty());
}

}  // namespace

TEST_CASE("diagnostics: a grade literal with a space before its sign is an error", "[diagnostics]") {
  constexpr char const* msg = "grade literals have no inner space: write `A-`";
  one_error("zone hot {\n  A -  score >= 30\n}\n", msg, 2, 3);
  one_error("zone hot {\n  A -\n  score >= 30\n}\n", msg, 2, 3);  // the sign at the end of a line
  one_error("zone hot {\n  A\n  -score >= 30\n}\n", "write `A-`", 2, 3);
  one_error("zone hot {\n  B- score >= 40\n  C + score >= 60\n}\n", "write `C+`", 3, 3);
  one_error("grade start A +\n", "write `A+`", 1, 13);
  one_error("grade start D -\ngrade +1 if employees > 10\n", "write `D-`", 1, 13);
  one_error("segment mql when grade >= B -\nsegment big when employees >= 1000\n", "write `B-`", 1, 27);
  one_error("segment mql when grade >= B -\n", "write `B-`", 1, 27);  // at the end of the file
  one_error("segment mql when grade == A + and employees > 3\n", "write `A+`", 1, 27);
  one_error("test \"t\" {\n  prospect { id: \"t\", email: \"e\" }\n  expect grade == A -\n}\n", "write `A-`",
            3, 19);
  one_error("test \"t\" {\n  prospect { id: \"t\", email: \"e\", last_grade: B - }\n}\n", "write `B-`", 2,
            47);
  // The whole `A -` is underlined when it is on one line.
  Diagnostics d = compiled("zone hot {\n  A -  score >= 30\n}\n");
  REQUIRE(d.items.size() == 1);
  CHECK(d.items[0].byte_end - d.items[0].byte_begin == 3);
}

TEST_CASE("diagnostics: F has no sign", "[diagnostics]") {
  one_error("zone cold {\n  F- score < 0\n}\n", "there is no grade `F-`", 2, 3);
  one_error("zone cold {\n  F + score < 0\n}\n", "there is no grade `F+`", 2, 3);
  one_error("grade start F-\n", "there is no grade `F-`", 1, 13);
}

TEST_CASE("diagnostics: grade literals that are right stay right", "[diagnostics]") {
  no_error("zone hot {\n  A   score >= 20\n  B-  score >= 40\n  C+  score >= 60\n  F   score >= 90\n}\n");
  no_error("zone hot {\n  A- -score <= 20\n}\n");  // A- and a condition that starts with a minus
  no_error("zone hot {\n  A (-score <= 20)\n}\n");
  no_error("grade start D\ngrade +1 if employees > 10\nsegment s when grade >= B- and grade < A\n");
  no_error("segment s when grade >= B\n");
}

TEST_CASE("diagnostics: fmt keeps a zone row whose condition starts with a minus parseable",
          "[diagnostics]") {
  std::string text = std::string(kSchema) + "\nzone hot {\n  A (-score <= 20)\n  B-  (-score) <= 40\n}\n";
  SourceFile src("test.lr", text);
  Diagnostics d;
  auto tree = parse_policy(src, d);
  REQUIRE(tree);
  std::string out = format_policy(*tree, src);
  SourceFile again("again.lr", out);
  Diagnostics d2;
  INFO(out);
  CHECK(parse_policy(again, d2));
  CHECK(d2.items.empty());
}

TEST_CASE("diagnostics: operators of other languages name the one to write", "[diagnostics]") {
  one_error("segment lead when status = \"Lead\"\n", "`=` is not a comparison: write `==`", 1, 26);
  one_error("segment big when employees => 1000\n", "`=>` is not an operator here: write `>=`", 1, 28);
  one_error("segment small when employees =< 10\n", "write `<=`", 1, 30);
  one_error("rule \"x\" when status <> \"Lead\" do tag(\"x\")\n", "`<>` is not an operator here: write `!=`",
            1, 22);
  one_error("segment lead when status === \"Lead\"\n", "write `==`", 1, 26);
  one_error("segment vp when title =~ \"VP\"\n", "write `~`", 1, 23);
  one_error("segment big when employees \u2265 1000\n", "write `>=`", 1, 28);
  one_error("segment big when employees > 3 = true\n", "`=` is not a comparison", 1, 32);
  one_error("points +1 per visit where page = \"/\"\n", "`=` is not a comparison", 1, 32);
  // In a rule the `=` error comes first, not "expected `do`".
  one_error("rule \"r\" when status = \"Lead\" do set status = \"MQL\"\n", "write `==`", 1, 22,
            "`=` gives values");
  one_error("rule \"r\" when employees > 1 do set status == \"MQL\"\n",
            "`set` gives a field a value with `=`", 1, 43);
  // `=` where it belongs is still fine.
  no_error("let x = 1\nset s = {\"a\"}\nrule \"r\" when x == 1 do set status = \"MQL\"\n");
}

TEST_CASE("diagnostics: durations with a space or a word for the unit", "[diagnostics]") {
  one_error("points -20 if no activity within 60 days\n", "`60 days` is not a duration", 1, 34,
            "write `60d`");
  one_error("segment s when assigned_at within 48 hours\n", "`48 hours`", 1, 35, "write `48h`");
  one_error("segment s when assigned_at within 30 min\n", "`30 min`", 1, 35, "write `30min`");
  one_error("segment s when assigned_at within 2 weeks\n", "`2 weeks`", 1, 35, "write `2w`");
  one_error("segment s when assigned_at within 3 months\n", "`3 months`", 1, 35, "months and years");
  one_error("rule \"r\" every 7 days when employees > 1 do tag(\"x\")\n", "`7 days`", 1, 16, "write `7d`");
  one_error("decay 50% after 90 days\n", "`90 days`", 1, 17, "write `90d`");
  one_error("let old = past(score, 1 day)\n", "`1 day`", 1, 23, "write `1d`");
  one_error("test \"t\" {\n  prospect { id: \"t\", email: \"e\" }\n  visit { at: -2 days }\n}\n", "`2 days`",
            3, 16, "write `2d`");
  one_error("points +1 if count(visit within 7days) > 1\n", "`7days` is not a duration", 1, 33, "write `7d`");
  // A test field named like a unit, after a number on the same line, is a field.
  no_error(
      "test \"t\" {\n  prospect { id: \"t\", email: \"e\", employees: 60 }\n  visit { at: -2d page: \"/\" "
      "}\n}\n");
}

TEST_CASE("diagnostics: a time without `@`", "[diagnostics]") {
  one_error("test \"t\" {\n  prospect { id: \"t\", email: \"e\", assigned_at: 2026-11-20 }\n}\n",
            "a time is written with `@`: write `@2026-11-20`", 2, 48);
  one_error("test \"t\" {\n  now 2026-11-22T00:00:00Z\n  prospect { id: \"t\", email: \"e\" }\n}\n",
            "write `@2026-11-22T00:00:00Z`", 2, 7);
  one_error("segment s when assigned_at > 2026-11-20\n", "write `@2026-11-20`", 1, 30);
}

TEST_CASE("diagnostics: a misspelt keyword gets a did-you-mean", "[diagnostics]") {
  one_error("pionts +1 per visit\n", "found `pionts`", 1, 1, "did you mean `points`?");
  one_error("score behavior {\n  points +1 per visit\n  pionts +5 per form\n}\n", "found `pionts`", 3, 3,
            "did you mean `points`?");
  one_error("test \"t\" {\n  prospect { id: \"t\", email: \"e\" }\n  expcet score == 0\n}\n",
            "found `expcet`", 3, 3, "did you mean `expect`?");
  one_error("rule \"r\" wen employees > 1 do tag(\"x\")\n", "found `wen`", 1, 10, "did you mean `when`?");
  one_error("segment s wehn employees > 1\n", "found `wehn`", 1, 11, "did you mean `when`?");
  one_error("points +1 pre visit\n", "found `pre`", 1, 11, "did you mean `per`?");
}

TEST_CASE("diagnostics: a missing `do` before a continuation line is one error", "[diagnostics]") {
  one_error("rule \"MQL\" when score >= 100\n  set status = \"MQL\"\n", "expected `do`", 2, 3);
  one_error("rule \"MQL\" when score >= 100\n  set status = \"MQL\", tag(\"mql\")\nlet x = 1\n",
            "expected `do`", 2, 3);
  // A real set declaration on the next line is still where the parser resumes.
  Diagnostics d = parsed("rule \"r\" when x\nset s = {\"a\"}\nlet y = 1 +\n");
  INFO(render(d));
  REQUIRE(d.items.size() == 2);
  CHECK(d.items[1].line == 3);
}

TEST_CASE("diagnostics: a syntax error does not hide the checker's errors elsewhere", "[diagnostics]") {
  Diagnostics d = compiled(
      "segment big when employees >=\n"
      "segment hot when score > 50 and titel ~* \"director\"\n"
      "rule \"Hot\" when hot and big do tag(\"hot\")\n"
      "points +5 if emplyees > 100\n");
  INFO(render(d));
  REQUIRE(d.items.size() == 3);
  // In the order of the file: the syntax error (reported where the text is missing: line 2).
  CHECK_THAT(d.items[0].message, Catch::Contains("expected an expression after `>=`"));
  CHECK_THAT(d.items[1].message, Catch::Contains("unknown name `titel`"));
  CHECK(d.items[1].line == kSchemaLines + 2);
  CHECK_THAT(d.items[2].message, Catch::Contains("unknown name `emplyees`"));
  CHECK(d.items[2].line == kSchemaLines + 4);
}

TEST_CASE("diagnostics: names of declarations that failed to parse are not unknown", "[diagnostics]") {
  Diagnostics d = compiled(
      "let engaged = count(visit within 30d) >\n"
      "score fit {\n  points +5 if title ~*\n}\n"
      "zone hot {\n  A -  score >= 30\n}\n"
      "segmnet mql when score > 10\n"
      "set big = {\"a\",\n"
      "rule \"Call\" when engaged do task(\"Call\", 48 hours)\n"
      "rule \"Hot list\" when engaged and fit > 10 and hot and mql and not (status in big) do tag(\"hot\")\n"
      "test \"t\" {\n  prospect { id: \"t\", email: \"e\" }\n  history \"Call\" { count: 1, last: -3d }\n"
      "  expect not fired(\"Call\")\n  expect not engaged\n}\n");
  INFO(render(d));
  for (auto const& x : d.items) {
    CHECK_THAT(x.message, !Catch::Contains("unknown name"));
    CHECK_THAT(x.message, !Catch::Contains("no rule is named"));
  }
  CHECK(d.items.size() == 5);  // one syntax error per broken declaration
}

TEST_CASE("diagnostics: after a syntax error in a schema only syntax errors are reported", "[diagnostics]") {
  Diagnostics d;
  auto plan = compile_policy_text("test.lr",
                                  "schema prospect {\n  id: string\n  n: numbr\n}\n"
                                  "segment s when n > 1 and other > 2\n",
                                  d);
  INFO(render(d));
  CHECK_FALSE(plan);
  REQUIRE(d.items.size() == 1);
  CHECK_THAT(d.items[0].message, Catch::Contains("unknown type `numbr`"));
}

TEST_CASE("diagnostics: parse_policy_partial keeps what parsed", "[diagnostics]") {
  SourceFile src("test.lr", "let a = 1\nlet b = (\nlet c = 2\nrule \"r\" when x do f(,\n");
  Diagnostics d;
  auto tree = parse_policy_partial(src, d);
  CHECK(d.items.size() == 2);
  CHECK(tree.decls.size() == 2);
  REQUIRE(tree.unparsed);
  CHECK(tree.unparsed->names.count("b"));
  CHECK(tree.unparsed->rules.count("r"));
  CHECK_FALSE(tree.unparsed->schema);
  Diagnostics d2;
  CHECK_FALSE(parse_policy(src, d2));  // the whole-or-nothing entry point is unchanged
}

TEST_CASE("diagnostics: a declaration cut short by the mistake after it is not checked", "[diagnostics]") {
  // `within 30` parsed, then `dayz` fails: one error, not a second one about the number 30.
  one_error("points +1 per visit within 30 dayz\n", "found `dayz`", 1, 31,
            "the declaration before ends here");
  // `let x = a >` took the next line's `score` as its operand: the let is not checked either.
  one_error("let x = employees >\nscore fit {\n  points +1 if x\n}\n", "found `fit`", 2, 7,
            "took this line's `score` as its operand");
}

TEST_CASE("diagnostics: what is missing at the end of a line is reported on that line", "[diagnostics]") {
  one_error("grade start\nsegment s when grade >= B\n",
            "expected a grade like `D` or `B+`, found the end of the line", 1, 12);
  one_error("segment big when employees >=\nsegment s when score > 1\n", "found the end of the line", 1, 30);
  one_error("rule \"r\" every\n  when score > 1 do tag(\"x\")\n", "expected a duration", 1, 15);
}
