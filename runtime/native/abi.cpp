#include "stdlib/abi.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string_view>
#include <unordered_map>

#include <re2/re2.h>

#include "runtime/native/abi_host.hpp"
#include "stdlib/format.hpp"
#include "stdlib/time.hpp"

using leadrules::stdlib::LrHost;
namespace plan = leadrules::plan;
namespace runtime = leadrules::runtime;

namespace {

LrHost& host(LrEnv* env) { return *static_cast<LrHost*>(env->host); }
std::string_view sv(const char* p, int64_t n) { return {p, size_t(n)}; }

void give(LrEnv* env, std::string s, const char** out_ptr, int64_t* out_len) {
  auto& h = host(env);
  if (h.strings_used == h.strings.size()) h.strings.emplace_back();
  std::string& slot = h.strings[h.strings_used++];
  slot = std::move(s);
  *out_ptr = slot.data();
  *out_len = int64_t(slot.size());
}

// A present value of the given type as the generated code passes it (num for numbers, i for
// bool/time/duration/grade, p and n for strings), as a plan constant.
plan::Constant constant_of(int32_t type, double num, int64_t i, const char* p, int64_t n) {
  plan::Constant c;
  c.type = plan::Type(type);
  switch (c.type) {
    case plan::Type::Number: c.number = num; break;
    case plan::Type::String: c.text = std::string(sv(p, n)); break;
    case plan::Type::Bool: c.boolean = i != 0; break;
    case plan::Type::Time: c.micros = i; break;
    case plan::Type::Duration:
      c.micros = i;
      c.text = leadrules::stdlib::format_duration(i);
      break;
    case plan::Type::Grade: c.grade = int(i); break;
    case plan::Type::StringList: break;
  }
  return c;
}

// Prints as the interpreter's print() does (fine print 7 and 8): plan::print_constant.
std::string print(int32_t type, double num, int64_t i, const char* p, int64_t n) {
  return plan::print_constant(constant_of(type, num, i, p, n));
}

}  // namespace

