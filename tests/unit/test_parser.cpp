// The parser (grammar/): every form of LANGUAGE.md into the expected tree, spans, and syntax
// errors with their message, line and column.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "grammar/parser.hpp"

using namespace leadrules;
using namespace leadrules::ast;

namespace {

// A compact S-expression of an expression tree: the shape the tests compare.
std::string op_name(BinOp o) {
  static char const* t[] = {
      "+", "-", "*", "/", "??", "==", "!=", "<", "<=", ">", ">=", "~", "~*", "in", "within", "and", "or"};
  return t[int(o)];
}
std::string agg_name(AggFn f) {
  static char const* t[] = {"count", "any", "no", "last", "first", "sum", "min", "max"};
  return t[int(f)];
}
std::string sx(Expr const* e) {
  if (!e) return "<null>";
  switch (e->kind) {
    case ExprKind::Number: return e->text;
    case ExprKind::String: return "\"" + e->text + "\"";
    case ExprKind::Bool: return e->boolean ? "true" : "false";
    case ExprKind::Duration: return e->text;
    case ExprKind::Time: return "@" + e->text;
    case ExprKind::Grade: return "G:" + e->text;
    case ExprKind::Now: return "now";
    case ExprKind::Name: return e->text;
    case ExprKind::Unary:
      return std::string("(") + (e->un == UnOp::Neg ? "neg " : "not ") + sx(e->args[0].get()) + ")";
    case ExprKind::Binary:
      return "(" + op_name(e->bin) + " " + sx(e->args[0].get()) + " " + sx(e->args[1].get()) + ")";
    case ExprKind::SetLiteral:
    case ExprKind::List: {
      std::string r = e->kind == ExprKind::List ? "[" : "{";
      for (size_t i = 0; i < e->args.size(); ++i) r += (i ? " " : "") + sx(e->args[i].get());
      return r + (e->kind == ExprKind::List ? "]" : "}");
    }
    case ExprKind::Call: {
      std::string r = "(call " + e->text;
      for (auto& a : e->args) r += " " + sx(a.get());
      return r + ")";
    }
    case ExprKind::ActivityAgg: {
      std::string r = "(" + agg_name(e->agg) + " " + e->kind_name.name;
      if (e->where) r += " where " + sx(e->where.get());
      if (e->within) r += " within " + sx(e->within.get());
      return r + ")";
    }
    case ExprKind::ColleagueAgg: {
      std::string r = "(" + agg_name(e->agg) + " colleague";
      if (e->where) r += " where " + sx(e->where.get());
      for (auto& a : e->args) r += " " + sx(a.get());
      return r + ")";
    }
    case ExprKind::Past: return "(past " + sx(e->args[0].get()) + " " + sx(e->args[1].get()) + ")";
    case ExprKind::Template: {
      std::string r = "(tpl";
      for (auto& p : e->pieces) {
        if (!p.expr) {
          r += " '" + p.text + "'";
        } else {
          r += " {" + sx(p.expr.get());
          if (p.fallback) r += "|" + *p.fallback;
          r += "}";
        }
      }
      return r + ")";
    }
  }
  return "?";
}
std::string sx(ExprPtr const& e) { return sx(e.get()); }

struct Parsed {
  std::optional<Policy> policy;
  Diagnostics diags;
};

Parsed parse(std::string text) {
  SourceFile src("test.lr", std::move(text));
  Parsed p;
  p.policy = parse_policy(src, p.diags);
  return p;
}

// Parses a policy that must be valid (fails the test with the rendered diagnostics otherwise).
Policy ok(std::string const& text) {
  auto p = parse(text);
  INFO(render(p.diags));
  REQUIRE(p.diags.items.empty());
  REQUIRE(p.policy);
  return std::move(*p.policy);
}

ExprPtr expr(std::string const& text) {
  SourceFile src("expr", text);
  Diagnostics d;
  auto e = parse_expression(src, d);
  INFO(text << "\n" << render(d));
  REQUIRE(d.items.empty());
  REQUIRE(e);
  return e;
}

std::string tree(std::string const& text) { return sx(expr(text)); }

// The first diagnostic of parsing a policy that must fail.
Diagnostic error_of(std::string const& text) {
  auto p = parse(text);
  INFO(text);
  REQUIRE_FALSE(p.policy);
  REQUIRE(!p.diags.items.empty());
  return p.diags.items.front();
}

Diagnostic expr_error(std::string const& text) {
  SourceFile src("expr", text);
  Diagnostics d;
  auto e = parse_expression(src, d);
  INFO(text);
  REQUIRE_FALSE(e);
  REQUIRE(!d.items.empty());
  return d.items.front();
}

void check_error(std::string const& text, std::string const& message, uint32_t line, uint32_t column) {
  Diagnostic d = error_of(text);
  INFO("policy:\n" << text << "\ngot: " << render(d));
  CHECK(d.severity == Severity::Error);
  CHECK(d.file == "test.lr");
  CHECK_THAT(d.message, Catch::Contains(message));
  CHECK(d.line == line);
  CHECK(d.column == column);
}

template <typename T>
T const& decl(Policy const& p, size_t i) {
  REQUIRE(i < p.decls.size());
  REQUIRE(std::holds_alternative<T>(p.decls[i]));
  return std::get<T>(p.decls[i]);
}

std::string slice(std::string const& text, Span s) { return text.substr(s.begin, s.end - s.begin); }

constexpr int64_t kMinute = 60'000'000LL;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t k20261122 = 1795305600LL * 1'000'000;  // 2026-11-22T00:00:00Z

// LANGUAGE.md "A whole example", verbatim.
constexpr char const* kWholeExample = R"LR(policy "Acme B2B"

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
)LR";

// LANGUAGE.md "Tests", verbatim.
constexpr char const* kTestExample = R"LR(test "name" {
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

}  // namespace

// =============================================================================================
// Lexical

TEST_CASE("parser: keywords are whole words - identifiers around them", "[parser]") {
  CHECK(tree("origin") == "origin");
  CHECK(tree("do_not_email and not_student") == "(and do_not_email not_student)");
  CHECK(tree("scores + inside + index + nowhere + anyone") ==
        "(+ (+ (+ (+ scores inside) index) nowhere) anyone)");
  CHECK(tree("_x1 == Acme") == "(== _x1 Acme)");
  // Contextual keywords are names elsewhere.
  CHECK(tree("max + floor + from + file + kinds + missing + timezone") ==
        "(+ (+ (+ (+ (+ (+ max floor) from) file) kinds) missing) timezone)");
  CHECK(tree("count + last + first + sum + past + min") ==
        "(+ (+ (+ (+ (+ count last) first) sum) past) min)");
  // `score` and `grade` are names in expressions.
  CHECK(tree("score >= 10 and grade >= B+") == "(and (>= score 10) (>= grade G:B+))");
  CHECK(tree("now") == "now");
  CHECK(tree("true or false") == "(or true false)");
}

TEST_CASE("parser: grade literals", "[parser]") {
  char const* grades[] = {"F", "D-", "D", "D+", "C-", "C", "C+", "B-", "B", "B+", "A-", "A", "A+"};
  for (int i = 0; i < 13; ++i) {
    auto e = expr(grades[i]);
    CHECK(e->kind == ExprKind::Grade);
    CHECK(e->grade == i);
    CHECK(e->text == grades[i]);
  }
  // `x - B`: B alone is a grade; `B-1` is B then -1; `A+B` is A+ then B? no: A then +B.
  CHECK(tree("x - B") == "(- x G:B)");
  CHECK(tree("B-1") == "(- G:B 1)");
  CHECK(tree("grade == B-") == "(== grade G:B-)");
  CHECK(tree("A+ > B") == "(> G:A+ G:B)");
  // Longer words starting with a grade letter are identifiers.
  CHECK(tree("Acme + B2 + D_x + Ff") == "(+ (+ (+ Acme B2) D_x) Ff)");
  // E is no grade.
  CHECK(tree("E") == "E");
}

