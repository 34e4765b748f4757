// Data in: JSON Lines and the CSV pair into a columnar Batch (runtime/readers, runtime/table).
// Plans are built by hand here (the checker is not needed to read data).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "runtime/data/readers.hpp"
#include "stdlib/format.hpp"
#include "stdlib/time.hpp"
#include "temp_dir.hpp"

using namespace leadrules;
using runtime::Batch;
using runtime::Column;
using runtime::DataError;
using runtime::ReadOptions;
using runtime::ReadResult;
using T = plan::Type;

namespace {

constexpr int64_t kSec = 1000000;
constexpr int64_t kNow = 1795305600LL * kSec;  // 2026-11-22T00:00:00Z

// ---------------------------------------------------------------------------------------------
// Plans by hand

struct F {
  plan::Field f;
  F(std::string name, T type, bool optional = true) {
    f.name = name;
    f.column = name;
    f.type = type;
    f.optional = optional;
  }
  F& from(std::string column) {
    f.column = std::move(column);
    return *this;
  }
  F& missing(std::vector<std::string> values) {
    f.missing_values = std::move(values);
    return *this;
  }
  F& def(plan::Constant c) {
    c.type = f.type;
    f.default_value = std::move(c);
    f.optional = false;
    return *this;
  }
  operator plan::Field() const { return f; }
};

plan::Constant text_const(std::string s) {
  plan::Constant c;
  c.text = std::move(s);
  return c;
}
plan::Constant num_const(double v) {
  plan::Constant c;
  c.number = v;
  return c;
}

plan::Plan make_plan(std::vector<plan::Field> prospect, std::vector<std::string> kinds = {},
                     std::vector<plan::Field> activity = {}, std::vector<std::string> rules = {}) {
  plan::Plan p;
  p.schema.prospect = std::move(prospect);
  for (size_t i = 0; i < p.schema.prospect.size(); ++i) {
    if (p.schema.prospect[i].name == "id") p.schema.id_field = int32_t(i);
    if (p.schema.prospect[i].name == "account") p.schema.account_field = int32_t(i);
  }
  p.schema.kinds = std::move(kinds);
  p.schema.activity = std::move(activity);
  p.schema.has_activities = !p.schema.kinds.empty();
  for (auto& r : rules) {
    plan::Rule rule;
    rule.name = r;
    p.rules.push_back(rule);
  }
  return p;
}

// The benchmark policy's schema (shared/bench/policy.lr).
plan::Plan bench_plan() {
  return make_plan(
      {F("id", T::String, false), F("account", T::String), F("email", T::String, false),
       F("company", T::String), F("title", T::String), F("industry", T::String), F("employees", T::Number),
       F("country", T::String), F("source", T::String), F("status", T::String).def(text_const("Lead")),
       F("touch_stage", T::String).def(text_const("Untouched")), F("assigned_at", T::Time),
       F("created_at", T::Time, false), F("tags", T::StringList, false)},
      {"visit", "form", "email_open", "email_click", "download", "webinar", "unsubscribe", "bounce"},
      {F("page", T::String), F("form", T::String), F("asset", T::String)}, {"Hot list", "MQL"});
}

// ---------------------------------------------------------------------------------------------
// Files

using leadrules::testing::TempDir;

ReadResult read_jsonl_text(plan::Plan const& plan, std::string const& text, bool keep_going = false) {
  TempDir dir;
  ReadOptions o;
  o.prospects = dir.write("in.jsonl", text);
  o.keep_going = keep_going;
  return runtime::read_input(plan, o);
}

ReadResult read_csv_text(plan::Plan const& plan, std::string const& prospects,
                         std::optional<std::string> activities = std::nullopt, bool keep_going = false) {
  TempDir dir;
  ReadOptions o;
  o.prospects = dir.write("in.csv", prospects);
  if (activities) o.activities = dir.write("act.csv", *activities);
  o.keep_going = keep_going;
  return runtime::read_input(plan, o);
}

// Runs f, which must throw a DataError; returns it.
template <class Fn>
DataError data_error(Fn&& f) {
  try {
    f();
  } catch (DataError const& e) {
    return e;
  }
  FAIL("expected a DataError");
  throw std::logic_error("unreachable");
}

bool ends_with(std::string const& s, std::string const& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// ---------------------------------------------------------------------------------------------
// Batches, decoded

std::string cell(Column const& c, size_t i) {
  if (c.type == T::StringList) {
    std::string s = "[";
    for (uint32_t j = c.list_offsets[i]; j < c.list_offsets[i + 1]; ++j) {
      if (j > c.list_offsets[i]) s += "|";
      s += c.dict->at(c.list_codes[j]);
    }
    return s + "]";
  }
  if (!c.present[i]) return "<missing>";
  switch (c.type) {
    case T::Number: return stdlib::format_number(c.numbers[i]);
    case T::Time: return stdlib::format_time(c.micros[i]);
    case T::Duration: return stdlib::format_duration(c.micros[i]);
    case T::Grade: return "grade " + std::to_string(c.grades[i]);
    case T::Bool: return c.bools[i] ? "true" : "false";
    case T::String: return std::string(c.string_at(i));
    default: return "?";
  }
}

// Every column has the right length; offsets are consistent.
void check_shape(Batch const& b) {
  auto check_column = [](Column const& c, size_t n) {
    REQUIRE(c.size() == n);
    switch (c.type) {
      case T::Number: REQUIRE(c.numbers.size() == n); break;
      case T::Time:
      case T::Duration: REQUIRE(c.micros.size() == n); break;
      case T::Grade: REQUIRE(c.grades.size() == n); break;
      case T::Bool: REQUIRE(c.bools.size() == n); break;
      case T::String:
        REQUIRE(c.codes.size() == n);
        for (size_t i = 0; i < n; ++i)
          REQUIRE((c.present[i] ? c.codes[i] < c.dict->size() : c.codes[i] == runtime::kMissingCode));
        break;
      case T::StringList:
        REQUIRE(c.list_offsets.size() == n + 1);
        REQUIRE(c.list_offsets.back() == c.list_codes.size());
        break;
    }
  };
  for (auto const& c : b.fields) check_column(c, b.rows);
  for (auto const& c : b.act_fields) check_column(c, b.activity_count());
  REQUIRE(b.source_lines.size() == b.rows);
  REQUIRE(b.act_offsets.size() == b.rows + 1);
  REQUIRE(b.act_offsets.back() == b.act_kind.size());
  REQUIRE(b.act_at.size() == b.act_kind.size());
  REQUIRE(b.history_offsets.size() == b.rows + 1);
  REQUIRE(b.history_offsets.back() == b.history.size());
  for (size_t r = 0; r < b.rows; ++r) {
    REQUIRE(b.act_offsets[r] <= b.act_offsets[r + 1]);
    REQUIRE(b.history_offsets[r] <= b.history_offsets[r + 1]);
  }
}

// One line of text per prospect: fields, activities, history (decoded, never codes).
std::vector<std::string> dump(Batch const& b, plan::Plan const& plan, bool with_lines = false) {
  check_shape(b);
  std::vector<std::string> out;
  for (size_t r = 0; r < b.rows; ++r) {
    std::string s;
    if (with_lines) s += "@" + std::to_string(b.source_lines[r]) + " ";
    for (size_t f = 0; f < b.fields.size(); ++f)
      s += plan.schema.prospect[f].name + "=" + cell(b.fields[f], r) + "; ";
    for (uint32_t a = b.act_offsets[r]; a < b.act_offsets[r + 1]; ++a) {
      s += "\n  " + plan.schema.kinds[b.act_kind[a]] + " at " + stdlib::format_time(b.act_at[a]);
      for (size_t f = 0; f < b.act_fields.size(); ++f)
        s += " " + plan.schema.activity[f].name + "=" + cell(b.act_fields[f], a);
    }
    for (uint32_t h = b.history_offsets[r]; h < b.history_offsets[r + 1]; ++h) {
      auto const& rec = b.history[h];
      s += "\n  fired " + plan.rules[size_t(rec.rule)].name + " count " + std::to_string(rec.count);
      if (rec.has_last) s += " last " + stdlib::format_time(rec.last);
    }
    out.push_back(s);
  }
  return out;
}

std::vector<std::string> dictionary(Column const& c) {
  std::vector<std::string> v;
  for (uint32_t i = 0; i < c.dict->size(); ++i) v.emplace_back(c.dict->at(i));
  return v;
}

// The distinct values of every dictionary of the batch (the "no trace" check).
std::vector<std::vector<std::string>> dictionaries(Batch const& b) {
  std::vector<std::vector<std::string>> v;
  for (auto const& c : b.fields) v.push_back(dictionary(c));
  for (auto const& c : b.act_fields) v.push_back(dictionary(c));
  return v;
}

std::string csv_cell(std::string const& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// A schema with every type.
plan::Plan all_types_plan() {
  return make_plan({F("id", T::String, false), F("name", T::String), F("n", T::Number), F("ok", T::Bool),
                    F("t", T::Time), F("d", T::Duration), F("g", T::Grade), F("tags", T::StringList, false)},
                   {"visit", "form"},
                   {F("page", T::String), F("secs", T::Number), F("good", T::Bool), F("when", T::Time),
                    F("wait", T::Duration), F("g", T::Grade), F("labels", T::StringList, false)});
}

}  // namespace

// =============================================================================================

TEST_CASE("Column push/pop and Dictionary", "[readers]") {
  runtime::Dictionary d;
  CHECK(d.intern("a") == 0);
  CHECK(d.intern("b") == 1);
  CHECK(d.intern("a") == 0);
  CHECK(d.intern("") == 2);
  CHECK(d.find("b") == 1);
  CHECK(d.find("zz") == runtime::kMissingCode);
  std::string_view const a = d.at(0);
  for (int i = 0; i < 100000; ++i) d.intern("value-" + std::to_string(i));
  CHECK(a == "a");  // views stay valid while the dictionary grows
  CHECK(d.size() == 100003);
  CHECK(d.find("value-99999") == 100002);
  d.truncate(50);
  CHECK(d.size() == 50);
  CHECK(d.find("value-99999") == runtime::kMissingCode);
  CHECK(d.find("value-46") == 49);
  CHECK(d.intern("value-47") == 50);
  runtime::Dictionary copy = d;
  CHECK(copy.size() == 51);
  CHECK(copy.at(50) == "value-47");
  CHECK(copy.find("b") == 1);

  // Interleaved interns and truncations against a plain model.
  std::mt19937 rng(5);
  runtime::Dictionary dict;
  std::vector<std::string> model;
  for (int step = 0; step < 20000; ++step) {
    if (rng() % 50 == 0) {
      size_t const n = model.empty() ? 0 : rng() % (model.size() + 1);
      dict.truncate(n);
      model.resize(n);
    } else {
      std::string const v = "k" + std::to_string(rng() % 3000);
      auto it = std::find(model.begin(), model.end(), v);
      uint32_t const expect = it == model.end() ? uint32_t(model.size()) : uint32_t(it - model.begin());
      if (it == model.end()) model.push_back(v);
      REQUIRE(dict.intern(v) == expect);
    }
    if (step % 1000 == 0) {
      REQUIRE(dict.size() == model.size());
      for (uint32_t k = 0; k < model.size(); ++k) {
        REQUIRE(dict.at(k) == model[k]);
        REQUIRE(dict.find(model[k]) == k);
      }
      for (int k = 0; k < 3000; k += 7) {
        std::string const v = "k" + std::to_string(k);
        auto it = std::find(model.begin(), model.end(), v);
        REQUIRE(dict.find(v) == (it == model.end() ? runtime::kMissingCode : uint32_t(it - model.begin())));
      }
    }
  }

  Column list(T::StringList);
  list.push_list({"x", "y"});
  list.push_missing();
  list.push_list({"y"});
  CHECK(list.size() == 3);
  CHECK(list.is_present(1));
  list.pop_back();
  CHECK(list.size() == 2);
  CHECK(list.list_codes.size() == 2);
  CHECK(list.list_offsets == std::vector<uint32_t>{0, 2, 2});

  Column s(T::String);
  s.push_string("p");
  s.push_missing();
  CHECK(s.codes[1] == runtime::kMissingCode);
  CHECK_FALSE(s.is_present(1));
  s.truncate(1);
  CHECK(s.size() == 1);
  CHECK(s.string_at(0) == "p");
}

TEST_CASE("JSON Lines: every type", "[readers]") {
  auto plan = all_types_plan();
  auto r = read_jsonl_text(
      plan,
      R"({"id":"p1","name":"Ann, \"A\" 学生","n":3.5,"ok":true,"t":"2026-11-22T09:00:00+09:00","d":"48h","g":"B+","tags":["vip","x y"],)"
      R"("activities":[{"type":"visit","at":"2026-11-20T10:00:00Z","page":"/pricing","secs":12,"good":"yes","when":1795305600,"wait":"90min","g":"a-","labels":["a"]},)"
      R"({"at":"2026-11-21","type":"form"}]})"
      "\n"
      R"({"id":"p2","n":-0.25,"ok":"NO","t":1795305600.5,"d":3600,"g":"F","tags":[],"name":""})"
      "\n"
      R"({"id":"p3","n":null,"ok":0,"t":"2026-11-22","tags":null,"activities":null,"extra":{"deep":[1,2,{"x":null}]}})"
      "\n");
  REQUIRE(r.batch.rows == 3);
  CHECK(r.prospects_read == 3);
  CHECK(r.rejects.empty());
  CHECK(dump(r.batch, plan) ==
        std::vector<std::string>{
            "id=p1; name=Ann, \"A\" 学生; n=3.5; ok=true; t=2026-11-22T00:00:00Z; d=2d; g=grade 9; "
            "tags=[vip|x y]; "
            "\n  visit at 2026-11-20T10:00:00Z page=/pricing secs=12 good=true when=2026-11-22T00:00:00Z "
            "wait=90min g=grade 10 labels=[a]"
            "\n  form at 2026-11-21T00:00:00Z page=<missing> secs=<missing> good=<missing> when=<missing> "
            "wait=<missing> g=<missing> labels=[]",
            "id=p2; name=; n=-0.25; ok=false; t=2026-11-22T00:00:00.5Z; d=1h; g=grade 0; tags=[]; ",
            "id=p3; name=<missing>; n=<missing>; ok=false; t=2026-11-22T00:00:00Z; d=<missing>; g=<missing>; "
            "tags=[]; ",
        });
  // "" is a present string (fine print 7)
  CHECK(r.batch.fields[1].is_present(1));
  CHECK(r.batch.fields[1].string_at(1).empty());
  CHECK(r.batch.fields[2].numbers[0] == 3.5);
  CHECK(r.batch.fields[4].micros[0] == kNow);
  CHECK(r.batch.fields[4].micros[1] == kNow + 500000);
  CHECK(r.batch.act_at[0] == kNow - 38 * 3600 * kSec);
  CHECK(r.batch.source_lines == std::vector<uint32_t>{1, 2, 3});
  CHECK(r.batch.id(2, plan.schema) == "p3");
}

TEST_CASE("CSV: every type", "[readers]") {
  auto plan = all_types_plan();
  auto r =
      read_csv_text(plan,
                    "id,name,n,ok,t,d,g,tags,unused\r\n"
                    "p1,\"Ann, \"\"A\"\" 学生\",3.5,yes,2026-11-22T09:00:00+09:00,48h,B+,vip; x y,zzz\r\n"
                    "p2,\"multi\nline\",-0.25, NO ,2026-11-22 00:00:00.5Z,3600s,F,,\r\n"
                    "p3,,,0,2026-11-22,,,;;,\r\n",
                    "type,prospect_id,at,page,secs,good,when,wait,g,labels\n"
                    "visit,p1,2026-11-20T10:00:00Z,/pricing,12,TRUE,2026-11-22T00:00:00Z,90min,a-,a\n"
                    "form,p1,2026-11-21,,,,,,,\n");
  REQUIRE(r.batch.rows == 3);
  CHECK(
      dump(r.batch, plan) ==
      std::vector<std::string>{
          "id=p1; name=Ann, \"A\" 学生; n=3.5; ok=true; t=2026-11-22T00:00:00Z; d=2d; g=grade 9; tags=[vip|x "
          "y]; "
          "\n  visit at 2026-11-20T10:00:00Z page=/pricing secs=12 good=true when=2026-11-22T00:00:00Z "
          "wait=90min g=grade 10 labels=[a]"
          "\n  form at 2026-11-21T00:00:00Z page=<missing> secs=<missing> good=<missing> when=<missing> "
          "wait=<missing> g=<missing> labels=[]",
          "id=p2; name=multi\nline; n=-0.25; ok=false; t=2026-11-22T00:00:00.5Z; d=1h; g=grade 0; tags=[]; ",
          "id=p3; name=<missing>; n=<missing>; ok=false; t=2026-11-22T00:00:00Z; d=<missing>; g=<missing>; "
          "tags=[]; ",
      });
  // Physical line numbers: p2's record spans lines 3-4.
  CHECK(r.batch.source_lines == std::vector<uint32_t>{2, 3, 5});
  CHECK(r.bytes > 0);
}

TEST_CASE("defaults, from columns and missing placeholders", "[readers]") {
  plan::Constant tags_default;
  tags_default.list = {"new"};
  plan::Constant yes;
  yes.boolean = true;
  plan::Constant when;
  when.micros = kNow;
  auto plan = make_plan(
      {F("id", T::String, false).from("Prospect ID"), F("status", T::String).def(text_const("Lead")),
       F("visits", T::Number).def(num_const(0)).from("TotalVisits").missing({"-1", "n/a"}),
       F("city", T::String).from("City").missing({"Select", "N/A"}), F("ok", T::Bool).def(yes),
       F("since", T::Time).def(when), F("tags", T::StringList).def(tags_default).missing({"Select"}),
       F("email", T::String, false).missing({"Select"})});
  SECTION("JSON") {
    auto r = read_jsonl_text(
        plan,
        R"({"Prospect ID":"a","status":"MQL","TotalVisits":4,"City":"Mumbai","ok":false,"since":"2026-01-01","tags":["x","Select"],"email":"e"})"
        "\n"
        R"({"Prospect ID":"b","TotalVisits":-1,"City":"Select","tags":["Select"],"email":"e"})"
        "\n"
        R"({"Prospect ID":"c","status":null,"TotalVisits":"n/a","City":"select","ok":null,"since":null,"tags":null,"email":"e"})"
        "\n"
        R"({"Prospect ID":"d","TotalVisits":-1.0,"City":"N/A","email":"e","visits":7,"id":"ignored"})"
        "\n");
    CHECK(dump(r.batch, plan) == std::vector<std::string>{
                                     "id=a; status=MQL; visits=4; city=Mumbai; ok=false; "
                                     "since=2026-01-01T00:00:00Z; tags=[x]; email=e; ",
                                     "id=b; status=Lead; visits=0; city=<missing>; ok=true; "
                                     "since=2026-11-22T00:00:00Z; tags=[]; email=e; ",
                                     "id=c; status=Lead; visits=0; city=select; ok=true; "
                                     "since=2026-11-22T00:00:00Z; tags=[new]; email=e; ",
                                     "id=d; status=Lead; visits=0; city=<missing>; ok=true; "
                                     "since=2026-11-22T00:00:00Z; tags=[new]; email=e; ",
                                 });
    // A placeholder on a required field is missing: a data error.
    auto e = data_error([&] {
      read_jsonl_text(plan, R"({"Prospect ID":"a","email":"Select"})"
                            "\n");
    });
    CHECK(e.field == "email");
    CHECK(e.reason == "missing required field");
  }
  SECTION("CSV") {
    auto r = read_csv_text(plan,
                           "Prospect ID,status,TotalVisits,City,ok,since,tags,email\n"
                           "a,MQL,4,Mumbai,no,2026-01-01,x;Select,e\n"
                           "b,,-1,Select,,,Select,e\n"
                           "c,,n/a,select,,,,e\n"
                           "d,, ,N/A,,,,e\n");
    // A cell that is a placeholder as a whole is missing (the default); placeholder items of a
    // list are dropped.
    CHECK(dump(r.batch, plan) == std::vector<std::string>{
                                     "id=a; status=MQL; visits=4; city=Mumbai; ok=false; "
                                     "since=2026-01-01T00:00:00Z; tags=[x]; email=e; ",
                                     "id=b; status=Lead; visits=0; city=<missing>; ok=true; "
                                     "since=2026-11-22T00:00:00Z; tags=[new]; email=e; ",
                                     "id=c; status=Lead; visits=0; city=select; ok=true; "
                                     "since=2026-11-22T00:00:00Z; tags=[new]; email=e; ",
                                     "id=d; status=Lead; visits=0; city=<missing>; ok=true; "
                                     "since=2026-11-22T00:00:00Z; tags=[new]; email=e; ",
                                 });
  }
  SECTION("CSV without the defaulted columns") {
    auto r = read_csv_text(plan, "email,City,Prospect ID\ne,,a\n");
    CHECK(dump(r.batch, plan) ==
          std::vector<std::string>{"id=a; status=Lead; visits=0; city=<missing>; ok=true; "
                                   "since=2026-11-22T00:00:00Z; tags=[new]; email=e; "});
  }
}

TEST_CASE("bool spellings", "[readers]") {
  auto plan = make_plan({F("id", T::String, false), F("b", T::Bool)});
  std::vector<std::pair<std::string, bool>> const good = {
      {"true", true}, {"TRUE", true}, {"True", true},   {"yes", true},    {"YES", true},
      {"Yes", true},  {"1", true},    {"false", false}, {"False", false}, {"FALSE", false},
      {"no", false},  {"No", false},  {"nO", false},    {"0", false}};
  std::string jsonl, csv = "id,b\n";
  for (size_t i = 0; i < good.size(); ++i) {
    jsonl += "{\"id\":\"" + std::to_string(i) + "\",\"b\":\"" + good[i].first + "\"}\n";
    csv += std::to_string(i) + "," + good[i].first + "\n";
  }
  jsonl += "{\"id\":\"json-true\",\"b\":true}\n{\"id\":\"json-false\",\"b\":false}\n";
  jsonl += "{\"id\":\"json-1\",\"b\":1}\n{\"id\":\"json-0\",\"b\":0}\n";
  auto j = read_jsonl_text(plan, jsonl);
  auto c = read_csv_text(plan, csv);
  REQUIRE(j.batch.rows == good.size() + 4);
  REQUIRE(c.batch.rows == good.size());
  for (size_t i = 0; i < good.size(); ++i) {
    INFO(good[i].first);
    CHECK(j.batch.fields[1].bools[i] == good[i].second);
    CHECK(c.batch.fields[1].bools[i] == good[i].second);
  }
  CHECK(j.batch.fields[1].bools[good.size()] == 1);
  CHECK(j.batch.fields[1].bools[good.size() + 1] == 0);
  CHECK(j.batch.fields[1].bools[good.size() + 2] == 1);
  CHECK(j.batch.fields[1].bools[good.size() + 3] == 0);
  for (std::string bad : {"y", "n", "t", "on", "off", "2", "truee", "ja"}) {
    INFO(bad);
    auto e = data_error([&] { read_csv_text(plan, "id,b\np," + bad + "\n"); });
    CHECK(e.line == 2);
    CHECK(e.field == "b");
    CHECK(e.reason == "expected true/false, yes/no or 1/0, found \"" + bad + "\"");
    auto je = data_error([&] { read_jsonl_text(plan, "{\"id\":\"p\",\"b\":\"" + bad + "\"}\n"); });
    CHECK(je.reason == e.reason);
  }
  auto e = data_error([&] { read_jsonl_text(plan, "{\"id\":\"p\",\"b\":2}\n"); });
  CHECK(e.reason == "expected true/false, yes/no or 1/0, found 2");
}

TEST_CASE("times through the readers: every accepted form", "[readers]") {
  auto plan = make_plan({F("id", T::String, false), F("t", T::Time)}, {"visit"});
  std::vector<std::pair<std::string, int64_t>> const forms = {
      {"\"2026-11-22T00:00:00Z\"", kNow},
      {"\"2026-11-22t00:00:00z\"", kNow},
      {"\"2026-11-22 00:00:00Z\"", kNow},
      {"\"2026-11-22\"", kNow},
      {"\"2026-11-22T09:00:00+09:00\"", kNow},
      {"\"2026-11-21T19:00:00-05:00\"", kNow},
      {"\"2026-11-22T00:00:00.123456789Z\"", kNow + 123456},
      {"\"1969-12-31T23:59:59.5Z\"", -500000},
      {"1795305600", kNow},
      {"1795305600.25", kNow + 250000},
      {"-1.5", -1500000},
      {"0", 0},
      {"1.7953056e9", kNow},
  };
  std::string jsonl;
  for (size_t i = 0; i < forms.size(); ++i)
    jsonl += "{\"id\":\"" + std::to_string(i) + "\",\"t\":" + forms[i].first +
             ",\"activities\":[{\"type\":\"visit\",\"at\":" + forms[i].first + "}]}\n";
  auto r = read_jsonl_text(plan, jsonl);
  REQUIRE(r.batch.rows == forms.size());
  for (size_t i = 0; i < forms.size(); ++i) {
    INFO(forms[i].first);
    CHECK(r.batch.fields[1].micros[i] == forms[i].second);
    CHECK(r.batch.act_at[i] == forms[i].second);
  }
  // CSV: the text forms (cells may carry spaces around the value).
  std::string csv = "id,t\n", acts = "prospect_id,type,at\n";
  size_t n = 0;
  for (auto const& [text, micros] : forms) {
    if (text[0] != '"') continue;
    std::string const raw = text.substr(1, text.size() - 2);
    csv += std::to_string(n) + ", " + raw + " \n";
    acts += std::to_string(n) + ",visit," + raw + "\n";
    ++n;
  }
  auto c = read_csv_text(plan, csv, acts);
  REQUIRE(c.batch.rows == n);
  size_t k = 0;
  for (auto const& [text, micros] : forms) {
    if (text[0] != '"') continue;
    INFO(text);
    CHECK(c.batch.fields[1].micros[k] == micros);
    CHECK(c.batch.act_at[k] == micros);
    ++k;
  }
}

TEST_CASE("times through the readers: rejected forms", "[readers]") {
  auto plan = make_plan({F("id", T::String, false), F("t", T::Time)}, {"visit"});
  for (std::string bad : {"2026-13-01", "2026-02-29", "2026-11-22T10:00:00", "2026-11-22T25:00:00Z",
                          "22/11/2026", "1795305600", "yesterday", "2026-11-22T10:00:00+0900"}) {
    INFO(bad);
    std::string const reason = "bad time \"" + bad + "\": expected RFC 3339 like 2026-11-22T10:00:00Z";
    auto e = data_error([&] { read_jsonl_text(plan, "{\"id\":\"p\",\"t\":\"" + bad + "\"}\n"); });
    CHECK(e.line == 1);
    CHECK(e.field == "t");
    CHECK(e.reason == reason);
    auto c = data_error([&] { read_csv_text(plan, "id,t\np," + bad + "\n"); });
    CHECK(c.line == 2);
    CHECK(c.field == "t");
    CHECK(c.reason == reason);
    auto a = data_error([&] {
      read_jsonl_text(plan,
                      "{\"id\":\"p\",\"activities\":[{\"type\":\"visit\",\"at\":\"2026-11-22\"},"
                      "{\"type\":\"visit\",\"at\":\"" +
                          bad + "\"}]}\n");
    });
    CHECK(a.field == "activities[1].at");
    CHECK(a.reason == reason);
  }
  auto e = data_error([&] { read_jsonl_text(plan, "{\"id\":\"p\",\"t\":1e15}\n"); });
  CHECK(e.reason == "bad time 1000000000000000: epoch seconds must lie in the years 0000-9999");
  e = data_error([&] { read_jsonl_text(plan, "{\"id\":\"p\",\"t\":true}\n"); });
  CHECK(e.reason == "expected a time like 2026-11-22T10:00:00Z, found true");
  e = data_error([&] { read_jsonl_text(plan, "{\"id\":\"p\",\"t\":\"\"}\n"); });
  CHECK(e.reason == "bad time \"\": expected RFC 3339 like 2026-11-22T10:00:00Z");
}

TEST_CASE("blank lines are skipped but counted", "[readers]") {
  auto plan = make_plan({F("id", T::String, false), F("n", T::Number)});
  std::string const text = "\n{\"id\":\"a\"}\r\n  \n\t\r\n{\"id\":\"b\"}\n\n{\"id\":\"c\",\"n\":\"x\"}\n";
  auto e = data_error([&] { read_jsonl_text(plan, text); });
  CHECK(e.line == 7);
  CHECK(e.field == "n");
  CHECK(e.reason == "expected a number, found \"x\"");
  CHECK(ends_with(e.file, "in.jsonl"));
  CHECK(std::string(e.what()).find(":7: n: expected a number, found \"x\"") != std::string::npos);
  auto r = read_jsonl_text(plan, text, true);
  CHECK(r.batch.source_lines == std::vector<uint32_t>{2, 5});
  CHECK(r.prospects_read == 3);
  REQUIRE(r.rejects.size() == 1);
  CHECK(r.rejects[0].line == 7);
  CHECK(r.rejects[0].text == "{\"id\":\"c\",\"n\":\"x\"}");
  // The last line may lack its line break.
  auto last = read_jsonl_text(plan, "{\"id\":\"a\"}\n{\"id\":\"b\"}");
  CHECK(last.batch.rows == 2);
  auto bom = read_jsonl_text(plan, "\xEF\xBB\xBF{\"id\":\"a\"}\n");
  CHECK(bom.batch.rows == 1);
  auto bom_csv = read_csv_text(plan, "\xEF\xBB\xBFid,n\na,1\n");
  CHECK(bom_csv.batch.rows == 1);
  auto empty = read_jsonl_text(plan, "");
  CHECK(empty.batch.rows == 0);
  check_shape(empty.batch);
  // CSV: blank lines between records too.
  auto c = read_csv_text(plan, "id,n\n\na,1\r\n\r\nb,2\n\n");
  CHECK(c.batch.source_lines == std::vector<uint32_t>{3, 5});
}

TEST_CASE("data errors in strict mode: JSON Lines", "[readers]") {
  auto plan = make_plan({F("id", T::String, false), F("email", T::String, false), F("n", T::Number),
                         F("d", T::Duration), F("g", T::Grade), F("tags", T::StringList, false)},
                        {"visit"}, {F("page", T::String), F("secs", T::Number, false)}, {"Hot list"});
  struct Case {
    std::string line;
    std::string field;
    std::string reason;  // a substring of the reason
  };
  std::vector<Case> const cases = {
      {R"({"id":"p2","email":"e","n":"abc"})", "n", "expected a number, found \"abc\""},
      {R"({"id":"p2","email":"e","n":[1]})", "n", "expected a number, found an array"},
      {R"({"id":"p2","email":"e","n":{}})", "n", "expected a number, found an object"},
      {R"({"id":"p2"})", "email", "missing required field"},
      {R"({"id":"p2","email":null})", "email", "missing required field"},
      {R"({"email":"e"})", "id", "missing required field"},
      {R"({"id":"p1","email":"e"})", "id", "duplicate id \"p1\" (first on line 1)"},
      {R"({"id":"p2","email":"e")", "", "broken JSON: "},
      {R"({"id":"p2","email":"e"} x)", "", "broken JSON: "},
      {R"({"id":"p2","email":"e",})", "", "broken JSON: "},
      {"{\"id\":\"p2\",\"email\":\"\xff\"}", "", "broken JSON: not valid UTF-8"},
      {R"([1,2])", "", "expected a JSON object {…} on each line, found an array"},
      {R"("text")", "", "expected a JSON object {…} on each line, found \"text\""},
      {R"({"id":"p2","email":"e","email":"f"})", "email", "the key appears twice"},
      {R"({"id":"p2","email":"e","d":"7days"})", "d", "bad duration \"7days\""},
      {R"({"id":"p2","email":"e","g":"B++"})", "g", "bad grade \"B++\""},
      {R"({"id":"p2","email":"e","g":3})", "g", "expected a grade like B+, found 3"},
      {R"({"id":"p2","email":"e","tags":"vip"})", "tags", "expected a list of strings, found \"vip\""},
      {R"({"id":"p2","email":"e","tags":["a",1]})", "tags", "found 1 in the list"},
      {R"({"id":"p2","email":"e","activities":{}})", "activities", "expected an array of activity objects"},
      {R"({"id":"p2","email":"e","activities":[{"type":"visit","at":"2026-11-22","secs":1},7]})",
       "activities[1]", "expected an activity object, found 7"},
      {R"({"id":"p2","email":"e","activities":[{"at":"2026-11-22","secs":1}]})", "activities[0].type",
       "missing required field"},
      {R"({"id":"p2","email":"e","activities":[{"type":3,"at":"2026-11-22","secs":1}]})",
       "activities[0].type", "expected the activity kind as a string, found 3"},
      {R"({"id":"p2","email":"e","activities":[{"type":"visit","secs":1}]})", "activities[0].at",
       "missing required field"},
      {R"({"id":"p2","email":"e","activities":[{"type":"visit","at":null,"secs":1}]})", "activities[0].at",
       "missing required field"},
      {R"({"id":"p2","email":"e","activities":[{"type":"visit","at":"2026-11-22"}]})", "activities[0].secs",
       "missing required field"},
      {R"({"id":"p2","email":"e","activities":[{"type":"visit","at":"2026-11-22","secs":"9"}]})",
       "activities[0].secs", "expected a number, found \"9\""},
      {R"({"id":"p2","email":"e","fired":[]})", "fired", "expected an object"},
      {R"({"id":"p2","email":"e","fired":{"Hot list":{"count":-1}}})", "fired[\"Hot list\"].count",
       "expected a whole number >= 0, found -1"},
      {R"({"id":"p2","email":"e","fired":{"Hot list":{"count":1,"last":"soon"}}})",
       "fired[\"Hot list\"].last", "bad time \"soon\""},
      {R"({"id":"p2","email":"e","fired":{"Hot list":{"count":1},"Hot list":{"count":2}}})",
       "fired[\"Hot list\"]", "the rule appears twice"},
  };
  for (auto const& c : cases) {
    INFO(c.line);
    std::string const text = "{\"id\":\"p1\",\"email\":\"e\"}\n\n" + c.line + "\n{\"id\":\"p3\"}\n";
    auto e = data_error([&] { read_jsonl_text(plan, text); });
    CHECK(ends_with(e.file, "in.jsonl"));
    CHECK(e.line == 3);
    CHECK(e.field == c.field);
    CHECK_THAT(e.reason, Catch::Contains(c.reason));
    // keep_going: the same line is the one reject; p3 then fails for its missing email.
    auto r = read_jsonl_text(plan, text, true);
    CHECK(r.prospects_read == 3);
    CHECK(r.batch.rows == 1);
    CHECK(r.prospects_rejected == 2);
    REQUIRE(r.rejects.size() == 2);
    CHECK(r.rejects[0].line == 3);
    CHECK(r.rejects[0].field == c.field);
    CHECK(r.rejects[0].reason == e.reason);
    CHECK(r.rejects[0].text == c.line);
    CHECK(r.rejects[1].line == 4);
    CHECK(dictionaries(r.batch) ==
          dictionaries(read_jsonl_text(plan, "{\"id\":\"p1\",\"email\":\"e\"}\n").batch));
  }
}

TEST_CASE("data errors in strict mode: CSV", "[readers]") {
  auto plan = make_plan({F("id", T::String, false), F("email", T::String, false), F("n", T::Number)},
                        {"visit"}, {F("page", T::String), F("secs", T::Number)});
  std::string const acts_ok = "prospect_id,type,at,page,secs\np1,visit,2026-11-22,/a,1\n";
  struct Case {
    std::string prospects;
    std::optional<std::string> activities;
    std::string file;  // "in.csv" or "act.csv"
    uint32_t line;
    std::string field;
    std::string reason;
  };
  std::vector<Case> const cases = {
      {"id,email,n\np1,e,1\np2,e,abc\n", acts_ok, "in.csv", 3, "n", "expected a number, found \"abc\""},
      {"id,email,n\np1,e,1\np2,e,1e999\n", acts_ok, "in.csv", 3, "n", "expected a number, found \"1e999\""},
      {"id,email,n\np1,e,1\np2,e,\"1,5\"\n", acts_ok, "in.csv", 3, "n", "expected a number, found \"1,5\""},
      {"id,email,n\np1,e,1\np2,,1\n", acts_ok, "in.csv", 3, "email", "missing required field"},
      {"id,email,n\np1,e,1\n\np1,e,2\n", acts_ok, "in.csv", 4, "id", "duplicate id \"p1\" (first on line 2)"},
      {"id,email,n\np1,e,1\np2,\"e,1\n", acts_ok, "in.csv", 3, "", "unterminated quoted field"},
      {"id,email,n\np1,e,1\np2,\"e\"x,1\n", acts_ok, "in.csv", 3, "",
       "unexpected text after a closing quote"},
      {"id,email,n\np1,e,1\np2,e\n", acts_ok, "in.csv", 3, "",
       "expected 3 cells as in the header (line 1), found 2"},
      {"id,email,n\np1,e,1\np2,e,1,2\n", acts_ok, "in.csv", 3, "", "found 4"},
      {"email,n\ne,1\n", acts_ok, "in.csv", 1, "id", "no column \"id\" in the header"},
      {"id,n\np1,1\n", acts_ok, "in.csv", 1, "email",
       "no column \"email\" in the header for the required field email"},
      {"id,email,id\np1,e,p1\n", acts_ok, "in.csv", 1, "id", "column \"id\" appears twice in the header"},
      {"", acts_ok, "in.csv", 0, "", "the file is empty"},
      {"id,email,n\np1,e,1\np2,\xff,1\n", acts_ok, "in.csv", 3, "", "not valid UTF-8"},
      {"id,email,n\np1,e,1\n",
       std::string("prospect_id,type,at,page,secs\np1,visit,2026-11-22,,\np9,visit,2026-11-22,,\n"),
       "act.csv", 3, "prospect_id", "no prospect with id \"p9\" in "},
      {"id,email,n\np1,e,1\n",
       std::string("prospect_id,type,at,page,secs\np1,visit,2026-11-22,,\np1,visit,2026-13-22,,\n"),
       "act.csv", 3, "at", "bad time \"2026-13-22\""},
      {"id,email,n\np1,e,1\n", std::string("prospect_id,type,at,page,secs\np1,,2026-11-22,,\n"), "act.csv", 2,
       "type", "missing required field"},
      {"id,email,n\np1,e,1\n", std::string("prospect_id,type,at,page,secs\n,visit,2026-11-22,,\n"), "act.csv",
       2, "prospect_id", "missing required field"},
      {"id,email,n\np1,e,1\n", std::string("prospect_id,type,at,page,secs\np1,visit,2026-11-22,,x\n"),
       "act.csv", 2, "secs", "expected a number, found \"x\""},
      {"id,email,n\np1,e,1\n", std::string("prospect_id,type\np1,visit\n"), "act.csv", 1, "at",
       "no column \"at\" in the header"},
  };
  for (auto const& c : cases) {
    INFO(c.prospects);
    INFO(c.activities.value_or("<none>"));
    auto e = data_error([&] { read_csv_text(plan, c.prospects, c.activities); });
    CHECK(ends_with(e.file, c.file));
    CHECK(e.line == c.line);
    CHECK(e.field == c.field);
    CHECK_THAT(e.reason, Catch::Contains(c.reason));
  }
}

TEST_CASE("input files: extension, missing file, stdin name", "[readers]") {
  auto plan = make_plan({F("id", T::String, false)});
  TempDir dir;
  ReadOptions o;
  o.prospects = dir.write("leads.txt", "{\"id\":\"a\"}\n");
  auto e = data_error([&] { runtime::read_input(plan, o); });
  CHECK(e.line == 0);
  CHECK_THAT(e.reason, Catch::Contains(".jsonl or .ndjson"));
  o.prospects = dir.write("leads.json", "{\"id\":\"a\"}\n");
  e = data_error([&] { runtime::read_input(plan, o); });
  CHECK_THAT(e.reason, Catch::Contains("renamed .jsonl"));
  o.prospects = dir.write("leads.NDJSON", "{\"id\":\"a\"}\n");
  CHECK(runtime::read_input(plan, o).batch.rows == 1);
  o.prospects = (dir.path / "absent.jsonl").string();
  e = data_error([&] { runtime::read_input(plan, o); });
  CHECK(e.line == 0);
  CHECK(e.file == o.prospects);
  CHECK_THAT(e.reason, Catch::Contains("cannot open the file"));
  o.prospects = dir.path.string() + "/x.csv";
  std::filesystem::create_directory(o.prospects);
  e = data_error([&] { runtime::read_input(plan, o); });
  CHECK(e.line == 0);
  CHECK_THAT(e.reason, Catch::Contains("directory"));
  o.prospects = dir.write("p.jsonl", "{\"id\":\"a\"}\n");
  o.activities = dir.write("a.csv", "prospect_id,type,at\n");
  e = data_error([&] { runtime::read_input(plan, o); });
  CHECK_THAT(e.reason, Catch::Contains("activities file goes with CSV input"));
  // A file whose size leaves no padding in its last page is read rather than mapped.
  std::string big = "{\"id\":\"x\"}\n";
  big += std::string(4096 - big.size() - 10, ' ') + "{\"id\":\"y\"}";
  REQUIRE(big.size() == 4096 - 10 + 10);
  o = ReadOptions{};
  o.prospects = dir.write("page.jsonl", big);
  auto r = runtime::read_input(plan, o);
  CHECK(r.batch.rows == 2);
  CHECK(r.bytes == 4096);
}

TEST_CASE("keep_going: rejects add up and leave no trace", "[readers]") {
  auto plan = bench_plan();
  std::vector<std::pair<std::string, bool>> const lines = {
      {R"({"id":"p1","email":"a@x","created_at":"2026-01-01","tags":["t1"],"activities":[{"type":"visit","at":"2026-11-20","page":"/p1"},{"type":"chat","at":"2026-11-20"}],"fired":{"Hot list":{"count":1}}})",
       true},
      {R"({"id":"bad1","email":"fresh@x","company":"Fresh Co","created_at":"2026-01-01","tags":["fresh-tag"],"activities":[{"type":"visit","at":"2026-11-20","page":"/fresh"},{"type":"chat","at":"2026-11-20"},{"type":"call","at":"x"},{"type":"visit","at":"2026-13-01"}],"fired":{"MQL":{"count":2}}})",
       false},
      {R"({"id":"p2","email":"b@x","created_at":"2026-01-02","tags":[],"employees":10})", true},
      {R"({"id":"bad2","email":"another@x","created_at":"2026-01-02","employees":"ten","title":"Fresh Title"})",
       false},
      {R"({"id":"p1","email":"dup@x","created_at":"2026-01-02"})", false},
      {R"({"id":"bad3","email":"b@x","created_at":"2026-01-02","activities":[{"type":"form","at":"2026-11-20","form":"fresh-form"}]} trailing)",
       false},
      {R"({"id":"p3","email":"c@x","created_at":"2026-01-03","account":"acct-1","activities":[{"type":"form","at":"2026-11-21","form":"contact"}]})",
       true},
      {R"({"id":"bad4","email":"d@x","account":"acct-fresh","company":"Fresh Co"})", false},
  };
  std::string all, good;
  size_t n_bad = 0;
  for (auto const& [line, ok] : lines) {
    all += line + "\n";
    if (ok)
      good += line + "\n";
    else
      ++n_bad;
  }
  auto r = read_jsonl_text(plan, all, true);
  auto g = read_jsonl_text(plan, good);
  CHECK(r.prospects_read == lines.size());
  CHECK(r.prospects_rejected == n_bad);
  CHECK(r.prospects_read == r.batch.rows + r.prospects_rejected);
  CHECK(r.rejects.size() == n_bad);
  CHECK(dump(r.batch, plan) == dump(g.batch, plan));
  CHECK(dictionaries(r.batch) == dictionaries(g.batch));  // no string of a rejected line
  CHECK(r.skipped_kinds == g.skipped_kinds);
  CHECK(r.skipped_kinds == std::map<std::string, size_t>{{"chat", 1}});
  CHECK(r.batch.source_lines == std::vector<uint32_t>{1, 3, 7});
  REQUIRE(r.rejects.size() == 5);
  CHECK(r.rejects[0].line == 2);
  CHECK(r.rejects[0].field == "activities[3].at");
  CHECK(r.rejects[1].field == "employees");
  CHECK(r.rejects[2].reason == "duplicate id \"p1\" (first on line 1)");
  CHECK_THAT(r.rejects[3].reason, Catch::StartsWith("broken JSON"));
  CHECK(r.rejects[4].field == "created_at");
  CHECK(r.rejects[4].text == lines[7].first);
  // A rejected line's id stays taken: a later line with it is a duplicate.
  auto again = read_jsonl_text(plan,
                               lines[1].first + "\n" +
                                   R"({"id":"bad1","email":"e","created_at":"2026-01-01"})"
                                   "\n",
                               true);
  CHECK(again.batch.rows == 0);
  CHECK(again.prospects_rejected == 2);
  REQUIRE(again.rejects.size() == 2);
  CHECK(again.rejects[1].reason == "duplicate id \"bad1\" (first on line 1, which was rejected)");
}

TEST_CASE("keep_going with the CSV pair", "[readers]") {
  auto plan = bench_plan();
  std::string const header =
      "id,account,email,company,title,industry,employees,country,source,status,touch_stage,assigned_at,"
      "created_at,tags\n";
  std::string const prospects = header +
                                "p1,,a@x,,,,,,,,,,2026-01-01,t1\n"                   // 2
                                "bad1,,fresh@x,Fresh Co,,,,,,,,,2026-01-01,fresh\n"  // 3: its activity is bad
                                "p2,,b@x,,,,ten,,,,,,2026-01-01,\n"                  // 4: bad employees
                                "p3,acct-1,c@x,,,,5,,,,,,2026-01-01,\n"              // 5
                                "p1,,dup@x,,,,,,,,,,2026-01-01,\n"                   // 6: duplicate
                                "p4,,\"d@x\",,,,,,,,,,2026-01-01\n";                 // 7: too few cells
  std::string const activities =
      "prospect_id,type,at,page,form,asset\n"
      "p3,form,2026-11-21,,contact,\n"     // 2
      "p1,visit,2026-11-20,/p1,,\n"        // 3
      "bad1,visit,2026-11-20,/fresh,,\n"   // 4
      "p2,visit,2026-11-20,/p2,,\n"        // 5: goes with p2
      "bad1,visit,2026-13-01,,,\n"         // 6: bad time
      "p1,chat,2026-11-20,,,\n"            // 7: skipped kind
      "ghost,visit,2026-11-20,/ghost,,\n"  // 8: no such prospect
      "p1,visit,2026-11-19,\"/p1,b\",,\n"  // 9
      "bad1,chat,2026-11-20,,,\n"          // 10: skipped kind of a rejected prospect
      ",visit,2026-11-20,,,\n"             // 11: no prospect id
      "p3,form,2026-11-22,,\"x\"y,\n";     // 12: broken quote -> p3 rejected too
  auto r = read_csv_text(plan, prospects, activities, true);
  CHECK(r.prospects_read == 6);
  CHECK(r.batch.rows == 1);
  CHECK(r.prospects_rejected == 5);
  CHECK(r.prospects_read == r.batch.rows + r.prospects_rejected);
  CHECK(dump(r.batch, plan, true) ==
        std::vector<std::string>{
            "@2 id=p1; account=<missing>; email=a@x; company=<missing>; title=<missing>; industry=<missing>; "
            "employees=<missing>; country=<missing>; source=<missing>; status=Lead; touch_stage=Untouched; "
            "assigned_at=<missing>; created_at=2026-01-01T00:00:00Z; tags=[t1]; "
            "\n  visit at 2026-11-20T00:00:00Z page=/p1 form=<missing> asset=<missing>"
            "\n  visit at 2026-11-19T00:00:00Z page=/p1,b form=<missing> asset=<missing>"});
  CHECK(dictionaries(r.batch) == std::vector<std::vector<std::string>>{{"p1"},
                                                                       {},
                                                                       {"a@x"},
                                                                       {},
                                                                       {},
                                                                       {},
                                                                       {},
                                                                       {},
                                                                       {},
                                                                       {"Lead"},
                                                                       {"Untouched"},
                                                                       {},
                                                                       {},
                                                                       {"t1"},
                                                                       {"/p1", "/p1,b"},
                                                                       {},
                                                                       {}});
  CHECK(r.skipped_kinds == std::map<std::string, size_t>{{"chat", 1}});
  // Rejects: activity lines as they are found, then each prospect line.
  std::vector<std::string> got;
  for (auto const& rej : r.rejects)
    got.push_back(std::filesystem::path(rej.file).filename().string() + ":" + std::to_string(rej.line) + " " +
                  rej.field);
  CHECK(got == std::vector<std::string>{
                   "act.csv:11 prospect_id",  // no prospect id: cannot be attached
                   "act.csv:6 at",            // bad1's bad activity
                   "in.csv:3 activities",     // bad1 itself
                   "in.csv:4 employees",
                   "act.csv:12 ",  // p3's broken activity line
                   "in.csv:5 activities", "in.csv:6 id", "in.csv:7 ",
                   "act.csv:8 prospect_id",  // ghost
               });
  CHECK_THAT(r.rejects[2].reason, Catch::Contains("its activity on line 6 of"));
  CHECK_THAT(r.rejects[2].reason, Catch::Contains("at: bad time \"2026-13-01\""));
  CHECK(r.rejects[1].text == "bad1,visit,2026-13-01,,,");
  CHECK(r.rejects.back().text == "ghost,visit,2026-11-20,/ghost,,");
  CHECK(r.rejects.back().reason == "no prospect with id \"ghost\" in " + r.rejects[3].file);
}

TEST_CASE("activities of unknown kinds are skipped and counted", "[readers]") {
  auto plan = make_plan({F("id", T::String, false)}, {"visit"}, {F("page", T::String)});
  auto j = read_jsonl_text(
      plan,
      R"({"id":"a","activities":[{"type":"visit","at":"2026-11-20"},{"type":"chat","at":"bad","page":7},{"type":"Visit","at":"2026-11-20"},{"at":"2026-11-20","type":"chat"}]})"
      "\n"
      R"({"id":"b","activities":[{"type":"call","at":"2026-11-20"}]})"
      "\n");
  CHECK(j.batch.activity_count() == 1);
  CHECK(j.skipped_kinds == std::map<std::string, size_t>{{"Visit", 1}, {"call", 1}, {"chat", 2}});
  auto c =
      read_csv_text(plan, "id\na\nb\n",
                    "prospect_id,type,at,page\na,visit,2026-11-20,\na,chat,bad,\na,Visit,x,\nb,call,,\n");
  CHECK(c.batch.activity_count() == 1);
  CHECK(c.skipped_kinds == std::map<std::string, size_t>{{"Visit", 1}, {"call", 1}, {"chat", 1}});
  // Without an activity schema every activity is skipped.
  auto none = make_plan({F("id", T::String, false)});
  auto n = read_jsonl_text(none, R"({"id":"a","activities":[{"type":"visit","at":"2026-11-20"}]})"
                                 "\n");
  CHECK(n.batch.activity_count() == 0);
  CHECK(n.skipped_kinds == std::map<std::string, size_t>{{"visit", 1}});
}

TEST_CASE("firing history", "[readers]") {
  auto plan = make_plan({F("id", T::String, false)}, {}, {}, {"Hot list", "MQL", "Score jump"});
  auto r = read_jsonl_text(
      plan,
      R"({"id":"a","fired":{"MQL":{"count":2,"last":"2026-11-20T09:00:00Z"},"Gone rule":{"count":"x"},"Hot list":{"count":1}}})"
      "\n"
      R"({"id":"b"})"
      "\n"
      R"({"fired":{"Score jump":{"last":1795305600}},"id":"c"})"
      "\n"
      R"({"id":"d","fired":{"Score jump":{"count":0,"last":null}, "MQL": null}})"
      "\n");
  CHECK(dump(r.batch, plan) ==
        std::vector<std::string>{
            "id=a; \n  fired MQL count 2 last 2026-11-20T09:00:00Z\n  fired Hot list count 1",
            "id=b; ",
            "id=c; \n  fired Score jump count 1 last 2026-11-22T00:00:00Z",
            "id=d; \n  fired Score jump count 0",
        });
  CHECK(r.batch.history[0].rule == 1);
}

TEST_CASE("the real export: xeducation-leads.csv through `from` columns", "[readers]") {
  std::string const path = std::string(LEADRULES_SHARED_DIR) + "/data/xeducation-leads.csv";
  if (!std::filesystem::exists(path)) {
    WARN("skipped: " << path << " is absent");
    return;
  }
  auto plan = make_plan({
      F("id", T::String, false).from("Prospect ID"),
      F("lead_number", T::Number, false).from("Lead Number"),
      F("origin", T::String).from("Lead Origin"),
      F("source", T::String).from("Lead Source"),
      F("do_not_email", T::Bool, false).from("Do Not Email"),
      F("converted", T::Bool, false).from("Converted"),
      F("visits", T::Number).from("TotalVisits"),
      F("time_on_site", T::Number).from("Total Time Spent on Website"),
      F("pages_per_visit", T::Number).from("Page Views Per Visit"),
      F("last_activity", T::String).from("Last Activity"),
      F("country", T::String).from("Country"),
      F("specialization", T::String).from("Specialization").missing({"Select"}),
      F("occupation", T::String).from("What is your current occupation"),
      F("city", T::String).from("City").missing({"Select"}),
      F("tags", T::StringList).from("Tags"),
      F("profile", T::String).from("Lead Profile").missing({"Select"}),
      F("free_copy", T::Bool).from("A free copy of Mastering The Interview"),
  });
  ReadOptions o;
  o.prospects = path;
  auto r = runtime::read_input(plan, o);
  CHECK(r.rejects.empty());
  REQUIRE(r.batch.rows == 9240);
  CHECK(r.prospects_read == 9240);
  check_shape(r.batch);
  auto const& b = r.batch;
  CHECK(b.id(0, plan.schema) == "7927b2df-8bba-4d29-b9a2-b6e0beafe620");
  CHECK(b.id(9239, plan.schema) == "571b5c8e-a5b2-4d57-8574-f2ffb06fdeff");
  CHECK(b.fields[1].numbers[9239] == 579533);
  CHECK(b.source_lines[0] == 2);
  CHECK(b.source_lines[9239] == 9241);
  size_t converted = 0, no_email = 0, no_visits = 0, no_spec = 0, no_city = 0;
  double visits = 0, ppv = 0;
  for (size_t i = 0; i < b.rows; ++i) {
    converted += b.fields[5].bools[i];
    no_email += b.fields[4].bools[i];
    no_visits += !b.fields[6].present[i];
    if (b.fields[6].present[i]) visits += b.fields[6].numbers[i];
    if (b.fields[8].present[i]) ppv += b.fields[8].numbers[i];
    no_spec += !b.fields[11].present[i];
    no_city += !b.fields[13].present[i];
  }
  CHECK(converted == 3561);
  CHECK(no_email == 734);
  CHECK(no_visits == 137);
  CHECK(visits == 31362);
  CHECK(ppv == Approx(21508.75));
  CHECK(no_spec == 3380);
  CHECK(no_city == 3669);
  auto const& spec = b.fields[11];
  CHECK(spec.dict->size() == 18);
  CHECK(spec.dict->find("Select") == runtime::kMissingCode);
  CHECK(spec.dict->find("Banking, Investment And Insurance") != runtime::kMissingCode);
  CHECK_FALSE(b.fields[10].is_present(0));  // an empty Country cell
  CHECK(b.fields[10].string_at(1) == "India");
}

// ---------------------------------------------------------------------------------------------
// Randomized: the same prospects written as JSON Lines and as the CSV pair read identically.

namespace {

struct GenActivity {
  std::string type;
  int64_t at;
  std::optional<std::string> page;
  std::optional<double> secs;
  std::vector<std::string> labels;
};

struct GenProspect {
  std::string id;
  std::optional<std::string> name;  // may be the placeholder "N/A"
  std::optional<double> score;
  std::optional<bool> active;
  int64_t created;
  std::optional<int64_t> wait;
  std::optional<int> grade;
  std::vector<std::string> tags;
  std::optional<std::string> status;  // default "Lead"
  std::vector<GenActivity> acts;
};

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  size_t below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  // Text with the hard cases: commas, quotes, line breaks, semicolons, UTF-8, spaces, tabs.
  std::string text(bool list_item = false) {
    static const std::vector<std::string> pieces = {
        "a",       "Z",  "42",       ",",       "\"",      "\n", "\r\n", " ", "\\", "é", "学生", "🙂",
        "Ünïcödé", "\t", "/pricing", "x@y.com", "O'Brien", "{",  "}",    "[", "]",  ":", "null", "'"};
    std::string s;
    size_t const n = 1 + below(6);
    for (size_t i = 0; i < n; ++i) s += pieces[below(pieces.size())];
    if (!list_item && chance(0.2)) s += ";";  // only in plain strings
    if (list_item) {
      // List items are trimmed and split on ';' in CSV: keep them clean at the ends.
      while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
        s.erase(s.begin());
      while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
        s.pop_back();
      if (s.empty()) s = "item";
    }
    return s;
  }
  double number() {
    switch (below(4)) {
      case 0: return double(int64_t(below(100000)) - 50000);
      case 1: return std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
      case 2: return double(below(1000)) / 8;
      default: return std::ldexp(std::uniform_real_distribution<double>(0.5, 1)(rng_), int(below(60)) - 30);
    }
  }
  int64_t time() {
    int64_t t = kNow - int64_t(below(400LL * 86400)) * kSec;
    if (chance(0.3)) t += int64_t(below(1000000));                      // microseconds
    if (chance(0.05)) t = -int64_t(below(100LL * 365 * 86400)) * kSec;  // before 1970
    return t;
  }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
};

// A time written in one of the accepted text forms; JSON may use epoch seconds instead.
std::string time_text(Gen& g, int64_t t) {
  std::string s = stdlib::format_time(t);
  if (t % (86400 * kSec) == 0 && g.chance(0.3)) return s.substr(0, 10);
  switch (g.below(4)) {
    case 0: s[10] = ' '; break;
    case 1:
      s[10] = 't';
      s.back() = 'z';
      break;
    case 2: {  // the same instant at +09:00
      std::string local = stdlib::format_time(t + 9 * 3600 * kSec);
      if (local.substr(0, 4) == "0000" || local.substr(0, 4) == "9999") break;
      local.pop_back();
      s = local + "+09:00";
      break;
    }
    default: break;
  }
  return s;
}

std::string json_time(Gen& g, int64_t t) {
  if (t % kSec == 0 && g.chance(0.2)) return std::to_string(t / kSec);
  if (t % (kSec / 4) == 0 && g.chance(0.2)) return stdlib::format_number(double(t) / kSec);
  return stdlib::json_escape(time_text(g, t));
}

std::string bool_text(Gen& g, bool b) {
  static const char* yes[] = {"true", "TRUE", "Yes", "yes", "1"};
  static const char* no[] = {"false", "False", "NO", "no", "0"};
  return b ? yes[g.below(5)] : no[g.below(5)];
}

std::string grade_name(int g) {
  static const char* names[] = {"F", "D-", "D", "D+", "C-", "C", "C+", "B-", "B", "B+", "A-", "A", "A+"};
  return names[g];
}

}  // namespace

