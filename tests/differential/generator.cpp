// The differential-test generator: see generator.hpp.
//
// How validity is kept by construction:
// - Every expression is generated for a wanted type (the checker's typing rules, mirrored here)
//   and printed with its precedence level, so operands are parenthesised exactly where needed.
//   `any X where C` and `any colleague where C` swallow everything after `where`, so they are
//   parenthesised whenever they are an operand; inside an activity `where` (which a `within`
//   ends) infix `within` and nested `any`/`no` aggregates are always parenthesised.
// - Names come from disjoint pools (no reserved words, no built-ins, no grade letters).
// - Declarations are generated in strata, and an expression may name only what cannot close a
//   cycle: plain lets (fields and activities only) < colleague lets (colleague aggregates over
//   fields, activities and plain lets) < score blocks (a block may name earlier blocks) <
//   grade (may read blocks and the total) < score lets (may read the total, the grade and sum
//   colleague scores) < segments and zones (may name earlier segments) < rules. A colleague
//   aggregate inside a points or grade rule sees only fields, activities and plain lets.
// - Template interpolations contain no string literals or set literals (a `"` or `}` would end
//   the template), and an expression used as an action argument never starts with `"`.
#include "tests/differential/generator.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace leadrules::difftest {
namespace {

constexpr int64_t kSec = 1'000'000;
constexpr int64_t kMinute = 60 * kSec;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kWeek = 7 * kDay;

// ---------------------------------------------------------------------------------------------
// Randomness: std::mt19937_64 is specified bit for bit by the standard; everything on top of it
// is ours.

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : eng_(splitmix64(seed)) {}

  // Uniform in [0, n) without modulo bias.
  uint64_t below(uint64_t n) {
    if (n <= 1) return 0;
    uint64_t const threshold = (0 - n) % n;
    for (;;) {
      uint64_t const x = eng_();
      if (x >= threshold) return x % n;
    }
  }
  int64_t range(int64_t lo, int64_t hi) { return lo + int64_t(below(uint64_t(hi - lo) + 1)); }
  bool chance(int percent) { return int(below(100)) < percent; }
  template <class C>
  auto const& pick(C const& c) {
    return c[size_t(below(c.size()))];
  }
  template <class V>
  void shuffle(V& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[size_t(below(i))]);
  }

 private:
  std::mt19937_64 eng_;
};