TEST_CASE("parser: numbers and durations", "[parser]") {
  auto n = expr("42");
  CHECK(n->kind == ExprKind::Number);
  CHECK(n->number == 42);
  CHECK(n->text == "42");
  auto f = expr("3.5");
  CHECK(f->number == 3.5);
  CHECK(f->text == "3.5");

  struct {
    char const* text;
    int64_t micros;
  } durations[] = {{"30min", 30 * kMinute}, {"48h", 48 * kHour}, {"90d", 90 * kDay},
                   {"2w", 14 * kDay},       {"0d", 0},           {"1min", kMinute}};
  for (auto& d : durations) {
    auto e = expr(d.text);
    CHECK(e->kind == ExprKind::Duration);
    CHECK(e->micros == d.micros);
    CHECK(e->text == d.text);
  }
  // A negative number or duration is a unary minus.
  CHECK(tree("-24") == "(neg 24)");
  CHECK(tree("- -2d") == "(neg (neg 2d))");
}

TEST_CASE("parser: times", "[parser]") {
  auto t = expr("@2026-11-22");
  CHECK(t->kind == ExprKind::Time);
  CHECK(t->micros == k20261122);
  CHECK(t->text == "2026-11-22");
  CHECK(expr("@2026-11-22T00:00:00Z")->micros == k20261122);
  CHECK(expr("@2026-11-22T10:00:00Z")->micros == k20261122 + 10 * kHour);
  CHECK(expr("@2026-11-22T10:00:00.123456Z")->micros == k20261122 + 10 * kHour + 123456);
  CHECK(expr("@2026-11-22T10:00:00.5Z")->micros == k20261122 + 10 * kHour + 500000);
  CHECK(expr("@2026-11-22T09:00:00+09:00")->micros == k20261122);
  CHECK(expr("@2026-11-21T19:00:00-05:00")->micros == k20261122);
  CHECK(expr("@1970-01-01")->micros == 0);
  CHECK(expr("@1969-12-31T23:59:59Z")->micros == -1'000'000);
  CHECK(expr("@2024-02-29")->micros == (1709164800LL * 1'000'000));  // a leap day
  CHECK(expr("@2026-11-22T10:00:00+09:00")->text == "2026-11-22T10:00:00+09:00");
}

TEST_CASE("parser: strings and escapes", "[parser]") {
  CHECK(expr(R"("a\"b\\c\nd\te")")->text == "a\"b\\c\nd\te");
  CHECK(expr(R"("\u{65E5}\u{672C}")")->text == "日本");
  CHECK(expr(R"("\u{1F600}")")->text == "\xF0\x9F\x98\x80");
  CHECK(expr("\"学生 # not a comment\"")->text == "学生 # not a comment");
  CHECK(expr("\"\"")->text.empty());
  // A plain string is never interpolated outside actions and `set` values.
  auto s = expr("x == \"{email}\"");
  CHECK(s->args[1]->kind == ExprKind::String);
  CHECK(s->args[1]->text == "{email}");
}

TEST_CASE("parser: comments are recorded with their spans", "[parser]") {
  std::string text = "# head\nlet x = 1   # one\n\n  # 日本語 #\nlet y = \"#no\" # two\r\n";
  auto p = ok(text);
  REQUIRE(p.comments.size() == 4);
  CHECK(p.comments[0].text == "# head");
  CHECK(slice(text, p.comments[0].span) == "# head");
  CHECK(p.comments[1].text == "# one");
  CHECK(slice(text, p.comments[1].span) == "# one");
  CHECK(p.comments[2].text == "# 日本語 #");
  CHECK(p.comments[3].text == "# two");  // without the \r
  CHECK(slice(text, p.comments[3].span) == "# two");
  CHECK(p.decls.size() == 2);
}

TEST_CASE("parser: empty and comment-only files are an empty policy", "[parser]") {
  for (char const* t : {"", "\n\n  \t\n", "# only a comment", "# a\n# b\n", "\xEF\xBB\xBF# bom\n"}) {
    auto p = ok(t);
    CHECK(p.decls.empty());
    CHECK_FALSE(p.name);
  }
}

// =============================================================================================
// Expressions

TEST_CASE("parser: precedence and associativity", "[parser]") {
  CHECK(tree("a + b * c") == "(+ a (* b c))");
  CHECK(tree("a * b + c") == "(+ (* a b) c)");
  CHECK(tree("a - b - c") == "(- (- a b) c)");
  CHECK(tree("a / b / c") == "(/ (/ a b) c)");
  CHECK(tree("-a * b") == "(* (neg a) b)");
  CHECK(tree("-(a + b)") == "(neg (+ a b))");
  CHECK(tree("(a + b) * c") == "(* (+ a b) c)");
  // ?? is right associative and looser than + -.
  CHECK(tree("a ?? b ?? c") == "(?? a (?? b c))");
  CHECK(tree("a ?? b + c") == "(?? a (+ b c))");
  CHECK(tree("a + b ?? c") == "(?? (+ a b) c)");
  CHECK(tree("a ?? b == c") == "(== (?? a b) c)");
  // Comparisons.
  CHECK(tree("a + 1 == b * 2") == "(== (+ a 1) (* b 2))");
  CHECK(tree("a != b") == "(!= a b)");
  CHECK(tree("a < b") == "(< a b)");
  CHECK(tree("a <= b") == "(<= a b)");
  CHECK(tree("a > b") == "(> a b)");
  CHECK(tree("a >= b") == "(>= a b)");
  CHECK(tree("a ~ \"x\"") == "(~ a \"x\")");
  CHECK(tree("a ~* \"x\"") == "(~* a \"x\")");
  CHECK(tree("t within 7d") == "(within t 7d)");
  CHECK(tree("now - t within 2d + 1h") == "(within (- now t) (+ 2d 1h))");
  // not is below comparisons; and binds tighter than or; both left associative.
  CHECK(tree("not a == b") == "(not (== a b))");
  CHECK(tree("not a and b") == "(and (not a) b)");
  CHECK(tree("not not a") == "(not (not a))");
  CHECK(tree("a or b and c") == "(or a (and b c))");
  CHECK(tree("a and b or c") == "(or (and a b) c)");
  CHECK(tree("a and b and c") == "(and (and a b) c)");
  CHECK(tree("a or b or c") == "(or (or a b) c)");
  CHECK(tree("(a or b) and not (c)") == "(and (or a b) (not c))");
  CHECK(tree("a == b and c != d or not e") == "(or (and (== a b) (!= c d)) (not e))");
}

TEST_CASE("parser: in with a set name or a set literal", "[parser]") {
  CHECK(tree("x in free_mail") == "(in x free_mail)");
  CHECK(tree("domain(email) in {\"a.com\", \"b.com\"}") == "(in (call domain email) {\"a.com\" \"b.com\"})");
  CHECK(tree("\"vip\" in tags") == "(in \"vip\" tags)");
  CHECK(tree("x in {}") == "(in x {})");
  CHECK(tree("x in {\"a\",}") == "(in x {\"a\"})");
  auto e = expr("x in {\"a\", \"b\"}");
  REQUIRE(e->args[1]->kind == ExprKind::SetLiteral);
  CHECK(e->args[1]->args[0]->kind == ExprKind::String);
}

