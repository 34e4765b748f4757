// The canonical formatter (`leadrules fmt`): format(parse(x)) parses to the same tree as x,
// formatting is idempotent, every comment survives, and messy input becomes the house style.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "grammar/format.hpp"
#include "grammar/parser.hpp"

using namespace leadrules;
namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------------------------
// A dump of the syntax tree without spans: equal dumps mean equal trees. It includes whether an
// expression was written in parentheses, so round trips check that fmt keeps the user's.

std::string str(std::string_view s) { return fmt::format("{}:{}", s.size(), s); }

struct Dumper {
  std::string out;

  void expr(ast::Expr const* e) {
    if (!e) {
      out += "null";
      return;
    }
    out += fmt::format("(E{} p={} n={} us={} g={} b={} t={} bin={} un={} agg={} k={}", int(e->kind),
                       e->parenthesized, e->number, e->micros, e->grade, e->boolean, str(e->text),
                       int(e->bin), int(e->un), int(e->agg), str(e->kind_name.name));
    out += " where=";
    expr(e->where.get());
    out += " within=";
    expr(e->within.get());
    out += " args=[";
    for (auto const& a : e->args) {
      expr(a.get());
      out += ' ';
    }
    out += "] pieces=[";
    for (auto const& p : e->pieces) {
      out += "(" + str(p.text) + " ";
      expr(p.expr.get());
      out += p.fallback ? " |" + str(*p.fallback) : std::string(" -");
      out += ")";
    }
    out += "])";
  }
  void number(ast::Number const& n) { out += fmt::format("#{}/{}", n.value, str(n.text)); }
  template <typename T>
  void opt_number(std::optional<T> const& n) {
    if (n)
      number(*n);
    else
      out += "#-";
  }
  void fields(std::vector<ast::TestField> const& fs) {
    out += "{";
    for (auto const& f : fs) {
      out += str(f.name.name) + ":";
      expr(f.value.get());
      out += ",";
    }
    out += "}";
  }
  void activities(std::vector<ast::TestActivity> const& as) {
    for (auto const& a : as) {
      out += "act " + str(a.kind.name);
      fields(a.fields);
    }
  }
  void action(ast::Action const& a) {
    out += "(action " + str(a.name.name) + " field=" + (a.field ? str(a.field->name) : "-") + " [";
    for (auto const& x : a.args) expr(x.get());
    out += "] value=";
    expr(a.value.get());
    out += ")";
  }

  void decl(ast::SchemaDecl const& d) {
    out += fmt::format("schema activity={} kinds=", d.activity);
    for (auto const& k : d.kinds) out += str(k.name) + ",";
    for (auto const& f : d.fields) {
      out += fmt::format(" field {} {} list={} opt={} default=", str(f.name.name), int(f.type.base),
                         f.type.list, f.type.optional);
      expr(f.default_value.get());
      out += " from=" + (f.from ? str(*f.from) : "-") + " missing=";
      for (auto const& m : f.missing) out += str(m) + ",";
    }
  }
  void decl(ast::SetDecl const& d) {
    out += "set " + str(d.name.name) + " file=" + (d.file ? str(*d.file) : "-") + " values=";
    for (auto const& v : d.values) out += str(v) + ",";
  }
  void decl(ast::LetDecl const& d) {
    out += "let " + str(d.name.name) + " ";
    expr(d.value.get());
  }
  void points(ast::PointsRule const& r) {
    out += "points ";
    number(r.points);
    out += fmt::format(" per={} kind={} where=", r.per, str(r.kind.name));
    expr(r.where.get());
    out += " within=";
    expr(r.within.get());
    out += " once=" + (r.once_per ? str(r.once_per->name) : "-") + " if=";
    expr(r.condition.get());
    out += " cap=";
    opt_number(r.cap);
  }
  void decl(ast::PointsRule const& r) { points(r); }
  void decl(ast::ScoreDecl const& d) {
    out += "score " + str(d.name.name) + " cap=";
    opt_number(d.cap);
    out += " floor=";
    opt_number(d.floor);
    for (auto const& r : d.rules) {
      out += "\n    ";
      points(r);
    }
  }
  void decl(ast::ScoreBound const& d) {
    out += fmt::format("bound cap={} ", d.is_cap);
    number(d.value);
  }
  void decl(ast::DecayDecl const& d) {
    out += fmt::format("decay linear={} ", d.linear);
    number(d.percent);
    expr(d.duration.get());
  }
  void decl(ast::GradeStart const& d) {
    out += "grade start ";
    expr(d.grade.get());
  }
  void decl(ast::GradeMove const& d) {
    out += fmt::format("grade {} {} else={} {} if ", d.thirds, str(d.text),
                       d.else_thirds ? std::to_string(*d.else_thirds) : "-", str(d.else_text));
    expr(d.condition.get());
  }
  void decl(ast::ZoneDecl const& d) {
    out += "zone " + str(d.name.name);
    for (auto const& r : d.rows) {
      out += "\n    row ";
      expr(r.grade.get());
      out += " ";
      expr(r.condition.get());
    }
  }
  void decl(ast::SegmentDecl const& d) {
    out += "segment " + str(d.name.name) + " ";
    expr(d.condition.get());
  }
  void decl(ast::RuleDecl const& d) {
    out += fmt::format("rule {} q={} written={} every=", str(d.name), int(d.qualifier), d.qualifier_written);
    expr(d.every.get());
    out += " max=";
    opt_number(d.max);
    out += " when ";
    expr(d.condition.get());
    for (auto const& a : d.actions) action(a);
  }
  void decl(ast::TestDecl const& t) {
    out += "test " + str(t.name) + " now=";
    expr(t.now.get());
    if (t.prospect) {
      out += "\n    prospect ";
      fields(t.prospect->fields);
      activities(t.prospect->activities);
    }
    out += "\n    ";
    activities(t.activities);
    for (auto const& c : t.colleagues) {
      out += "\n    colleague ";
      fields(c.fields);
      activities(c.activities);
    }
    for (auto const& h : t.history) {
      out += "\n    history " + str(h.rule);
      fields(h.fields);
    }
    for (auto const& x : t.expects) {
      out += fmt::format("\n    expect {} field={} ", int(x.kind), x.field ? str(x.field->name) : "-");
      expr(x.condition.get());
      expr(x.value.get());
      if (x.action) action(*x.action);
    }
  }

