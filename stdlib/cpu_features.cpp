#include "stdlib/cpu_features.hpp"

#include <algorithm>
#include <array>

namespace leadrules::stdlib {

namespace {

struct Feature {
  std::string_view llvm_name;
  bool (*present)();
};

// __builtin_cpu_supports takes its name as a literal: one function per feature.
#if defined(__x86_64__)
#define LR_FEATURE(llvm, gcc)                             \
  Feature {                                               \
    llvm, [] { return __builtin_cpu_supports(gcc) != 0; } \
  }
constexpr std::array kFeatures = {
    LR_FEATURE("sse3", "sse3"),
    LR_FEATURE("ssse3", "ssse3"),
    LR_FEATURE("sse4.1", "sse4.1"),
    LR_FEATURE("sse4.2", "sse4.2"),
    LR_FEATURE("popcnt", "popcnt"),
    LR_FEATURE("cx16", "cmpxchg16b"),
    LR_FEATURE("avx", "avx"),
    LR_FEATURE("avx2", "avx2"),
    LR_FEATURE("fma", "fma"),
    LR_FEATURE("f16c", "f16c"),
    LR_FEATURE("bmi", "bmi"),
    LR_FEATURE("bmi2", "bmi2"),
    LR_FEATURE("lzcnt", "lzcnt"),
    LR_FEATURE("movbe", "movbe"),
    LR_FEATURE("adx", "adx"),
    LR_FEATURE("aes", "aes"),
    LR_FEATURE("pclmul", "pclmul"),
    LR_FEATURE("sha", "sha"),
    LR_FEATURE("gfni", "gfni"),
    LR_FEATURE("vpclmulqdq", "vpclmulqdq"),
    LR_FEATURE("avxvnni", "avxvnni"),
    LR_FEATURE("avx512f", "avx512f"),
    LR_FEATURE("avx512bw", "avx512bw"),
    LR_FEATURE("avx512dq", "avx512dq"),
    LR_FEATURE("avx512vl", "avx512vl"),
    LR_FEATURE("avx512cd", "avx512cd"),
    LR_FEATURE("avx512vbmi", "avx512vbmi"),
    LR_FEATURE("avx512vbmi2", "avx512vbmi2"),
    LR_FEATURE("avx512ifma", "avx512ifma"),
    LR_FEATURE("avx512vnni", "avx512vnni"),
    LR_FEATURE("avx512bitalg", "avx512bitalg"),
    LR_FEATURE("avx512vpopcntdq", "avx512vpopcntdq"),
    LR_FEATURE("avx512bf16", "avx512bf16"),
    LR_FEATURE("avx512fp16", "avx512fp16"),
    LR_FEATURE("amx-tile", "amx-tile"),
    LR_FEATURE("amx-int8", "amx-int8"),
    LR_FEATURE("amx-bf16", "amx-bf16"),
};
#undef LR_FEATURE
#else
constexpr std::array<Feature, 0> kFeatures = {};
#endif

constexpr auto kNames = [] {
  std::array<std::string_view, kFeatures.size()> names{};
  for (size_t i = 0; i < kFeatures.size(); ++i) names[i] = kFeatures[i].llvm_name;
  return names;
}();

}  // namespace

std::span<std::string_view const> checkable_cpu_features() { return kNames; }

int host_has_cpu_feature(std::string_view llvm_name) {
  auto it = std::find_if(kFeatures.begin(), kFeatures.end(),
                         [&](Feature const& f) { return f.llvm_name == llvm_name; });
  if (it == kFeatures.end()) return -1;
  __builtin_cpu_init();  // harmless when done; needed before constructors have run
  return it->present() ? 1 : 0;
}

}  // namespace leadrules::stdlib