TEST_CASE("parser: calls", "[parser]") {
  CHECK(tree("f()") == "(call f)");
  CHECK(tree("domain(email)") == "(call domain email)");
  CHECK(tree("clamp(x + 1, 0, 10)") == "(call clamp (+ x 1) 0 10)");
  CHECK(tree("min(a, b, c)") == "(call min a b c)");
  CHECK(tree("max(a, 2)") == "(call max a 2)");
  CHECK(tree("fired(\"Hot list\")") == "(call fired \"Hot list\")");
  CHECK(tree("since(assigned_at) > 48h") == "(> (call since assigned_at) 48h)");
}

TEST_CASE("parser: activity aggregates and the where/within split", "[parser]") {
  CHECK(tree("count(visit)") == "(count visit)");
  CHECK(tree("count(activity within 7d) >= 5") == "(>= (count activity within 7d) 5)");
  CHECK(tree("count(visit where page ~ \"^/pricing\" within 14d)") ==
        "(count visit where (~ page \"^/pricing\") within 14d)");
  CHECK(tree("any form where form == \"contact\" and score >= 100") ==
        "(any form where (and (== form \"contact\") (>= score 100)))");
  CHECK(tree("any activity within 30d") == "(any activity within 30d)");
  CHECK(tree("no activity within 90d") == "(no activity within 90d)");
  CHECK(tree("no unsubscribe") == "(no unsubscribe)");
  CHECK(tree("any visit where a or b within 3d") == "(any visit where (or a b) within 3d)");
  // A `within` ends the condition; parentheses restore the infix.
  CHECK(tree("any form where at within 7d") == "(any form where at within 7d)");
  CHECK(tree("any form where (at within 7d)") == "(any form where (within at 7d))");
  CHECK(tree("count(form where (at within 7d) and x)") == "(count form where (and (within at 7d) x))");
  // last/first: no window; a `within` after them is the infix.
  CHECK(tree("last(activity) within 1d") == "(within (last activity) 1d)");
  CHECK(tree("last(form where form == \"contact\")") == "(last form where (== form \"contact\"))");
  CHECK(tree("first(visit)") == "(first visit)");
  // A nested aggregate inside C takes its own trailing within.
  CHECK(tree("any form where any visit within 2d") == "(any form where (any visit within 2d))");
  CHECK(tree("count(form where no visit within 2d within 5d)") ==
        "(count form where (no visit within 2d) within 5d)");
  // The aggregate is a primary: `and` after it without where belongs outside.
  CHECK(tree("any visit and hot") == "(and (any visit) hot)");
  CHECK(tree("not any visit") == "(not (any visit))");
  // Outside an aggregate's where, within is a comparison.
  CHECK(tree("x and at within 7d") == "(and x (within at 7d))");

  auto e = expr("count(visit where page ~ \"^/pricing\" within 14d)");
  CHECK(e->kind == ExprKind::ActivityAgg);
  CHECK(e->agg == AggFn::Count);
  CHECK(e->kind_name.name == "visit");
  CHECK(e->kind_name.span.begin == 6);
  CHECK(e->kind_name.span.end == 11);
  CHECK(e->within->micros == 14 * kDay);
}

TEST_CASE("parser: colleague aggregates", "[parser]") {
  CHECK(tree("count(colleague where any activity within 30d)") ==
        "(count colleague where (any activity within 30d))");
  CHECK(tree("any colleague where score > 50 and x") == "(any colleague where (and (> score 50) x))");
  CHECK(tree("sum(colleague, score) + score") == "(+ (sum colleague score) score)");
  CHECK(tree("min(colleague, days_since(created_at))") == "(min colleague (call days_since created_at))");
  CHECK(tree("max(colleague, score ?? 0)") == "(max colleague (?? score 0))");
  // Colleague conditions have no window: an infix within stays in the condition.
  CHECK(tree("count(colleague where assigned_at within 7d)") ==
        "(count colleague where (within assigned_at 7d))");
  auto e = expr("sum(colleague, score)");
  CHECK(e->kind == ExprKind::ColleagueAgg);
  CHECK(e->agg == AggFn::Sum);
  CHECK_FALSE(e->where);
  REQUIRE(e->args.size() == 1);
}

TEST_CASE("parser: past", "[parser]") {
  auto e = expr("past(score, 1d)");
  CHECK(e->kind == ExprKind::Past);
  REQUIRE(e->args.size() == 2);
  CHECK(e->args[0]->kind == ExprKind::Name);
  CHECK(e->args[1]->kind == ExprKind::Duration);
  CHECK(e->args[1]->micros == kDay);
  CHECK(tree("hot and not past(hot, 1d)") == "(and hot (not (past hot 1d)))");
  CHECK(tree("score - past(score, 1d) >= 10") == "(>= (- score (past score 1d)) 10)");
  CHECK(tree("past(past(score, 1d), 2h)") == "(past (past score 1d) 2h)");
}

TEST_CASE("parser: expression spans", "[parser]") {
  std::string text = "domain(email) in free_mail and (a + b) * c >= 10";
  SourceFile src("x", text);
  Diagnostics d;
  auto e = parse_expression(src, d);
  REQUIRE(e);
  CHECK(slice(text, e->span) == text);  // and
  auto& lhs = e->args[0];               // in
  CHECK(slice(text, lhs->span) == "domain(email) in free_mail");
  CHECK(slice(text, lhs->args[0]->span) == "domain(email)");   // call: name to `)`
  CHECK(slice(text, lhs->args[0]->args[0]->span) == "email");  // identifier exactly
  CHECK(slice(text, lhs->args[1]->span) == "free_mail");
  auto& ge = e->args[1];
  CHECK(slice(text, ge->span) == "(a + b) * c >= 10");
  CHECK(slice(text, ge->args[0]->span) == "(a + b) * c");     // from the `(`
  CHECK(slice(text, ge->args[0]->args[0]->span) == "a + b");  // the inner node itself
  CHECK(slice(text, ge->args[1]->span) == "10");

  std::string t2 = "any form where form == \"contact\" within 7d";
  SourceFile s2("x", t2);
  auto a = parse_expression(s2, d);
  REQUIRE(a);
  CHECK(slice(t2, a->span) == t2);
  CHECK(slice(t2, a->where->span) == "form == \"contact\"");
  CHECK(slice(t2, a->within->span) == "7d");
  std::string t3 = "not -x";
  SourceFile s3("x", t3);
  auto n = parse_expression(s3, d);
  CHECK(slice(t3, n->span) == "not -x");
  CHECK(slice(t3, n->args[0]->span) == "-x");
}

TEST_CASE("parser: parentheses written around an expression are recorded", "[parser]") {
  // The flag is on the parenthesised node itself; its span stays the inner text.
  std::string text = "not (a ~* \"x\") and (b ?? \"\") in s or ((c))";
  SourceFile src("x", text);
  Diagnostics d;
  auto e = parse_expression(src, d);
  REQUIRE(e);
  CHECK(sx(e) == "(or (and (not (~* a \"x\")) (in (?? b \"\") s)) c)");
  CHECK_FALSE(e->parenthesized);  // or
  auto& conj = e->args[0];        // and
  CHECK_FALSE(conj->parenthesized);
  CHECK_FALSE(conj->args[0]->parenthesized);     // not
  CHECK(conj->args[0]->args[0]->parenthesized);  // a ~* "x"
  CHECK(slice(text, conj->args[0]->args[0]->span) == "a ~* \"x\"");
  CHECK_FALSE(conj->args[1]->parenthesized);           // in
  CHECK(conj->args[1]->args[0]->parenthesized);        // b ?? ""
  CHECK_FALSE(conj->args[1]->args[1]->parenthesized);  // s
  CHECK(e->args[1]->parenthesized);                    // ((c)): one flag
  CHECK(slice(text, e->args[1]->span) == "c");

  CHECK(expr("(a and b) or c")->args[0]->parenthesized);
  CHECK_FALSE(expr("a and b or c")->args[0]->parenthesized);
  CHECK(expr("(a)")->parenthesized);
  CHECK_FALSE(expr("a")->parenthesized);
  CHECK_FALSE(expr("f(a)")->parenthesized);  // call parentheses: no
  CHECK_FALSE(expr("f(a)")->args[0]->parenthesized);
  CHECK_FALSE(expr("count(visit)")->parenthesized);
  CHECK(expr("-(a)")->args[0]->parenthesized);
  auto agg = expr("count(visit where (at within 7d) within (30d))");
  CHECK(agg->where->parenthesized);
  CHECK(agg->within->parenthesized);

  // In declarations: a rule's condition, a template's interpolation.
  auto p = ok("rule \"r\" when (a or b) do notify(\"o\", \"{(x ?? y)|z}\")\n");
  auto const& r = std::get<RuleDecl>(p.decls[0]);
  CHECK(r.condition->parenthesized);
  REQUIRE(r.actions.size() == 1);
  REQUIRE(r.actions[0].args.size() == 2);
  auto const& t = *r.actions[0].args[1];
  REQUIRE(t.kind == ExprKind::Template);
  REQUIRE(t.pieces.size() == 1);
  REQUIRE(t.pieces[0].expr);
  CHECK(t.pieces[0].expr->parenthesized);
  CHECK_FALSE(
      std::get<RuleDecl>(ok("rule \"r\" when a or b do tag(\"x\")\n").decls[0]).condition->parenthesized);
}