extern "C" {

int32_t lr_str_cmp(const char* a, int64_t al, const char* b, int64_t bl) {
  int c = sv(a, al).compare(sv(b, bl));
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}
int32_t lr_str_contains(const char* a, int64_t al, const char* b, int64_t bl) {
  return sv(a, al).find(sv(b, bl)) != std::string_view::npos;
}
int32_t lr_str_starts(const char* a, int64_t al, const char* b, int64_t bl) {
  return sv(a, al).starts_with(sv(b, bl));
}
int32_t lr_str_ends(const char* a, int64_t al, const char* b, int64_t bl) {
  return sv(a, al).ends_with(sv(b, bl));
}
int64_t lr_str_len(const char* a, int64_t al) { return leadrules::stdlib::length(sv(a, al)); }

void lr_str_lower(LrEnv* env, const char* a, int64_t al, const char** out_ptr, int64_t* out_len) {
  give(env, leadrules::stdlib::lower(sv(a, al)), out_ptr, out_len);
}
void lr_str_upper(LrEnv* env, const char* a, int64_t al, const char** out_ptr, int64_t* out_len) {
  give(env, leadrules::stdlib::upper(sv(a, al)), out_ptr, out_len);
}
int32_t lr_str_domain(LrEnv* env, const char* a, int64_t al, const char** out_ptr, int64_t* out_len) {
  auto d = leadrules::stdlib::domain(sv(a, al));
  if (!d) return 0;
  give(env, std::move(*d), out_ptr, out_len);
  return 1;
}

int32_t lr_regex(LrEnv* env, int32_t regex, const char* a, int64_t al) {
  auto const& re = *host(env).plan->regexes[size_t(regex)].re;
  return RE2::PartialMatch(sv(a, al), re) ? 1 : 0;
}
int32_t lr_in_set(LrEnv* env, int32_t set, const char* a, int64_t al) {
  return host(env).plan->sets[size_t(set)].contains(sv(a, al)) ? 1 : 0;
}
int32_t lr_in_list(const uint32_t* codes, int64_t n, const char* const* dict_ptr, const uint32_t* dict_len,
                   const char* a, int64_t al) {
  for (int64_t k = 0; k < n; ++k)
    if (sv(dict_ptr[codes[k]], dict_len[codes[k]]) == sv(a, al)) return 1;
  return 0;
}
int32_t lr_hour(LrEnv* env, int64_t t) { return host(env).zone->hour(t); }
int32_t lr_weekday(LrEnv* env, int64_t t) { return host(env).zone->weekday(t); }

int32_t lr_duration_from_double(double micros, int64_t* out) {
  if (!std::isfinite(micros) || std::fabs(micros) >= 9.2e18) return 0;
  *out = int64_t(std::llround(micros));
  return 1;
}

int64_t lr_once_per(LrEnv* env, int32_t field, uint32_t* acts, int64_t n) {
  // The same rule as the interpreter: per distinct present value, only the most recent activity
  // (ties: the later in input order) counts; activities without the field count one by one.
  LrColumn const& col = env->act_fields[field];
  auto type = host(env).plan->schema.activity[size_t(field)].type;
  auto key_of = [&](uint32_t a) -> uint64_t {
    switch (type) {
      case plan::Type::String: return col.codes[a];
      case plan::Type::Number: {
        double d = col.numbers[a];
        uint64_t k;
        std::memcpy(&k, &d, 8);
        return k;
      }
      case plan::Type::Bool: return col.bools[a];
      case plan::Type::Grade: return uint64_t(col.grades[a]);
      default: return uint64_t(col.micros[a]);
    }
  };
  // Sorting (key, position) pairs in host-owned buffers rather than a hash map: no allocation
  // once warm. Within a key, the most recent wins; on equal times the later position.
  auto& h = host(env);
  auto& keyed = h.once_keys;
  keyed.clear();
  for (int64_t k = 0; k < n; ++k)
    if (col.present[acts[k]]) keyed.push_back({key_of(acts[k]), uint32_t(k)});
  std::sort(keyed.begin(), keyed.end());
  auto& best = h.once_best;  // positions k that count
  best.clear();
  for (size_t i = 0; i < keyed.size();) {
    size_t j = i, win = i;
    for (; j < keyed.size() && keyed[j].first == keyed[i].first; ++j)
      if (env->act_at[acts[keyed[j].second]] >= env->act_at[acts[keyed[win].second]]) win = j;
    best.push_back(keyed[win].second);
    i = j;
  }
  std::sort(best.begin(), best.end());
  int64_t kept = 0;
  size_t next = 0;
  for (int64_t k = 0; k < n; ++k) {
    uint32_t a = acts[k];
    bool counts = !col.present[a];
    if (next < best.size() && best[next] == uint32_t(k)) {
      counts = true;
      ++next;
    }
    if (counts) acts[kept++] = a;
  }
  return kept;
}

int32_t lr_history(LrEnv* env, uint32_t row, int32_t rule, int64_t* count, int64_t* last, int32_t* has_last) {
  for (uint32_t h = env->hist_offsets[row]; h < env->hist_offsets[row + 1]; ++h)
    if (env->history[h].rule == rule) {
      *count = env->history[h].count;
      *last = env->history[h].last;
      *has_last = env->history[h].has_last;
      return 1;
    }
  return 0;
}

uint32_t* lr_scratch(LrEnv* env, int64_t n) {
  auto& h = host(env);
  if (h.scratch_used == h.scratch.size()) h.scratch.emplace_back();
  auto& slot = h.scratch[h.scratch_used++];
  slot.resize(size_t(std::max<int64_t>(n, 1)));
  return slot.data();
}

void lr_action_begin(LrEnv* env, uint32_t row, int32_t rule, int32_t kind) {
  auto& h = host(env);
  h.actions = &h.results->actions[row];
  h.sets = &h.results->sets[row];
  runtime::ActionResult a;
  a.rule = rule;
  a.kind = plan::ActionKind(kind);
  h.actions->push_back(std::move(a));
}
void lr_arg_begin(LrEnv* env) { host(env).arg.clear(); }
void lr_arg_text(LrEnv* env, const char* p, int64_t n) { host(env).arg.append(p, size_t(n)); }
void lr_arg_value(LrEnv* env, int32_t type, int32_t present, double num, int64_t i, const char* p, int64_t n,
                  int32_t has_fallback, const char* fb, int64_t fbn) {
  auto& h = host(env);
  if (!present) {
    if (has_fallback) h.arg.append(fb, size_t(fbn));
    return;
  }
  h.arg += print(type, num, i, p, n);
}
void lr_arg_list(LrEnv* env, const uint32_t* codes, int64_t count, const char* const* dict_ptr,
                 const uint32_t* dict_len, int32_t has_fallback, const char* fb, int64_t fbn) {
  auto& h = host(env);
  if (count == 0 && has_fallback) {
    h.arg.append(fb, size_t(fbn));
    return;
  }
  for (int64_t k = 0; k < count; ++k) {
    if (k) h.arg += ", ";
    h.arg.append(dict_ptr[codes[k]], dict_len[codes[k]]);
  }
}
void lr_arg_end(LrEnv* env) {
  auto& h = host(env);
  h.actions->back().args.push_back(h.arg);
}

namespace {
void record_set(LrEnv* env, int32_t field, plan::Constant c) {
  auto& h = host(env);
  auto& sets = *h.sets;
  int32_t rule = h.actions->back().rule;
  auto it = std::find_if(sets.begin(), sets.end(), [&](auto const& s) { return s.field == field; });
  if (it == sets.end()) {
    runtime::SetResult sr;
    sr.field = field;
    sr.value = std::move(c);
    sr.rules = {rule};
    sets.push_back(std::move(sr));
  } else {
    it->value = std::move(c);  // the later rule wins
    it->rules.push_back(rule);
  }
}
}  // namespace

void lr_set_value(LrEnv* env, int32_t field, int32_t type, int32_t present, double num, int64_t i,
                  const char* p, int64_t n) {
  plan::Constant c;
  if (present) {
    c = constant_of(type, num, i, p, n);
  } else {
    c.type = plan::Type(type);
    c.missing = true;
  }
  record_set(env, field, std::move(c));
}
void lr_set_from_arg(LrEnv* env, int32_t field) {
  plan::Constant c;
  c.type = plan::Type::String;
  c.text = host(env).arg;
  record_set(env, field, std::move(c));
}
void lr_set_list(LrEnv* env, int32_t field, const uint32_t* codes, int64_t count, const char* const* dict_ptr,
                 const uint32_t* dict_len) {
  plan::Constant c;
  c.type = plan::Type::StringList;
  for (int64_t k = 0; k < count; ++k) c.list.emplace_back(dict_ptr[codes[k]], dict_len[codes[k]]);
  record_set(env, field, std::move(c));
}

}  // extern "C"

