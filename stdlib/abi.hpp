// The native ABI, the contract between the code generator (compiler/codegen) and the host that
// runs its output (runtime/native): the plain C structures compiled policies read, the functions
// they may call, and the entry point they define. Generated code sees the batch only through
// LrEnv; the host implements the calls (runtime/native/abi.cpp, its allow-list kNativeCalls)
// with the same stdlib the interpreter uses. Plain C, so an object compiled ahead of time can
// be loaded by a runtime without LLVM.
#pragma once

#include <cstdint>

extern "C" {

// One column of the batch (see runtime/table.hpp; unused pointers are null).
struct LrColumn {
  const uint8_t* present;
  const double* numbers;
  const int64_t* micros;
  const int8_t* grades;
  const uint8_t* bools;
  const uint32_t* codes;
  const uint32_t* list_offsets;
  const uint32_t* list_codes;
  const char* const* dict_ptr;  // dictionary strings, by code
  const uint32_t* dict_len;
  uint32_t dict_size;
  uint32_t pad;
};

struct LrHistory {
  int64_t count;
  int64_t last;
  int32_t rule;
  int32_t has_last;
};

// Everything a compiled policy reads and writes while evaluating one group of colleagues.
struct LrEnv {
  const LrColumn* fields;
  const LrColumn* act_fields;
  const uint32_t* act_offsets;
  const uint16_t* act_kind;
  const int64_t* act_at;
  const uint32_t* hist_offsets;
  const LrHistory* history;
  const uint8_t* const* preds;  // per precomputed predicate: value by code (last = missing)
  const uint32_t* group_rows;   // the group being evaluated (colleagues), ascending rows
  uint32_t group_size;
  uint32_t pad;
  const uint32_t* frame_slot;  // row -> its slot within the group
  uint8_t* frames;             // group_size * offsets frames, zeroed per group
  int64_t now;                 // the evaluation instant
  void* host;                  // LrHost: string arena, action sink, time zone, plan
};

// --- calls from generated code (string handling, formatting, rare arithmetic) ---------------
int32_t lr_str_cmp(const char* a, int64_t al, const char* b, int64_t bl);
int32_t lr_str_contains(const char* a, int64_t al, const char* b, int64_t bl);
int32_t lr_str_starts(const char* a, int64_t al, const char* b, int64_t bl);
int32_t lr_str_ends(const char* a, int64_t al, const char* b, int64_t bl);
int64_t lr_str_len(const char* a, int64_t al);
// lower/upper/domain: the result lives in the host's arena; *out_ptr/*out_len. domain returns 0
// when there is no '@' (missing).
void lr_str_lower(LrEnv* env, const char* a, int64_t al, const char** out_ptr, int64_t* out_len);
void lr_str_upper(LrEnv* env, const char* a, int64_t al, const char** out_ptr, int64_t* out_len);
int32_t lr_str_domain(LrEnv* env, const char* a, int64_t al, const char** out_ptr, int64_t* out_len);
int32_t lr_regex(LrEnv* env, int32_t regex, const char* a, int64_t al);
int32_t lr_in_set(LrEnv* env, int32_t set, const char* a, int64_t al);
int32_t lr_in_list(const uint32_t* codes, int64_t n, const char* const* dict_ptr, const uint32_t* dict_len,
                   const char* a, int64_t al);
int32_t lr_hour(LrEnv* env, int64_t t);
int32_t lr_weekday(LrEnv* env, int64_t t);
// A duration computed in doubles: 1 and *out when representable, else 0 (missing).
int32_t lr_duration_from_double(double micros, int64_t* out);
// `once per FIELD`: keeps, in place and in order, the activities that count; returns how many.
int64_t lr_once_per(LrEnv* env, int32_t field, uint32_t* acts, int64_t n);
// Firing history of (row, rule): 1 if any, with count/last/has_last.
int32_t lr_history(LrEnv* env, uint32_t row, int32_t rule, int64_t* count, int64_t* last, int32_t* has_last);
// Scratch space for n activity indexes (valid until the group ends; never reused within it,
// so nested loops cannot overwrite each other).
uint32_t* lr_scratch(LrEnv* env, int64_t n);

// Actions of fired rules, in order: begin an action, add its arguments, end it.
void lr_action_begin(LrEnv* env, uint32_t row, int32_t rule, int32_t kind);
void lr_arg_begin(LrEnv* env);
void lr_arg_text(LrEnv* env, const char* p, int64_t n);
// A value appended to the current argument; `type` is plan::Type; a missing value prints the
// fallback when has_fallback, else nothing.
void lr_arg_value(LrEnv* env, int32_t type, int32_t present, double num, int64_t i, const char* p, int64_t n,
                  int32_t has_fallback, const char* fb, int64_t fbn);
void lr_arg_list(LrEnv* env, const uint32_t* codes, int64_t count, const char* const* dict_ptr,
                 const uint32_t* dict_len, int32_t has_fallback, const char* fb, int64_t fbn);
void lr_arg_end(LrEnv* env);
// `set FIELD = value`: the typed value (after the arguments: field name, printed value).
void lr_set_value(LrEnv* env, int32_t field, int32_t type, int32_t present, double num, int64_t i,
                  const char* p, int64_t n);
// `set FIELD = "template"`: the string value is the argument text just rendered.
void lr_set_from_arg(LrEnv* env, int32_t field);
void lr_set_list(LrEnv* env, int32_t field, const uint32_t* codes, int64_t count, const char* const* dict_ptr,
                 const uint32_t* dict_len);
}

// The one function a compiled policy defines: evaluate prospect `row` of the group in `env`.
#define LR_ENTRY_NAME "lr_eval_row"
typedef void (*LrEntry)(LrEnv* env, int32_t row, int32_t emit_actions);

// --- rule sets compiled ahead of time (`leadrules compile`) ----------------------------------
// An object or shared object made by `leadrules compile` defines one LrRuleSet: the entry point,
// what it was built from and for (the manifest), and a table of the calls above that the loader
// fills in (the code calls through it, so the object has no undefined symbols of ours and loads
// wherever the runtime's own symbols are hidden). The loader checks magic and abi_version before
// reading anything else: every field after them may change with LR_ABI_VERSION.
//
// Bump LR_ABI_VERSION whenever LrEnv, LrColumn, LrHistory, a call's signature or meaning, the
// frame layout or this structure change.
#define LR_RULESET_MAGIC "LRRULES"
#define LR_ABI_VERSION 1u

extern "C" {
struct LrRuleSet {
  char magic[8];  // LR_RULESET_MAGIC
  uint32_t abi_version;
  uint32_t call_count;
  const char* manifest;           // the fields below as one JSON object, for people and tools
  const char* policy_name;        // policy "Name"
  const char* fingerprint;        // of the plan the code was generated from
  const char* leadrules_version;  // of the compiler that wrote it
  const char* cpu;                // the CPU it was compiled for ("x86-64-v2", "znver3")
  const char* features;           // the CPU features its code may use, comma-separated
  const char* source_path;        // the policy's path when it was compiled
  const char* source;             // the policy's text
  uint64_t source_size;
  const char* set_files;  // its set files: "path\0text\0" pairs, as file("path") names them
  uint64_t set_files_size;
  const char* const* call_names;  // call_count names of the calls above
  void** calls;                   // call_count addresses: filled by the loader
  LrEntry entry;
};
}