TEST_CASE("parser: parse_expression needs the whole text", "[parser]") {
  auto d = expr_error("a b");
  CHECK_THAT(d.message, Catch::Contains("unexpected text after the expression"));
  CHECK(d.column == 3);
  auto e = expr_error("");
  CHECK_THAT(e.message, Catch::Contains("expected an expression"));
  CHECK_THAT(expr_error("a +").message, Catch::Contains("expected an expression after `+`"));
}

// =============================================================================================
// Declarations

TEST_CASE("parser: policy line and timezone", "[parser]") {
  auto p = ok("policy \"Acme B2B\" timezone \"Asia/Tokyo\"\nlet x = 1\n");
  CHECK(p.name == "Acme B2B");
  CHECK(p.timezone == "Asia/Tokyo");
  CHECK(p.name_span.begin == 7);
  CHECK(p.name_span.end == 17);
  auto q = ok("# comment first\npolicy \"日本\"\n");
  CHECK(q.name == "日本");
  CHECK_FALSE(q.timezone);
}

TEST_CASE("parser: schema declarations", "[parser]") {
  std::string text = R"(schema prospect {
  id: string
  account: string?, status: string = "Lead"
  visits: number? from "TotalVisits" missing "Select", "N/A"
  employees: number = -1
  tags: [string]
  vip: bool = true
  assigned_at: time? = @2026-01-01
  window: duration = 30d
  tier: grade = B
  from: string  # a field called `from`
  missing: number?
}
schema activity {
  kinds visit, form,
        email_open
  kinds webinar
  page: string?
  asset: string? from "Asset Name"
}
)";
  auto p = ok(text);
  auto& s = decl<SchemaDecl>(p, 0);
  CHECK_FALSE(s.activity);
  REQUIRE(s.fields.size() == 12);
  CHECK(s.fields[0].name.name == "id");
  CHECK(slice(text, s.fields[0].name.span) == "id");
  CHECK(s.fields[0].type.base == TypeRef::Base::String);
  CHECK_FALSE(s.fields[0].type.optional);
  CHECK(slice(text, s.fields[0].span) == "id: string");
  CHECK(s.fields[1].type.optional);
  CHECK(slice(text, s.fields[1].type.span) == "string?");
  CHECK(sx(s.fields[2].default_value) == "\"Lead\"");
  auto& visits = s.fields[3];
  CHECK(visits.type.base == TypeRef::Base::Number);
  CHECK(visits.type.optional);
  CHECK(visits.from == "TotalVisits");
  CHECK(visits.missing == std::vector<std::string>{"Select", "N/A"});
  CHECK(slice(text, visits.span) == "visits: number? from \"TotalVisits\" missing \"Select\", \"N/A\"");
  CHECK(sx(s.fields[4].default_value) == "(neg 1)");
  CHECK(s.fields[5].type.list);
  CHECK(s.fields[5].type.base == TypeRef::Base::String);
  CHECK(s.fields[6].type.base == TypeRef::Base::Bool);
  CHECK(sx(s.fields[6].default_value) == "true");
  CHECK(s.fields[7].type.base == TypeRef::Base::Time);
  CHECK(sx(s.fields[7].default_value) == "@2026-01-01");
  CHECK(s.fields[8].type.base == TypeRef::Base::Duration);
  CHECK(s.fields[8].default_value->micros == 30 * kDay);
  CHECK(s.fields[9].type.base == TypeRef::Base::Grade);
  CHECK(s.fields[9].default_value->grade == 8);
  CHECK(s.fields[10].name.name == "from");
  CHECK_FALSE(s.fields[10].from);
  CHECK(s.fields[11].name.name == "missing");

  auto& a = decl<SchemaDecl>(p, 1);
  CHECK(a.activity);
  REQUIRE(a.kinds.size() == 4);
  CHECK(a.kinds[0].name == "visit");
  CHECK(a.kinds[2].name == "email_open");
  CHECK(slice(text, a.kinds[2].span) == "email_open");
  CHECK(a.kinds[3].name == "webinar");
  REQUIRE(a.fields.size() == 2);
  CHECK(a.fields[1].from == "Asset Name");
  CHECK(text.substr(a.span.begin, 15) == "schema activity");
  CHECK(text[a.span.end - 1] == '}');
}

TEST_CASE("parser: sets and lets", "[parser]") {
  std::string text =
      "set free_mail = {\"gmail.com\", \"yahoo.co.jp\",\n   \"outlook.com\",}\n"
      "set accounts = file(\"priority accounts.txt\")\n"
      "let engaged = count(colleague where any activity within 30d)\n";
  auto p = ok(text);
  auto& s = decl<SetDecl>(p, 0);
  CHECK(s.name.name == "free_mail");
  CHECK(s.values == std::vector<std::string>{"gmail.com", "yahoo.co.jp", "outlook.com"});
  REQUIRE(s.value_spans.size() == 3);
  CHECK(slice(text, s.value_spans[1]) == "\"yahoo.co.jp\"");
  CHECK_FALSE(s.file);
  auto& f = decl<SetDecl>(p, 1);
  CHECK(f.file == "priority accounts.txt");
  CHECK(f.values.empty());
  auto& l = decl<LetDecl>(p, 2);
  CHECK(l.name.name == "engaged");
  CHECK(slice(text, l.name.span) == "engaged");
  CHECK(sx(l.value) == "(count colleague where (any activity within 30d))");
  CHECK(slice(text, l.span) == "let engaged = count(colleague where any activity within 30d)");
}

