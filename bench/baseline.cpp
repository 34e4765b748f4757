// The benchmark policy (/work/shared/bench/policy.lr) by hand. See baseline.hpp.
#include "baseline.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <re2/re2.h>

#include "parallel.hpp"

namespace leadrules::bench {

namespace {

using Column = Batch::Column;  // the public zero-copy view of a column

constexpr int kGradeF = 0, kGradeD = 2, kGradeAPlus = 12;  // F D- D D+ C- C C+ B- B B+ A- A A+

constexpr int64_t kSecond = 1000000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDay = 24 * kHour;

// ---- the policy, as written ------------------------------------------------------------------

// Activity classes: which per-activity rules an activity matches depends on its kind and on one
// of its fields only, so each activity falls in one class.
enum : uint8_t {
  kNone = 0,   // matches no per-activity rule (a form without `form`, a download without `asset`)
  kVisit = 1,  // 1..8: a visit, + page bits (1 ^/pricing, 2 ^/(product|features), 4 ^/blog/)
  kFormContact = 9,
  kFormOther = 10,      // form present and != "contact" (a missing form matches neither rule)
  kDownloadWp = 11,     // asset ~* "whitepaper|ebook"
  kDownloadOther = 12,  // asset present and not matching (a missing asset matches neither rule)
  kWebinar = 13,
  kEmailOpen = 14,  // counted only within 30d
  kEmailClick = 15,
  kUnsubscribe = 16,
  kBounce = 17,
  kClasses = 18,
};
enum PageBit : uint8_t { kPricing = 1, kProduct = 2, kBlog = 4 };

// Lanes: the 13 `per` rules of `score behavior` in source order (3 lanes of padding).
enum Lane {
  kLaneVisit,
  kLanePricing,
  kLaneProduct,
  kLaneBlog,
  kLaneFormContact,
  kLaneFormOther,
  kLaneDownloadWp,
  kLaneDownloadOther,
  kLaneWebinar,
  kLaneEmailOpen,
  kLaneEmailClick,
  kLaneUnsubscribe,
  kLaneBounce,
  kLanes = 16,
};

struct alignas(64) ContribTable {
  double row[kClasses][kLanes] = {};
  ContribTable() {
    for (int b = 0; b < 8; ++b) {
      auto& r = row[kVisit + b];
      r[kLaneVisit] = 1;                       // points +1  per visit cap 30
      if (b & kPricing) r[kLanePricing] = 10;  // points +10 per visit where page ~ "^/pricing"
      if (b & kProduct) r[kLaneProduct] = 5;   // points +5  per visit where page ~ "^/(product|features)"
      if (b & kBlog) r[kLaneBlog] = 3;         // points +3  per visit where page ~ "^/blog/" cap 15
    }
    row[kFormContact][kLaneFormContact] = 25;     // points +25 per form where form == "contact"
    row[kFormOther][kLaneFormOther] = 15;         // points +15 per form where form != "contact"
    row[kDownloadWp][kLaneDownloadWp] = 15;       // points +15 per download where asset ~* "whitepaper|ebook"
    row[kDownloadOther][kLaneDownloadOther] = 8;  // points +8  per download where not (asset ~* ...)
    row[kWebinar][kLaneWebinar] = 20;             // points +20 per webinar
    row[kEmailOpen][kLaneEmailOpen] = 2;          // points +2  per email_open within 30d cap 10
    row[kEmailClick][kLaneEmailClick] = 4;        // points +4  per email_click cap 20
    row[kUnsubscribe][kLaneUnsubscribe] = -50;    // points -50 per unsubscribe
    row[kBounce][kLaneBounce] = -10;              // points -10 per bounce cap 30
  }
};
ContribTable const kContrib;

// decay 25% after 60d, 50% after 120d, 100% after 270d: the factor of the largest step the age
// strictly exceeds (index = number of steps exceeded, the steps being ascending).
constexpr int64_t kDecayAfter[3] = {60 * kDay, 120 * kDay, 270 * kDay};
constexpr double kDecayFactor[4] = {1.0, 0.75, 0.5, 0.0};

// An activity's age (now - at) falls in one bucket: the number of these thresholds it strictly
// exceeds. Every window and decay boundary of the policy is one: bucket 0 is invisible (after the
// instant), 1 = [0, 1d], 2 = (1d, 7d], 3 = (7d, 14d], 4 = (14d, 30d], 5 = (30d, 60d],
// 6 = (60d, 90d], 7 = (90d, 120d], 8 = (120d, 270d], 9 = older. (`within D` is inclusive,
// `decay after D` strict: both are `age > D` or its negation.)
constexpr int64_t kBucketAbove[9] = {-1,        kDay,      7 * kDay,   14 * kDay, 30 * kDay,
                                     60 * kDay, 90 * kDay, 120 * kDay, 270 * kDay};
constexpr int kBuckets = 10;

// Every age in bucket b >= 1 decays and falls in each window alike: decide with one of them.
constexpr int64_t bucket_age(int b) { return kBucketAbove[b - 1] + 1; }
constexpr double decay_factor(int64_t age) {
  int steps = 0;
  for (int64_t after : kDecayAfter) steps += age > after ? 1 : 0;
  return kDecayFactor[steps];
}

// The bucket of an age without comparing it to every threshold: all but the first are whole days,
// and age > n days <=> (age - 1) / 1d >= n (integer division, age >= 1). So with
// q = max(age - 1, 0) / 1d (clamped to kMaxDay), bucket = (age >= 0) + now[q] at now, and
// at now - 1d (age - 1d) = (age >= 1d) + past[q], where past[q] = now[max(q - 1, 0)].
constexpr int kMaxDay = 271;
struct BucketTable {
  uint8_t now[kMaxDay + 1] = {}, past[kMaxDay + 1] = {};
  constexpr BucketTable() {
    for (int q = 0; q <= kMaxDay; ++q) {
      for (int i = 1; i < 9; ++i) now[q] += q >= kBucketAbove[i] / kDay ? 1 : 0;
    }
    for (int q = 0; q <= kMaxDay; ++q) past[q] = now[q > 0 ? q - 1 : 0];
  }
};
constexpr BucketTable kBucketOfDay;

// Per (class, bucket): what one activity adds to each lane's sum, the product points * factor
// (IEEE, as the interpreter computes it). The factor is the decay factor, 0 when invisible, and
// for `email_open within 30d` 0 outside 30d. Adding a 0 product to a sum leaves it unchanged bit
// for bit (a sum is never -0), so non-matching lanes and activities cost nothing.
// And its counters (u32 lanes): 1 when the activity counts for that aggregate.
enum CountLane { kN90, kN30, kN7, kPricing14, kContact, kActive1dLane, kCountLanes = 8 };
struct alignas(64) PairTable {
  double add[kClasses * kBuckets][kLanes] = {};
  uint32_t count[kClasses * kBuckets][kCountLanes] = {};
  PairTable() {
    for (int c = 0; c < kClasses; ++c)
      for (int b = 1; b < kBuckets; ++b) {
        int64_t age = bucket_age(b);
        double f = decay_factor(age);
        auto& add_row = add[c * kBuckets + b];
        for (int l = 0; l < kLanes; ++l) add_row[l] = kContrib.row[c][l] * f;
        if (age > 30 * kDay) add_row[kLaneEmailOpen] = kContrib.row[c][kLaneEmailOpen] * 0.0;
        bool pricing_visit = c >= kVisit && c < kVisit + 8 && ((c - kVisit) & kPricing);
        auto& n = count[c * kBuckets + b];
        n[kN90] = age <= 90 * kDay;                         // activity within 90d
        n[kN30] = age <= 30 * kDay;                         // activity within 30d
        n[kN7] = age <= 7 * kDay;                           // activity within 7d
        n[kPricing14] = pricing_visit && age <= 14 * kDay;  // visit where page ~ "^/pricing" within 14d
        n[kContact] = c == kFormContact;                    // any form where form == "contact"
        n[kActive1dLane] = age <= kDay;                     // last(activity) within 1d
      }
    // Bucket 0 (invisible): adds 0 * points, counts nothing.
    for (int c = 0; c < kClasses; ++c)
      for (int l = 0; l < kLanes; ++l) add[c * kBuckets][l] = kContrib.row[c][l] * 0.0;
  }
};
PairTable const kPair;

// Per-prospect facts of the activity pass.
enum Flag : uint8_t {
  kActive30Now = 1,   // any activity within 30d of now          (engaged_colleagues at now)
  kActive30Past = 2,  // any activity within 30d of now - 1d     (engaged_colleagues in past())
  kContactForm = 4,   // any visible form where form == "contact" (segment mql)
  kActive1d = 8,      // last(activity) within 1d                 (rule "Hot and active today")
};

// Prospect-field predicate bits (per dictionary code; the last entry is a missing value).
enum TitleBit : uint8_t { kStudent = 1, kSenior = 2 };
enum EmailBit : uint8_t { kFreeMail = 1, kEduDomain = 2 };
enum StageBit : uint8_t { kStage4 = 1, kUntouched = 2 };
enum Tri : uint8_t { kFalse = 0, kTrue = 1, kUnknown = 2 };

// The benchmark's rules, by name (the policy gives their indexes).
char const* const kRuleNames[6] = {"Hot list",   "Hot and active today", "MQL",
                                   "Score jump", "SLA untouched",        "Recycle"};
enum RuleId { kRuleHotList, kRuleHotActive, kRuleMql, kRuleScoreJump, kRuleSla, kRuleRecycle };

inline uint32_t clamp_code(uint32_t code, uint32_t n) { return code < n ? code : n; }

// A table over one string column's dictionary (index n = missing), filled by `fn(value)`.
template <class Fn>
std::vector<uint8_t> per_value(Column const& col, uint8_t missing, Fn fn) {
  size_t n = col.dictionary_size;
  std::vector<uint8_t> t(n + 1);
  for (size_t k = 0; k < n; ++k) t[k] = fn(col.text(uint32_t(k)));
  t[n] = missing;
  return t;
}

// `x == "a" or x == "b" ...` over a column: string equality is code equality within one
// dictionary, so mark the codes of the values. The public view has no lookup by text: one pass
// over the dictionary, the values compared to each entry (a value is at most one entry).
void set_values(std::vector<uint8_t>& table, Column const& col,
                std::initializer_list<std::string_view> values, uint8_t value) {
  for (size_t k = 0, n = col.dictionary_size; k < n; ++k) {
    std::string_view v = col.text(uint32_t(k));
    for (std::string_view x : values)
      if (v == x) {
        table[k] = value;
        break;
      }
  }
}
void mark_values(std::vector<uint8_t>& table, Column const& col,
                 std::initializer_list<std::string_view> values, uint8_t bit) {
  for (size_t k = 0, n = col.dictionary_size; k < n; ++k) {
    std::string_view v = col.text(uint32_t(k));
    for (std::string_view x : values)
      if (v == x) {
        table[k] |= bit;
        break;
      }
  }
}

// Distinct domains and their predicate bits: open addressing over a 64-bit hash. Keys are views
// into the email dictionary (stable) or, when lower-cased, copies owned here.
class DomainSet {
 public:
  DomainSet() : slots_(1024, 0) {}
  template <class Compute>
  uint8_t find_or_add(std::string_view d, bool transient, Compute compute) {
    uint64_t h = hash(d);
    uint32_t tag = uint32_t(h >> 32);
    size_t mask = slots_.size() - 1;
    for (size_t i = size_t(h) & mask;; i = (i + 1) & mask) {
      uint64_t s = slots_[i];
      if (s == 0) break;
      uint32_t idx = uint32_t(s) - 1;
      if (uint32_t(s >> 32) == tag && keys_[idx] == d) return bits_[idx];
    }
    uint8_t bits = compute(d);
    if (transient) d = owned_.emplace_back(d);
    keys_.push_back(d);
    bits_.push_back(bits);
    if (keys_.size() * 2 > slots_.size())
      grow();
    else
      insert(h, uint32_t(keys_.size()));
    return bits;
  }