// ---------------------------------------------------------------------------------------------
// Civil time (Howard Hinnant's algorithms), for times in the policy and in the data.

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t const era = (y >= 0 ? y : y - 399) / 400;
  unsigned const yoe = unsigned(y - era * 400);
  unsigned const doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + int64_t(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  int64_t const era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned const doe = unsigned(z - era * 146097);
  unsigned const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t const yy = int64_t(yoe) + era * 400;
  unsigned const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned const mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yy + (m <= 2);
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

struct TimeStyle {
  char sep = 'T';
  int offset_minutes = 0;      // printed as Z when 0 and !force_offset
  bool force_offset = false;   // +00:00 instead of Z
  bool full_fraction = false;  // always .ffffff (else trimmed, and none when zero)
  bool date_only = false;      // YYYY-MM-DD (only for midnight UTC)
};

std::string format_time(int64_t micros, TimeStyle const& st) {
  char buf[64];
  if (st.date_only) {
    int64_t y;
    unsigned m, d;
    civil_from_days(floor_div(micros, kDay), y, m, d);
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", (long long)y, m, d);
    return buf;
  }
  int64_t const local = micros + int64_t(st.offset_minutes) * kMinute;
  int64_t const days = floor_div(local, kDay);
  int64_t rest = local - days * kDay;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  int const hh = int(rest / kHour);
  rest %= kHour;
  int const mm = int(rest / kMinute);
  rest %= kMinute;
  int const ss = int(rest / kSec);
  int const us = int(rest % kSec);
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u%c%02d:%02d:%02d", (long long)y, m, d, st.sep, hh, mm, ss);
  std::string out = buf;
  if (us != 0 || st.full_fraction) {
    std::snprintf(buf, sizeof buf, ".%06d", us);
    std::string frac = buf;
    if (!st.full_fraction)
      while (frac.size() > 2 && frac.back() == '0') frac.pop_back();
    out += frac;
  }
  if (st.offset_minutes == 0 && !st.force_offset) {
    out += 'Z';
  } else {
    int const off = st.offset_minutes < 0 ? -st.offset_minutes : st.offset_minutes;
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", st.offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
    out += buf;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text escaping.

// A policy string literal: `"`, `\`, newline and tab escaped; everything else (UTF-8) as is.
std::string lr_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  out += '"';
  return out;
}

// Literal text inside a template: as lr_string, plus braces doubled.
std::string template_text(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '{': out += "{{"; break;
      case '}': out += "}}"; break;
      default: out += c;
    }
  }
  return out;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto const u = static_cast<unsigned char>(c);
    if (c == '"')
      out += "\\\"";
    else if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

// ---------------------------------------------------------------------------------------------
// Value pools: the data draws from them, and so do the policy's literals, so that comparisons,
// sets and regexes match some records and miss others.

enum Pool : int {
  kEmail,
  kTitle,
  kIndustry,
  kCountry,
  kStatus,
  kStage,
  kCompany,
  kGeneric,
  kPage,
  kForm,
  kAsset,
  kChannel,
  kDomain,
  kTag,
  kPoolCount
};

std::vector<std::string> const& pool_values(int pool) {
  static std::vector<std::vector<std::string>> const pools = {
      /*kEmail*/ {"ann@gmail.com", "Bob@Initech.example", "carol@INITECH.EXAMPLE", "dave@yahoo.co.jp",
                  "eve@sub.initech.example", "noatsign", "x@y@M\u00fcller.DE",
                  "\u5b66\u751f@\u5927\u5b66.ac.jp", "zoe@uni.edu", "", "\u00c9lodie@Outlook.com",
                  "frank@gmail.com"},
      /*kTitle*/
      {"Director of Sales", "VP Marketing", "Student", "intern", "International Sales Manager", "HEAD OF IT",
       "\u90e8\u9577", "Ing\u00e9nieur", "STRASSE-Manager", "stra\u00dfe-manager", "", "cto",
       "Chief Revenue Officer"},
      /*kIndustry*/
      {"SaaS", "saas", "Manufacturing", "Finance", "\u88fd\u9020\u696d", "\u00c4rzte", "", "Retail"},
      /*kCountry*/ {"JP", "US", "jp", "DE", "\u00d6sterreich", "", "FR"},
      /*kStatus*/ {"Lead", "MQL", "Recycled", "lead", "SQL", "Customer"},
      /*kStage*/ {"Untouched", "Stage1", "Stage4", "untouched", "Contacted"},
      /*kCompany*/
      {"Initech", "ACME Corp", "M\u00fcller GmbH", "\u682a\u5f0f\u4f1a\u793e\u30c6\u30b9\u30c8", "",
       "o'Reilly \"Books\"", "back\\slash Ltd"},
      /*kGeneric*/
      {"alpha", "Beta", "GAMMA", "d\u00e9lta", "\u6771\u4eac", "", " spaced ", "x",
       "\u03a3\u038a\u03a3\u03a5\u03a6\u039f\u03a3"},
      /*kPage*/
      {"/pricing", "/pricing/enterprise", "/Pricing", "/en/pricing", "/product/x", "/features",
       "/blog/post-1", "/Blog/\u00dcn\u00efcode", "/", ""},
      /*kForm*/ {"contact", "Contact", "demo", "newsletter", "CONTACT", ""},
      /*kAsset*/
      {"whitepaper-2026", "Ebook: AI", "case-study", "WHITEPAPER", "ebook",
       "\u30db\u30ef\u30a4\u30c8\u30da\u30fc\u30d1\u30fc"},
      /*kChannel*/ {"web", "Email", "ads", "\u30d1\u30fc\u30c8\u30ca\u30fc", "WEB"},
      /*kDomain*/
      {"gmail.com", "yahoo.co.jp", "initech.example", "m\u00fcller.de", "outlook.com", "sub.initech.example",
       "uni.edu"},
      /*kTag*/ {"vip", "VIP", "beta", "churn-risk", "partner", "\u00fc-tag", ""},
  };
  return pools[size_t(pool)];
}

// Safe RE2 patterns (raw; lr_string escapes them) that match some values of each pool.
std::vector<std::string> const& pool_regexes(int pool) {
  static std::vector<std::vector<std::string>> const res = {
      /*kEmail*/ {"@gmail\\.com$", "(^|\\.)(edu|ac\\.jp)$", "^[a-z]+@", "initech", "@.*@"},
      /*kTitle*/
      {"director|vp|head|chief|\u90e8\u9577", "student|intern|\u5b66\u751f", "^VP", "stra\u00dfe", "manager$",
       "^$"},
      /*kIndustry*/ {"^saas$", "SaaS", "\u696d", "^(Finance|Retail)$"},
      /*kCountry*/ {"^JP$", "^[A-Z]{2}$", "\u00f6"},
      /*kStatus*/ {"^lead$", "QL$"},
      /*kStage*/ {"^Stage[0-9]$", "touch"},
      /*kCompany*/ {"GmbH$", "\"", "\u682a\u5f0f", "\\\\"},
      /*kGeneric*/ {"^a", "[0-9]", "^$", "\u03b4", "\\s", ".", "\u03c3"},
      /*kPage*/ {"^/pricing", "^/(product|features)", "^/blog/", "pricing$", "\u00fc"},
      /*kForm*/ {"^contact$", "demo|news"},
      /*kAsset*/ {"whitepaper|ebook", "^case"},
      /*kChannel*/ {"^web$", "[A-Z]"},
      /*kDomain*/ {"\\.jp$", "^gmail", "initech"},
      /*kTag*/ {"vip", "-"},
  };
  return res[size_t(pool)];
}

std::vector<std::string> const kNumberTexts = {
    "0",   "1",   "2",    "3",     "5",   "10",  "20",     "50", "100",   "1000",      "2.5",
    "0.1", "0.3", "7.25", "19.99", "200", "999", "1000.5", "-1", "-0.25", "12345.678", "4"};

std::vector<std::string> const kDurationTexts = {"30min", "1h",  "12h", "48h",  "1d", "7d", "14d",
                                                 "30d",   "60d", "90d", "180d", "1w", "2w", "0d"};
std::vector<std::string> const kPastTexts = {"1d", "7d", "12h", "30min", "2w", "1h", "30d"};
std::vector<std::string> const kGradeNames = {"F",  "D-", "D",  "D+", "C-", "C", "C+",
                                              "B-", "B",  "B+", "A-", "A",  "A+"};

int64_t duration_micros(std::string_view text) {
  size_t i = 0;
  int64_t n = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') n = n * 10 + (text[i++] - '0');
  auto unit = text.substr(i);
  if (unit == "min") return n * kMinute;
  if (unit == "h") return n * kHour;
  if (unit == "d") return n * kDay;
  if (unit == "w") return n * kWeek;
  return 0;
}

// ---------------------------------------------------------------------------------------------
// The model of the policy being generated.

enum class T : uint8_t { Num, Str, Bool, Time, Dur, Grade, List };

// kGreedy: `any X where C`, `any colleague where C`: the condition runs on as far as it can
// (an activity `where` stops only at `within`), so such an expression is parenthesised
// whenever it is an operand of anything.
enum Prec : int { kGreedy = -1, kOr = 0, kAnd, kNot, kCmp, kCoal, kAdd, kMul, kUnary, kPrim };

// A generated expression: its text and precedence level (and, for strings, the value pool it
// most likely draws from, so that a literal compared with it can match).
struct E {
  std::string s;
  int prec = kPrim;
  int pool = -1;
};

struct FieldDef {
  std::string name;
  T type = T::Str;
  int pool = -1;
  bool optional = false;
  bool has_default = false;
  std::string default_text;
  std::string column;                // the JSON key
  std::vector<std::string> missing;  // `missing "..."` placeholders
  bool required() const { return !optional && !has_default; }
};

struct LetDef {
  std::string name;
  T type;
  int cls;    // 0 plain, 1 colleague, 2 score
  int index;  // generation order within its class
};

struct SetDef {
  std::string name;
  int pool;
};

struct BlockDef {
  std::string name;  // empty: the implicit block
  int index;
};

struct RuleDef {
  std::string name;
  enum Q { Default, Once, Always, Every } q = Default;
  int64_t every = 0;
  int max = 0;  // 0: none
};

// Where an expression is written (decides what it may name).
enum class Place { LetPlain, LetColleague, Block, Grade, LetScore, Segment, Rule };

struct Ctx {
  Place place = Place::Rule;
  int index = 1 << 30;      // the let/block/segment being generated: earlier ones may be named
  bool colleague = false;   // inside a colleague aggregate
  int colleague_depth = 0;  // colleague aggregates around this expression
  bool activity = false;    // activity fields in scope
  bool in_where = false;    // inside an activity `where`: parenthesise infix within and any/no
  bool no_str = false;      // inside a template interpolation: no string or set literals
  int64_t past = 0;         // the total past() shift around this expression
};

struct Choice {
  int weight;
  std::function<E()> make;
};

class Gen {
 public:
  Gen(uint64_t seed, GenOptions const& opt) : rng_(seed), opt_(opt) {}
  GeneratedCase run();

 private:
  // --- policy -------------------------------------------------------------------------------
  void choose_now();
  std::string fresh_name(std::vector<std::string> const& pool);
  void make_schema();
  std::string schema_text();
  std::string default_literal(FieldDef const& f);
  std::vector<std::string> make_sets();
  std::vector<std::string> make_lets();
  std::vector<std::string> make_blocks(std::vector<std::string>& top_level_points);
  std::string points_rule(Ctx c);
  std::vector<std::string> make_decay();
  std::vector<std::string> make_grades();
  void name_segments();
  std::vector<std::string> make_rules();
  std::string action(Ctx c, std::set<std::string>& set_fields, std::string const* forced_set);
  std::string set_action(FieldDef const& f, Ctx c);
  std::string templ(Ctx c);
  E arg_expr(E e);

  // --- expressions --------------------------------------------------------------------------
  E gen(T t, Ctx c, int d);
  E num(Ctx c, int d);
  E str(Ctx c, int d);
  E boolean(Ctx c, int d);
  E time(Ctx c, int d);
  E dur(Ctx c, int d);
  E grade(Ctx c, int d);
  E list(Ctx c);
  E leaf(T t, Ctx c);
  E subject(T t, Ctx c, int d);
  E literal(T t, int pool, Ctx c);
  E compare(Ctx c, int d);
  E regex(Ctx c, int d);
  E in_test(Ctx c, int d);
  E within(Ctx c, int d);
  E logic(Ctx c, int d, bool is_and);
  E act_agg(int agg, Ctx c, int d);  // 0 count, 1 any, 2 no, 3 last, 4 first
  E where_cond(Ctx c, int d);
  E window(Ctx c);
  E col_count(Ctx c, int d);
  E col_any(Ctx c, int d);
  E col_fold(T t, char const* fn, Ctx c, int d);
  E past(T t, Ctx c, int d);
  E call(char const* fn, std::vector<E> const& args);
  E min_max(T t, Ctx c, int d);

  E num_lit();
  E dur_lit();
  E time_lit();
  E grade_lit();
  std::string str_lit(int pool);

  bool can_past(Ctx const& c) const { return !c.activity && c.past < 3 * kWeek; }
  // Colleague aggregates nest (the colleagues of a colleague) only in rules, which nothing
  // depends on.
  bool can_colleague(Ctx const& c) const {
    if (!has_account_ || c.place == Place::LetPlain) return false;
    return c.colleague_depth == 0 || (c.place == Place::Rule && c.colleague_depth == 1);
  }
  bool has_leaf(T t, Ctx const& c);
  std::vector<FieldDef const*> fields_of(T t, Ctx const& c, bool activity_fields) const;
  std::vector<LetDef const*> lets_of(T t, Ctx const& c) const;
  std::vector<BlockDef const*> blocks_of(Ctx const& c) const;
  bool total_ok(Ctx const& c) const;
  bool grade_ok(Ctx const& c) const;
  std::vector<int> segments_of(Ctx const& c) const;

  std::string at(E const& e, int min_prec) {
    if (e.prec < min_prec || rng_.chance(3)) return "(" + e.s + ")";
    return e.s;
  }
  E choose(std::vector<Choice> const& cs);
  void note_duration(std::string const& text, Ctx const& c) {
    if (text.empty() || text[0] < '0' || text[0] > '9') return;  // not a literal
    int64_t const m = duration_micros(text);
    durations_.insert(m);
    if (c.past) past_offsets_.insert(c.past + m);
  }
  E num_expr_for_sum(Ctx c, int d);

  // --- data ---------------------------------------------------------------------------------
  std::string data();
  int64_t offset_before_now(bool activity);
  std::string json_time(int64_t micros);
  std::string json_value(FieldDef const& f);
  std::string json_duration(int64_t micros);

  Rng rng_;
  GenOptions opt_;
  int64_t now_ = 0;
  std::string timezone_;
  std::set<std::string> used_;
  std::vector<FieldDef> pf_;  // prospect fields (id first)
  std::vector<FieldDef> af_;  // activity fields
  std::vector<std::string> kinds_;
  bool has_acts_ = false;
  bool has_account_ = false;
  std::vector<SetDef> sets_;
  std::vector<LetDef> lets_;
  std::vector<BlockDef> blocks_;
  std::vector<std::string> segments_;
  std::vector<RuleDef> rules_;
  std::set<int64_t> durations_;     // every duration literal the policy uses
  std::set<int64_t> past_offsets_;  // past() shifts, and shift + window
  std::vector<int64_t> instants_;   // time literals of the policy
};

E Gen::choose(std::vector<Choice> const& cs) {
  int total = 0;
  for (auto const& c : cs) total += std::max(c.weight, 0);
  int r = int(rng_.below(uint64_t(total)));
  for (auto const& c : cs) {
    if (c.weight <= 0) continue;
    if (r < c.weight) return c.make();
    r -= c.weight;
  }
  return cs.front().make();
}

// ---------------------------------------------------------------------------------------------
// Names and schema

std::string Gen::fresh_name(std::vector<std::string> const& pool) {
  for (int tries = 0; tries < 50; ++tries) {
    std::string const& n = rng_.pick(pool);
    if (used_.insert(n).second) return n;
  }
  for (int k = 2;; ++k) {
    std::string n = pool.front() + "_" + std::to_string(k);
    if (used_.insert(n).second) return n;
  }
}

void Gen::choose_now() {
  // Around 2026-11-22, sometimes with a sub-second part.
  int64_t const base = days_from_civil(2026, 11, 22) * kDay;
  now_ = base + rng_.range(-200, 200) * kDay;
  switch (rng_.below(4)) {
    case 0: break;  // midnight
    case 1: now_ += rng_.range(0, 23) * kHour; break;
    case 2: now_ += rng_.range(0, kDay / kSec - 1) * kSec; break;
    default: now_ += rng_.range(0, kDay - 1); break;  // microseconds
  }
}

void Gen::make_schema() {
  struct Cand {
    char const* name;
    T type;
    int pool;
  };
  static std::vector<Cand> const prospect = {
      {"company", T::Str, kCompany}, {"title", T::Str, kTitle},      {"industry", T::Str, kIndustry},
      {"country", T::Str, kCountry}, {"status", T::Str, kStatus},    {"touch_stage", T::Str, kStage},
      {"origin", T::Str, kGeneric},  {"source", T::Str, kGeneric},   {"city", T::Str, kGeneric},
      {"employees", T::Num, -1},     {"revenue", T::Num, -1},        {"rating", T::Num, -1},
      {"seats", T::Num, -1},         {"opted_in", T::Bool, -1},      {"do_not_email", T::Bool, -1},
      {"is_customer", T::Bool, -1},  {"assigned_at", T::Time, -1},   {"created_at", T::Time, -1},
      {"renewal_at", T::Time, -1},   {"response_time", T::Dur, -1},  {"trial_length", T::Dur, -1},
      {"prior_grade", T::Grade, -1}, {"manual_grade", T::Grade, -1}, {"tags", T::List, kTag},
      {"interests", T::List, kTag},
  };
  static std::vector<Cand> const activity = {
      {"page", T::Str, kPage},       {"form", T::Str, kForm},      {"asset", T::Str, kAsset},
      {"channel", T::Str, kChannel}, {"source", T::Str, kGeneric}, {"amount", T::Num, -1},
      {"mobile", T::Bool, -1},       {"watch_time", T::Dur, -1},   {"scheduled_at", T::Time, -1},
      {"quality", T::Grade, -1},     {"labels", T::List, kTag},
  };
  static std::vector<std::string> const columns = {
      "Company Name", "Total Visits", "E-Mail", "Assigned At", "\u4f1a\u793e", "Lead Source", "Owner Region"};

  // id, email, account
  FieldDef id;
  id.name = "id";
  id.type = T::Str;
  id.column = "id";
  used_.insert("id");
  pf_.push_back(id);
  FieldDef email;
  email.name = "email";
  email.type = T::Str;
  email.pool = kEmail;
  email.optional = rng_.chance(30);
  email.column = "email";
  used_.insert("email");
  pf_.push_back(email);
  has_account_ = rng_.chance(85);
  if (has_account_) {
    FieldDef acc;
    acc.name = "account";
    acc.type = T::Str;
    acc.pool = -1;
    acc.optional = true;
    acc.column = "account";
    used_.insert("account");
    pf_.push_back(acc);
  }

  std::vector<std::string> free_columns = columns;
  rng_.shuffle(free_columns);
  auto finish = [&](FieldDef& f, bool is_activity) {
    f.optional = rng_.chance(is_activity ? 85 : 65);
    if (rng_.chance(20)) {
      f.has_default = true;
      f.default_text = default_literal(f);
    }
    f.column = f.name;
    if (!is_activity && !free_columns.empty() && rng_.chance(15)) {
      f.column = free_columns.back();
      free_columns.pop_back();
    }
    if ((f.type == T::Str || f.type == T::Num) && rng_.chance(15)) f.missing = {"N/A", "Select"};
  };

  // Every type at least once in the prospect schema, some twice.
  std::vector<Cand> cands = prospect;
  rng_.shuffle(cands);
  for (T t : {T::Str, T::Str, T::Num, T::Bool, T::Time, T::Dur, T::Grade, T::List}) {
    for (auto it = cands.begin(); it != cands.end(); ++it)
      if (it->type == t) {
        FieldDef f;
        f.name = it->name;
        f.type = t;
        f.pool = it->pool;
        used_.insert(f.name);
        finish(f, false);
        pf_.push_back(f);
        cands.erase(it);
        break;
      }
  }
  for (auto const& c : cands)
    if (rng_.chance(20)) {
      FieldDef f;
      f.name = c.name;
      f.type = c.type;
      f.pool = c.pool;
      used_.insert(f.name);
      finish(f, false);
      pf_.push_back(f);
    }
  // Keep id first; shuffle the rest of the declaration order.
  std::vector<FieldDef> rest(pf_.begin() + 1, pf_.end());
  rng_.shuffle(rest);
  pf_.resize(1);
  pf_.insert(pf_.end(), rest.begin(), rest.end());

  has_acts_ = rng_.chance(92);
  if (!has_acts_) return;
  static std::vector<std::string> const kinds = {
      "visit", "form", "email_open", "email_click", "download", "webinar", "unsubscribe", "bounce", "call"};
  std::vector<std::string> k = kinds;
  rng_.shuffle(k);
  k.resize(size_t(rng_.range(2, 6)));
  kinds_ = k;
  std::vector<Cand> ac = activity;
  rng_.shuffle(ac);
  size_t const n = size_t(rng_.range(1, 5));
  for (size_t i = 0; i < ac.size() && af_.size() < n; ++i) {
    // `source` may shadow the prospect field of that name (a warning, and a scope rule).
    bool const shadow = std::string(ac[i].name) == "source";
    if (!shadow && used_.count(ac[i].name)) continue;
    FieldDef f;
    f.name = ac[i].name;
    f.type = ac[i].type;
    f.pool = ac[i].pool;
    used_.insert(f.name);
    finish(f, true);
    if (rng_.chance(5)) f.optional = false;  // a required activity field (always in the data)
    af_.push_back(f);
  }
}

std::string Gen::default_literal(FieldDef const& f) {
  switch (f.type) {
    case T::Str: return lr_string(rng_.pick(pool_values(f.pool >= 0 ? f.pool : kGeneric)));
    case T::Num: return rng_.pick(std::vector<std::string>{"0", "-5", "2.5", "100", "0.1"});
    case T::Bool: return rng_.chance(50) ? "true" : "false";
    case T::Time: {
      int64_t const t = now_ - rng_.range(0, 100) * kDay;
      TimeStyle st;
      st.date_only = rng_.chance(50);
      if (!st.date_only && rng_.chance(30)) st.offset_minutes = 9 * 60;
      int64_t const v = st.date_only ? floor_div(t, kDay) * kDay : floor_div(t, kSec) * kSec;
      instants_.push_back(v);
      return "@" + format_time(v, st);
    }
    case T::Dur: return rng_.pick(std::vector<std::string>{"48h", "30min", "2w", "-1d", "0d"});
    case T::Grade: return rng_.pick(kGradeNames);
    case T::List: return rng_.chance(50) ? "[\"vip\", \"beta\"]" : "[]";
  }
  return "0";
}

std::string type_text(T t) {
  switch (t) {
    case T::Num: return "number";
    case T::Str: return "string";
    case T::Bool: return "bool";
    case T::Time: return "time";
    case T::Dur: return "duration";
    case T::Grade: return "grade";
    case T::List: return "[string]";
  }
  return "string";
}

std::string Gen::schema_text() {
  auto field_line = [&](FieldDef const& f) {
    std::string s = f.name + ": " + type_text(f.type);
    if (f.optional && f.type != T::List) s += "?";
    if (f.has_default) s += " = " + f.default_text;
    if (f.column != f.name) s += " from " + lr_string(f.column);
    if (!f.missing.empty()) {
      s += " missing ";
      for (size_t i = 0; i < f.missing.size(); ++i) s += (i ? ", " : "") + lr_string(f.missing[i]);
    }
    return s;
  };
  std::string out = "schema prospect {\n";
  bool const commas = rng_.chance(20);
  for (size_t i = 0; i < pf_.size(); ++i) {
    out += "  " + field_line(pf_[i]);
    if (commas && i + 1 < pf_.size()) out += ",";
    if (rng_.chance(10)) out += "   # a comment";
    out += "\n";
  }
  out += "}\n";
  std::string act;
  if (has_acts_) {
    act = "schema activity {\n  kinds ";
    bool const one_a_line = rng_.chance(25);
    for (size_t i = 0; i < kinds_.size(); ++i) {
      if (i) act += one_a_line ? "\n    " : ", ";
      act += kinds_[i];
    }
    act += "\n";
    for (auto const& f : af_) act += "  " + field_line(f) + "\n";
    act += "}\n";
  }
  return rng_.chance(20) ? act + out : out + act;
}

// ---------------------------------------------------------------------------------------------
// Scope: what an expression at a place may name.

std::vector<FieldDef const*> Gen::fields_of(T t, Ctx const& c, bool activity_fields) const {
  std::vector<FieldDef const*> out;
  if (activity_fields) {
    if (!c.activity) return out;
    for (auto const& f : af_)
      if (f.type == t) out.push_back(&f);
    return out;
  }
  for (auto const& f : pf_) {
    if (f.type != t) continue;
    if (c.activity) {  // shadowed by an activity field of the same name
      bool shadowed = false;
      for (auto const& a : af_) shadowed |= a.name == f.name;
      if (shadowed) continue;
    }
    out.push_back(&f);
  }
  return out;
}

std::vector<LetDef const*> Gen::lets_of(T t, Ctx const& c) const {
  std::vector<LetDef const*> out;
  for (auto const& l : lets_) {
    if (l.type != t) continue;
    bool ok = false;
    if (c.colleague) {
      switch (c.place) {
        case Place::LetPlain: ok = false; break;
        case Place::LetColleague:
        case Place::Block:
        case Place::Grade:
        case Place::LetScore: ok = l.cls == 0; break;
        case Place::Segment:
        case Place::Rule: ok = true; break;
      }
    } else {
      switch (c.place) {
        case Place::LetPlain: ok = l.cls == 0 && l.index < c.index; break;
        case Place::LetColleague: ok = l.cls == 0 || (l.cls == 1 && l.index < c.index); break;
        case Place::Block:
        case Place::Grade: ok = l.cls <= 1; break;
        case Place::LetScore: ok = l.cls <= 1 || (l.cls == 2 && l.index < c.index); break;
        case Place::Segment:
        case Place::Rule: ok = true; break;
      }
    }
    if (ok) out.push_back(&l);
  }
  return out;
}

std::vector<BlockDef const*> Gen::blocks_of(Ctx const& c) const {
  std::vector<BlockDef const*> out;
  for (auto const& b : blocks_) {
    if (b.name.empty()) continue;  // the implicit block has no name of its own
    bool ok = false;
    switch (c.place) {
      case Place::LetPlain:
      case Place::LetColleague: ok = false; break;
      case Place::Block: ok = !c.colleague && b.index < c.index; break;
      case Place::Grade: ok = !c.colleague; break;
      case Place::LetScore:
      case Place::Segment:
      case Place::Rule: ok = true; break;
    }
    if (ok) out.push_back(&b);
  }
  return out;
}

bool Gen::total_ok(Ctx const& c) const {
  switch (c.place) {
    case Place::Grade: return !c.colleague;
    case Place::LetScore:
    case Place::Segment:
    case Place::Rule: return true;
    default: return false;
  }
}

bool Gen::grade_ok(Ctx const& c) const {
  return c.place == Place::LetScore || c.place == Place::Segment || c.place == Place::Rule;
}

std::vector<int> Gen::segments_of(Ctx const& c) const {
  std::vector<int> out;
  for (int s = 0; s < int(segments_.size()); ++s) {
    if (c.place == Place::Rule)
      out.push_back(s);
    else if (c.place == Place::Segment && !c.colleague && s < c.index)
      out.push_back(s);
  }
  return out;
}

bool Gen::has_leaf(T t, Ctx const& c) {
  switch (t) {
    case T::Num:
    case T::Bool:
    case T::Time:
    case T::Dur:
    case T::Grade: return true;
    case T::Str:
      return !c.no_str || !fields_of(T::Str, c, false).empty() || !fields_of(T::Str, c, true).empty();
    case T::List:
      return !fields_of(T::List, c, false).empty() || !fields_of(T::List, c, true).empty() ||
             !lets_of(T::List, c).empty();
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Literals

E Gen::num_lit() {
  std::string const& t = rng_.pick(kNumberTexts);
  return E{t, t[0] == '-' ? kUnary : kPrim};
}

E Gen::dur_lit() {
  std::string const& t = rng_.pick(kDurationTexts);
  durations_.insert(duration_micros(t));
  return E{t, kPrim};
}

E Gen::time_lit() {
  int64_t t = now_ - rng_.range(0, 120) * kDay - rng_.range(0, kDay - 1);
  if (!durations_.empty() && rng_.chance(50))
    t = now_ - *std::next(durations_.begin(), long(rng_.below(durations_.size())));
  TimeStyle st;
  switch (rng_.below(5)) {
    case 0:
      st.date_only = true;
      t = floor_div(t, kDay) * kDay;
      break;
    case 1: st.offset_minutes = 9 * 60; break;
    case 2: st.offset_minutes = -(5 * 60 + 30); break;
    default: break;
  }
  if (rng_.chance(60) && !st.date_only) t = floor_div(t, kSec) * kSec;
  instants_.push_back(t);
  return E{"@" + format_time(t, st), kPrim};
}

E Gen::grade_lit() { return E{rng_.pick(kGradeNames), kPrim}; }

std::string Gen::str_lit(int pool) {
  if (pool < 0 || rng_.chance(10)) pool = int(rng_.below(kPoolCount));
  if (rng_.chance(8)) return "\"\"";
  return lr_string(rng_.pick(pool_values(pool)));
}

E Gen::literal(T t, int pool, Ctx c) {
  switch (t) {
    case T::Num: return num_lit();
    case T::Str:
      if (c.no_str) return leaf(T::Str, c);
      return E{str_lit(pool), kPrim, pool};
    case T::Bool: return E{rng_.chance(50) ? "true" : "false", kPrim};
    case T::Time: return time_lit();
    case T::Dur: return dur_lit();
    case T::Grade: return grade_lit();
    case T::List: return list(c);
  }
  return num_lit();
}

// ---------------------------------------------------------------------------------------------
// Expressions

E Gen::gen(T t, Ctx c, int d) {
  switch (t) {
    case T::Num: return num(c, d);
    case T::Str: return str(c, d);
    case T::Bool: return boolean(c, d);
    case T::Time: return time(c, d);
    case T::Dur: return dur(c, d);
    case T::Grade: return grade(c, d);
    case T::List: return list(c);
  }
  return num(c, d);
}

E Gen::list(Ctx c) {
  auto fs = fields_of(T::List, c, false);
  auto as = fields_of(T::List, c, true);
  fs.insert(fs.end(), as.begin(), as.end());
  auto ls = lets_of(T::List, c);
  if (!ls.empty() && (fs.empty() || rng_.chance(30))) return E{rng_.pick(ls)->name, kPrim, kTag};
  if (fs.empty()) return E{"email", kPrim};  // callers check has_leaf first
  return E{rng_.pick(fs)->name, kPrim, kTag};
}

E Gen::leaf(T t, Ctx c) {
  std::vector<Choice> cs;
  auto fields = fields_of(t, c, false);
  auto afields = fields_of(t, c, true);
  auto lets = lets_of(t, c);
  if (t != T::Str || !c.no_str) cs.push_back({t == T::Bool ? 6 : 25, [&] { return literal(t, -1, c); }});
  if (!fields.empty())
    cs.push_back({30, [&] {
                    auto const* f = rng_.pick(fields);
                    return E{f->name, kPrim, f->pool};
                  }});
  if (!afields.empty())
    cs.push_back({40, [&] {
                    auto const* f = rng_.pick(afields);
                    return E{f->name, kPrim, f->pool};
                  }});
  if (!lets.empty()) cs.push_back({18, [&] { return E{rng_.pick(lets)->name, kPrim}; }});
  auto const bs = t == T::Num ? blocks_of(c) : std::vector<BlockDef const*>{};
  auto const ss = t == T::Bool ? segments_of(c) : std::vector<int>{};
  switch (t) {
    case T::Num: {
      if (!bs.empty()) cs.push_back({12, [&] { return E{rng_.pick(bs)->name, kPrim}; }});
      if (total_ok(c)) cs.push_back({14, [&] { return E{"score", kPrim}; }});
      if (has_acts_)
        cs.push_back({8, [&] {
                        return E{
                            "count(" + (rng_.chance(30) ? std::string("activity") : rng_.pick(kinds_)) + ")",
                            kPrim};
                      }});
      break;
    }
    case T::Str:
      if (c.activity) cs.push_back({6, [&] { return E{"type", kPrim, -1}; }});
      break;
    case T::Bool: {
      if (!ss.empty()) cs.push_back({15, [&] { return E{segments_[size_t(rng_.pick(ss))], kPrim}; }});
      if (has_acts_) cs.push_back({6, [&] { return E{"any " + rng_.pick(kinds_), kPrim}; }});
      break;
    }
    case T::Time:
      if (c.activity) cs.push_back({30, [&] { return E{"at", kPrim}; }});
      cs.push_back({6, [&] { return E{"now", kPrim}; }});
      break;
    case T::Grade:
      if (grade_ok(c)) cs.push_back({20, [&] { return E{"grade", kPrim}; }});
      break;
    default: break;
  }
  E e = choose(cs);
  // `any kind` bare: parenthesised inside where (a trailing `within` would be its window).
  if (c.in_where && e.s.rfind("any ", 0) == 0) e = E{"(" + e.s + ")", kPrim};
  return e;
}

bool is_literal(std::string const& s) {
  if (s.empty()) return false;
  char const c = s[0];
  if (c == '"' || c == '@' || (c >= '0' && c <= '9')) return true;
  if (c == '-' && s.size() > 1 && s[1] >= '0' && s[1] <= '9') return true;
  if (s == "true" || s == "false") return true;
  return std::find(kGradeNames.begin(), kGradeNames.end(), s) != kGradeNames.end();
}

// The operand a comparison, regex or `in` tests: something that varies by prospect (a field, a
// let, an aggregate, ...) rather than a literal, when the scope has anything else.
E Gen::subject(T t, Ctx c, int d) {
  for (int tries = 0; tries < 6; ++tries) {
    E e = d > 0 && rng_.chance(40) ? gen(t, c, d) : leaf(t, c);
    if (!is_literal(e.s)) return e;
  }
  return gen(t, c, d);
}

E Gen::call(char const* fn, std::vector<E> const& args) {
  std::string s = std::string(fn) + "(";
  for (size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + args[i].s;
  s += ")";
  return E{s, kPrim};
}

E Gen::min_max(T t, Ctx c, int d) {
  size_t const n = size_t(rng_.range(2, 3));
  std::vector<E> args;
  for (size_t i = 0; i < n; ++i) args.push_back(gen(t, c, d - 1));
  return call(rng_.chance(50) ? "min" : "max", args);
}

E Gen::past(T t, Ctx c, int d) {
  std::string const& p = rng_.pick(kPastTexts);
  Ctx inner = c;
  inner.past = c.past + duration_micros(p);
  past_offsets_.insert(inner.past);
  E e = gen(t, inner, d - 1);
  E out{"past(" + e.s + ", " + p + ")", kPrim, e.pool};
  return out;
}

E Gen::window(Ctx c) {
  Ctx w = c;
  w.in_where = false;
  if (rng_.chance(85)) {
    E e = dur_lit();
    note_duration(e.s, c);
    return e;
  }
  E e = dur(w, 1);
  return E{at(e, kCoal), kCoal};
}

E Gen::where_cond(Ctx c, int d) {
  Ctx w = c;
  w.activity = true;
  w.in_where = true;
  // Mostly conditions on the activity's own fields.
  std::vector<Choice> cs;
  auto atom = [&]() -> E {
    std::vector<Choice> as;
    for (auto const& f : af_) {
      FieldDef const* fp = &f;
      switch (f.type) {
        case T::Str:
          as.push_back(
              {10, [&, fp] {
                 std::string op = rng_.pick(std::vector<std::string>{"==", "!=", "~", "~*", "in"});
                 if (c.no_str) return E{"present(" + fp->name + ")", kPrim};
                 if (op == "~" || op == "~*")
                   return E{fp->name + " " + op + " " + lr_string(rng_.pick(pool_regexes(fp->pool))), kCmp};
                 if (op == "in") {
                   std::string s = fp->name + " in {";
                   size_t const n = size_t(rng_.range(1, 3));
                   for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + str_lit(fp->pool);
                   return E{s + "}", kCmp};
                 }
                 return E{fp->name + " " + op + " " + str_lit(fp->pool), kCmp};
               }});
          break;
        case T::Num:
          as.push_back({6, [&, fp] {
                          return E{fp->name + " " +
                                       rng_.pick(std::vector<std::string>{">", ">=", "<", "=="}) + " " +
                                       at(num_lit(), kCoal),
                                   kCmp};
                        }});
          break;
        case T::Bool:
          as.push_back({5, [&, fp] {
                          return rng_.chance(60) ? E{fp->name, kPrim} : E{"not " + fp->name, kNot};
                        }});
          break;
        case T::Dur: as.push_back({4, [&, fp] { return E{fp->name + " >= " + dur_lit().s, kCmp}; }}); break;
        case T::Time:
          as.push_back({4, [&, fp] { return E{"(" + fp->name + " within " + dur_lit().s + ")", kPrim}; }});
          break;
        case T::Grade:
          as.push_back({4, [&, fp] { return E{fp->name + " >= " + grade_lit().s, kCmp}; }});
          break;
        case T::List:
          as.push_back({4, [&, fp] {
                          if (c.no_str) return E{"len(" + fp->name + ") > 0", kCmp};
                          return E{str_lit(kTag) + " in " + fp->name, kCmp};
                        }});
          break;
      }
    }
    as.push_back({5, [&] {
                    E dl = dur_lit();
                    note_duration(dl.s, c);
                    return E{"(at within " + dl.s + ")", kPrim};
                  }});
    if (!c.no_str) as.push_back({3, [&] { return E{"type == " + lr_string(rng_.pick(kinds_)), kCmp}; }});
    as.push_back({8, [&] { return boolean(w, d - 1); }});
    return choose(as);
  };
  E a = atom();
  if (d > 0 && rng_.chance(35)) {
    E b = atom();
    bool const is_and = rng_.chance(60);
    return E{at(a, is_and ? kAnd : kOr) + (is_and ? " and " : " or ") + at(b, is_and ? kNot : kAnd),
             is_and ? kAnd : kOr};
  }
  return a;
}

E Gen::act_agg(int agg, Ctx c, int d) {
  std::string kind = rng_.chance(25) ? std::string("activity") : rng_.pick(kinds_);
  bool const where = rng_.chance(55);
  bool const win = agg <= 2 && rng_.chance(45);
  std::string body = kind;
  if (where) body += " where " + where_cond(c, d - 1).s;
  if (win) body += " within " + window(c).s;
  static char const* names[] = {"count", "any", "no", "last", "first"};
  if (agg == 0 || agg >= 3) return E{std::string(names[agg]) + "(" + body + ")", kPrim};
  E e{std::string(names[agg]) + " " + body, where ? kGreedy : (win ? kCmp : kPrim)};
  if (c.in_where) e = E{"(" + e.s + ")", kPrim};
  return e;
}

E Gen::col_count(Ctx c, int d) {
  Ctx inner = c;
  inner.colleague = true;
  ++inner.colleague_depth;
  inner.activity = false;
  inner.in_where = false;
  return E{"count(colleague where " + boolean(inner, d - 1).s + ")", kPrim};
}

E Gen::col_any(Ctx c, int d) {
  Ctx inner = c;
  inner.colleague = true;
  ++inner.colleague_depth;
  inner.activity = false;
  inner.in_where = false;
  E e{"any colleague where " + boolean(inner, d - 1).s, kGreedy};
  if (c.in_where) e = E{"(" + e.s + ")", kPrim};
  return e;
}

E Gen::num_expr_for_sum(Ctx c, int d) {
  E e = num(c, d);
  if (!opt_.inexact_colleague_sums) return E{"round(" + e.s + ")", kPrim};
  return e;
}

E Gen::col_fold(T t, char const* fn, Ctx c, int d) {
  Ctx inner = c;
  inner.colleague = true;
  ++inner.colleague_depth;
  inner.activity = false;
  inner.in_where = false;
  E e;
  if (std::string(fn) == "sum" && t == T::Num)
    e = num_expr_for_sum(inner, d - 1);
  else
    e = gen(t, inner, d - 1);
  return E{std::string(fn) + "(colleague, " + e.s + ")", kPrim, e.pool};
}

E Gen::num(Ctx c, int d) {
  if (d <= 0 || rng_.chance(30)) return leaf(T::Num, c);
  std::vector<Choice> cs;
  cs.push_back({20, [&] { return leaf(T::Num, c); }});
  cs.push_back(
      {18, [&] {
         int const op = int(rng_.below(4));
         E a = num(c, d - 1), b = op == 3 && rng_.chance(15) ? E{"0", kPrim} : num(c, d - 1);
         static char const* ops[] = {" + ", " - ", " * ", " / "};
         bool const mul = op >= 2;
         return E{at(a, mul ? kMul : kAdd) + ops[op] + at(b, mul ? kUnary : kMul), mul ? kMul : kAdd};
       }});
  cs.push_back({3, [&] { return E{"-" + at(num(c, d - 1), kUnary), kUnary}; }});
  cs.push_back({7, [&] {
                  E a = num(c, d - 1), b = num(c, d - 1);
                  return E{at(a, kAdd) + " ?? " + at(b, kCoal), kCoal};
                }});
  if (has_acts_) cs.push_back({14, [&] { return act_agg(0, c, d); }});
  if (can_colleague(c)) {
    int const w = c.colleague_depth ? 1 : 5;
    cs.push_back({w, [&] { return col_count(c, d); }});
    cs.push_back({w, [&] {
                    return col_fold(T::Num, rng_.pick(std::vector<char const*>{"sum", "min", "max"}), c, d);
                  }});
  }
  cs.push_back({4, [&] {
                  if (has_leaf(T::List, c) && rng_.chance(40)) return call("len", {list(c)});
                  return call("len", {str(c, d - 1)});
                }});
  cs.push_back({4, [&] { return min_max(T::Num, c, d); }});
  cs.push_back({10, [&] {
                  switch (rng_.below(3)) {
                    case 0: return call("abs", {num(c, d - 1)});
                    case 1: return call("round", {num(c, d - 1)});
                    default:  // lo < hi always: clamp with lo > hi is not defined by the spec
                      return call("clamp",
                                  {num(c, d - 1),
                                   E{rng_.pick(std::vector<std::string>{"0", "-1", "1", "2.5"}), kUnary},
                                   E{rng_.pick(std::vector<std::string>{"10", "100", "7.5"}), kPrim}});
                  }
                }});
  cs.push_back({10, [&] {
                  return call(rng_.pick(std::vector<char const*>{"days_since", "hour", "weekday"}),
                              {subject(T::Time, c, d - 1)});
                }});
  cs.push_back({3, [&] {
                  E a = dur(c, d - 1), b = dur(c, d - 1);
                  return E{at(a, kMul) + " / " + at(b, kUnary), kMul};
                }});
  if (can_past(c)) cs.push_back({4, [&] { return past(T::Num, c, d); }});
  return choose(cs);
}

E Gen::str(Ctx c, int d) {
  if (d <= 0 || rng_.chance(40)) return leaf(T::Str, c);
  std::vector<Choice> cs;
  cs.push_back({25, [&] { return leaf(T::Str, c); }});
  cs.push_back({8, [&] {
                  E a = str(c, d - 1);
                  return E{call(rng_.chance(50) ? "lower" : "upper", {a}).s, kPrim, a.pool};
                }});
  cs.push_back({6, [&] {
                  auto const& emails = fields_of(T::Str, c, false);
                  E a = rng_.chance(70) && !emails.empty() ? E{"email", kPrim} : str(c, d - 1);
                  return E{call("domain", {a}).s, kPrim, kDomain};
                }});
  cs.push_back({6, [&] {
                  E a = str(c, d - 1);
                  E b = c.no_str ? str(c, d - 1)
                                 : (rng_.chance(60) ? E{str_lit(a.pool), kPrim, a.pool} : str(c, d - 1));
                  return E{at(a, kAdd) + " ?? " + at(b, kCoal), kCoal, a.pool};
                }});
  cs.push_back({3, [&] { return min_max(T::Str, c, d); }});
  if (can_colleague(c))
    cs.push_back({3, [&] { return col_fold(T::Str, rng_.chance(50) ? "min" : "max", c, d); }});
  if (can_past(c)) cs.push_back({2, [&] { return past(T::Str, c, d); }});
  return choose(cs);
}

E Gen::time(Ctx c, int d) {
  if (d <= 0 || rng_.chance(35)) return leaf(T::Time, c);
  std::vector<Choice> cs;
  cs.push_back({20, [&] { return leaf(T::Time, c); }});
  cs.push_back({10, [&] {
                  E a = time(c, d - 1), b = dur(c, d - 1);
                  if (rng_.chance(15)) return E{at(b, kAdd) + " + " + at(a, kMul), kAdd};
                  return E{at(a, kAdd) + (rng_.chance(50) ? " + " : " - ") + at(b, kMul), kAdd};
                }});
  if (has_acts_) cs.push_back({16, [&] { return act_agg(rng_.chance(60) ? 3 : 4, c, d); }});
  cs.push_back({4, [&] { return min_max(T::Time, c, d); }});
  if (can_colleague(c))
    cs.push_back({3, [&] { return col_fold(T::Time, rng_.chance(50) ? "min" : "max", c, d); }});
  cs.push_back({6, [&] {
                  E a = time(c, d - 1), b = time(c, d - 1);
                  return E{at(a, kAdd) + " ?? " + at(b, kCoal), kCoal};
                }});
  if (can_past(c)) cs.push_back({4, [&] { return past(T::Time, c, d); }});
  return choose(cs);
}

E Gen::dur(Ctx c, int d) {
  if (d <= 0 || rng_.chance(35)) {
    E e = leaf(T::Dur, c);
    return e;
  }
  std::vector<Choice> cs;
  cs.push_back({15, [&] { return leaf(T::Dur, c); }});
  cs.push_back({14, [&] { return call("since", {time(c, d - 1)}); }});
  cs.push_back({5, [&] {
                  E a = time(c, d - 1), b = time(c, d - 1);
                  return E{at(a, kAdd) + " - " + at(b, kMul), kAdd};
                }});
  cs.push_back({6, [&] {
                  E a = dur(c, d - 1), b = dur(c, d - 1);
                  return E{at(a, kAdd) + (rng_.chance(50) ? " + " : " - ") + at(b, kMul), kAdd};
                }});
  cs.push_back({5, [&] {
                  // Whole multipliers only: a fractional product would need rounding the spec leaves open.
                  std::string const k = rng_.pick(std::vector<std::string>{"2", "3", "-1", "0"});
                  E a = dur(c, d - 1);
                  if (rng_.chance(20)) return E{k + " * " + at(a, kUnary), kMul};
                  return E{at(a, kMul) + " * " + k, kMul};
                }});
  cs.push_back({3, [&] { return E{"-" + at(dur(c, d - 1), kUnary), kUnary}; }});
  cs.push_back({5, [&] {
                  E a = dur(c, d - 1), b = dur(c, d - 1);
                  return E{at(a, kAdd) + " ?? " + at(b, kCoal), kCoal};
                }});
  cs.push_back({3, [&] { return min_max(T::Dur, c, d); }});
  if (can_colleague(c))
    cs.push_back({3, [&] {
                    return col_fold(T::Dur, rng_.pick(std::vector<char const*>{"sum", "min", "max"}), c, d);
                  }});
  if (can_past(c)) cs.push_back({3, [&] { return past(T::Dur, c, d); }});
  return choose(cs);
}

E Gen::grade(Ctx c, int d) {
  if (d <= 0 || rng_.chance(45)) return leaf(T::Grade, c);
  std::vector<Choice> cs;
  cs.push_back({20, [&] { return leaf(T::Grade, c); }});
  cs.push_back({6, [&] { return min_max(T::Grade, c, d); }});
  cs.push_back({6, [&] {
                  E a = grade(c, d - 1), b = grade(c, d - 1);
                  return E{at(a, kAdd) + " ?? " + at(b, kCoal), kCoal};
                }});
  if (can_colleague(c))
    cs.push_back({4, [&] { return col_fold(T::Grade, rng_.chance(50) ? "min" : "max", c, d); }});
  if (can_past(c)) cs.push_back({3, [&] { return past(T::Grade, c, d); }});
  return choose(cs);
}

E Gen::compare(Ctx c, int d) {
  std::vector<T> types = {T::Num, T::Num, T::Num, T::Str, T::Str, T::Time, T::Dur, T::Dur, T::Grade, T::Bool};
  T t = rng_.pick(types);
  if (t == T::Str && !has_leaf(T::Str, c)) t = T::Num;
  E lhs = subject(t, c, rng_.chance(60) ? 0 : d - 1);
  E rhs = rng_.chance(65) ? literal(t, lhs.pool, c) : gen(t, c, d - 1);
  if (t == T::Dur && rhs.prec == kPrim) note_duration(rhs.s, c);
  if (rng_.chance(15)) std::swap(lhs, rhs);
  std::string op = t == T::Bool ? rng_.pick(std::vector<std::string>{"==", "!="})
                                : rng_.pick(std::vector<std::string>{"==", "!=", "<", "<=", ">", ">="});
  return E{at(lhs, kCoal) + " " + op + " " + at(rhs, kCoal), kCmp};
}

E Gen::regex(Ctx c, int d) {
  E s = subject(T::Str, c, rng_.chance(70) ? 0 : d - 1);
  int const pool = s.pool >= 0 && !rng_.chance(10) ? s.pool : int(rng_.below(kPoolCount));
  std::string const& re = rng_.pick(pool_regexes(pool));
  return E{at(s, kCoal) + (rng_.chance(50) ? " ~ " : " ~* ") + lr_string(re), kCmp};
}

E Gen::in_test(Ctx c, int d) {
  std::vector<Choice> cs;
  if (!sets_.empty())
    cs.push_back(
        {10, [&] {
           SetDef const& set = rng_.pick(sets_);
           E s;
           if (set.pool == kDomain)
             s = E{"domain(" + (rng_.chance(80) ? std::string("email") : str(c, d - 1).s) + ")", kPrim};
           else {
             auto fs = fields_of(T::Str, c, false);
             auto as = fields_of(T::Str, c, true);
             fs.insert(fs.end(), as.begin(), as.end());
             std::vector<FieldDef const*> same;
             for (auto const* f : fs)
               if (f->pool == set.pool) same.push_back(f);
             s = !same.empty() && rng_.chance(75) ? E{rng_.pick(same)->name, kPrim} : str(c, d - 1);
           }
           return E{at(s, kCoal) + " in " + set.name, kCmp};
         }});
  if (!c.no_str)
    cs.push_back({8, [&] {
                    E s = subject(T::Str, c, rng_.chance(70) ? 0 : d - 1);
                    std::string lit = "{";
                    size_t const n = size_t(rng_.range(1, 4));
                    for (size_t i = 0; i < n; ++i) lit += (i ? ", " : "") + str_lit(s.pool);
                    if (rng_.chance(10)) lit += ",";
                    lit += "}";
                    return E{at(s, kCoal) + " in " + lit, kCmp};
                  }});
  if (has_leaf(T::List, c))
    cs.push_back({8, [&] {
                    E s = c.no_str || rng_.chance(30) ? str(c, d - 1) : E{str_lit(kTag), kPrim, kTag};
                    return E{at(s, kCoal) + " in " + list(c).s, kCmp};
                  }});
  if (cs.empty()) return compare(c, d);
  return choose(cs);
}

E Gen::within(Ctx c, int d) {
  E t = subject(T::Time, c, rng_.chance(60) ? 0 : d - 1);
  E w = rng_.chance(80) ? dur_lit() : dur(c, d - 1);
  if (w.prec == kPrim) note_duration(w.s, c);
  E e{at(t, kCoal) + " within " + at(w, kCoal), kCmp};
  if (c.in_where) e = E{"(" + e.s + ")", kPrim};
  return e;
}

E Gen::logic(Ctx c, int d, bool is_and) {
  size_t const n = size_t(rng_.range(2, 3));
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    E x = boolean(c, d - 1);
    if (i) s += is_and ? " and " : " or ";
    // Left-associative: the first operand may be of the same level.
    s += at(x, i == 0 ? (is_and ? kAnd : kOr) : (is_and ? kNot : kAnd));
  }
  return E{s, is_and ? kAnd : kOr};
}

E Gen::boolean(Ctx c, int d) {
  if (d <= 0 || rng_.chance(12)) {
    if (rng_.chance(50)) return leaf(T::Bool, c);
    return compare(c, 0);
  }
  std::vector<Choice> cs;
  cs.push_back({8, [&] { return leaf(T::Bool, c); }});
  cs.push_back({28, [&] { return compare(c, d); }});
  if (!c.no_str) cs.push_back({9, [&] { return regex(c, d); }});
  cs.push_back({9, [&] { return in_test(c, d); }});
  cs.push_back({6, [&] { return within(c, d); }});
  cs.push_back({10, [&] { return logic(c, d, true); }});
  cs.push_back({8, [&] { return logic(c, d, false); }});
  cs.push_back({6, [&] { return E{"not " + at(boolean(c, d - 1), kNot), kNot}; }});
  cs.push_back({5, [&] {
                  std::vector<T> ts = {T::Num, T::Str, T::Time, T::Dur, T::Grade, T::Bool};
                  if (has_leaf(T::List, c)) ts.push_back(T::List);
                  T t = rng_.pick(ts);
                  return call("present", {gen(t, c, d - 1)});
                }});
  cs.push_back(
      {5, [&] {
         E a = subject(T::Str, c, d - 1);
         E b = c.no_str || rng_.chance(30) ? str(c, d - 1) : E{str_lit(a.pool), kPrim};
         return call(rng_.pick(std::vector<char const*>{"contains", "starts_with", "ends_with"}), {a, b});
       }});
  if (has_acts_) cs.push_back({11, [&] { return act_agg(rng_.chance(65) ? 1 : 2, c, d); }});
  if (can_colleague(c)) cs.push_back({c.colleague_depth ? 1 : 4, [&] { return col_any(c, d); }});
  if (can_past(c)) cs.push_back({4, [&] { return past(T::Bool, c, d); }});
  return choose(cs);
}

// ---------------------------------------------------------------------------------------------
// Declarations

std::vector<std::string> Gen::make_sets() {
  static std::vector<std::string> const names = {"free_mail",      "target_industries", "priority_countries",
                                                 "key_pages",      "vip_tags",          "good_status",
                                                 "blocked_titles", "known_forms"};
  std::vector<std::string> out;
  size_t const n = size_t(rng_.range(0, 3));
  std::vector<int> pools = {kDomain, kIndustry, kCountry, kPage, kTag, kStatus, kTitle, kForm, kDomain};
  for (size_t i = 0; i < n; ++i) {
    SetDef s;
    s.name = fresh_name(names);
    s.pool = rng_.pick(pools);
    std::string text = "set " + s.name + " = {";
    size_t const k = rng_.chance(5) ? 0 : size_t(rng_.range(1, 5));
    for (size_t j = 0; j < k; ++j) text += (j ? ", " : "") + str_lit(s.pool);
    if (k && rng_.chance(10)) text += ",";
    text += "}\n";
    sets_.push_back(s);
    out.push_back(text);
  }
  return out;
}

std::vector<std::string> Gen::make_lets() {
  static std::vector<std::string> const names = {
      "engaged_colleagues", "recent_visits", "pricing_interest", "seniority",    "is_free_mail",
      "last_touch",         "first_touch",   "age_of_lead",      "account_heat", "team_score",
      "fit_hint",           "mail_domain",   "quiet_for",        "best_grade",   "hot_colleagues",
      "raw_interest",       "label_text",    "cadence",          "tenure",       "momentum"};
  std::vector<std::string> out;
  int const n_plain = int(rng_.range(0, 3));
  int const n_col = has_account_ ? int(rng_.range(0, 2)) : 0;
  std::vector<T> types = {T::Num, T::Num, T::Str, T::Bool, T::Bool, T::Time, T::Dur};
  int const depth = opt_.max_depth;
  for (int i = 0; i < n_plain; ++i) {
    Ctx c;
    c.place = Place::LetPlain;
    c.index = i;
    T t = rng_.pick(types);
    if (rng_.chance(8) && has_leaf(T::List, c)) t = T::List;  // a list-typed let: `let t = tags`
    E e = gen(t, c, depth);
    LetDef l{fresh_name(names), t, 0, i};
    out.push_back("let " + l.name + " = " + e.s + "\n");
    lets_.push_back(l);
  }
  for (int i = 0; i < n_col; ++i) {
    Ctx c;
    c.place = Place::LetColleague;
    c.index = i;
    E e;
    T t;
    switch (rng_.below(5)) {
      case 0:
        t = T::Num;
        e = col_count(c, depth);
        break;
      case 1:
        t = T::Bool;
        e = col_any(c, depth);
        break;
      case 2:
        t = T::Num;
        e = col_fold(T::Num, rng_.pick(std::vector<char const*>{"sum", "min", "max"}), c, depth);
        break;
      case 3: {
        t = T::Bool;
        E x = col_count(c, depth);
        e = E{x.s + " >= " + rng_.pick(std::vector<std::string>{"1", "2", "3"}), kCmp};
        break;
      }
      default:
        t = T::Time;
        e = col_fold(T::Time, rng_.chance(50) ? "min" : "max", c, depth);
        break;
    }
    LetDef l{fresh_name(names), t, 1, i};
    out.push_back("let " + l.name + " = " + e.s + "\n");
    lets_.push_back(l);
  }
  // Score lets name blocks, so run() makes them after the blocks and the grade.
  return out;
}

std::string Gen::points_rule(Ctx c) {
  static std::vector<std::string> const amounts = {"+1",  "+2",   "+2.5",  "-0.1", "+0.3", "+10",
                                                   "-5",  "+0.7", "3",     "-50",  "+1.1", "+0.25",
                                                   "+15", "-20",  "+0.01", "-1.5"};
  static std::vector<std::string> const caps = {"20", "7.5", "0.5", "10", "1", "100", "2.2", "0.35"};
  std::string s = "points " + rng_.pick(amounts) + " ";
  int const depth = opt_.max_depth;
  if (has_acts_ && rng_.chance(65)) {
    std::string kind = rng_.chance(15) ? std::string("activity") : rng_.pick(kinds_);
    s += "per " + kind;
    if (rng_.chance(55)) s += " where " + where_cond(c, depth - 1).s;
    if (rng_.chance(40)) s += " within " + window(c).s;
    if (!af_.empty() && rng_.chance(25)) {
      std::vector<FieldDef const*> fs;
      for (auto const& f : af_)
        if (f.type != T::List) fs.push_back(&f);
      if (!fs.empty()) s += " once per " + rng_.pick(fs)->name;
    }
    if (rng_.chance(30)) s += " cap " + rng_.pick(caps);
  } else {
    s += "if " + boolean(c, depth).s;
    if (rng_.chance(15)) s += " cap " + rng_.pick(caps);
  }
  if (rng_.chance(8)) s += "   # why not";
  return s;
}

std::vector<std::string> Gen::make_blocks(std::vector<std::string>& top_level_points) {
  static std::vector<std::string> const names = {"behavior",     "fit",       "engagement", "intent",
                                                 "firmographic", "penalties", "recency"};
  std::vector<std::string> out;
  int const n_named = int(rng_.range(0, 3));
  bool const implicit = n_named == 0 ? rng_.chance(85) : rng_.chance(45);
  int const total = n_named + (implicit ? 1 : 0);
  int const implicit_at = implicit ? int(rng_.below(uint64_t(total))) : -1;
  for (int i = 0, named = 0; i < total; ++i) {
    BlockDef b;
    b.index = i;
    if (i != implicit_at) {
      b.name = fresh_name(names);
      ++named;
    }
    blocks_.push_back(b);
  }
  for (auto const& b : blocks_) {
    Ctx c;
    c.place = Place::Block;
    c.index = b.index;
    int const n_rules = int(rng_.range(1, 5));
    if (b.name.empty()) {
      for (int r = 0; r < n_rules; ++r) top_level_points.push_back(points_rule(c) + "\n");
      continue;
    }
    std::string s = "score " + b.name;
    static std::vector<double> const capv = {20, 35.5, 50, 100, 0.3};
    static std::vector<std::string> const capt = {"20", "35.5", "50", "100", "0.3"};
    static std::vector<double> const floorv = {-40, -10.5, 0, -0.2, 5};
    static std::vector<std::string> const floort = {"-40", "-10.5", "0", "-0.2", "5"};
    size_t const ci = size_t(rng_.below(capv.size())), fi = size_t(rng_.below(floorv.size()));
    bool const cap = rng_.chance(30), floor = rng_.chance(30) && (!cap || floorv[fi] <= capv[ci]);
    if (cap) s += " cap " + capt[ci];
    if (floor) s += " floor " + floort[fi];
    s += " {\n";
    for (int r = 0; r < n_rules; ++r) s += "  " + points_rule(c) + "\n";
    s += "}\n";
    out.push_back(s);
  }
  if (rng_.chance(20))
    out.push_back("score cap " + rng_.pick(std::vector<std::string>{"100", "45.5", "30"}) + "\n");
  if (rng_.chance(20))
    out.push_back("score floor " + rng_.pick(std::vector<std::string>{"-30", "0", "-7.5"}) + "\n");
  return out;
}

std::vector<std::string> Gen::make_decay() {
  std::vector<std::string> out;
  int const kind = int(rng_.below(10));
  if (kind < 4) return out;
  if (kind < 8) {
    static std::vector<std::string> const pct = {"25", "50",   "33.3", "12.5", "100",
                                                 "70", "66.6", "10",   "0.5",  "99.9"};
    std::vector<std::string> afters = {"7d", "14d", "30d", "60d", "90d", "120d", "180d", "270d", "48h", "3w"};
    rng_.shuffle(afters);
    size_t const n = size_t(rng_.range(1, 3));
    for (size_t i = 0; i < n; ++i) {
      durations_.insert(duration_micros(afters[i]));
      out.push_back("decay " + rng_.pick(pct) + "% after " + afters[i] + "\n");
    }
  } else {
    static std::vector<std::string> const pct = {"10", "33.3", "50", "1.5", "100", "12.5"};
    static std::vector<std::string> const per = {"7d", "30d", "1d", "12h", "90d", "2w"};
    std::string const p = rng_.pick(pct), d = rng_.pick(per);
    int64_t const dm = duration_micros(d);
    durations_.insert(dm);
    // Ages where the factor reaches 0, and half of it.
    double const pv = std::stod(p);
    double const zero_at = double(dm) * 100.0 / pv;
    if (zero_at < 1e17) {
      durations_.insert(int64_t(zero_at));
      durations_.insert(int64_t(zero_at / 2));
    }
    out.push_back("decay " + p + "% per " + d + "\n");
  }
  return out;
}

std::vector<std::string> Gen::make_grades() {
  static std::vector<std::string> const moves = {"+1/3", "+2/3", "+1", "+4/3", "+5/3", "+2",
                                                 "-1/3", "-2/3", "-1", "-4/3", "-2"};
  std::vector<std::string> out;
  if (rng_.chance(60)) out.push_back("grade start " + grade_lit().s + "\n");
  int const n = int(rng_.range(0, 5));
  for (int i = 0; i < n; ++i) {
    Ctx c;
    c.place = Place::Grade;
    std::string s = "grade " + rng_.pick(moves) + " if " + boolean(c, opt_.max_depth).s;
    if (rng_.chance(30)) s += " else " + rng_.pick(moves);
    out.push_back(s + "\n");
  }
  return out;
}

void Gen::name_segments() {
  static std::vector<std::string> const names = {"hot",   "mql",         "recycle", "warm",     "dormant",
                                                 "whale", "account_hot", "rising",  "champion", "at_risk"};
  int const n = int(rng_.range(0, 5));
  // Names first: a condition may name earlier segments only, but rules name any of them.
  for (int i = 0; i < n; ++i) segments_.push_back(fresh_name(names));
}

std::vector<std::string> Gen::make_rules() {
  static std::vector<std::string> const names = {"Hot list",
                                                 "MQL",
                                                 "Score jump",
                                                 "SLA untouched",
                                                 "Recycle",
                                                 "Nurture \u00fc",
                                                 "\u55b6\u696d\u901a\u77e5",
                                                 "Say \"hi\"",
                                                 "back\\slash",
                                                 "Crossed threshold",
                                                 "Weekly digest",
                                                 "Colleague alert"};
  std::vector<std::string> out;
  int const n = int(rng_.range(1, 7));
  std::set<std::string> rule_names;
  // A string field that two rules may both set (a conflict).
  std::vector<FieldDef const*> settable;
  for (auto const& f : pf_)
    if (f.name != "id") settable.push_back(&f);
  std::string conflict_field;
  if (rng_.chance(45)) {
    std::vector<FieldDef const*> strs;
    for (auto const* f : settable)
      if (f->type == T::Str) strs.push_back(f);
    if (!strs.empty()) conflict_field = rng_.pick(strs)->name;
  }
  int conflict_rules = 0;
  for (int i = 0; i < n; ++i) {
    RuleDef r;
    r.name = rng_.pick(names);
    while (!rule_names.insert(r.name).second) r.name += " " + std::to_string(rng_.range(2, 9));
    std::string s = "rule " + lr_string(r.name);
    switch (rng_.below(6)) {
      case 0:
      case 1: r.q = RuleDef::Default; break;
      case 2:
        r.q = RuleDef::Once;
        s += " once";
        break;
      case 3:
        r.q = RuleDef::Always;
        s += " always";
        break;
      default: {
        r.q = RuleDef::Every;
        std::string const d = rng_.pick(std::vector<std::string>{"1d", "7d", "12h", "2w", "30min"});
        r.every = duration_micros(d);
        durations_.insert(r.every);
        s += " every " + d;
        break;
      }
    }
    if ((r.q == RuleDef::Always || r.q == RuleDef::Every) && rng_.chance(40)) {
      r.max = int(rng_.range(1, 3));
      s += " max " + std::to_string(r.max);
    }
    Ctx c;
    c.place = Place::Rule;
    std::string cond;
    int const idiom = int(rng_.below(10));
    if (idiom == 0 && !segments_.empty()) {
      std::string const& seg = rng_.pick(segments_);
      std::string const& p = rng_.pick(kPastTexts);
      past_offsets_.insert(duration_micros(p));
      cond = seg + " and not past(" + seg + ", " + p + ")";
    } else if (idiom == 1) {
      std::string const& p = rng_.pick(kPastTexts);
      past_offsets_.insert(duration_micros(p));
      cond = "score - past(score, " + p + ") >= " + rng_.pick(std::vector<std::string>{"10", "0.5", "1"});
    } else if (idiom == 2 && has_acts_) {
      cond = "last(activity) within " + dur_lit().s;
    } else {
      cond = boolean(c, opt_.max_depth).s;
    }
    s += (rng_.chance(30) ? "\n  when " : " when ") + cond + (rng_.chance(30) ? "\n  do " : " do ");
    std::set<std::string> set_fields;
    int const n_act = int(rng_.range(1, 3));
    for (int k = 0; k < n_act; ++k) {
      std::string const* forced = nullptr;
      if (!conflict_field.empty() && k == 0 && (conflict_rules < 2 || rng_.chance(30)) && rng_.chance(70)) {
        forced = &conflict_field;
        ++conflict_rules;
      }
      if (k) s += ", ";
      s += action(c, set_fields, forced);
    }
    rules_.push_back(r);
    out.push_back(s + "\n");
  }
  return out;
}

E Gen::arg_expr(E e) {
  // An action argument that is an expression must not start like a template.
  if (!e.s.empty() && e.s[0] == '"') return E{"(" + e.s + ")", kPrim};
  return e;
}

std::string Gen::templ(Ctx c) {
  static std::vector<std::string> const texts = {
      "Call ",        " is hot",      "\u00fc ",       "{braces}", "\"quoted\" ",
      "back\\slash ", "line\nbreak ", "\u6771\u4eac ", " - ",      ""};
  static std::vector<std::string> const fallbacks = {"your company", "", "n/a", "\u2014", "\u00fc"};
  Ctx t = c;
  t.no_str = true;
  std::string s = "\"";
  int const pieces = int(rng_.range(0, 4));
  for (int i = 0; i < pieces; ++i) {
    if (rng_.chance(45)) {
      s += template_text(rng_.pick(texts));
      continue;
    }
    std::vector<T> ts = {T::Str, T::Str, T::Num, T::Time, T::Dur, T::Grade, T::Bool};
    if (has_leaf(T::List, t)) ts.push_back(T::List);
    T ty = rng_.pick(ts);
    E e = gen(ty, t, rng_.chance(60) ? 0 : 2);
    s += "{" + e.s;
    if (rng_.chance(40)) s += "|" + template_text(rng_.pick(fallbacks));
    s += "}";
  }
  if (rng_.chance(10)) s += "{{literal}}";
  s += "\"";
  return s;
}

std::string Gen::set_action(FieldDef const& f, Ctx c) {
  std::string v;
  switch (f.type) {
    case T::Str: v = rng_.chance(65) ? templ(c) : arg_expr(str(c, 2)).s; break;
    case T::List: v = list(c).s; break;
    default: v = arg_expr(gen(f.type, c, 2)).s; break;
  }
  return "set " + f.name + " = " + v;
}

std::string Gen::action(Ctx c, std::set<std::string>& set_fields, std::string const* forced_set) {
  if (forced_set && !set_fields.count(*forced_set)) {
    set_fields.insert(*forced_set);
    for (auto const& f : pf_)
      if (f.name == *forced_set) return set_action(f, c);
  }
  auto str_arg = [&]() -> std::string {
    if (rng_.chance(75)) return templ(c);
    return arg_expr(str(c, 2)).s;
  };
  switch (rng_.below(10)) {
    case 0: return "add_to_list(" + str_arg() + ")";
    case 1: return "remove_from_list(" + str_arg() + ")";
    case 2: return "tag(" + str_arg() + ")";
    case 3: return "untag(" + str_arg() + ")";
    case 4: return "notify(" + str_arg() + ", " + str_arg() + ")";
    case 5: {
      std::string due = rng_.chance(80) ? dur_lit().s : arg_expr(dur(c, 2)).s;
      return "task(" + str_arg() + ", " + due + ")";
    }
    case 6: return "flag(" + str_arg() + ")";
    case 7: return "enroll(" + str_arg() + ")";
    default: {
      std::vector<FieldDef const*> fs;
      for (auto const& f : pf_)
        if (f.name != "id" && !set_fields.count(f.name)) fs.push_back(&f);
      if (fs.empty()) return "flag(\"x\")";
      FieldDef const* f = rng_.pick(fs);
      set_fields.insert(f->name);
      return set_action(*f, c);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Data

int64_t Gen::offset_before_now(bool activity) {
  int const r = int(rng_.below(100));
  if (r < (activity ? 8 : 5)) {  // after now: invisible
    static int64_t const units[] = {1, kSec, kHour, kDay};
    return -(rng_.range(1, 3) * units[rng_.below(4)]);
  }
  if (r < 14) return 0;  // exactly now
  int64_t base = 0;
  if (!past_offsets_.empty() && rng_.chance(30))
    base += *std::next(past_offsets_.begin(), long(rng_.below(past_offsets_.size())));
  if (!durations_.empty() && rng_.chance(70))
    base += *std::next(durations_.begin(), long(rng_.below(durations_.size())));
  else
    base += rng_.range(0, 400) * kDay + rng_.range(0, kDay - 1);
  switch (rng_.below(10)) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4: break;
    case 5: base += 1; break;
    case 6: base -= 1; break;
    case 7: base += rng_.chance(50) ? kSec : -kSec; break;
    default: base += rng_.range(0, 2 * kHour); break;
  }
  return base;
}

std::string Gen::json_time(int64_t micros) {
  TimeStyle st;
  int const r = int(rng_.below(100));
  if (micros % kDay == 0 && r < 15) {
    st.date_only = true;
    return json_string(format_time(micros, st));
  }
  if (micros % kSec == 0 && r < 25) return std::to_string(micros / kSec);  // epoch seconds
  if (r < 40)
    st.offset_minutes = rng_.pick(std::vector<int>{540, -300, 330, 60});
  else if (r < 45)
    st.force_offset = true;
  if (rng_.chance(10)) st.sep = rng_.chance(50) ? 't' : ' ';
  st.full_fraction = rng_.chance(20);
  return json_string(format_time(micros, st));
}

std::string Gen::json_duration(int64_t micros) {
  if (micros % kSec == 0 && rng_.chance(25)) return std::to_string(micros / kSec);
  int64_t const a = micros < 0 ? -micros : micros;
  std::string sign = micros < 0 ? "-" : "";
  std::string text;
  if (a % kWeek == 0 && a)
    text = std::to_string(a / kWeek) + "w";
  else if (a % kDay == 0 && a)
    text = std::to_string(a / kDay) + "d";
  else if (a % kHour == 0 && a)
    text = std::to_string(a / kHour) + "h";
  else if (a % kMinute == 0)
    text = std::to_string(a / kMinute) + "min";
  else {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%lld.%06llds", (long long)(a / kSec), (long long)(a % kSec));
    text = buf;
  }
  return json_string(sign + text);
}

std::string Gen::json_value(FieldDef const& f) {
  switch (f.type) {
    case T::Str: {
      if (rng_.chance(3)) return std::to_string(rng_.range(0, 99));  // a JSON number reads as text
      return json_string(rng_.pick(pool_values(f.pool >= 0 ? f.pool : kGeneric)));
    }
    case T::Num: return rng_.pick(kNumberTexts);
    case T::Bool:
      return rng_.pick(std::vector<std::string>{"true", "false", "true", "false", "\"yes\"", "\"No\"",
                                                "\"1\"", "\"FALSE\"", "0", "1"});
    case T::Time: {
      int64_t t;
      if (!instants_.empty() && rng_.chance(20))
        t = rng_.pick(instants_);
      else
        t = now_ - offset_before_now(false);
      return json_time(t);
    }
    case T::Dur: {
      int64_t d;
      switch (rng_.below(4)) {
        case 0:
          d = durations_.empty() ? kDay : *std::next(durations_.begin(), long(rng_.below(durations_.size())));
          break;
        case 1: d = rng_.range(-3, 100) * kHour; break;
        case 2: d = rng_.range(0, 5000) * kSec; break;
        default: d = rng_.range(0, 4) * kWeek + rng_.range(0, 59) * kMinute; break;
      }
      return json_duration(d);
    }
    case T::Grade: {
      std::string g = rng_.pick(kGradeNames);
      if (rng_.chance(20)) g[0] = char(g[0] - 'A' + 'a');
      return json_string(g);
    }
    case T::List: {
      std::string s = "[";
      size_t const n = size_t(rng_.range(0, 3));
      for (size_t i = 0; i < n; ++i) {
        if (i) s += ",";
        s += rng_.chance(8) ? "null" : json_string(rng_.pick(pool_values(kTag)));
      }
      return s + "]";
    }
  }
  return "null";
}

std::string Gen::data() {
  static std::vector<std::string> const accounts_pool = {"acct-1",  "acct-2",
                                                         "acct-3",  "Initech",
                                                         "initech", "\u00c4\u00d6\u00dc GmbH",
                                                         "acct-7 ", "\u6771\u4eac\u5546\u4e8b"};
  int const n = int(rng_.range(opt_.min_prospects, opt_.max_prospects));
  std::vector<std::string> accounts = accounts_pool;
  rng_.shuffle(accounts);
  accounts.resize(size_t(std::max<int64_t>(1, rng_.range(1, std::min<int64_t>(6, n)))));
  std::string out;
  for (int p = 0; p < n; ++p) {
    std::vector<std::string> members;  // "key":value
    // id
    std::string id;
    switch (rng_.below(10)) {
      case 0: id = std::to_string(1000 + p); break;  // a JSON number
      case 1: id = json_string("\u9867\u5ba2-" + std::to_string(p)); break;
      default: id = json_string("p" + std::to_string(p)); break;
    }
    members.push_back(json_string(pf_[0].column) + ":" + id);
    for (size_t i = 1; i < pf_.size(); ++i) {
      FieldDef const& f = pf_[i];
      std::string const key = json_string(f.column);
      if (f.name == "account") {
        int const r = int(rng_.below(100));
        if (r < 15) continue;
        if (r < 20)
          members.push_back(key + ":null");
        else
          members.push_back(key + ":" + json_string(rng_.pick(accounts)));
        continue;
      }
      if (!f.required()) {
        int const r = int(rng_.below(100));
        if (r < 22) continue;
        if (r < 32) {
          members.push_back(key + ":null");
          continue;
        }
        if (r < 37 && !f.missing.empty()) {
          members.push_back(key + ":" + json_string(rng_.pick(f.missing)));
          continue;
        }
      }
      members.push_back(key + ":" + json_value(f));
    }
    if (rng_.chance(5)) members.push_back("\"unused_key\":{\"nested\":[1,2,{\"x\":null}]}");
    // activities
    if (has_acts_) {
      int const r = int(rng_.below(100));
      int n_act = r < 15   ? 0
                  : r < 60 ? int(rng_.range(1, 5))
                  : r < 90 ? int(rng_.range(6, 15))
                           : int(rng_.range(0, opt_.max_activities));
      n_act = std::min(n_act, opt_.max_activities);
      struct Act {
        int64_t at;
        std::string text;
      };
      std::vector<Act> acts;
      for (int a = 0; a < n_act; ++a) {
        Act act;
        bool const dup = !acts.empty() && rng_.chance(12);
        if (dup && rng_.chance(50)) {  // an exact duplicate (same kind, time and fields)
          acts.push_back(rng_.pick(acts));
          continue;
        }
        act.at = dup ? rng_.pick(acts).at : now_ - offset_before_now(true);
        std::vector<std::string> am;
        std::string const kind = rng_.chance(5) ? std::string("chat_unknown") : rng_.pick(kinds_);
        am.push_back("\"type\":" + json_string(kind));
        am.push_back("\"at\":" + json_time(act.at));
        for (auto const& f : af_) {
          if (!f.required()) {
            int const x = int(rng_.below(100));
            if (x < 20) continue;
            if (x < 28) {
              am.push_back(json_string(f.column) + ":null");
              continue;
            }
            if (x < 32 && !f.missing.empty()) {
              am.push_back(json_string(f.column) + ":" + json_string(rng_.pick(f.missing)));
              continue;
            }
          }
          am.push_back(json_string(f.column) + ":" + json_value(f));
        }
        if (rng_.chance(30)) rng_.shuffle(am);
        act.text = "{";
        for (size_t k = 0; k < am.size(); ++k) act.text += (k ? "," : "") + am[k];
        act.text += "}";
        acts.push_back(act);
      }
      switch (rng_.below(4)) {
        case 0:
          std::stable_sort(acts.begin(), acts.end(), [](Act const& x, Act const& y) { return x.at < y.at; });
          break;
        case 1:
          std::stable_sort(acts.begin(), acts.end(), [](Act const& x, Act const& y) { return x.at > y.at; });
          break;
        default: break;  // as generated: out of order
      }
      if (!acts.empty() || rng_.chance(50)) {
        std::string s = "\"activities\":[";
        for (size_t k = 0; k < acts.size(); ++k) s += (k ? "," : "") + acts[k].text;
        members.push_back(s + "]");
      } else if (rng_.chance(30)) {
        members.push_back("\"activities\":null");
      }
    }
    // firing history
    if (!rules_.empty() && rng_.chance(35)) {
      std::vector<std::string> fm;
      for (auto const& r : rules_) {
        if (!rng_.chance(50)) continue;
        std::string rec;
        // Never a count of 0 with a time: whether that has fired is not defined by the spec.
        int64_t const count = r.max && rng_.chance(50)
                                  ? std::max<int64_t>(1, r.max - 1 + int64_t(rng_.below(3)))
                                  : rng_.range(1, 3);
        int64_t last;
        if (r.q == RuleDef::Every && rng_.chance(70)) {
          switch (rng_.below(4)) {
            case 0: last = now_ - r.every; break;      // exactly due
            case 1: last = now_ - r.every + 1; break;  // one microsecond short
            case 2: last = now_ - r.every - kSec; break;
            default: last = now_ + kHour; break;  // in the future
          }
        } else {
          last = now_ - rng_.range(0, 30) * kDay - rng_.range(0, kDay / kSec) * kSec;
        }
        switch (rng_.below(r.q == RuleDef::Every ? 2 : 4)) {
          case 0: rec = "{\"count\":" + std::to_string(count) + ",\"last\":" + json_time(last) + "}"; break;
          case 1: rec = "{\"last\":" + json_time(last) + "}"; break;
          case 2: rec = "{\"count\":" + std::to_string(count) + "}"; break;
          default: rec = "null"; break;
        }
        fm.push_back(json_string(r.name) + ":" + rec);
      }
      if (rng_.chance(10)) fm.push_back("\"A rule this policy does not have\":{\"count\":3}");
      std::string s = "\"fired\":{";
      for (size_t k = 0; k < fm.size(); ++k) s += (k ? "," : "") + fm[k];
      members.push_back(s + "}");
    }
    if (rng_.chance(40)) rng_.shuffle(members);
    std::string line = "{";
    for (size_t k = 0; k < members.size(); ++k) line += (k ? "," : "") + members[k];
    line += "}\n";
    if (rng_.chance(3)) line += "\n";  // blank lines are skipped
    out += line;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

GeneratedCase Gen::run() {
  choose_now();
  // Names that are built-ins, values or keywords never come from the pools.
  for (char const* reserved :
       {"score", "grade", "count", "last",       "first",    "sum",         "min",       "max",    "past",
        "fired", "lower", "upper", "len",        "contains", "starts_with", "ends_with", "domain", "abs",
        "round", "clamp", "since", "days_since", "hour",     "weekday",     "present",   "at",     "type"})
    used_.insert(reserved);
  make_schema();

  std::string header;
  if (rng_.chance(85)) {
    header =
        "policy " +
        lr_string(rng_.pick(std::vector<std::string>{"Generated", "\u30c6\u30b9\u30c8", "Diff \"test\""}));
    if (opt_.timezones && rng_.chance(35)) {
      timezone_ =
          rng_.pick(std::vector<std::string>{"Asia/Tokyo", "Asia/Tokyo", "America/New_York", "Europe/Berlin",
                                             "Asia/Kolkata", "UTC", "Australia/Lord_Howe"});
      header += " timezone " + lr_string(timezone_);
    }
    header += "\n";
  }
  std::string const schema = schema_text();

  // Generation order follows the strata; the text order is shuffled below.
  std::vector<std::string> chunks;
  auto add = [&](std::vector<std::string> const& v) { chunks.insert(chunks.end(), v.begin(), v.end()); };
  add(make_sets());
  add(make_lets());
  std::vector<std::string> top_points;
  add(make_blocks(top_points));
  add(top_points);
  add(make_decay());
  add(make_grades());
  // Score lets: may read blocks, the total, the grade, and fold colleague scores.
  {
    static std::vector<std::string> const names = {"account_score", "team_heat", "delta_score", "score_gap",
                                                   "peer_best",     "grade_gap", "score_note"};
    int const n = int(rng_.range(0, 2));
    for (int i = 0; i < n; ++i) {
      Ctx c;
      c.place = Place::LetScore;
      c.index = i;
      E e;
      T t;
      int const form = int(rng_.below(6));
      if (form == 0 && has_account_) {
        t = T::Num;
        e = E{col_fold(T::Num, "sum", c, 1).s + " + score", kAdd};
      } else if (form == 1) {
        std::string const& p = rng_.pick(kPastTexts);
        past_offsets_.insert(duration_micros(p));
        t = T::Num;
        e = E{"score - past(score, " + p + ")", kAdd};
      } else if (form == 2 && has_account_) {
        t = T::Grade;
        e = col_fold(T::Grade, "max", c, 1);
      } else {
        t = rng_.pick(std::vector<T>{T::Num, T::Bool, T::Grade, T::Str});
        e = gen(t, c, opt_.max_depth);
      }
      LetDef l{fresh_name(names), t, 2, i};
      chunks.push_back("let " + l.name + " = " + e.s + "\n");
      lets_.push_back(l);
    }
  }
  name_segments();
  {
    std::vector<std::string> segs;
    for (int i = 0; i < int(segments_.size()); ++i) {
      Ctx c;
      c.place = Place::Segment;
      c.index = i;
      if (rng_.chance(35)) {
        std::string s = "zone " + segments_[size_t(i)] + " {\n";
        int const rows = int(rng_.range(1, 4));
        for (int r = 0; r < rows; ++r) {
          std::string cond;
          if (rng_.chance(60))
            cond =
                "score >= " + rng_.pick(std::vector<std::string>{"20", "40", "60", "80", "0", "2.5", "-1"});
          else
            cond = boolean(c, opt_.max_depth - 1).s;
          // A grade followed by a detached sign is an error (`D  -x`: write `D-`), so a
          // condition that starts with one is parenthesised.
          if (cond[0] == '-' || cond[0] == '+') cond = "(" + cond + ")";
          s += "  " + grade_lit().s + "  " + cond + "\n";
        }
        segs.push_back(s + "}\n");
      } else {
        std::string cond;
        if (has_account_ && rng_.chance(15)) {
          Ctx inner = c;
          cond = col_fold(T::Num, "sum", inner, 1).s +
                 " + score >= " + rng_.pick(std::vector<std::string>{"10", "50", "0.5"});
        } else if (i > 0 && rng_.chance(20)) {
          std::string const& other = segments_[size_t(rng_.below(uint64_t(i)))];
          std::string const& p = rng_.pick(kPastTexts);
          past_offsets_.insert(duration_micros(p));
          cond = other + " and not past(" + other + ", " + p + ")";
        } else {
          cond = boolean(c, opt_.max_depth).s;
        }
        segs.push_back("segment " + segments_[size_t(i)] + " when " + cond + "\n");
      }
    }
    add(segs);
  }
  add(make_rules());

  if (rng_.chance(70)) rng_.shuffle(chunks);
  std::string policy = "# generated policy\n" + header + schema;
  for (auto const& c : chunks) {
    if (rng_.chance(15)) policy += "\n";
    policy += c;
  }

  GeneratedCase out;
  out.policy_text = std::move(policy);
  out.now = now_;
  out.prospects_jsonl = data();
  return out;
}

}  // namespace

std::string format_rfc3339(int64_t micros) { return format_time(micros, TimeStyle{}); }

GeneratedCase generate_case(uint64_t seed, GenOptions const& options) { return Gen(seed, options).run(); }

}  // namespace leadrules::difftest
