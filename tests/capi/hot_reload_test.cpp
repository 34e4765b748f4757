// Hot reload under load: four threads evaluate a prospect through PolicyHolder::current()
// (ProspectBuilder + Scratch) and through the C API (lr_holder_get + lr_evaluate_json) while
// another thread reloads both holders between two versions of a policy, again and again, with a
// broken version in between. Every evaluation must give exactly the result of the version its
// handle names (never a mix, never a crash), and a failing reload must leave the old version.
//
// Run: build/hot_reload_test [INTERP_RELOADS [JIT_RELOADS]]   (ctest -R hot_reload; under
// ThreadSanitizer: make test-tsan)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "leadrules/leadrules.h"
#include "leadrules/leadrules.hpp"

namespace {

std::atomic<int> failures{0};
std::mutex report_mutex;

#define CHECK(cond)                                                                 \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      ++failures;                                                                   \
      std::lock_guard lock(report_mutex);                                           \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                               \
  } while (0)

// Version 1 gives +10 per visit, version 2 +20: the prospect below scores 15 (not hot) on
// version 1 and 25 (hot, tagged) on version 2.
std::string policy_text(int version) {
  return "policy \"Reload v" + std::to_string(version) +
         "\"\n"
         "schema prospect {\n"
         "  id: string\n"
         "  email: string\n"
         "  employees: number?\n"
         "}\n"
         "schema activity {\n"
         "  kinds visit\n"
         "  page: string?\n"
         "}\n"
         "points +" +
         std::to_string(version * 10) +
         " per visit\n"
         "points +5 per visit where page ~ \"^/pricing\"\n"
         "grade start D\n"
         "grade +1 if employees >= 100\n"
         "segment hot when score >= 20\n"
         "rule \"Hot\" always when hot do tag(\"hot\")\n";
}

char const* const broken_text =
    "policy \"Reload broken\"\n"
    "schema prospect {\n"
    "  id: string\n"
    "}\n"
    "points +1 if nosuch > 1\n";

char const* const record =
    "{\"id\":\"p1\",\"email\":\"ana@acme.example\",\"employees\":250,"
    "\"activities\":[{\"type\":\"visit\",\"at\":\"2026-11-21T23:00:00Z\",\"page\":\"/pricing\"}]}";

std::string const expected_json[3] = {
    "",
    "{\"id\":\"p1\",\"score\":15,\"scores\":{\"score\":15},\"grade\":\"C\",\"segments\":[],\"actions\":[],"
    "\"set\":{}}",
    "{\"id\":\"p1\",\"score\":25,\"scores\":{\"score\":25},\"grade\":\"C\",\"segments\":[\"hot\"],"
    "\"actions\":[{\"rule\":\"Hot\",\"action\":\"tag\",\"args\":[\"hot\"]}],\"set\":{}}",
};

int version_of(std::string const& name) {
  if (name == "Reload v1") return 1;
  if (name == "Reload v2") return 2;
  return 0;
}

struct Counts {
  std::atomic<long> cpp[3]{}, c[3]{};
};