  void policy(ast::Policy const& p) {
    out += "policy " + (p.name ? str(*p.name) : "-") + " tz=" + (p.timezone ? str(*p.timezone) : "-") + "\n";
    for (auto const& d : p.decls) {
      out += "  ";
      std::visit([&](auto const& x) { decl(x); }, d);
      out += "\n";
    }
  }
};

std::string dump(ast::Policy const& p) {
  Dumper d;
  d.policy(p);
  return d.out;
}

// ---------------------------------------------------------------------------------------------

ast::Policy parse(std::string const& text, std::string const& path = "test.lr") {
  SourceFile src(path, text);
  Diagnostics diags;
  auto tree = parse_policy(src, diags);
  INFO("parsing:\n" << text << "\n" << render(diags));
  REQUIRE(tree);
  return std::move(*tree);
}

std::string fmt_text(std::string const& text, std::string const& path = "test.lr") {
  SourceFile src(path, text);
  Diagnostics diags;
  auto tree = parse_policy(src, diags);
  INFO("parsing:\n" << text << "\n" << render(diags));
  REQUIRE(tree);
  return format_policy(*tree, src);
}

std::string rstrip(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  return s;
}

std::vector<std::string> comment_texts(ast::Policy const& p) {
  std::vector<std::string> out;
  for (auto const& c : p.comments) out.push_back(rstrip(c.text));
  return out;
}

// The whole contract for one input: the formatted text parses to the same tree, keeps every
// comment (same texts, same order), is a fixed point, and is clean text.
std::string check_roundtrip(std::string const& text, std::string const& path = "test.lr") {
  auto tree = parse(text, path);
  SourceFile src(path, text);
  std::string once = format_policy(tree, src);
  INFO("input:\n" << text << "\nformatted:\n" << once);
  auto again = parse(once, path);
  CHECK(dump(again) == dump(tree));
  CHECK(comment_texts(again) == comment_texts(tree));
  CHECK(fmt_text(once, path) == once);
  if (!once.empty()) {
    CHECK(once.back() == '\n');
    CHECK(once.find("\n\n\n") == std::string::npos);
    CHECK(once.substr(0, 1) != "\n");
    CHECK(once.size() >= 2);
    CHECK(once.substr(once.size() - 2) != "\n\n");
  }
  std::istringstream lines(once);
  std::string line, unclean;  // lines with trailing blanks or tabs
  while (std::getline(lines, line))
    if (rstrip(line) != line || line.find('\t') != std::string::npos) unclean += "[" + line + "]\n";
  CHECK(unclean == "");
  return once;
}

std::string read(fs::path const& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

constexpr char const* kSchema = R"(schema prospect {
  id: string
  email: string
  account: string?
  title: string?
  status: string = "Lead"
  employees: number?
  assigned_at: time?
  tags: [string]
}

schema activity {
  kinds visit, form, download
  page: string?
  form: string?
  asset: string?
}
)";

// A policy with one `let` per expression.
std::string with_lets(std::vector<std::string> const& exprs) {
  std::string text = kSchema;
  for (size_t i = 0; i < exprs.size(); ++i) text += fmt::format("let x{} = {}\n", i, exprs[i]);
  return text;
}

