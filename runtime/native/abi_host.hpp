// The host side of the native ABI: what LrEnv::host points to while a group is evaluated.
#pragma once

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "compiler/plan/plan.hpp"
#include "runtime/data/result.hpp"
#include "stdlib/abi.hpp"
#include "stdlib/builtins.hpp"

namespace leadrules::stdlib {

// The allow-list: every symbol generated code may call (defined in abi.cpp).
struct NativeCall {
  const char* name;
  void* address;
};
extern const NativeCall kNativeCalls[];
extern const unsigned kNativeCallCount;

struct LrHost {
  plan::Plan const* plan = nullptr;
  TimeZone const* zone = nullptr;
  LrColumn const* act_fields = nullptr;  // for once per
  runtime::Results* results = nullptr;   // actions and sets go to the row's lists

  // Per group: strings computed by lower/upper/domain, scratch index buffers. Handed out in
  // order and never reused within a group (nested loops cannot overwrite each other); the
  // memory is kept for the next group (a deque never moves its elements, so pointers hold).
  std::deque<std::string> strings;
  std::deque<std::vector<uint32_t>> scratch;
  size_t strings_used = 0, scratch_used = 0;
  // `once per`: (key, position) pairs and the positions that count, reused call after call.
  std::vector<std::pair<uint64_t, uint32_t>> once_keys;
  std::vector<uint32_t> once_best;
  void reset_group() { strings_used = scratch_used = 0; }

  // The action being built, and where its row's actions and sets go.
  std::vector<runtime::ActionResult>* actions = nullptr;
  std::vector<runtime::SetResult>* sets = nullptr;
  std::string arg;
};

}  // namespace leadrules::stdlib