TEST_CASE("randomized: JSON Lines and the CSV pair read identically", "[readers]") {
  auto plan = make_plan(
      {F("id", T::String, false), F("name", T::String).missing({"N/A"}), F("score", T::Number),
       F("active", T::Bool), F("created", T::Time, false), F("wait", T::Duration), F("g", T::Grade),
       F("tags", T::StringList, false), F("status", T::String).def(text_const("Lead"))},
      {"visit", "form"}, {F("page", T::String), F("secs", T::Number), F("labels", T::StringList, false)});

  for (uint64_t seed : {1, 2, 3}) {
    Gen g(seed);
    std::vector<GenProspect> ps;
    size_t const n = 300;
    for (size_t i = 0; i < n; ++i) {
      GenProspect p;
      p.id = "p" + std::to_string(i) + (g.chance(0.3) ? g.text() : "");
      if (g.chance(0.8)) p.name = g.chance(0.05) ? "N/A" : g.text();
      if (g.chance(0.8)) p.score = g.number();
      if (g.chance(0.8)) p.active = g.chance(0.5);
      p.created = g.time();
      if (g.chance(0.6))
        p.wait = int64_t(g.below(100000)) * (g.chance(0.5) ? 60 * kSec : 500000) * (g.chance(0.2) ? -1 : 1);
      if (g.chance(0.6)) p.grade = int(g.below(13));
      for (size_t t = g.below(4); t > 0; --t) p.tags.push_back(g.text(true));
      if (g.chance(0.5)) p.status = g.text();
      for (size_t a = g.below(7); a > 0; --a) {
        GenActivity act;
        act.type = g.chance(0.1) ? "webinar" : g.chance(0.5) ? "visit" : "form";
        act.at = g.time();
        if (g.chance(0.7)) act.page = g.text();
        if (g.chance(0.5)) act.secs = g.number();
        for (size_t t = g.below(3); t > 0; --t) act.labels.push_back(g.text(true));
        p.acts.push_back(act);
      }
      ps.push_back(p);
    }

    // Expected batch, decoded.
    std::vector<std::string> expected;
    std::map<std::string, size_t> expected_skips;
    for (auto const& p : ps) {
      auto join = [](std::vector<std::string> const& v) {
        std::string s = "[";
        for (size_t i = 0; i < v.size(); ++i) s += (i ? "|" : "") + v[i];
        return s + "]";
      };
      std::string s = "id=" + p.id + "; ";
      s += "name=" + (p.name && *p.name != "N/A" ? *p.name : "<missing>") + "; ";
      s += "score=" + (p.score ? stdlib::format_number(*p.score) : "<missing>") + "; ";
      s += "active=" + (p.active ? std::string(*p.active ? "true" : "false") : "<missing>") + "; ";
      s += "created=" + stdlib::format_time(p.created) + "; ";
      s += "wait=" + (p.wait ? stdlib::format_duration(*p.wait) : "<missing>") + "; ";
      s += "g=" + (p.grade ? "grade " + std::to_string(*p.grade) : "<missing>") + "; ";
      s += "tags=" + join(p.tags) + "; ";
      s += "status=" + p.status.value_or("Lead") + "; ";
      for (auto const& a : p.acts) {
        if (a.type == "webinar") {
          ++expected_skips[a.type];
          continue;
        }
        s += "\n  " + a.type + " at " + stdlib::format_time(a.at) + " page=" + a.page.value_or("<missing>") +
             " secs=" + (a.secs ? stdlib::format_number(*a.secs) : "<missing>") + " labels=" + join(a.labels);
      }
      expected.push_back(s);
    }

    // JSON Lines: keys in random order, unknown keys, blank lines, nulls for missing values.
    std::string jsonl;
    for (auto const& p : ps) {
      std::vector<std::string> kv;
      kv.push_back("\"id\":" + stdlib::json_escape(p.id));
      if (p.name)
        kv.push_back("\"name\":" + stdlib::json_escape(*p.name));
      else if (g.chance(0.5))
        kv.push_back("\"name\":null");
      if (p.score) kv.push_back("\"score\":" + stdlib::format_number(*p.score));
      if (p.active)
        kv.push_back("\"active\":" + (g.chance(0.5) ? std::string(*p.active ? "true" : "false")
                                                    : stdlib::json_escape(bool_text(g, *p.active))));
      kv.push_back("\"created\":" + json_time(g, p.created));
      if (p.wait) kv.push_back("\"wait\":" + stdlib::json_escape(stdlib::format_duration(*p.wait)));
      if (p.grade) kv.push_back("\"g\":" + stdlib::json_escape(grade_name(*p.grade)));
      if (!p.tags.empty() || g.chance(0.5)) {
        std::string t = "\"tags\":[";
        for (size_t i = 0; i < p.tags.size(); ++i) t += (i ? "," : "") + stdlib::json_escape(p.tags[i]);
        kv.push_back(t + "]");
      }
      if (p.status) kv.push_back("\"status\":" + stdlib::json_escape(*p.status));
      if (g.chance(0.3)) kv.push_back("\"unknown\":{\"x\":[1,\"a\",null]}");
      if (!p.acts.empty() || g.chance(0.3)) {
        std::string a = "\"activities\":[";
        for (size_t i = 0; i < p.acts.size(); ++i) {
          auto const& act = p.acts[i];
          std::vector<std::string> f;
          f.push_back("\"type\":" + stdlib::json_escape(act.type));
          f.push_back("\"at\":" + json_time(g, act.at));
          if (act.page) f.push_back("\"page\":" + stdlib::json_escape(*act.page));
          if (act.secs) f.push_back("\"secs\":" + stdlib::format_number(*act.secs));
          if (!act.labels.empty()) {
            std::string l = "\"labels\":[";
            for (size_t k = 0; k < act.labels.size(); ++k)
              l += (k ? "," : "") + stdlib::json_escape(act.labels[k]);
            f.push_back(l + "]");
          }
          std::shuffle(f.begin(), f.end(), g.rng());
          a += (i ? "," : "") + std::string("{");
          for (size_t k = 0; k < f.size(); ++k) a += (k ? "," : "") + f[k];
          a += "}";
        }
        kv.push_back(a + "]");
      }
      std::shuffle(kv.begin(), kv.end(), g.rng());
      std::string line = "{";
      for (size_t i = 0; i < kv.size(); ++i) line += (i ? ", " : "") + kv[i];
      jsonl += line + "}" + (g.chance(0.2) ? "\r\n" : "\n");
      if (g.chance(0.05)) jsonl += "\n";
    }

    // CSV pair: columns in another order, unnamed extra column, activities shuffled between
    // prospects (each prospect's in order).
    std::string csv = "status,tags,g,wait,created,active,score,name,id,\n";
    for (auto const& p : ps) {
      std::string tags;
      for (size_t i = 0; i < p.tags.size(); ++i) tags += (i ? (g.chance(0.5) ? "; " : ";") : "") + p.tags[i];
      std::vector<std::string> cells = {p.status.value_or(""),
                                        tags,
                                        p.grade ? grade_name(*p.grade) : "",
                                        p.wait ? stdlib::format_duration(*p.wait) : "",
                                        time_text(g, p.created),
                                        p.active ? bool_text(g, *p.active) : "",
                                        p.score ? stdlib::format_number(*p.score) : "",
                                        p.name.value_or(""),
                                        p.id,
                                        g.chance(0.5) ? "" : "ignored"};
      for (size_t i = 0; i < cells.size(); ++i) csv += (i ? "," : "") + csv_cell(cells[i]);
      csv += g.chance(0.3) ? "\r\n" : "\n";
    }
    std::vector<std::pair<size_t, size_t>> rows;  // (prospect, activity)
    for (size_t i = 0; i < ps.size(); ++i)
      for (size_t a = 0; a < ps[i].acts.size(); ++a) rows.emplace_back(i, a);
    std::vector<size_t> slots(rows.size());
    for (size_t i = 0; i < slots.size(); ++i) slots[i] = i;
    std::shuffle(slots.begin(), slots.end(), g.rng());
    // Prospect i's rows take the slots they drew, sorted: shuffled overall, in order per prospect.
    std::vector<std::pair<size_t, size_t>> placed(rows.size());
    {
      size_t k = 0;
      for (size_t i = 0; i < ps.size(); ++i) {
        size_t const m = ps[i].acts.size();
        std::vector<size_t> mine(slots.begin() + long(k), slots.begin() + long(k + m));
        std::sort(mine.begin(), mine.end());
        for (size_t a = 0; a < m; ++a) placed[mine[a]] = {i, a};
        k += m;
      }
    }
    std::string acts = "at,labels,type,secs,prospect_id,page\n";
    for (auto const& [i, a] : placed) {
      auto const& act = ps[i].acts[a];
      std::string labels;
      for (size_t k = 0; k < act.labels.size(); ++k) labels += (k ? ";" : "") + act.labels[k];
      std::vector<std::string> cells = {
          time_text(g, act.at), labels, act.type, act.secs ? stdlib::format_number(*act.secs) : "", ps[i].id,
          act.page.value_or("")};
      for (size_t k = 0; k < cells.size(); ++k) acts += (k ? "," : "") + csv_cell(cells[k]);
      acts += "\n";
    }

    auto j = read_jsonl_text(plan, jsonl);
    auto c = read_csv_text(plan, csv, acts);
    INFO("seed " << seed);
    auto dj = dump(j.batch, plan);
    auto dc = dump(c.batch, plan);
    REQUIRE(dj.size() == expected.size());
    REQUIRE(dc.size() == expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      INFO("prospect " << i);
      CHECK(dj[i] == expected[i]);
      CHECK(dc[i] == expected[i]);
    }
    CHECK(j.skipped_kinds == expected_skips);
    CHECK(c.skipped_kinds == expected_skips);
    CHECK(j.rejects.empty());
    CHECK(c.rejects.empty());
  }
}