// The canonical `let` line of an expression.
std::string canonical_expr(std::string const& e) {
  std::string out = fmt_text(with_lets({e}));
  auto at = out.find("let x0 = ");
  REQUIRE(at != std::string::npos);
  auto nl = out.find('\n', at);
  return out.substr(at + 9, nl - at - 9);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

TEST_CASE("fmt: expressions keep the user's parentheses and add none", "[fmt]") {
  // input -> canonical form
  std::vector<std::pair<std::string, std::string>> cases = {
      {"1+2*3", "1 + 2 * 3"},
      {"(1+2)*3", "(1 + 2) * 3"},
      {"1-(2-3)", "1 - (2 - 3)"},
      {"(1-2)-3", "(1 - 2) - 3"},
      {"8/(4/2)", "8 / (4 / 2)"},
      {"(8/4)/2", "(8 / 4) / 2"},
      {"-(1+2)", "-(1 + 2)"},
      {"- - employees", "--employees"},
      {"1 - -2", "1 - -2"},
      {"-employees*2", "-employees * 2"},
      {"(-employees)*2", "(-employees) * 2"},
      {"employees ?? (1 ?? 2)", "employees ?? (1 ?? 2)"},
      {"(employees ?? 1) ?? 2", "(employees ?? 1) ?? 2"},
      {"employees ?? 1 + 2", "employees ?? 1 + 2"},
      {"(employees ?? 1) + 2", "(employees ?? 1) + 2"},
      {"(employees < 1) == true", "(employees < 1) == true"},
      {"true == (employees < 1)", "true == (employees < 1)"},
      {"not (employees == 1)", "not (employees == 1)"},
      {"not employees == 1", "not employees == 1"},
      {"(not true) == false", "(not true) == false"},
      {"not not true", "not not true"},
      {"not (true and false)", "not (true and false)"},
      {"true and not false", "true and not false"},
      {"(true or false) and true", "(true or false) and true"},
      {"true or (false and true)", "true or (false and true)"},
      {"true or false and true", "true or false and true"},
      {"(true or false) or true", "(true or false) or true"},
      {"true or (false or true)", "true or (false or true)"},
      {"(true and false) and true", "(true and false) and true"},
      {"true and (false and true)", "true and (false and true)"},
      {"title ~* \"director|部長\"", "title ~* \"director|部長\""},
      {"title~\"^a\"", "title ~ \"^a\""},
      {"title in {\"a\",\"b\",}", "title in {\"a\", \"b\"}"},
      {"\"vip\" in tags", "\"vip\" in tags"},
      {"assigned_at within 7d", "assigned_at within 7d"},
      {"(assigned_at ?? now) within 30min", "(assigned_at ?? now) within 30min"},
      {"assigned_at ?? now within 2w", "assigned_at ?? now within 2w"},
      {"now - @2026-01-01 > 48h", "now - @2026-01-01 > 48h"},
      {"assigned_at < @2026-11-22T10:00:00+09:00", "assigned_at < @2026-11-22T10:00:00+09:00"},
      {"grade >= B+ or grade == A-", "grade >= B+ or grade == A-"},
      {"score - past(score, 1d) >= 10", "score - past(score, 1d) >= 10"},
      {"past( past(score,1d) , 2d)", "past(past(score, 1d), 2d)"},
      {"min( employees , 3, 4.50 )", "min(employees, 3, 4.50)"},
      {"round(employees/3)", "round(employees / 3)"},
      {"since(assigned_at) > 48h", "since(assigned_at) > 48h"},
      {"count(visit)", "count(visit)"},
      {"count( visit where page~\"^/p\" within 7d )>=5", "count(visit where page ~ \"^/p\" within 7d) >= 5"},
      {"count(activity within 7d)", "count(activity within 7d)"},
      {"count(visit where (at within 7d))", "count(visit where (at within 7d))"},
      {"count(visit where (at within 7d) and page == \"/\")",
       "count(visit where (at within 7d) and page == \"/\")"},
      {"count(visit where not (at within 7d))", "count(visit where not (at within 7d))"},
      {"count(visit where any form within 7d)", "count(visit where any form within 7d)"},
      {"count(visit where (any form) within 7d)", "count(visit where (any form) within 7d)"},
      {"count(visit where (any form where form == \"c\") within 7d)",
       "count(visit where (any form where form == \"c\") within 7d)"},
      {"last(activity) within 1d", "last(activity) within 1d"},
      {"first(form where form == \"a\")", "first(form where form == \"a\")"},
      {"any form where form == \"contact\" and score >= 100",
       "any form where form == \"contact\" and score >= 100"},
      {"(any form where form == \"contact\") and score >= 100",
       "(any form where form == \"contact\") and score >= 100"},
      {"any visit where page == \"/\" within 7d", "any visit where page == \"/\" within 7d"},
      {"(any visit where page == \"/\" within 7d) and true",
       "(any visit where page == \"/\" within 7d) and true"},
      {"(any visit within 7d) + 1", "(any visit within 7d) + 1"},
      {"(any visit) within 7d", "(any visit) within 7d"},
      {"any visit within 7d + 1d", "any visit within 7d + 1d"},
      {"no activity within 90d", "no activity within 90d"},
      {"(no activity) == true", "(no activity) == true"},
      {"no activity == true", "no activity == true"},
      {"no visit where page == \"/\"", "no visit where page == \"/\""},
      {"true and no visit where page == \"/\"", "true and no visit where page == \"/\""},
      {"(no visit where page == \"/\") or true", "(no visit where page == \"/\") or true"},
      {"any visit where (at within 7d) within 30d", "any visit where (at within 7d) within 30d"},
      {"count(colleague where any activity within 30d)", "count(colleague where any activity within 30d)"},
      {"count(colleague where at within 30d or true)", "count(colleague where at within 30d or true)"},
      {"any colleague where score > 10", "any colleague where score > 10"},
      {"(any colleague where score > 10) and true", "(any colleague where score > 10) and true"},
      {"sum(colleague, score) + score", "sum(colleague, score) + score"},
      {"min(colleague,score)", "min(colleague, score)"},
      {"max(colleague, employees ?? 0)", "max(colleague, employees ?? 0)"},
      {"hot and not past(hot, 1d)", "hot and not past(hot, 1d)"},
      {"\"a\\\"b\\\\c\\nd\\te\"", "\"a\\\"b\\\\c\\nd\\te\""},
      {"\"\\u{41}\\u{1}\\u{7f}\\u{65E5}\"", "\"A\\u{01}\\u{7F}日\""},
      {"\"{not a template}\"", "\"{not a template}\""},
      {"\"学生の皆さん\" == title", "\"学生の皆さん\" == title"},
      {"3.50 + 0.25", "3.50 + 0.25"},
      {"true != false", "true != false"},
      {"((((employees))))", "(employees)"},
      {"( employees )", "(employees)"},
      {"(1)", "(1)"},
      {"f((1), (\"a\"))", "f((1), (\"a\"))"},
      {"(((1 + 2)) * ((3)))", "((1 + 2) * (3))"},
  };
  std::vector<std::string> inputs;
  for (auto const& [in, _] : cases) inputs.push_back(in);
  check_roundtrip(with_lets(inputs));
  for (auto const& [in, expected] : cases) {
    INFO(in);
    CHECK(canonical_expr(in) == expected);
  }
}

TEST_CASE("fmt: parentheses the user wrote survive in every context", "[fmt]") {
  std::string text = std::string(kSchema) + R"LR(set s = {"acme"}
let a = not (title ~* "x")
let b = (account ?? "") in s
let c = (title == "a" and account == "b") or status == "c"
let d = ((title))
let e = count(download where not (asset ~* "whitepaper|ebook"))
let f = any form where (form == "c" or form == "d") and (score > 1)
let g = count(visit where (page ~ "^/p") within (7d))
let h = (employees ?? 0) * 2 + (1)
score s {
  points +8 per download where not (asset ~* "whitepaper|ebook")
  points +1 per visit where (page == "/") within (7d) cap 3
  points +2 if (title ?? "") ~ "vp"
}
grade +1 if (employees > 10) else -1
zone z {
  A (score >= 20)
}
segment m when (a and b)
rule "r" when (c or d) and not (e > 1) do notify("owner", "{(title ?? email)} {(employees + 1)|none}"), set title = (title ?? "t")
test "t" {
  expect (score == 1)
  expect set status == ("MQL")
}
)LR";
  std::string out = check_roundtrip(text);
  for (char const* line : {
           "let a = not (title ~* \"x\")\n",
           "let b = (account ?? \"\") in s\n",
           "let c = (title == \"a\" and account == \"b\") or status == \"c\"\n",
           "let d = (title)\n",
           "let e = count(download where not (asset ~* \"whitepaper|ebook\"))\n",
           "let f = any form where (form == \"c\" or form == \"d\") and (score > 1)\n",
           "let g = count(visit where (page ~ \"^/p\") within (7d))\n",
           "let h = (employees ?? 0) * 2 + (1)\n",
           "  points +8 per download where not (asset ~* \"whitepaper|ebook\")\n",
           "  points +1 per visit where (page == \"/\") within (7d) cap 3\n",
           "  points +2 if (title ?? \"\") ~ \"vp\"\n",
           "grade +1 if (employees > 10) else -1\n",
           "  A   (score >= 20)\n",
           "segment m when (a and b)\n",
           "rule \"r\" when (c or d) and not (e > 1)\n  do notify(\"owner\", \"{(title ?? email)} "
           "{(employees + 1)|none}\"), set title = (title ?? \"t\")\n",
           "  expect (score == 1)\n",
           "  expect set status == (\"MQL\")\n",
       }) {
    INFO(line);
    CHECK(out.find(line) != std::string::npos);
  }
  // Written parentheses that the grammar also needs are printed once, and inside them an infix
  // `within` needs none of its own (the parenthesised text is a whole expression again).
  CHECK(canonical_expr("count(visit where (at within 7d))") == "count(visit where (at within 7d))");
  CHECK(canonical_expr("count(visit where ((at within 7d)))") == "count(visit where (at within 7d))");
  CHECK(canonical_expr("count(visit where (at within 7d and true))") ==
        "count(visit where (at within 7d and true))");
  CHECK(canonical_expr("count(visit where ((at within 7d) and true))") ==
        "count(visit where ((at within 7d) and true))");
  CHECK(canonical_expr("(any visit where page == \"/\") within 7d") ==
        "(any visit where page == \"/\") within 7d");
  CHECK(canonical_expr("(employees ?? 1) ?? 2") == "(employees ?? 1) ?? 2");
  CHECK(canonical_expr("((employees ?? 1)) ?? 2") == "(employees ?? 1) ?? 2");
}