TEST_CASE("parser: score blocks, points rules and bounds", "[parser]") {
  std::string text = R"(score behavior cap 100 floor -40 {
  points +1  per visit cap 20
  points +10 per visit where page ~ "^/pricing" within 14d once per page cap 30
  points 5 per activity
  points -2.5 per download where asset ~* "ebook" once per asset
  points -20 if no activity within 90d
  points +10 if count(activity within 7d) >= 5 cap 10
}
score cap 250
score floor -50
points +3 per webinar
)";
  auto p = ok(text);
  auto& b = decl<ScoreDecl>(p, 0);
  CHECK(b.name.name == "behavior");
  REQUIRE(b.cap);
  CHECK(b.cap->value == 100);
  REQUIRE(b.floor);
  CHECK(b.floor->value == -40);
  CHECK(b.floor->text == "-40");
  CHECK(text.substr(b.span.begin, b.span.end - b.span.begin).starts_with("score behavior"));
  CHECK(text[b.span.end - 1] == '}');
  REQUIRE(b.rules.size() == 6);

  auto& r0 = b.rules[0];
  CHECK(r0.points.value == 1);
  CHECK(r0.points.text == "+1");
  CHECK(r0.per);
  CHECK(r0.kind.name == "visit");
  CHECK_FALSE(r0.where);
  CHECK_FALSE(r0.within);
  REQUIRE(r0.cap);
  CHECK(r0.cap->value == 20);
  CHECK(slice(text, r0.span) == "points +1  per visit cap 20");

  auto& r1 = b.rules[1];
  CHECK(sx(r1.where) == "(~ page \"^/pricing\")");
  CHECK(r1.within->micros == 14 * kDay);
  REQUIRE(r1.once_per);
  CHECK(r1.once_per->name == "page");
  CHECK(r1.cap->value == 30);

  CHECK(b.rules[2].points.text == "5");
  CHECK(b.rules[2].kind.name == "activity");
  CHECK(b.rules[3].points.value == -2.5);
  CHECK(b.rules[3].once_per->name == "asset");
  CHECK_FALSE(b.rules[3].cap);

  auto& r4 = b.rules[4];
  CHECK_FALSE(r4.per);
  CHECK(sx(r4.condition) == "(no activity within 90d)");
  auto& r5 = b.rules[5];
  CHECK(sx(r5.condition) == "(>= (count activity within 7d) 5)");
  CHECK(r5.cap->value == 10);

  auto& cap = decl<ScoreBound>(p, 1);
  CHECK(cap.is_cap);
  CHECK(cap.value.value == 250);
  CHECK(slice(text, cap.span) == "score cap 250");
  auto& floor = decl<ScoreBound>(p, 2);
  CHECK_FALSE(floor.is_cap);
  CHECK(floor.value.value == -50);
  auto& top = decl<PointsRule>(p, 3);
  CHECK(top.per);
  CHECK(top.kind.name == "webinar");
  CHECK(slice(text, top.span) == "points +3 per webinar");
}

TEST_CASE("parser: decay", "[parser]") {
  auto p = ok("decay 50% after 90d\ndecay 12.5% per 30d\n");
  auto& a = decl<DecayDecl>(p, 0);
  CHECK(a.percent.value == 50);
  CHECK_FALSE(a.linear);
  CHECK(a.duration->kind == ExprKind::Duration);
  CHECK(a.duration->micros == 90 * kDay);
  auto& b = decl<DecayDecl>(p, 1);
  CHECK(b.percent.value == 12.5);
  CHECK(b.linear);
  CHECK(b.duration->micros == 30 * kDay);
}

TEST_CASE("parser: grades: start and moves in thirds", "[parser]") {
  std::string text =
      "grade start C+\n"
      "grade +1/3 if a\ngrade +2/3 if b\ngrade +1 if c\ngrade +4/3 if d\n"
      "grade -1/3 if e\ngrade -1 if f\ngrade +2 if g\n"
      "grade +1/3 if industry in target_industries else -1/3\n";
  auto p = ok(text);
  auto& s = decl<GradeStart>(p, 0);
  CHECK(s.grade->kind == ExprKind::Grade);
  CHECK(s.grade->grade == 6);
  CHECK(slice(text, s.span) == "grade start C+");
  int thirds[] = {1, 2, 3, 4, -1, -3, 6};
  char const* texts[] = {"+1/3", "+2/3", "+1", "+4/3", "-1/3", "-1", "+2"};
  for (int i = 0; i < 7; ++i) {
    auto& m = decl<GradeMove>(p, size_t(i + 1));
    CHECK(m.thirds == thirds[i]);
    CHECK(m.text == texts[i]);
    CHECK_FALSE(m.else_thirds);
  }
  auto& e = decl<GradeMove>(p, 8);
  CHECK(e.thirds == 1);
  REQUIRE(e.else_thirds);
  CHECK(*e.else_thirds == -1);
  CHECK(e.else_text == "-1/3");
  CHECK(sx(e.condition) == "(in industry target_industries)");
  CHECK(slice(text, e.span) == "grade +1/3 if industry in target_industries else -1/3");
}

TEST_CASE("parser: zones and segments", "[parser]") {
  std::string text = R"(zone hot {
  A-  score >= 20
  B-  score >= 40 and any form
  C-  score >= 60
  D   score >= 80
}
segment mql when any form where form == "contact" and score >= 100
)";
  auto p = ok(text);
  auto& z = decl<ZoneDecl>(p, 0);
  CHECK(z.name.name == "hot");
  REQUIRE(z.rows.size() == 4);
  CHECK(z.rows[0].grade->grade == 10);
  CHECK(sx(z.rows[0].condition) == "(>= score 20)");
  CHECK(sx(z.rows[1].condition) == "(and (>= score 40) (any form))");
  CHECK(z.rows[3].grade->text == "D");
  CHECK(slice(text, z.rows[2].span) == "C-  score >= 60");
  auto& s = decl<SegmentDecl>(p, 1);
  CHECK(s.name.name == "mql");
  CHECK(sx(s.condition) == "(any form where (and (== form \"contact\") (>= score 100)))");
}

TEST_CASE("parser: automation rules, qualifiers, actions and templates", "[parser]") {
  std::string text = R"(rule "Hot list" when hot do add_to_list("HOT"), tag("hot")
rule "MQL" once when mql and status == "Lead"
  do set status = "MQL", task("Approach request for {company|your company}", 48h)
rule "Jump" always max 3 when score - past(score, 1d) >= 10 do flag("score-jump")
rule "Nurture" every 7d max 2 when x do enroll("nurture"), notify("owner", "{{literal}} {upper(email) ?? "?"} \u{263A}\n")
rule "Set expr" always when x do set score_note = round(score) + 1
rule "日本語のルール" when x do tag("{name|ゲスト}様")
)";
  auto p = ok(text);
  auto& r0 = decl<RuleDecl>(p, 0);
  CHECK(r0.name == "Hot list");
  CHECK(slice(text, r0.name_span) == "\"Hot list\"");
  CHECK(r0.qualifier == RuleDecl::Qualifier::Once);
  CHECK_FALSE(r0.qualifier_written);
  CHECK(sx(r0.condition) == "hot");
  REQUIRE(r0.actions.size() == 2);
  CHECK(r0.actions[0].name.name == "add_to_list");
  CHECK(slice(text, r0.actions[0].span) == "add_to_list(\"HOT\")");
  REQUIRE(r0.actions[0].args.size() == 1);
  CHECK(r0.actions[0].args[0]->kind == ExprKind::Template);
  CHECK(sx(r0.actions[0].args[0]) == "(tpl 'HOT')");
  CHECK(slice(text, r0.span) == "rule \"Hot list\" when hot do add_to_list(\"HOT\"), tag(\"hot\")");

  auto& r1 = decl<RuleDecl>(p, 1);
  CHECK(r1.qualifier == RuleDecl::Qualifier::Once);
  CHECK(r1.qualifier_written);
  REQUIRE(r1.actions.size() == 2);
  auto& set = r1.actions[0];
  CHECK(set.name.name == "set");
  REQUIRE(set.field);
  CHECK(set.field->name == "status");
  CHECK(sx(set.value) == "(tpl 'MQL')");
  CHECK(slice(text, set.span) == "set status = \"MQL\"");
  CHECK(sx(r1.actions[1].args[0]) == "(tpl 'Approach request for ' {company|your company})");
  CHECK(r1.actions[1].args[1]->kind == ExprKind::Duration);
  CHECK(r1.actions[1].args[1]->micros == 48 * kHour);

  auto& r2 = decl<RuleDecl>(p, 2);
  CHECK(r2.qualifier == RuleDecl::Qualifier::Always);
  REQUIRE(r2.max);
  CHECK(r2.max->value == 3);

  auto& r3 = decl<RuleDecl>(p, 3);
  CHECK(r3.qualifier == RuleDecl::Qualifier::Every);
  REQUIRE(r3.every);
  CHECK(r3.every->micros == 7 * kDay);
  CHECK(r3.max->value == 2);
  CHECK(sx(r3.actions[1].args[1]) == "(tpl '{literal} ' {(?? (call upper email) \"?\")} ' \xE2\x98\xBA\n')");

  auto& r4 = decl<RuleDecl>(p, 4);
  CHECK(sx(r4.actions[0].value) == "(+ (call round score) 1)");

  auto& r5 = decl<RuleDecl>(p, 5);
  CHECK(r5.name == "日本語のルール");
  CHECK(sx(r5.actions[0].args[0]) == "(tpl {name|ゲスト} '様')");
  // Template pieces: the expression and its fallback.
  auto& t = *r1.actions[1].args[0];
  REQUIRE(t.pieces.size() == 2);
  CHECK(t.pieces[0].text == "Approach request for ");
  CHECK_FALSE(t.pieces[0].expr);
  REQUIRE(t.pieces[1].expr);
  CHECK(t.pieces[1].expr->text == "company");
  CHECK(slice(text, t.pieces[1].expr->span) == "company");
  CHECK(t.pieces[1].fallback == "your company");
}

