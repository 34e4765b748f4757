// What the fuzz targets share: the fixed policy with every field type (fixed_policy.lr), read and
// compiled once per process, and the evaluation time. A target that cannot set itself up aborts:
// libFuzzer then reports a crash on the first input, so a broken fixture cannot pass silently.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "leadrules/leadrules.hpp"

#ifndef LEADRULES_FUZZ_DIR
#error "LEADRULES_FUZZ_DIR (tests/fuzz/) is set by tests/fuzz/CMakeLists.txt"
#endif

namespace leadrules::fuzz {

// 2026-11-22T00:00:00Z, the examples' `now`.
inline constexpr int64_t kNow = 1'795'305'600'000'000;

[[noreturn]] inline void fail(std::string const& what) {
  std::fprintf(stderr, "fuzz target: %s\n", what.c_str());
  std::abort();
}

inline std::string read_or_abort(std::string const& path) {
  std::string error;
  auto text = leadrules::read_file(path, &error);
  if (!text) fail(path + ": " + error);
  return *text;
}

inline std::string const& fixed_policy_text() {
  static std::string const text = read_or_abort(LEADRULES_FUZZ_DIR "/fixed_policy.lr");
  return text;
}

inline Policy compile_or_abort(std::string_view text, std::string const& origin, Engine engine) {
  auto compiled = Policy::compile(text, origin, {.engine = engine});
  if (!compiled) fail(origin + " does not compile:\n" + compiled.rendered());
  return *compiled.policy;
}

inline Policy const& fixed_policy(Engine engine = Engine::interp) {
  static Policy const interp = compile_or_abort(fixed_policy_text(), "fixed_policy.lr", Engine::interp);
  if (engine == Engine::interp) return interp;
  static Policy const jit = compile_or_abort(fixed_policy_text(), "fixed_policy.lr", Engine::jit);
  return jit;
}

inline std::string_view as_text(uint8_t const* data, size_t size) {
  return {reinterpret_cast<char const*>(data), size};
}

}  // namespace leadrules::fuzz