TEST_CASE("fmt: templates re-escape braces, quotes and fallbacks", "[fmt]") {
  std::string text =
      std::string(kSchema) +
      R"(rule "r" when true do notify("owner", "{{literal}} {email} {company|the \"co\"} \\ \n\t {{ {lower(email) ?? "x"|a{b\u{7D}} }}"), task("{title|}", 48h)
rule "s" when true do set status = "{status}-{{x}}", set title = title ?? "t", flag("日本語 {email|不明}")
)";
  std::string out = check_roundtrip(text);
  CHECK(
      out.find(
          R"(notify("owner", "{{literal}} {email} {company|the \"co\"} \\ \n\t {{ {lower(email) ?? "x"|a{b\u{7D}} }}"))") !=
      std::string::npos);
  CHECK(out.find(R"(task("{title|}", 48h))") != std::string::npos);
  CHECK(out.find(R"(set status = "{status}-{{x}}", set title = title ?? "t", flag("日本語 {email|不明}"))") !=
        std::string::npos);
}

TEST_CASE("fmt: messy input becomes the canonical text", "[fmt]") {
  std::string messy =
      "policy   \"X\"   timezone \"Asia/Tokyo\"\n"
      "schema prospect { id: string, email : string ,  n: number?=3 from \"N\" missing \"x\",\"y\" "
      "tags:[ string ] ok: bool = true d: duration? g: grade = B+ t: time? }\n\n\n\n"
      "schema activity{kinds visit,form\npage:string?}\n"
      "set a={\"x\",\"y\",}\n"
      "set b=file(\"f.txt\")\n"
      "set c = {}\n"
      "let   e=count(colleague where any activity within 30d)\n"
      "let f = -n\n"
      "score s cap 10 floor -5 { points +1 per visit cap 5 points +10 per form where form==\"c\" "
      "within 30d once per page cap 20 }\n"
      "score empty{}\n"
      "score cap 200 score floor -50\n"
      "points +1 if e>=2\n"
      "points -20 if no activity within 90d\n"
      "decay 50% after 90d decay 100% after 180d\n"
      "grade start D\n"
      "grade +1/3 if n>=1 else -1/3\n"
      "grade +1 if present(n)\n"
      "zone hot { A- score>=20 D score>=80 }\n"
      "segment m when any form where form==\"c\" and score>=1\n"
      "segment m2 when not m\n"
      "rule \"r\" when m do tag(\"x\"),set status=\"MQL\"\n"
      "rule \"q\" once when m do tag(\"y\")\n"
      "rule \"a\" always max 3 when m do flag(\"a\")\n"
      "rule \"e\"   every 7d max 2 when m do enroll(\"n\")\n"
      "test \"t\" { now @2026-11-22T00:00:00Z prospect { id: \"t1\", email: \"a@b\", tags: [\"a\",\"b\",] "
      "assigned_at: -50h, n: -1.5, ok: false } visit { page: \"/p\", at: -2d } "
      "visit{at:+2h} "
      "colleague { id: \"c\", email: \"c@b\" } "
      "colleague { id: \"c2\" email: \"c2@b\" form { form: \"x\", at: @2026-11-20T09:00:00Z } } "
      "history \"r\" { count: 1, last: -3d } "
      "expect score == 1 expect not m expect set status == \"MQL\" expect action tag(\"x\") }\n"
      "test \"empty\" { }\n";
  std::string expected = R"(policy "X" timezone "Asia/Tokyo"

schema prospect {
  id: string
  email: string
  n: number? = 3 from "N" missing "x", "y"
  tags: [string]
  ok: bool = true
  d: duration?
  g: grade = B+
  t: time?
}

schema activity {
  kinds visit, form
  page: string?
}

set a = {"x", "y"}
set b = file("f.txt")
set c = {}

let e = count(colleague where any activity within 30d)
let f = -n

score s cap 10 floor -5 {
  points +1  per visit cap 5
  points +10 per form where form == "c" within 30d once per page cap 20
}

score empty {}

score cap 200
score floor -50

points +1  if e >= 2
points -20 if no activity within 90d

decay 50% after 90d
decay 100% after 180d

grade start D
grade +1/3 if n >= 1 else -1/3
grade +1   if present(n)

zone hot {
  A-  score >= 20
  D   score >= 80
}

segment m when any form where form == "c" and score >= 1
segment m2 when not m

rule "r" when m do tag("x"), set status = "MQL"

rule "q" once when m do tag("y")

rule "a" always max 3 when m do flag("a")

rule "e" every 7d max 2 when m do enroll("n")

test "t" {
  now @2026-11-22T00:00:00Z
  prospect { id: "t1", email: "a@b", tags: ["a", "b"], assigned_at: -50h, n: -1.5, ok: false }
  visit { page: "/p", at: -2d }
  visit { at: 2h }
  colleague { id: "c", email: "c@b" }
  colleague {
    id: "c2"
    email: "c2@b"
    form { form: "x", at: @2026-11-20T09:00:00Z }
  }
  history "r" { count: 1, last: -3d }
  expect score == 1
  expect not m
  expect set status == "MQL"
  expect action tag("x")
}

test "empty" {}
)";
  CHECK(fmt_text(messy) == expected);
  check_roundtrip(messy);
  check_roundtrip(expected);
  CHECK(fmt_text(expected) == expected);
}