void evaluator(leadrules::PolicyHolder const& holder, lr_holder const* c_holder, int64_t now,
               std::atomic<bool> const& stop, Counts& counts) {
  leadrules::Scratch scratch;  // one per thread, reused across versions
  while (!stop.load(std::memory_order_relaxed)) {
    // C++: the current version, a builder for its schema, the thread's scratch.
    {
      leadrules::Policy policy = holder.current();
      int v = version_of(policy.name());
      CHECK(v != 0);
      leadrules::ProspectBuilder b(policy);
      b.set("id", "p1").set("email", "ana@acme.example").set("employees", 250.0);
      b.activity("visit", now - 3'600'000'000).with("page", "/pricing");
      leadrules::ResultView r = policy.evaluate(b, now, scratch);
      double expected_score = v == 1 ? 15 : 25;
      CHECK(r.score() == expected_score);
      CHECK(r.grade() == "C");
      CHECK(r.in_segment("hot") == (v == 2));
      CHECK(r.fired("Hot") == (v == 2));
      CHECK(r.action_count() == (v == 2 ? 1u : 0u));
      if (v) ++counts.cpp[v];
    }
    // C: a handle to the current version, one JSON record.
    {
      lr_policy* p = lr_holder_get(c_holder);
      CHECK(p != nullptr);
      if (!p) continue;
      int v = version_of(lr_policy_name(p));
      CHECK(v != 0);
      char* error = nullptr;
      char* out = lr_evaluate_json(p, record, std::strlen(record), now, &error);
      CHECK(out != nullptr);
      if (out && v) {
        bool same = expected_json[v] == out;
        CHECK(same);
        if (!same) {
          std::lock_guard lock(report_mutex);
          std::fprintf(stderr, "  version %d gave %s\n", v, out);
        }
        ++counts.c[v];
      }
      if (error) {
        std::lock_guard lock(report_mutex);
        std::fprintf(stderr, "  error: %s\n", error);
      }
      lr_free(out);
      lr_free(error);
      lr_policy_free(p);
    }
  }
}

bool run(leadrules::Engine engine, int reloads) {
  int const before = failures.load();
  char const* name = engine == leadrules::Engine::jit ? "jit" : "interp";
  leadrules::CompileOptions options;
  options.engine = engine;
  std::string const v1 = policy_text(1), v2 = policy_text(2);
  auto compiled = leadrules::Policy::compile(v1, "reload.lr", options);
  if (!compiled) {
    std::fprintf(stderr, "%s", compiled.rendered().c_str());
    ++failures;
    return false;
  }
  leadrules::PolicyHolder holder(*compiled.policy);
  char* diag = nullptr;
  lr_policy* initial = lr_compile_with(v1.data(), v1.size(), "reload.lr", name, nullptr, &diag);
  CHECK(initial != nullptr);
  lr_free(diag);
  if (!initial) return false;
  lr_holder* c_holder = lr_holder_new(initial);
  lr_policy_free(initial);

  int64_t now = 0;
  CHECK(lr_parse_time("2026-11-22T00:00:00Z", &now) == 1);

  std::atomic<bool> stop{false};
  Counts counts;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&] { evaluator(holder, c_holder, now, stop, counts); });

  int good = 0, refused = 0;
  for (int i = 0; i < reloads; ++i) {
    std::string const& next = i % 2 == 0 ? v2 : v1;
    uint64_t version = holder.version();
    auto result = holder.reload(next, "reload.lr");
    CHECK(result.policy.has_value());
    CHECK(holder.version() == version + 1);
    char* d = nullptr;
    CHECK(lr_holder_reload(c_holder, next.data(), next.size(), "reload.lr", &d) == 1);
    lr_free(d);
    ++good;
    if (i % 4 == 3) {
      // A broken version: refused, and the version in place stays.
      uint64_t kept = holder.version();
      std::string kept_name = holder.current().name();
      auto bad = holder.reload(broken_text, "broken.lr");
      CHECK(!bad.policy);
      CHECK(bad.rendered().find("broken.lr:5:14: error") != std::string::npos);
      CHECK(holder.version() == kept);
      CHECK(holder.current().name() == kept_name);
      uint64_t c_kept = lr_holder_version(c_holder);
      d = nullptr;
      CHECK(lr_holder_reload(c_holder, broken_text, std::strlen(broken_text), "broken.lr", &d) == 0);
      CHECK(d != nullptr && std::strstr(d, "broken.lr:5:14: error") != nullptr);
      lr_free(d);
      CHECK(lr_holder_version(c_holder) == c_kept);
      ++refused;
    }
    if (i % 8 == 5) {
      // swap() too: the same version 1 compiled outside the holder.
      auto again = leadrules::Policy::compile(v1, "reload.lr", options);
      CHECK(again.policy.has_value());
      if (again.policy) holder.swap(*again.policy);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  // Let the evaluators see the last version for a moment, then stop.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop = true;
  for (auto& t : threads) t.join();
  CHECK(lr_holder_version(c_holder) == uint64_t(1 + good));
  lr_holder_free(c_holder);

  std::printf("%s: %d reloads (%d refused), C++ evaluations v1 %ld v2 %ld, C evaluations v1 %ld v2 %ld\n",
              name, good, refused, counts.cpp[1].load(), counts.cpp[2].load(), counts.c[1].load(),
              counts.c[2].load());
  CHECK(counts.cpp[1] + counts.cpp[2] > 0);
  CHECK(counts.c[1] + counts.c[2] > 0);
  return failures.load() == before;
}

}  // namespace

int main(int argc, char** argv) {
  int interp_reloads = argc > 1 ? std::atoi(argv[1]) : 200;
  int jit_reloads = argc > 2 ? std::atoi(argv[2]) : 40;
  try {
    run(leadrules::Engine::interp, interp_reloads);
    run(leadrules::Engine::jit, jit_reloads);
  } catch (std::exception const& e) {
    std::fprintf(stderr, "hot_reload_test: exception: %s\n", e.what());
    return 1;
  }
  if (failures) {
    std::fprintf(stderr, "hot_reload_test: %d checks failed\n", failures.load());
    return 1;
  }
  std::printf("hot_reload_test: ok\n");
  return 0;
}