namespace leadrules::stdlib {

#define LR_CALL(f) \
  { #f, reinterpret_cast < void*>(&f) }
const NativeCall kNativeCalls[] = {
    LR_CALL(lr_str_cmp),    LR_CALL(lr_str_contains),
    LR_CALL(lr_str_starts), LR_CALL(lr_str_ends),
    LR_CALL(lr_str_len),    LR_CALL(lr_str_lower),
    LR_CALL(lr_str_upper),  LR_CALL(lr_str_domain),
    LR_CALL(lr_regex),      LR_CALL(lr_in_set),
    LR_CALL(lr_in_list),    LR_CALL(lr_hour),
    LR_CALL(lr_weekday),    LR_CALL(lr_duration_from_double),
    LR_CALL(lr_once_per),   LR_CALL(lr_history),
    LR_CALL(lr_scratch),    LR_CALL(lr_action_begin),
    LR_CALL(lr_arg_begin),  LR_CALL(lr_arg_text),
    LR_CALL(lr_arg_value),  LR_CALL(lr_arg_list),
    LR_CALL(lr_arg_end),    LR_CALL(lr_set_value),
    LR_CALL(lr_set_list),   LR_CALL(lr_set_from_arg),
};
#undef LR_CALL
const unsigned kNativeCallCount = sizeof(kNativeCalls) / sizeof(kNativeCalls[0]);

}  // namespace leadrules::stdlib