TEST_CASE("fmt: extra blank lines and indentation are normalised", "[fmt]") {
  std::string messy =
      "\n\n\npolicy \"P\"\n\n\n\n"
      "    schema prospect {\n\n\n        id: string\n\n\n  email: string\n\n}\n\n\n"
      "set a = {\"x\"}\n\n\n\nset b = {\"y\"}\n"
      "let x = 1\n\n\nlet y = 2\n"
      "segment s1 when true\n\n\n\n\nsegment s2 when false\n\n\n\n";
  std::string expected = R"(policy "P"

schema prospect {
  id: string
  email: string
}

set a = {"x"}
set b = {"y"}

let x = 1
let y = 2

segment s1 when true
segment s2 when false
)";
  CHECK(fmt_text(messy) == expected);
  check_roundtrip(messy);
}

TEST_CASE("fmt: a policy without a policy line, and the empty policy", "[fmt]") {
  CHECK(fmt_text("schema prospect { id: string }") == "schema prospect {\n  id: string\n}\n");
  CHECK(fmt_text("") == "");
  CHECK(fmt_text("# only a comment\n\n\n") == "# only a comment\n");
  CHECK(fmt_text("# a\n   # b   \n") == "# a\n# b\n");
}

TEST_CASE("fmt: long rules break before `do`, short ones stay on one line", "[fmt]") {
  std::string base = std::string(kSchema);
  // Exactly 100 columns on one line: stays.
  std::string name(100 - std::string(R"(rule "" when true do tag("x"))").size(), 'n');
  std::string fits = fmt::format(R"(rule "{}" when true do tag("x"))", name);
  REQUIRE(fits.size() == 100);
  auto out = check_roundtrip(base + fits + "\n");
  CHECK(out.find(fits + "\n") != std::string::npos);
  // 101 columns: breaks.
  std::string over = fmt::format(R"(rule "{}x" when true do tag("x"))", name);
  out = check_roundtrip(base + over + "\n");
  CHECK(out.find(fmt::format("rule \"{}x\" when true\n  do tag(\"x\")\n", name)) != std::string::npos);
  // Columns are code points: 100 Japanese characters' worth of columns still fit.
  std::string jname;
  for (size_t i = 0; i < name.size(); ++i) jname += "部";
  std::string jfits = fmt::format(R"(rule "{}" when true do tag("x"))", jname);
  out = check_roundtrip(base + jfits + "\n");
  CHECK(out.find(jfits + "\n") != std::string::npos);
  // A long rule written on one line, and a short one written on three.
  std::string text =
      base +
      "rule \"SLA untouched\" always max 3 when status == \"MQL\" and since(assigned_at) > 48h do "
      "notify(\"manager\", \"{email} untouched 48h after assignment: reassign\"), flag(\"sla\")\n"
      "rule \"short\"\n  when true\n  do\n  tag(\"a\"),\n     tag(\"b\")\n";
  CHECK(fmt_text(text).substr(std::string(kSchema).size()) ==
        "\nrule \"SLA untouched\" always max 3 when status == \"MQL\" and since(assigned_at) > 48h\n"
        "  do notify(\"manager\", \"{email} untouched 48h after assignment: reassign\"), flag(\"sla\")\n"
        "\n"
        "rule \"short\" when true do tag(\"a\"), tag(\"b\")\n");
  check_roundtrip(text);
}

TEST_CASE("fmt: test records are one line when they fit, else one field a line", "[fmt]") {
  std::string text = std::string(kSchema) +
                     "test \"records\" {\n"
                     "  prospect { id: \"p1\", email: \"a-very-long-address@example.com\", title: \"Director "
                     "of Everything\", "
                     "status: \"Lead\" }\n"
                     "  visit {\n    page: \"/pricing\"\n    at: -2d\n  }\n"
                     "  history \"r\" {\n  }\n"
                     "  colleague { id: \"p2\" }\n"
                     "  expect true\n"
                     "}\n";
  std::string expected = std::string(kSchema) + R"(
test "records" {
  prospect {
    id: "p1"
    email: "a-very-long-address@example.com"
    title: "Director of Everything"
    status: "Lead"
  }
  visit { page: "/pricing", at: -2d }
  history "r" {}
  colleague { id: "p2" }
  expect true
}
)";
  CHECK(fmt_text(text) == expected);
  check_roundtrip(text);
  check_roundtrip(expected);
}

TEST_CASE("fmt: comments survive, trailing ones stay at the end of their line", "[fmt]") {
  std::string text = R"(# File header.
#   second line
policy "C"   # the name

# The prospect.
schema prospect {   # opens
  id: string        # required
  # an own-line comment before email
  email: string
  # a comment before the closing brace
}   # closes

set s = {"a",   # first member
         "b"}   # last member
# between sets
set t = {"c"}
let x = 1 +    # a trailing comment inside an expression
  2            # and one at its end
let y = 1 +
  # an own-line comment inside an expression
  2

score b {
  # before the first rule
  points +1 if true   # trailing
  points +2 if false
  # before the closing brace
}

zone hot {
  A- score >= 1   # row comment
}

rule "r" when true  # after the condition
  do tag("x")       # after the action

test "t" {
  prospect { id: "p",   # inside a record
    email: "e" }
  prospect2 { }
  expect true   # expect comment
                # continuation
  # before the end
}
# The end.
   # really.
)";
  // `prospect2 { }` is an activity record of kind prospect2.
  auto tree = parse(text);
  REQUIRE(tree.comments.size() == 27);
  std::string out = check_roundtrip(text);
  std::string expected = R"(# File header.
