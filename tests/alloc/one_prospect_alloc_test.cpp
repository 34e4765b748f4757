// A warm one-prospect evaluation on the JIT allocates nothing (docs/embedding.md): counted with a
// replaced global operator new over repeated calls through one Scratch, for every prospect of
// an example whose result has no action (an action's text is the one allocation allowed).
// Not built in sanitizer trees, whose runtimes own operator new.
#include <cstdio>
#include <cstdlib>
#include <new>

#include "leadrules/leadrules.hpp"

static long g_allocations = 0;
void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: one_prospect_alloc_test POLICY PROSPECTS.jsonl NOW\n");
    return 2;
  }
  auto compiled = leadrules::Policy::compile_file(argv[1], {.engine = leadrules::Engine::jit});
  if (!compiled || compiled.policy->engine() != leadrules::Engine::jit) {
    std::fprintf(stderr, "%s", compiled.rendered().c_str());
    return 2;
  }
  auto const& policy = *compiled.policy;
  auto data = policy.read_file({.prospects = argv[2]});
  if (!data) {
    std::fprintf(stderr, "%s\n", data.errors[0].message().c_str());
    return 2;
  }
  int64_t now = *leadrules::parse_time(argv[3]);
  leadrules::Scratch scratch;
  int checked = 0, failed = 0;
  for (size_t row = 0; row < data.batch->size(); ++row) {
    if (policy.evaluate(*data.batch, row, now, scratch).action_count() != 0) continue;
    for (int i = 0; i < 10; ++i) policy.evaluate(*data.batch, row, now, scratch);  // warm
    long before = g_allocations;
    for (int i = 0; i < 100; ++i) policy.evaluate(*data.batch, row, now, scratch);
    long per_100 = g_allocations - before;
    ++checked;
    if (per_100 != 0) {
      ++failed;
      std::printf("FAIL %s: %ld allocations in 100 warm calls\n", std::string(data.batch->id(row)).c_str(),
                  per_100);
    }
  }
  std::printf("%d prospects without actions checked, %d allocate\n", checked, failed);
  return checked > 0 && failed == 0 ? 0 : 1;
}