TEST_CASE("parser: tests", "[parser]") {
  std::string text = kTestExample;
  auto p = ok(text);
  auto& t = decl<TestDecl>(p, 0);
  CHECK(t.name == "name");
  REQUIRE(t.now);
  CHECK(t.now->micros == k20261122);
  REQUIRE(t.prospect);
  REQUIRE(t.prospect->fields.size() == 4);
  CHECK(t.prospect->fields[0].name.name == "id");
  CHECK(sx(t.prospect->fields[0].value) == "\"p1\"");
  CHECK(sx(t.prospect->fields[3].value) == "(neg 50h)");
  CHECK(t.prospect->fields[3].value->args[0]->micros == 50 * kHour);
  REQUIRE(t.activities.size() == 2);
  CHECK(t.activities[0].kind.name == "visit");
  CHECK(sx(t.activities[1].fields[1].value) == "(neg 2h)");
  CHECK(slice(text, t.activities[0].span) == "visit { page: \"/pricing\", at: -2d }");
  REQUIRE(t.colleagues.size() == 1);
  auto& c = t.colleagues[0];
  CHECK(c.fields.size() == 3);
  REQUIRE(c.activities.size() == 1);
  CHECK(c.activities[0].kind.name == "form");
  CHECK(c.activities[0].fields[1].value->kind == ExprKind::Time);
  REQUIRE(t.history.size() == 1);
  CHECK(t.history[0].rule == "Hot list");
  CHECK(t.history[0].fields[0].name.name == "count");
  CHECK(sx(t.history[0].fields[1].value) == "(neg 3d)");
  REQUIRE(t.expects.size() == 5);
  CHECK(t.expects[0].kind == Expect::Kind::Condition);
  CHECK(sx(t.expects[0].condition) == "(== score 22)");
  CHECK(slice(text, t.expects[0].span) == "expect score == 22");
  CHECK(sx(t.expects[1].condition) == "(== (past score 1d) 11)");
  CHECK(sx(t.expects[2].condition) == "(call fired \"Score jump\")");
  auto& a = t.expects[4];
  CHECK(a.kind == Expect::Kind::Action);
  REQUIRE(a.action);
  CHECK(a.action->name.name == "notify");
  CHECK(sx(a.action->args[1]) == "(tpl 'a@initech.example untouched for 48h')");

  auto q = ok(R"(test "more" {
  prospect { id: "x", tags: ["a", "b"], vip: true, n: -3, d: +2d, g: B+, t: @2026-01-01T00:00:00Z }
  expect set status == "MQL"
  expect action tag("hot")
  expect action == "x"
  webinar {}
})");
  auto& u = decl<TestDecl>(q, 0);
  CHECK_FALSE(u.now);
  auto& f = u.prospect->fields;
  REQUIRE(f.size() == 7);
  CHECK(sx(f[1].value) == "[\"a\" \"b\"]");
  CHECK(f[1].value->kind == ExprKind::List);
  CHECK(sx(f[2].value) == "true");
  CHECK(sx(f[3].value) == "(neg 3)");
  CHECK(sx(f[4].value) == "2d");
  CHECK(sx(f[5].value) == "G:B+");
  CHECK(u.expects[0].kind == Expect::Kind::Set);
  CHECK(u.expects[0].field->name == "status");
  CHECK(sx(u.expects[0].value) == "\"MQL\"");
  CHECK(u.expects[1].kind == Expect::Kind::Action);
  CHECK(u.expects[2].kind == Expect::Kind::Condition);  // a field called `action`
  CHECK(sx(u.expects[2].condition) == "(== action \"x\")");
  REQUIRE(u.activities.size() == 1);
  CHECK(u.activities[0].fields.empty());
}

TEST_CASE("parser: contextual keywords name things - trailing-comma detection", "[parser]") {
  auto p =
      ok("let max = 1\nlet floor = max + 1\nset file = {\"a\"}\nlet kinds = 2\n"
         "score floor { }\nlet timezone = 3\nlet missing = 4\nlet from = 5\n");
  CHECK(decl<LetDecl>(p, 0).name.name == "max");
  CHECK(decl<SetDecl>(p, 2).name.name == "file");
  CHECK(decl<ScoreDecl>(p, 4).name.name == "floor");
  CHECK(decl<ScoreDecl>(p, 4).rules.empty());
  // After a comma, `set FIELD = value` is an action; `set NAME = {…}` a new declaration.
  auto q = ok("rule \"r\" when a do tag(\"x\"),\n  set status = \"MQL\"\nset s = {\"a\"}\n");
  CHECK(decl<RuleDecl>(q, 0).actions.size() == 2);
  CHECK(decl<SetDecl>(q, 1).values.size() == 1);
  check_error("rule \"r\" when a do tag(\"x\"),\nset s = {\"a\"}\n", "trailing comma", 1, 28);
  check_error("score score {\n}\n", "a score block cannot be named `score`", 1, 7);
}

TEST_CASE("parser: CRLF line endings and tabs", "[parser]") {
  std::string text;
  for (char c : std::string(kWholeExample)) {
    if (c == '\n')
      text += "\r\n";
    else
      text += c;
  }
  auto p = ok(text);
  CHECK(p.decls.size() == 22);
  CHECK(p.comments.size() == 10);
  for (auto& c : p.comments) CHECK(c.text.back() != '\r');
  auto t = ok("let\tx\t=\t1\r\n");
  CHECK(decl<LetDecl>(t, 0).name.name == "x");
  check_error("let x = 1\r\nlet s = \"abc\r\n", "unterminated string", 2, 9);
}