#   second line
policy "C"  # the name

# The prospect.
schema prospect {  # opens
  id: string  # required
  # an own-line comment before email
  email: string
  # a comment before the closing brace
}  # closes

# first member
set s = {"a", "b"}  # last member
# between sets
set t = {"c"}

# a trailing comment inside an expression
let x = 1 + 2  # and one at its end
# an own-line comment inside an expression
let y = 1 + 2

score b {
  # before the first rule
  points +1 if true  # trailing
  points +2 if false
  # before the closing brace
}

zone hot {
  A-  score >= 1  # row comment
}

# after the condition
rule "r" when true do tag("x")  # after the action

test "t" {
  prospect {
    id: "p"  # inside a record
    email: "e"
  }
  prospect2 {}
  expect true  # expect comment
  # continuation
  # before the end
}

# The end.
# really.
)";
  CHECK(out == expected);
}

TEST_CASE("fmt: comments inside long rules and records", "[fmt]") {
  std::string text = std::string(kSchema) + R"(
rule "long rule with comments" when status == "MQL"   # head comment
  and since(assigned_at) > 48h   # second head comment
  # own line before do
  do notify("manager", "{email} untouched 48h after assignment: reassign"),   # first action
     flag("sla-untouched")   # last action
test "t" {
  colleague {   # the colleague
    id: "c"
    # before the nested activity
    visit { at: -1d }   # nested
  }
}
)";
  std::string out = check_roundtrip(text);
  std::string expected = std::string(kSchema) + R"(
# head comment
rule "long rule with comments" when status == "MQL" and since(assigned_at) > 48h  # second head comment
  # own line before do
  # first action
  do notify("manager", "{email} untouched 48h after assignment: reassign"), flag("sla-untouched")  # last action

test "t" {
  colleague {  # the colleague
    id: "c"
    # before the nested activity
    visit { at: -1d }  # nested
  }
}
)";
  CHECK(out == expected);
}

TEST_CASE("fmt: Japanese text in strings and comments is kept byte for byte", "[fmt]") {
  std::string text = R"(policy "日本の方針" timezone "Asia/Tokyo"
# 見込み客のスキーマ
schema prospect {
  id: string
  title: string?   # 役職（例：部長）
  company: string? = "株式会社"
}
set titles = {"部長", "課長", "学生"}
segment student when title ~* "student|intern|学生"   # 学生は除外
rule "ホット" when student do notify("営業", "{title|役職不明} さん、こんにちは")
)";
  std::string out = check_roundtrip(text);
  for (char const* piece :
       {"policy \"日本の方針\" timezone \"Asia/Tokyo\"", "# 見込み客のスキーマ", "# 役職（例：部長）",
        "set titles = {\"部長\", \"課長\", \"学生\"}", "company: string? = \"株式会社\"",
        "\"student|intern|学生\"  # 学生は除外", "notify(\"営業\", \"{title|役職不明} さん、こんにちは\")"})
    CHECK(out.find(piece) != std::string::npos);
}

TEST_CASE("fmt: the whole example of LANGUAGE.md round-trips", "[fmt]") {
  std::string text = R"LR(policy "Acme B2B"

schema prospect {
  id: string                 # required, unique
  account: string?           # prospects with the same account are colleagues
  email: string
  company: string?
  title: string?
  industry: string?
  employees: number?
  country: string?
  status: string = "Lead"    # default when the input lacks it
  touch_stage: string = "Untouched"
  assigned_at: time?
  tags: [string]
}

schema activity {
  kinds visit, form, email_open, email_click, download, webinar, unsubscribe
  page: string?
  form: string?
}

set free_mail = {"gmail.com", "yahoo.co.jp", "outlook.com"}
set priority_accounts = file("priority_accounts.txt")   # one value a line, path relative to this file

let engaged_colleagues = count(colleague where any activity within 30d)

score behavior {
  points +1  per visit cap 20
  points +10 per visit where page ~ "^/pricing"
  points +25 per form
  points +2  per email_open within 30d cap 10
  points -50 per unsubscribe
  points -20 if no activity within 90d                 # inactivity
  points +10 if count(activity within 7d) >= 5         # speed: many actions in a short time
}

score fit {
  points -30 if title ~* "student|intern|学生"
  points -5  if domain(email) in free_mail
  points +15 if engaged_colleagues >= 2                # several stakeholders of one account
  points +30 if account in priority_accounts
}

decay 50% after 90d        # points from activities older than 90 days count half
decay 100% after 180d      # ... and older than 180 days not at all

grade start D
grade +1/3 if industry in {"SaaS", "Manufacturing"}
grade +2/3 if employees >= 1000
grade +1   if title ~* "director|vp|head|部長"
grade -1/3 if country != "JP"

zone hot {
  A-  score >= 20
  B-  score >= 40
  C-  score >= 60
  D   score >= 80
}

segment mql when any form where form == "contact" and score >= 100

rule "Hot list" when hot do add_to_list("HOT"), tag("hot")
rule "Hot and active today" when hot and last(activity) within 1d
  do notify("owner", "{email} is hot and active today")
rule "MQL" when mql and status == "Lead"
  do set status = "MQL", task("Approach request for {company|your company}", 48h)
rule "Score jump" always when score - past(score, 1d) >= 10 do flag("score-jump")
rule "SLA untouched" when touch_stage == "Untouched" and since(assigned_at) > 48h
  do notify("manager", "{email} untouched for 48h")

test "a student on the pricing page stays cold" {
  now @2026-11-22T00:00:00Z
  prospect { id: "t1", email: "a@gmail.com", title: "Student", country: "JP" }
  visit { page: "/pricing", at: -2d }
  expect score == -24          # 1 + 10 (behavior) - 30 - 5 (fit)
  expect grade == D
  expect not hot
  expect not fired("Hot list")
}

test "name" {
  now @2026-11-22T00:00:00Z
  prospect { id: "p1", account: "initech", email: "a@initech.example", assigned_at: -50h }
  visit { page: "/pricing", at: -2d }          # activities of the prospect under test
  visit { page: "/pricing", at: -2h }
  colleague {
    id: "p2", account: "initech", email: "b@initech.example"
    form { form: "contact", at: @2026-11-20T09:00:00Z }   # nested: the colleague's activities
  }
  history "Hot list" { count: 1, last: -3d }   # firing history of the prospect under test
  expect score == 22              # 2 × (1 + 10); one engaged colleague is not two
  expect past(score, 1d) == 11
  expect fired("Score jump")
  expect fired("SLA untouched")
  expect action notify("manager", "a@initech.example untouched for 48h")
}
)LR";
  std::string out = check_roundtrip(text);
  // Spot checks of the house style on the spec's own text.
  CHECK(out.find("  id: string  # required, unique\n") != std::string::npos);
  CHECK(out.find("  points +1  per visit cap 20\n") != std::string::npos);
  CHECK(out.find("  points -5  if domain(email) in free_mail\n") != std::string::npos);
  CHECK(out.find("grade +1   if title ~* \"director|vp|head|部長\"\n") != std::string::npos);
  CHECK(out.find("  D   score >= 80\n}\n") != std::string::npos);
  CHECK(out.find("rule \"Hot list\" when hot do add_to_list(\"HOT\"), tag(\"hot\")\n\nrule \"Hot and active "
                 "today\"") != std::string::npos);
  CHECK(out.find("  expect score == 22  # 2 × (1 + 10); one engaged colleague is not two\n") !=
        std::string::npos);
  CHECK(out.find("    form { form: \"contact\", at: @2026-11-20T09:00:00Z }  # nested: the colleague's "
                 "activities\n") != std::string::npos);
}