// ---------------------------------------------------------------------------------------------

TEST_CASE("loading speed on the benchmark data", "[.bench]") {
  // Generate first: python3 shared/bench/gen.py --prospects 200000 --seed 1 --out-dir /tmp/bench --format
  // both
  char const* dir_env = std::getenv("LEADRULES_BENCH_DIR");
  std::string const dir = dir_env ? dir_env : "/tmp/bench";
  if (!std::filesystem::exists(dir + "/prospects.jsonl")) {
    WARN("skipped: no " << dir << "/prospects.jsonl");
    return;
  }
  auto plan = bench_plan();
  auto run = [&](ReadOptions const& o) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = runtime::read_input(plan, o);
    double const s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%s: %zu prospects, %zu activities, %.1f MB in %.3f s = %.0f MB/s\n", o.prospects.c_str(),
                r.batch.rows, r.batch.activity_count(), double(r.bytes) / 1e6, s, double(r.bytes) / 1e6 / s);
    CHECK(r.rejects.empty());
    return r.batch.rows;
  };
  ReadOptions j;
  j.prospects = dir + "/prospects.jsonl";
  ReadOptions c;
  c.prospects = dir + "/prospects.csv";
  c.activities = dir + "/activities.csv";
  for (int i = 0; i < 2; ++i) {
    auto const rows = run(j);
    CHECK(run(c) == rows);
  }
}
