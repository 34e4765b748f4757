#include "stdlib/cpu_features.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace leadrules::stdlib {

namespace {

// Where cpuid reports each feature (Intel SDM vol. 2A, CPUID; AMD APM vol. 3), and which state
// the operating system must save for it (XCR0 bits) before code may use it. Read with cpuid
// itself: gcc's and clang's __builtin_cpu_supports do not know the same names.
enum Reg : uint8_t { EAX, EBX, ECX, EDX };
struct Feature {
  std::string_view llvm_name;
  uint32_t leaf, subleaf;
  Reg reg;
  uint8_t bit;
  uint64_t xcr0;  // state bits that must be enabled (0: none)
};

constexpr uint64_t kAvxState = 0x6;            // SSE + AVX
constexpr uint64_t kAvx512State = 0xE6;        // + opmask, ZMM_Hi256, Hi16_ZMM
constexpr uint64_t kAmxState = 0x60000 | 0x6;  // XTILECFG + XTILEDATA

constexpr std::array<Feature, 37> kFeatures = {{
    {"sse3", 1, 0, ECX, 0, 0},
    {"pclmul", 1, 0, ECX, 1, 0},
    {"ssse3", 1, 0, ECX, 9, 0},
    {"fma", 1, 0, ECX, 12, kAvxState},
    {"cx16", 1, 0, ECX, 13, 0},
    {"sse4.1", 1, 0, ECX, 19, 0},
    {"sse4.2", 1, 0, ECX, 20, 0},
    {"movbe", 1, 0, ECX, 22, 0},
    {"popcnt", 1, 0, ECX, 23, 0},
    {"aes", 1, 0, ECX, 25, 0},
    {"avx", 1, 0, ECX, 28, kAvxState},
    {"f16c", 1, 0, ECX, 29, kAvxState},
    {"bmi", 7, 0, EBX, 3, 0},
    {"avx2", 7, 0, EBX, 5, kAvxState},
    {"bmi2", 7, 0, EBX, 8, 0},
    {"avx512f", 7, 0, EBX, 16, kAvx512State},
    {"avx512dq", 7, 0, EBX, 17, kAvx512State},
    {"adx", 7, 0, EBX, 19, 0},
    {"avx512ifma", 7, 0, EBX, 21, kAvx512State},
    {"avx512cd", 7, 0, EBX, 28, kAvx512State},
    {"sha", 7, 0, EBX, 29, 0},
    {"avx512bw", 7, 0, EBX, 30, kAvx512State},
    {"avx512vl", 7, 0, EBX, 31, kAvx512State},
    {"avx512vbmi", 7, 0, ECX, 1, kAvx512State},
    {"avx512vbmi2", 7, 0, ECX, 6, kAvx512State},
    {"gfni", 7, 0, ECX, 8, 0},
    {"vpclmulqdq", 7, 0, ECX, 10, kAvxState},
    {"avx512vnni", 7, 0, ECX, 11, kAvx512State},
    {"avx512bitalg", 7, 0, ECX, 12, kAvx512State},
    {"avx512vpopcntdq", 7, 0, ECX, 14, kAvx512State},
    {"amx-bf16", 7, 0, EDX, 22, kAmxState},
    {"avx512fp16", 7, 0, EDX, 23, kAvx512State},
    {"amx-tile", 7, 0, EDX, 24, kAmxState},
    {"amx-int8", 7, 0, EDX, 25, kAmxState},
    {"avxvnni", 7, 1, EAX, 4, kAvxState},
    {"avx512bf16", 7, 1, EAX, 5, kAvx512State},
    {"lzcnt", 0x80000001, 0, ECX, 5, 0},
}};

constexpr auto kNames = [] {
  std::array<std::string_view, kFeatures.size()> names{};
  for (size_t i = 0; i < kFeatures.size(); ++i) names[i] = kFeatures[i].llvm_name;
  return names;
}();

#if defined(__x86_64__)
bool has(Feature const& f) {
  unsigned r[4] = {};
  if (!__get_cpuid_count(f.leaf, f.subleaf, &r[0], &r[1], &r[2], &r[3])) return false;
  if (!((r[f.reg] >> f.bit) & 1)) return false;
  if (!f.xcr0) return true;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !((c >> 27) & 1)) return false;  // OSXSAVE: xgetbv usable
  uint32_t lo = 0, hi = 0;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  uint64_t xcr0 = (uint64_t(hi) << 32) | lo;
  return (xcr0 & f.xcr0) == f.xcr0;
}
#else
bool has(Feature const&) { return false; }
#endif

}  // namespace

std::span<std::string_view const> checkable_cpu_features() {
#if defined(__x86_64__)
  return kNames;
#else
  return {};
#endif
}

int host_has_cpu_feature(std::string_view llvm_name) {
  auto it = std::find_if(kFeatures.begin(), kFeatures.end(),
                         [&](Feature const& f) { return f.llvm_name == llvm_name; });
  if (it == kFeatures.end()) return -1;
  // cpuid traps to the hypervisor in a virtual machine: asked once per process.
  static auto const present = [] {
    std::array<bool, kFeatures.size()> out{};
    for (size_t i = 0; i < kFeatures.size(); ++i) out[i] = has(kFeatures[i]);
    return out;
  }();
  return present[size_t(it - kFeatures.begin())] ? 1 : 0;
}

}  // namespace leadrules::stdlib