TEST_CASE("fmt: the benchmark policy round-trips", "[fmt]") {
  fs::path path = fs::path(LEADRULES_SHARED_DIR) / "bench" / "policy.lr";
  if (!fs::exists(path)) {
    WARN("no " << path << ": skipped");
    return;
  }
  std::string text = read(path);
  std::string out = check_roundtrip(text, path.string());
  CHECK(out.find("policy \"bench\"\n") != std::string::npos);
  CHECK(out.find("  points +8  per download where not (asset ~* \"whitepaper|ebook\")\n") !=
        std::string::npos);
}

TEST_CASE("fmt: every example policy round-trips and is a fixed point", "[fmt]") {
  fs::path dir = fs::path(LEADRULES_SOURCE_DIR) / "examples";
  REQUIRE(fs::is_directory(dir));
  size_t n = 0;
  std::vector<fs::path> policies;
  for (auto const& entry : fs::directory_iterator(dir))
    if (fs::exists(entry.path() / "policy.lr")) policies.push_back(entry.path() / "policy.lr");
  std::sort(policies.begin(), policies.end());
  for (auto const& p : policies) {
    DYNAMIC_SECTION(p.parent_path().filename().string()) {
      std::string text = read(p);
      check_roundtrip(text, p.string());
    }
    ++n;
  }
  CHECK(n >= 3);
}

namespace {

ast::ExprPtr make(ast::ExprKind kind, std::string text = {}) {
  auto e = std::make_unique<ast::Expr>();
  e->kind = kind;
  e->text = std::move(text);
  return e;
}

ast::TestField field(std::string name, ast::ExprPtr value) {
  ast::TestField f;
  f.name.name = std::move(name);
  f.value = std::move(value);
  return f;
}

}  // namespace

TEST_CASE("fmt: a tree without written parentheses gets only the ones precedence needs", "[fmt]") {
  auto bin = [](ast::BinOp op, ast::ExprPtr l, ast::ExprPtr r) {
    auto e = make(ast::ExprKind::Binary);
    e->bin = op;
    e->args.push_back(std::move(l));
    e->args.push_back(std::move(r));
    return e;
  };
  auto num = [](char const* t) { return make(ast::ExprKind::Number, t); };
  auto text_of = [](ast::ExprPtr e) {
    ast::Policy policy;
    ast::LetDecl d;
    d.name.name = "x";
    d.value = std::move(e);
    policy.decls.emplace_back(std::move(d));
    SourceFile empty("built.lr", "");
    return format_policy(policy, empty);
  };
  // (1 + 2) * 3: needed; 1 + 2 * 3 and 1 - 2 - 3: none.
  CHECK(text_of(bin(ast::BinOp::Mul, bin(ast::BinOp::Add, num("1"), num("2")), num("3"))) ==
        "let x = (1 + 2) * 3\n");
  CHECK(text_of(bin(ast::BinOp::Add, num("1"), bin(ast::BinOp::Mul, num("2"), num("3")))) ==
        "let x = 1 + 2 * 3\n");
  CHECK(text_of(bin(ast::BinOp::Sub, bin(ast::BinOp::Sub, num("1"), num("2")), num("3"))) ==
        "let x = 1 - 2 - 3\n");
  CHECK(text_of(bin(ast::BinOp::Sub, num("1"), bin(ast::BinOp::Sub, num("2"), num("3")))) ==
        "let x = 1 - (2 - 3)\n");
  // Needed and written: one pair.
  auto sum = bin(ast::BinOp::Add, num("1"), num("2"));
  sum->parenthesized = true;
  CHECK(text_of(bin(ast::BinOp::Mul, std::move(sum), num("3"))) == "let x = (1 + 2) * 3\n");
  // Written but not needed: kept.
  auto product = bin(ast::BinOp::Mul, num("2"), num("3"));
  product->parenthesized = true;
  CHECK(text_of(bin(ast::BinOp::Add, num("1"), std::move(product))) == "let x = 1 + (2 * 3)\n");
}