TEST_CASE("parser: LANGUAGE.md whole example", "[parser]") {
  std::string text = kWholeExample;
  auto p = ok(text);
  CHECK(p.name == "Acme B2B");
  CHECK(p.decls.size() == 22);
  CHECK(p.comments.size() == 10);
  auto& prospect = decl<SchemaDecl>(p, 0);
  CHECK(prospect.fields.size() == 12);
  auto& activity = decl<SchemaDecl>(p, 1);
  CHECK(activity.kinds.size() == 7);
  auto& behavior = decl<ScoreDecl>(p, 5);
  CHECK(behavior.rules.size() == 7);
  auto& fit = decl<ScoreDecl>(p, 6);
  CHECK(fit.rules.size() == 4);
  CHECK(decl<DecayDecl>(p, 8).duration->micros == 180 * kDay);
  CHECK(decl<GradeStart>(p, 9).grade->grade == 2);
  CHECK(decl<ZoneDecl>(p, 14).rows.size() == 4);
  CHECK(decl<SegmentDecl>(p, 15).name.name == "mql");
  auto& hot_active = decl<RuleDecl>(p, 17);
  CHECK(sx(hot_active.condition) == "(and hot (within (last activity) 1d))");
  CHECK(sx(hot_active.actions[0].args[1]) == "(tpl {email} ' is hot and active today')");
  auto& jump = decl<RuleDecl>(p, 19);
  CHECK(jump.qualifier == RuleDecl::Qualifier::Always);
  auto& t = decl<TestDecl>(p, 21);
  CHECK(t.expects.size() == 4);
  CHECK(sx(t.expects[0].condition) == "(== score (neg 24))");
  CHECK(sx(t.expects[1].condition) == "(== grade G:D)");
  CHECK(sx(t.expects[3].condition) == "(not (call fired \"Hot list\"))");
  // Decl spans cover the declaration exactly.
  for (auto& d : p.decls) {
    Span s = std::visit([](auto const& x) { return x.span; }, d);
    REQUIRE(s.end > s.begin);
    CHECK(text[s.begin] != ' ');
    CHECK(text[s.end - 1] != ' ');
    CHECK(text[s.end - 1] != '\n');
  }
}

TEST_CASE("parser: the benchmark policy", "[parser]") {
  std::ifstream f(std::string(LEADRULES_SHARED_DIR) + "/bench/policy.lr");
  if (!f) {
    WARN("bench/policy.lr not found; skipped");
    return;
  }
  std::stringstream ss;
  ss << f.rdbuf();
  auto p = ok(ss.str());
  CHECK(p.name == "bench");
  CHECK(p.decls.size() >= 25);
  bool found = false;
  for (auto& d : p.decls)
    if (auto* s = std::get_if<ScoreDecl>(&d); s && s->name.name == "behavior") {
      found = true;
      CHECK(sx(s->rules.back().condition) == "(>= (count visit where (~ page \"^/pricing\") within 14d) 3)");
    }
  CHECK(found);
}

// =============================================================================================
// Errors

TEST_CASE("parser: syntax errors with message, line and column", "[parser]") {
  check_error("let x = 7days\n", "`7days` is not a duration", 1, 9);
  check_error("let x = 3m\n", "`3m` is not a duration", 1, 9);
  check_error("let x = 2.5h\n", "`2.5h` is not a duration", 1, 9);
  check_error("let when = 1\n", "`when` is a reserved word and cannot name a let", 1, 5);
  check_error("segment s when a < b < c\n", "comparisons cannot be chained", 1, 22);
  check_error("segment s when a == b != c\n", "comparisons cannot be chained", 1, 23);
  check_error("rule \"r\" when a do tag(\"x\"),\nlet y = 2\n", "trailing comma after the last action", 1, 28);
  check_error("rule \"r\" when a do tag(\"x\"),\n", "trailing comma", 1, 28);
  check_error("let s = \"abc\nlet y = 2\n", "unterminated string", 1, 9);
  check_error("score behavior {\n  points +1 per visit\n\nscore fit {\n}\n",
              "expected `}` to close score block `behavior`", 4, 1);
  check_error("points +1 if\nlet x = 1\n", "expected a condition after `if`, found the end of the line", 1,
              13);
  check_error(
      "foo bar\n",
      "expected a declaration (schema, set, let, score, points, decay, grade, zone, segment, rule, test)", 1,
      1);
  check_error("let x = 1e400\n", "`1e400` is not a number", 1, 9);
  check_error("let x = 1" + std::string(400, '0') + "\n", "number is too large", 1, 9);
  check_error("let x = 9" + std::string(310, '9') + ".5\n", "number is too large", 1, 9);
  check_error("let x = 99999999999999999999d\n", "too large", 1, 9);
  check_error("let x = @2026-02-29\n", "has no day 29", 1, 9);
  check_error("let x = @2026-13-01\n", "month 13", 1, 9);
  check_error("let x = @2026-11-22T24:00:00Z\n", "is not a time of day", 1, 9);
  check_error("let x = @2026-11-22T10:00:00\n", "expected `Z` or an offset", 1, 29);
  check_error("let x = @2026-11-22T10:00:00+09:99\n", "offset", 1, 9);
  check_error("let x = @22-11-2026\n", "expected a date like `@2026-11-22`", 1, 10);
  check_error("let x = \"a\\qb\"\n", "unknown escape `\\q`", 1, 11);
  check_error("let x = \"\\u{110000}\"\n", "is not a Unicode character", 1, 10);
  check_error("let x = (a + b\nlet y = 1\n", "expected `)` to close `(`, found the end of the line", 1, 15);
  check_error("schema prospect {\n  id: int\n}\n", "unknown type `int`", 2, 7);
  check_error("schema prospect {\n  id: [number]\n}\n", "only `[string]` lists", 2, 8);
  check_error("schema prospect {\n  when: string\n}\n", "`when` is a reserved word and cannot name a field",
              2, 3);
  check_error("schema prospect {\n  kinds visit\n}\n", "only `schema activity` declares `kinds`", 2, 9);
  check_error("schema lead {\n}\n", "expected `prospect` or `activity` after `schema`", 1, 8);
  check_error("grade +1/2 if x\n", "the denominator must be 3", 1, 7);
  check_error("grade +1/3 x\n", "expected `if`", 1, 12);
  check_error("grade start G\n", "expected a grade", 1, 13);
  check_error("rule \"r\" when a = 1 do tag(\"x\")\n", "`=` is not a comparison: write `==`", 1, 17);
  check_error("rule \"r\" when a > 1\n  set status = \"MQL\"\n", "expected `do`", 2, 3);
  check_error("rule \"r\" when a do\n", "expected an action after `do`", 1, 19);
  check_error("rule r when a do tag(\"x\")\n", "expected the rule's name as a string", 1, 6);
  check_error("rule \"r\" every 7 when a do f()\n", "expected a duration after `every`", 1, 16);
  check_error("let A = 1\n", "`A` is a grade and cannot name a let", 1, 5);
  check_error("let x = 1 2\n", "expected a declaration", 1, 11);
  check_error("let x = count(visit where at within 7d\n", "expected `)` to close `count(`", 1, 39);
  check_error("let x = last(visit within 7d)\n", "take no `within` window", 1, 20);
  check_error("rule \"r\" when a do notify(\"x\", \"{email\")\n", "expected `}` to close the `{`", 1, 39);
  check_error("rule \"r\" when a do notify(\"x\", \"a } b\")\n", "a lone `}`", 1, 35);
  check_error("rule \"r\" when a do notify(\"x\", \"{}\")\n", "expected an expression inside `{…}`", 1, 34);
  check_error("let x = past(score, y)\n", "expected a duration like `1d` as the second argument of `past`", 1,
              21);
  check_error("zone hot {\n  A- score >= 20\n  foo\n}\n", "expected `}` to close zone `hot`", 3, 3);
  check_error("let x = a && b\n", "found `&&`", 1, 11);
  check_error("let x = 50%\n", "`50%` is only allowed in `decay`", 1, 9);
  check_error("let x =\n", "expected an expression after `=`", 1, 8);
  check_error("let x = y in z in w\n", "comparisons cannot be chained", 1, 16);
  check_error("let x = y in 5\n", "expected a set name or `{\"a\", \"b\"}` after `in`", 1, 14);
  check_error("let a = 1\npolicy \"x\"\n", "`policy` must come first", 2, 1);
  check_error("decay 50 after 90d\n", "expected a percentage like `50%`", 1, 7);
  check_error("decay 50% after 90\n", "expected a duration", 1, 17);
  check_error("let x = no colleague where a\n", "`no colleague` is not an aggregate", 1, 12);
  check_error("let x = count(colleague)\n", "expected `where` and a condition after `colleague`", 1, 24);
  check_error("let x = sum(colleague)\n", "expected `,` and a value after `colleague`", 1, 22);
  check_error("let x = any 5\n", "expected an activity kind", 1, 13);
  check_error("rule \"r\" when a do set s = \"x\" + y\n", "cannot be combined with an operator", 1, 32);
  check_error("let x = f(a,)\n", "expected an argument after `,`", 1, 13);
  check_error("let x = f(a\n", "expected `)` to close the call to `f`", 1, 12);
  check_error("points +1 per\nlet x = 1\n", "expected an activity kind or `activity` after `per`", 2, 1);
  check_error("points +1 per visit once visit\n", "expected `per` after `once`", 1, 26);
  check_error("points x per visit\n", "expected the points after `points`", 1, 8);
  check_error("points +1 visit\n", "expected `per` or `if` after the points", 1, 11);
  check_error("score cap x\n", "expected a number", 1, 11);
  check_error("test \"t\" {\n  prospect { id: \"x\"\n  expect score == 1\n}\n",
              "expected `}` to close `prospect {`", 3, 3);
  check_error("test \"t\" {\n  now 2026\n}\n", "expected a time like", 2, 7);
  check_error("test \"t\" {\n  prospect { id: \"x\" }\n  prospect { id: \"y\" }\n}\n", "one `prospect` block",
              3, 3);
  check_error("test \"t\" {\n  prospect { id }\n}\n", "expected `:` and a value", 2, 17);
  check_error("test \"t\" {\n  prospect { id: x }\n}\n", "expected a value", 2, 18);
  check_error("test \"t\" {\n  oops\n}\n", "expected `}` to close test `t`", 2, 3);
  check_error("let x = \"\\u{zz}\"\n", "malformed `\\u` escape", 1, 10);
  check_error("set s = {a, b}\n", "expected `}` to close the set", 1, 10);
  check_error("set s = [\"a\"]\n", "expected `{\"a\", \"b\"}` or `file(\"path\")`", 1, 9);
}