 private:
  std::vector<uint64_t> slots_;  // hash >> 32 << 32 | (index + 1); 0 = empty
  std::vector<std::string_view> keys_;
  std::vector<uint8_t> bits_;
  std::deque<std::string> owned_;

  static uint64_t hash(std::string_view s) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ s.size();
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      h = (h ^ w) * 0xff51afd7ed558ccdull;
      h ^= h >> 32;
    }
    uint64_t tail = 0;
    std::memcpy(&tail, s.data() + i, s.size() - i);
    h = (h ^ tail) * 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 29);
  }
  void insert(uint64_t h, uint32_t index1) {
    size_t mask = slots_.size() - 1;
    size_t i = size_t(h) & mask;
    while (slots_[i]) i = (i + 1) & mask;
    slots_[i] = (h >> 32 << 32) | index1;
  }
  void grow() {
    slots_.assign(slots_.size() * 2, 0);
    for (size_t k = 0; k < keys_.size(); ++k) insert(hash(keys_[k]), uint32_t(k + 1));
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------

struct Baseline::Impl {
  // Columns and kinds, resolved against the policy's schema.
  int32_t f_account, f_email, f_title, f_industry, f_employees, f_country, f_status, f_stage, f_assigned;
  int32_t a_page, a_form, a_asset;
  int32_t k_visit, k_form, k_email_open, k_email_click, k_download, k_webinar, k_unsubscribe, k_bounce;
  size_t n_kinds = 0;
  int32_t block_behavior, block_fit;
  int32_t seg_hot, seg_mql, seg_recycle;
  int32_t rule_index[6];

  // The policy's regexes, compiled here (same options as the checker: UTF-8, `~*` = case-insensitive).
  std::unique_ptr<RE2> re_pricing, re_product, re_blog, re_wp, re_student, re_senior, re_edu;

  explicit Impl(Policy const& p);

  // Per-batch tables.
  struct Tables {
    std::vector<uint8_t> page_cls, form_cls,
        asset_cls;               // activity class of a visit / form / download by code
    std::vector<uint8_t> zeros;  // over `page` codes: for the other kinds
    uint8_t kind_cls[16] = {};   // class of the other kinds (by kind id < 16)
    std::vector<uint8_t> title, email, industry, country, account, status, stage;
  };
  Tables tables(Batch const& b) const;

  struct Stage1 {
    std::vector<double> behavior_now, behavior_past;
    std::vector<uint8_t> flags;
  };
  void activity_pass(Batch const& b, Tables const& t, int64_t now, Stage1& s, size_t begin, size_t end) const;
  void prospect_pass(Batch const& b, Tables const& t, int64_t now, Stage1 const& s,
                     std::vector<uint32_t> const& active_now, std::vector<uint32_t> const& active_past,
                     BaselineResults& out, size_t begin, size_t end) const;
};

namespace {

int32_t need(std::optional<size_t> index, char const* what, std::string_view name) {
  if (!index)
    throw std::runtime_error("baseline: the policy has no " + std::string(what) + " `" + std::string(name) +
                             "`");
  return int32_t(*index);
}

template <class List, class Name>
std::optional<size_t> position(List const& list, std::string_view name, Name name_of) {
  for (size_t i = 0; i < list.size(); ++i)
    if (name_of(list[i]) == name) return i;
  return std::nullopt;
}

std::unique_ptr<RE2> regex(char const* pattern, bool icase) {
  RE2::Options o;
  o.set_case_sensitive(!icase);
  o.set_log_errors(false);
  o.set_encoding(RE2::Options::EncodingUTF8);
  auto re = std::make_unique<RE2>(pattern, o);
  if (!re->ok()) throw std::runtime_error(std::string("baseline: bad regex ") + pattern);
  return re;
}

}  // namespace

Baseline::Impl::Impl(Policy const& p) {
  auto const& fields = p.fields();
  auto field = [&](char const* name, ValueType type) {
    int32_t i = need(p.field_index(name), "prospect field", name);
    if (fields[size_t(i)].type != type)
      throw std::runtime_error(std::string("baseline: field ") + name + " has another type");
    return i;
  };
  f_account = field("account", ValueType::string);
  f_email = field("email", ValueType::string);
  f_title = field("title", ValueType::string);
  f_industry = field("industry", ValueType::string);
  f_employees = field("employees", ValueType::number);
  f_country = field("country", ValueType::string);
  f_status = field("status", ValueType::string);
  f_stage = field("touch_stage", ValueType::string);
  f_assigned = field("assigned_at", ValueType::time);
  auto const& afields = p.activity_fields();
  auto afield = [&](char const* name) {
    int32_t i = need(position(afields, name, [](FieldInfo const& f) -> std::string_view { return f.name; }),
                     "activity field", name);
    if (afields[size_t(i)].type != ValueType::string)
      throw std::runtime_error(std::string("baseline: activity field ") + name + " is not a string");
    return i;
  };
  a_page = afield("page");
  a_form = afield("form");
  a_asset = afield("asset");
  auto const& kinds = p.activity_kinds();
  auto kind = [&](char const* name) {
    return need(position(kinds, name, [](std::string const& k) -> std::string_view { return k; }),
                "activity kind", name);
  };
  k_visit = kind("visit");
  k_form = kind("form");
  k_email_open = kind("email_open");
  k_email_click = kind("email_click");
  k_download = kind("download");
  k_webinar = kind("webinar");
  k_unsubscribe = kind("unsubscribe");
  k_bounce = kind("bounce");
  n_kinds = kinds.size();
  if (n_kinds > 16) throw std::runtime_error("baseline: too many kinds");

  auto const& blocks = p.blocks();
  block_behavior = block_fit = -1;
  for (size_t b = 0; b < blocks.size(); ++b) {
    if (blocks[b] == "behavior") block_behavior = int32_t(b);
    if (blocks[b] == "fit") block_fit = int32_t(b);
  }
  if (blocks.size() != 2 || block_behavior < 0 || block_fit < 0)
    throw std::runtime_error("baseline: the policy's score blocks are not `behavior` and `fit`");
  seg_hot = need(p.segment_index("hot"), "segment", "hot");
  seg_mql = need(p.segment_index("mql"), "segment", "mql");
  seg_recycle = need(p.segment_index("recycle"), "segment", "recycle");
  if (p.segments().size() != 3) throw std::runtime_error("baseline: the policy has other segments");
  if (p.rules().size() != 6) throw std::runtime_error("baseline: the policy has other rules");
  for (int r = 0; r < 6; ++r) rule_index[r] = need(p.rule_index(kRuleNames[r]), "rule", kRuleNames[r]);

  // A light check that the policy is the one written here: its summary's counts (the public API
  // shows neither the decay steps nor the rules of each block; the agreement check in bench_main
  // is the real one).
  std::string summary = p.summary();
  constexpr std::string_view kSummary =
      "23 scoring rules in 2 blocks, 6 grade moves, 2 segments, 1 zone, 6 automation rules";
  if (!summary.starts_with(kSummary))
    throw std::runtime_error("baseline: the policy is not the benchmark policy this baseline implements (" +
                             summary + ")");

  re_pricing = regex("^/pricing", false);
  re_product = regex("^/(product|features)", false);
  re_blog = regex("^/blog/", false);
  re_wp = regex("whitepaper|ebook", true);
  re_student = regex("student|intern|学生", true);
  re_senior = regex("director|vp|head|chief|部長", true);
  re_edu = regex("(^|\\.)(edu|ac\\.jp)$", false);
}

Baseline::Impl::Tables Baseline::Impl::tables(Batch const& b) const {
  Tables t;
  // Activity classes.
  t.page_cls = per_value(b.activity_field(size_t(a_page)), kVisit, [&](std::string_view v) {
    uint8_t bits = 0;
    if (RE2::PartialMatch(v, *re_pricing)) bits |= kPricing;
    if (RE2::PartialMatch(v, *re_product)) bits |= kProduct;
    if (RE2::PartialMatch(v, *re_blog)) bits |= kBlog;
    return uint8_t(kVisit + bits);
  });
  {
    Column const col = b.activity_field(size_t(a_form));
    t.form_cls.assign(col.dictionary_size + 1, kFormOther);
    t.form_cls.back() = kNone;  // a form without `form`: neither == nor != "contact"
    set_values(t.form_cls, col, {"contact"}, kFormContact);
  }
  t.asset_cls = per_value(b.activity_field(size_t(a_asset)), kNone, [&](std::string_view v) {
    return RE2::PartialMatch(v, *re_wp) ? kDownloadWp : kDownloadOther;
  });
  t.zeros.assign(t.page_cls.size(), 0);
  t.kind_cls[k_webinar] = kWebinar;
  t.kind_cls[k_email_open] = kEmailOpen;
  t.kind_cls[k_email_click] = kEmailClick;
  t.kind_cls[k_unsubscribe] = kUnsubscribe;
  t.kind_cls[k_bounce] = kBounce;

  // Prospect fields.
  t.title = per_value(b.field(size_t(f_title)), 0, [&](std::string_view v) {
    return uint8_t((RE2::PartialMatch(v, *re_student) ? kStudent : 0) |
                   (RE2::PartialMatch(v, *re_senior) ? kSenior : 0));
  });
  {
    // domain(email): after the last '@', ASCII-lower-cased; missing without '@' (then neither
    // `in free_mail` nor the regex holds). Predicates once per distinct domain.
    static constexpr std::string_view kFree[] = {"gmail.com",   "yahoo.com",   "yahoo.co.jp",
                                                 "outlook.com", "hotmail.com", "icloud.com"};
    Column const col = b.field(size_t(f_email));
    size_t n = col.dictionary_size;
    t.email.assign(n + 1, 0);
    DomainSet domains;
    char lowered[256];
    for (size_t k = 0; k < n; ++k) {
      std::string_view e = col.text(uint32_t(k));  // stable: a view into the batch's dictionary
      auto const* at = static_cast<char const*>(::memrchr(e.data(), '@', e.size()));
      if (!at) continue;
      std::string_view d(at + 1, size_t(e.data() + e.size() - (at + 1)));
      bool upper = false;
      for (char c : d) upper |= unsigned(c - 'A') < 26u;
      std::string lowered_long;
      if (upper) {
        char* to = lowered;
        if (d.size() > sizeof lowered) {
          lowered_long.resize(d.size());
          to = lowered_long.data();
        }
        for (size_t i = 0; i < d.size(); ++i)
          to[i] = unsigned(d[i] - 'A') < 26u ? char(d[i] - 'A' + 'a') : d[i];
        d = std::string_view(to, d.size());
      }
      t.email[k] = domains.find_or_add(d, upper, [&](std::string_view dom) {
        uint8_t bits = 0;
        if (std::find(std::begin(kFree), std::end(kFree), dom) != std::end(kFree)) bits |= kFreeMail;
        // (^|\.)(edu|ac\.jp)$ can only match a domain ending in "edu" or "ac.jp": RE2 decides those.
        if ((dom.ends_with("edu") || dom.ends_with("ac.jp")) && RE2::PartialMatch(dom, *re_edu))
          bits |= kEduDomain;
        return bits;
      });
    }
  }
  Column const ind = b.field(size_t(f_industry));
  t.industry.assign(ind.dictionary_size + 1, kFalse);
  t.industry.back() = kUnknown;
  mark_values(t.industry, ind, {"SaaS", "Manufacturing", "Finance"}, kTrue);
  Column const ctry = b.field(size_t(f_country));
  t.country.assign(ctry.dictionary_size + 1, kTrue);  // country != "JP" and country != "US"
  t.country.back() = kUnknown;
  set_values(t.country, ctry, {"JP", "US"}, kFalse);
  Column const acct = b.field(size_t(f_account));
  t.account.assign(acct.dictionary_size + 1, 0);
  mark_values(t.account, acct, {"acct-7", "acct-42", "acct-99", "acct-512", "acct-1024", "acct-2048"}, 1);
  Column const st = b.field(size_t(f_status));
  t.status.assign(st.dictionary_size + 1, 0);
  mark_values(t.status, st, {"Lead"}, 1);
  Column const stg = b.field(size_t(f_stage));
  t.stage.assign(stg.dictionary_size + 1, 0);
  mark_values(t.stage, stg, {"Stage4"}, kStage4);
  mark_values(t.stage, stg, {"Untouched"}, kUntouched);
  return t;
}

// One pass over each prospect's activities: every `per` rule's sum at now and at now - 1d, and
// the counts behind the `if` rules, mql, "Hot and active today" and engaged_colleagues.
__attribute__((target_clones("avx2", "default"))) void Baseline::Impl::activity_pass(
    Batch const& b, Tables const& t, int64_t now, Stage1& s, size_t row_begin, size_t row_end) const {
  typedef double v4d __attribute__((vector_size(32)));
  typedef uint32_t v8u __attribute__((vector_size(32)));
  uint32_t const* __restrict off = b.activity_offsets().data();
  uint16_t const* __restrict kinds = b.activity_kinds().data();
  int64_t const* __restrict ats = b.activity_times().data();
  uint32_t const* page = b.activity_field(size_t(a_page)).codes.data();
  uint32_t const* form = b.activity_field(size_t(a_form)).codes.data();
  uint32_t const* asset = b.activity_field(size_t(a_asset)).codes.data();
  // Per kind, the field that decides its class and that field's class table (branch-free: a
  // kind without such a field reads `page` through a table of zeros).
  struct KindClass {
    uint32_t const* codes;
    uint8_t const* table;  // class by code; [n] = missing
    uint32_t n;
  };
  KindClass by_kind[16];
  for (auto& kc : by_kind) kc = {page, t.zeros.data(), uint32_t(t.zeros.size() - 1)};
  by_kind[k_visit] = {page, t.page_cls.data(), uint32_t(t.page_cls.size() - 1)};
  by_kind[k_form] = {form, t.form_cls.data(), uint32_t(t.form_cls.size() - 1)};
  by_kind[k_download] = {asset, t.asset_cls.data(), uint32_t(t.asset_cls.size() - 1)};
  uint8_t kind_cls[16];
  std::memcpy(kind_cls, t.kind_cls, sizeof kind_cls);
  v4d const* add = reinterpret_cast<v4d const*>(&kPair.add[0][0]);      // 4 vectors a (class, bucket)
  v8u const* count = reinterpret_cast<v8u const*>(&kPair.count[0][0]);  // 1 vector a (class, bucket)
  uint8_t const* bucket_now = kBucketOfDay.now;
  uint8_t const* bucket_past = kBucketOfDay.past;

  for (size_t r = row_begin; r < row_end; ++r) {
    v4d s0[4] = {}, s1[4] = {};
    v8u n0 = {}, n1 = {};
    for (uint32_t a = off[r], e = off[r + 1]; a < e; ++a) {
      uint32_t k = kinds[a] & 15u;
      KindClass const& kc = by_kind[k];
      uint32_t cls = kind_cls[k] + kc.table[clamp_code(kc.codes[a], kc.n)];
      int64_t age = now - ats[a];
      uint64_t q = uint64_t(age > 1 ? age - 1 : 0) / uint64_t(kDay);
      q = q < kMaxDay ? q : kMaxDay;
      uint32_t b0 = uint32_t(age >= 0) + bucket_now[q];
      uint32_t b1 = uint32_t(age >= kDay) + bucket_past[q];
      uint32_t i0 = cls * kBuckets + b0, i1 = cls * kBuckets + b1;
      v4d const* p0 = add + 4 * i0;
      v4d const* p1 = add + 4 * i1;
      s0[0] += p0[0];
      s0[1] += p0[1];
      s0[2] += p0[2];
      s0[3] += p0[3];
      s1[0] += p1[0];
      s1[1] += p1[1];
      s1[2] += p1[2];
      s1[3] += p1[3];
      n0 += count[i0];
      n1 += count[i1];
    }
    auto block = [](v4d const* v, v8u const& n) {
      double l[kLanes];
      std::memcpy(l, v, sizeof l);
      double sum = 0;  // score behavior, in source order, each rule after its cap
      sum += std::min(l[kLaneVisit], 30.0);
      sum += l[kLanePricing];
      sum += l[kLaneProduct];
      sum += std::min(l[kLaneBlog], 15.0);
      sum += l[kLaneFormContact];
      sum += l[kLaneFormOther];
      sum += l[kLaneDownloadWp];
      sum += l[kLaneDownloadOther];
      sum += l[kLaneWebinar];
      sum += std::min(l[kLaneEmailOpen], 10.0);
      sum += std::min(l[kLaneEmailClick], 20.0);
      sum += l[kLaneUnsubscribe];
      sum += std::max(l[kLaneBounce], -30.0);
      sum += n[kN90] == 0 ? -20.0 : 0.0;  // points -20 if no activity within 90d
      sum += n[kN7] >= 5 ? 10.0 : 0.0;    // points +10 if count(activity within 7d) >= 5
      sum += n[kPricing14] >= 3 ? 5.0
                                : 0.0;  // points +5  if count(visit where page ~ "^/pricing" within 14d) >= 3
      return sum;
    };
    s.behavior_now[r] = block(s0, n0);
    s.behavior_past[r] = block(s1, n1);
    s.flags[r] = uint8_t((n0[kN30] ? kActive30Now : 0) | (n1[kN30] ? kActive30Past : 0) |
                         (n0[kContact] ? kContactForm : 0) | (n0[kActive1dLane] ? kActive1d : 0));
  }
}

// Fit, total, past(score, 1d), grade, segments and rules, prospect by prospect.
void Baseline::Impl::prospect_pass(Batch const& b, Tables const& t, int64_t now, Stage1 const& s,
                                   std::vector<uint32_t> const& active_now,
                                   std::vector<uint32_t> const& active_past, BaselineResults& out,
                                   size_t row_begin, size_t row_end) const {
  Column const account = b.field(size_t(f_account));
  Column const email = b.field(size_t(f_email));
  Column const title = b.field(size_t(f_title));
  Column const industry = b.field(size_t(f_industry));
  Column const employees = b.field(size_t(f_employees));
  Column const country = b.field(size_t(f_country));
  Column const status = b.field(size_t(f_status));
  Column const stage = b.field(size_t(f_stage));
  Column const assigned = b.field(size_t(f_assigned));
  uint32_t const n_account = uint32_t(t.account.size() - 1), n_email = uint32_t(t.email.size() - 1),
                 n_title = uint32_t(t.title.size() - 1), n_industry = uint32_t(t.industry.size() - 1),
                 n_country = uint32_t(t.country.size() - 1), n_status = uint32_t(t.status.size() - 1),
                 n_stage = uint32_t(t.stage.size() - 1);
  double* blocks_behavior = out.blocks[block_behavior].data();
  double* blocks_fit = out.blocks[block_fit].data();

  for (size_t r = row_begin; r < row_end; ++r) {
    uint32_t acode = clamp_code(account.codes[r], n_account);  // missing: no colleagues
    uint8_t flags = s.flags[r];
    uint32_t engaged_now = 0, engaged_past = 0;  // colleagues, never oneself
    if (acode < n_account) {
      engaged_now = active_now[acode] - ((flags & kActive30Now) ? 1 : 0);
      engaged_past = active_past[acode] - ((flags & kActive30Past) ? 1 : 0);
    }
    uint8_t tb = t.title[clamp_code(title.codes[r], n_title)];
    uint8_t eb = t.email[clamp_code(email.codes[r], n_email)];
    uint8_t ib = t.industry[clamp_code(industry.codes[r], n_industry)];
    bool priority = t.account[acode] != 0;
    auto fit = [&](uint32_t engaged) {
      double sum = 0;                          // score fit, in source order
      sum += (tb & kStudent) ? -30.0 : 0.0;    // title ~* "student|intern|学生"
      sum += (eb & kFreeMail) ? -5.0 : 0.0;    // domain(email) in free_mail
      sum += (tb & kSenior) ? 10.0 : 0.0;      // title ~* "director|vp|head|chief|部長"
      sum += ib == kTrue ? 5.0 : 0.0;          // industry in target_industries
      sum += engaged >= 2 ? 15.0 : 0.0;        // engaged_colleagues >= 2
      sum += priority ? 30.0 : 0.0;            // account in priority_accounts
      sum += (eb & kEduDomain) ? -15.0 : 0.0;  // domain(email) ~ "(^|\\.)(edu|ac\\.jp)$"
      return sum;
    };
    double behavior = s.behavior_now[r];
    double fit_now = fit(engaged_now);
    double total = 0;
    total += behavior;
    total += fit_now;
    double past_total = 0;
    past_total += s.behavior_past[r];
    past_total += fit(engaged_past);

    // Grade, in thirds from D; unknown conditions move nothing.
    int thirds = 0;
    thirds += ib == kTrue ? 1 : ib == kFalse ? -1 : 0;  // +1/3 if industry in ... else -1/3
    bool emp = employees.present[r] && std::isfinite(employees.numbers[r]);
    double ne = employees.numbers[r];
    thirds += emp && ne >= 1000 ? 2 : 0;  // +2/3 if employees >= 1000
    thirds += emp && ne >= 200 ? 1 : 0;   // +1/3 if employees >= 200
    thirds += (tb & kSenior) ? 3 : 0;     // +1 if title ~* ...
    thirds -= t.country[clamp_code(country.codes[r], n_country)] == kTrue ? 1 : 0;  // -1/3 if not JP/US
    thirds -= (eb & kFreeMail) ? 3 : 0;  // -1 if domain(email) in free_mail
    int grade = std::clamp(kGradeD + thirds, kGradeF, kGradeAPlus);

    // Segments. zone hot: A- >= 20, B- >= 40, C- >= 60, D >= 80.
    bool hot = (grade >= 10 && total >= 20) || (grade >= 7 && total >= 40) || (grade >= 4 && total >= 60) ||
               (grade >= 2 && total >= 80);
    bool mql = (flags & kContactForm) && total >= 100;
    bool lead = t.status[clamp_code(status.codes[r], n_status)] != 0;
    uint8_t stg = t.stage[clamp_code(stage.codes[r], n_stage)];
    bool has_assigned = assigned.present[r] != 0;
    int64_t since_assigned = now - assigned.micros[r];
    bool recycle = lead && (stg & kStage4) && has_assigned && since_assigned > 14 * kDay;

    // Rules (conditions). The firing history of the `once` rules is not applied: the public Batch
    // has no view of it (see baseline.hpp).
    uint8_t fire = 0;
    fire |= hot ? 1 << kRuleHotList : 0;
    fire |= hot && (flags & kActive1d) ? 1 << kRuleHotActive : 0;
    fire |= mql && lead ? 1 << kRuleMql : 0;
    fire |= total - past_total >= 10 ? 1 << kRuleScoreJump : 0;
    fire |= (stg & kUntouched) && has_assigned && since_assigned > 48 * kHour ? 1 << kRuleSla : 0;
    fire |= recycle ? 1 << kRuleRecycle : 0;
    uint8_t fired = 0;
    for (int x = 0; x < 6; ++x)
      if (fire >> x & 1) fired |= uint8_t(1u << rule_index[x]);

    out.total[r] = total;
    blocks_behavior[r] = behavior;
    blocks_fit[r] = fit_now;
    out.grade[r] = int8_t(grade);
    out.segments[r] =
        uint8_t((hot ? 1u << seg_hot : 0u) | (mql ? 1u << seg_mql : 0u) | (recycle ? 1u << seg_recycle : 0u));
    out.fired[r] = fired;
  }
}

// ---------------------------------------------------------------------------------------------

void BaselineResults::resize(size_t n) {
  total.resize(n);
  blocks[0].resize(n);
  blocks[1].resize(n);
  grade.resize(n);
  segments.resize(n);
  fired.resize(n);
}

Baseline::Baseline(Policy const& policy) : impl_(std::make_unique<Impl>(policy)) {}
Baseline::~Baseline() = default;

void Baseline::evaluate(Batch const& batch, int64_t now, BaselineResults& out, unsigned threads) const {
  auto const& I = *impl_;
  using Clock = std::chrono::steady_clock;
  static bool const timing = std::getenv("LEADRULES_TIMING") != nullptr;
  auto ms = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  };
  auto t0 = Clock::now();
  size_t n = batch.size();
  out.resize(n);
  Impl::Tables t = I.tables(batch);
  auto t1 = Clock::now();

  Impl::Stage1 s;
  s.behavior_now.resize(n);
  s.behavior_past.resize(n);
  s.flags.resize(n);
  run_in_parallel(n, threads, [&](size_t b, size_t e) { I.activity_pass(batch, t, now, s, b, e); });
  auto t2 = Clock::now();

  // engaged_colleagues = count(colleague where any activity within 30d): per account, the rows
  // with an activity within 30d (at now and at now - 1d); each row then subtracts itself.
  Column const account = batch.field(size_t(I.f_account));
  uint32_t n_account = uint32_t(account.dictionary_size);
  std::vector<uint32_t> active_now(n_account), active_past(n_account);
  for (size_t r = 0; r < n; ++r) {
    uint32_t c = account.codes[r];
    if (c >= n_account) continue;
    active_now[c] += s.flags[r] & kActive30Now ? 1 : 0;
    active_past[c] += s.flags[r] & kActive30Past ? 1 : 0;
  }

  run_in_parallel(n, threads, [&](size_t b, size_t e) {
    I.prospect_pass(batch, t, now, s, active_now, active_past, out, b, e);
  });
  if (timing) {
    auto t3 = Clock::now();
    std::fprintf(stderr, "baseline: tables %.1f ms, activities %.1f ms, colleagues + prospects %.1f ms\n",
                 ms(t0, t1), ms(t1, t2), ms(t2, t3));
  }
}

}  // namespace leadrules::bench