TEST_CASE("fmt: list values in test records", "[fmt]") {
  // Built by hand, so this checks the printer whatever the parser does with lists.
  ast::Policy policy;
  ast::TestDecl t;
  t.name = "lists";
  ast::TestProspect p;
  p.fields.push_back(field("id", make(ast::ExprKind::String, "p")));
  auto tags = make(ast::ExprKind::List);
  tags->args.push_back(make(ast::ExprKind::String, "a"));
  tags->args.push_back(make(ast::ExprKind::String, "部長"));
  p.fields.push_back(field("tags", std::move(tags)));
  p.fields.push_back(field("none", make(ast::ExprKind::List)));
  t.prospect = std::move(p);
  policy.decls.emplace_back(std::move(t));
  SourceFile empty("built.lr", "");
  CHECK(format_policy(policy, empty) ==
        "test \"lists\" {\n  prospect { id: \"p\", tags: [\"a\", \"部長\"], none: [] }\n}\n");
}

TEST_CASE("fmt: list values round-trip through the parser", "[fmt]") {
  std::string text = std::string(kSchema) +
                     "test \"t\" {\n  prospect { id: \"p\", tags: [\"a\",\"b\",] }\n  colleague { id: \"q\", "
                     "tags: [] }\n}\n";
  std::string out = check_roundtrip(text);
  CHECK(out.find("  prospect { id: \"p\", tags: [\"a\", \"b\"] }\n  colleague { id: \"q\", tags: [] }\n") !=
        std::string::npos);
}

namespace {

// The positions of the blank runs between tokens (outside strings and comments).
std::vector<std::pair<size_t, size_t>> blank_runs(std::string const& text) {
  std::vector<std::pair<size_t, size_t>> runs;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == ' ' || c == '\n') {
      size_t j = i;
      while (j < text.size() && (text[j] == ' ' || text[j] == '\n')) ++j;
      runs.push_back({i, j});
      i = j - 1;
    }
  }
  return runs;
}

constexpr char const* kCommentTarget = R"(policy "C" timezone "UTC"
schema prospect {
  id: string
  email: string = "x" from "E" missing "-", "?"
  title: string?
  n: number?
  account: string?
  status: string = "Lead"
}
schema activity {
  kinds visit, form
  page: string?
  form: string?
}
set s = {"a", "b"}
set f = file("f.txt")
let e = count(colleague where any activity within 30d) + 1
score b cap 10 floor -5 {
  points +1 per visit where page ~ "^/p" and not (at within 7d) within 30d once per page cap 5
  points -2 if no activity within 90d
}
score cap 100
points +1 if n >= 2 cap 3
decay 50% per 30d
grade start D
grade +1/3 if title in s else -1/3
zone hot {
  A- score >= 20
  D score >= 80
}
segment m when any form where form == "c" and score >= 1
rule "r" every 7d max 2 when m and (n ?? 0) * 2 > -1 do set status = "MQL", task("{email|x} {{y}}", 48h)
rule "q" when hot do tag("hot")
test "t" {
  now @2026-11-22T00:00:00Z
  prospect { id: "p", email: "a@b", n: -1 }
  visit { page: "/p", at: -2d }
  colleague {
    id: "q", account: "x"
    form { form: "c", at: @2026-11-20T09:00:00Z }
  }
  history "r" { count: 1, last: -3d }
  expect set status == "MQL"
  expect action tag("hot")
  expect not hot
}
)";

}  // namespace

TEST_CASE("fmt: a comment between any two tokens survives and formats stably", "[fmt]") {
  std::string base = kCommentTarget;
  check_roundtrip(base);
  auto runs = blank_runs(base);
  REQUIRE(runs.size() > 200);
  // One trailing comment and one own-line comment at each place in turn.
  for (size_t k = 0; k < runs.size(); ++k) {
    auto [b, e] = runs[k];
    for (char const* insert : {"  # trailing\n", "\n# own line\n"}) {
      std::string text = base.substr(0, b) + insert + base.substr(e);
      DYNAMIC_SECTION("run " << k << (insert[2] == '#' ? " trailing" : " own line")) {
        check_roundtrip(text);
      }
    }
  }
  // Comments everywhere at once.
  std::string all, all_own;
  size_t at = 0;
  for (size_t k = 0; k < runs.size(); ++k) {
    all += base.substr(at, runs[k].first - at) + fmt::format("  # c{}\n", k);
    all_own += base.substr(at, runs[k].first - at) + fmt::format("\n# c{}\n", k);
    at = runs[k].second;
  }
  all += base.substr(at);
  all_own += base.substr(at);
  CHECK(parse(all).comments.size() == runs.size());
  check_roundtrip(all);
  check_roundtrip(all_own);
}

TEST_CASE("fmt: where/within boundaries of points rules, kinds clauses, odd templates", "[fmt]") {
  std::string text = R"(schema prospect { id: string, n: number? }
schema activity {
  kinds visit
  page: string?
  kinds form, download
  at2: time?
}
score b {
  points +1 per visit where (at within 7d)
  points +1 per visit where (at within 7d) within 30d
  points +1 per visit where any form within 7d
  points +1 per visit where (any form) within 7d
  points +1 per visit where not at within 7d
  points +1 per visit where (any form where page == "x") within 7d once per page
  points +100 if any visit where page == "x" cap 5
}
grade +1 if any visit where page == "x" else -1
rule "t" when true do tag("a|b {{c}} |"), notify("x", "{n|a|b{c}"), set page = n ?? 1
)";
  std::string out = check_roundtrip(text);
  CHECK(out.substr(out.find("schema activity")) == R"(schema activity {
  kinds visit, form, download
  page: string?
  at2: time?
}

score b {
  points +1   per visit where (at within 7d)
  points +1   per visit where (at within 7d) within 30d
  points +1   per visit where any form within 7d
  points +1   per visit where (any form) within 7d
  points +1   per visit where not at within 7d
  points +1   per visit where (any form where page == "x") within 7d once per page
  points +100 if any visit where page == "x" cap 5
}

grade +1 if any visit where page == "x" else -1

rule "t" when true do tag("a|b {{c}} |"), notify("x", "{n|a|b{c}"), set page = n ?? 1
)");
}