TEST_CASE("parser: hints", "[parser]") {
  CHECK(error_of("let x = 7days\n").hint ==
        "write `7d`; durations are whole numbers with a unit: 30min, 48h, 90d, 2w");
  CHECK_THAT(error_of("let when = 1\n").hint, Catch::Contains("choose another name"));
  CHECK_THAT(error_of("segment s when 1 < x < 3\n").hint, Catch::Contains("`and`"));
  CHECK_THAT(error_of("rule \"r\" when a = 1 do f()\n").hint, Catch::Contains("=="));
  CHECK_THAT(error_of("let x = a && b\n").hint, Catch::Contains("`and`"));
  CHECK_THAT(error_of("scor behavior {\n}\n").hint, Catch::Contains("did you mean `score`?"));
  CHECK_THAT(error_of("schema prospect {\n  n: integer\n}\n").hint, Catch::Contains("`number`"));
  CHECK_THAT(error_of("let x = (1 +\n  2\n").hint, Catch::Contains("line 1, column 9"));
  CHECK_THAT(error_of("rule \"r\" when a do f(),\n").hint, Catch::Contains("no trailing comma"));
}

TEST_CASE("parser: columns count code points after multi-byte text", "[parser]") {
  check_error("let x = \"日本語\" + 2.5h\n", "`2.5h` is not a duration", 1, 17);
  check_error("# コメント\nrule \"ホット\" when a < b < c do tag(\"x\")\n", "cannot be chained", 2, 23);
  check_error("let 学生 = 1\n", "expected the name of a let after `let`", 1, 5);
  auto d = error_of("let x = \"日本語\" + 2.5h\n");
  CHECK(d.byte_begin == 22);  // the caret sits under the bytes of `2.5h`
  CHECK(d.byte_end == 26);
  CHECK(d.source_line == "let x = \"日本語\" + 2.5h");
}

TEST_CASE("parser: several errors in one file", "[parser]") {
  std::string text = R"(policy "many errors"
let a = 7days
let b = 1 + 2
score behavior {
  points +1 per
  points +2 per visit
}
segment ok when b > 1
segment s when a < b < c
rule "r" when a do tag("x"),
let when = 3
grade +1/2 if x
zone z {
  A x > 1
)";
  auto p = parse(text);
  CHECK_FALSE(p.policy);
  INFO(render(p.diags));
  REQUIRE(p.diags.items.size() == 7);
  auto& d = p.diags.items;
  CHECK_THAT(d[0].message, Catch::Contains("`7days` is not a duration"));
  CHECK(d[0].line == 2);
  CHECK_THAT(d[1].message, Catch::Contains("expected an activity kind or `activity` after `per`"));
  CHECK(d[1].line == 6);
  CHECK_THAT(d[2].message, Catch::Contains("cannot be chained"));
  CHECK(d[2].line == 9);
  CHECK_THAT(d[3].message, Catch::Contains("trailing comma"));
  CHECK(d[3].line == 10);
  CHECK_THAT(d[4].message, Catch::Contains("`when` is a reserved word"));
  CHECK(d[4].line == 11);
  CHECK_THAT(d[5].message, Catch::Contains("denominator must be 3"));
  CHECK(d[5].line == 12);
  CHECK_THAT(d[6].message, Catch::Contains("expected `}` to close zone `z`"));
  CHECK(d[6].line == 14);
  for (auto& x : d) CHECK(x.severity == Severity::Error);
}

TEST_CASE("parser: nesting depth is limited, never a stack overflow", "[parser]") {
  auto deep = [](std::string const& text) {
    auto d = expr_error(text);
    CHECK_THAT(d.message, Catch::Contains("expression nested too deeply"));
  };
  deep(std::string(100000, '('));
  deep(std::string(100000, '(') + "x" + std::string(100000, ')'));
  deep(std::string(100000, '-') + "x");
  std::string nots, chain, coalesce, anys, calls;
  for (int i = 0; i < 100000; ++i) {
    nots += "not ";
    chain += "1 + ";
    coalesce += "a ?? ";
    anys += "any visit where ";
    calls += "f(";
  }
  deep(nots + "x");
  deep(chain + "1");
  deep(coalesce + "a");
  deep(anys + "x");
  deep(calls);
  // In a policy, too: an error, and the next declaration is still read.
  auto p = parse("let x = " + std::string(100000, '(') + "\nlet y = 7days\n");
  REQUIRE(p.diags.items.size() == 2);
  CHECK_THAT(p.diags.items[0].message, Catch::Contains("nested too deeply"));
  CHECK(p.diags.items[1].line == 2);
  // Reasonable nesting is fine.
  CHECK(tree(std::string(150, '(') + "x" + std::string(150, ')')) == "x");
}

TEST_CASE("parser: invalid UTF-8 and binary data", "[parser]") {
  std::string bad = "let x = \"ok\"\nlet y = \"\xC3\x28\"\n";
  auto d = error_of(bad);
  CHECK(d.message == "invalid UTF-8 in the policy");
  CHECK(d.line == 2);
  CHECK(d.column == 10);
  std::string bin(
      "\x7F"
      "ELF\x02\x01\x01\x00\x00\x00",
      10);
  auto b = error_of(bin);
  CHECK(b.message == "this does not look like a policy (binary data)");
  std::string nul("let x = 1\n\0\0", 12);
  CHECK(error_of(nul).message == "this does not look like a policy (binary data)");
  // Truncated sequence at the end.
  CHECK(error_of("# caf\xC3").message == "invalid UTF-8 in the policy");
  // parse_expression checks too.
  CHECK(expr_error("\"\xFF\"").message == "invalid UTF-8 in the policy");
}
