// The C API (include/leadrules/leadrules.h) on top of the C++ API, and nothing else: every entry
// point catches every exception and turns it into an error string; every string handed out is a
// malloc'd copy the caller frees with lr_free().
#include "leadrules/leadrules.h"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "leadrules/leadrules.hpp"

struct lr_policy {
  leadrules::Policy policy;
  std::string name, fingerprint;
  explicit lr_policy(leadrules::Policy p)
      : policy(std::move(p)), name(policy.name()), fingerprint(policy.fingerprint()) {}
};

struct lr_holder {
  leadrules::PolicyHolder holder;
  explicit lr_holder(leadrules::Policy p) : holder(std::move(p)) {}
};

namespace {

char* copy_string(std::string_view s) noexcept {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (!p) return nullptr;
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

void set_out(char** out, std::string_view s) noexcept {
  if (out) *out = copy_string(s);
}

void clear_out(char** out) noexcept {
  if (out) *out = nullptr;
}

// The message of whatever is in flight, for `catch (...)`.
std::string current_exception_message() noexcept {
  try {
    throw;
  } catch (std::bad_alloc const&) {
    return "leadrules: out of memory";
  } catch (std::exception const& e) {
    return std::string("leadrules: ") + e.what();
  } catch (...) {
    return "leadrules: unknown exception";
  }
}

std::string_view view(char const* text, size_t length) {
  return text ? std::string_view(text, length) : std::string_view();
}

// Compile result -> handle: NULL with the rendered errors, or the policy with its warnings.
lr_policy* finish_compile(leadrules::CompileResult&& result, char** diagnostics) {
  if (!result.policy) {
    std::string text = result.rendered(false);
    if (text.empty()) text = "leadrules: the policy did not compile\n";
    set_out(diagnostics, text);
    return nullptr;
  }
  auto* handle = new lr_policy(std::move(*result.policy));
  if (diagnostics)
    *diagnostics = result.diagnostics.items.empty() ? nullptr : copy_string(result.rendered(false));
  return handle;
}

bool parse_engine(char const* engine, leadrules::Engine* out) {
  if (!engine || std::strcmp(engine, "jit") == 0) {
    *out = leadrules::Engine::jit;
    return true;
  }
  if (std::strcmp(engine, "interp") == 0) {
    *out = leadrules::Engine::interp;
    return true;
  }
  if (std::strcmp(engine, "aot") == 0) {
    *out = leadrules::Engine::aot;
    return true;
  }
  return false;
}

// Runs the body of an entry point that returns a string: a NULL policy and every exception
// become *error.
template <class Body>
char* guarded(lr_policy const* policy, char** error, Body&& body) noexcept {
  clear_out(error);
  try {
    if (!policy) {
      set_out(error, "leadrules: policy is NULL");
      return nullptr;
    }
    return body();
  } catch (...) {
    set_out(error, current_exception_message());
    return nullptr;
  }
}

// A strict read of JSON Lines text; on a data error, nullopt and *error =
// "origin:line: data error in `field`: reason".
std::optional<leadrules::Batch> read_strict(lr_policy const* policy, std::string_view text,
                                            char const* origin, char** error) {
  auto load = policy->policy.read_jsonl(text, origin, false);
  if (!load)
    set_out(error, load.errors.empty() ? "leadrules: the data could not be read" : load.errors[0].message());
  return std::move(load.batch);
}

}  // namespace

extern "C" {

lr_policy* lr_compile_allowing(char const* text, size_t length, char const* origin, char const* engine,
                               char const* cache_dir, char const* const* allowed_paths, char** diagnostics) {
  clear_out(diagnostics);
  try {
    leadrules::CompileOptions options;
    if (!parse_engine(engine, &options.engine)) {
      set_out(diagnostics, std::string("leadrules: unknown engine `") + engine +
                               "` (expected `jit`, `interp` or `aot`)\n");
      return nullptr;
    }
    if (cache_dir) options.cache_dir = cache_dir;
    for (auto dir = allowed_paths; dir && *dir; ++dir) options.allowed_paths.emplace_back(*dir);
    return finish_compile(
        leadrules::Policy::compile(view(text, length), origin ? origin : "<policy>", options), diagnostics);
  } catch (...) {
    set_out(diagnostics, current_exception_message());
    return nullptr;
  }
}

lr_policy* lr_compile_with(char const* text, size_t length, char const* origin, char const* engine,
                           char const* cache_dir, char** diagnostics) {
  return lr_compile_allowing(text, length, origin, engine, cache_dir, nullptr, diagnostics);
}

lr_policy* lr_compile(char const* text, size_t length, char const* origin, char** diagnostics) {
  return lr_compile_with(text, length, origin, nullptr, nullptr, diagnostics);
}

lr_policy* lr_compile_file(char const* path, char** diagnostics) {
  clear_out(diagnostics);
  try {
    if (!path) {
      set_out(diagnostics, "leadrules: no policy path given\n");
      return nullptr;
    }
    return finish_compile(leadrules::Policy::compile_file(path), diagnostics);
  } catch (...) {
    set_out(diagnostics, current_exception_message());
    return nullptr;
  }
}

void lr_policy_free(lr_policy* policy) {
  delete policy;  // Policy's destructor releases a shared_ptr: does not throw
}

lr_policy* lr_policy_ref(lr_policy const* policy) {
  if (!policy) return nullptr;
  try {
    return new lr_policy(*policy);
  } catch (...) {
    return nullptr;
  }
}

lr_policy* lr_load_compiled(char const* path, char** diagnostics) {
  clear_out(diagnostics);
  try {
    return finish_compile(leadrules::Policy::load_compiled(path ? path : ""), diagnostics);
  } catch (...) {
    set_out(diagnostics, current_exception_message());
    return nullptr;
  }
}

lr_policy* lr_load_ruleset(lr_ruleset const* ruleset, char const* origin, char** diagnostics) {
  clear_out(diagnostics);
  try {
    return finish_compile(leadrules::Policy::load_ruleset(ruleset, origin ? origin : "<rule set>"),
                          diagnostics);
  } catch (...) {
    set_out(diagnostics, current_exception_message());
    return nullptr;
  }
}

char const* lr_policy_engine(lr_policy const* policy) {
  return policy ? leadrules::engine_name(policy->policy.engine()).data() : "";
}

char const* lr_policy_name(lr_policy const* policy) { return policy ? policy->name.c_str() : ""; }

char const* lr_policy_fingerprint(lr_policy const* policy) {
  return policy ? policy->fingerprint.c_str() : "";
}

char* lr_evaluate_json(lr_policy const* policy, char const* record, size_t length, int64_t now_unix_micros,
                       char** error) {
  return guarded(policy, error, [&]() -> char* {
    std::string_view text = view(record, length);
    // Exactly one record: one non-blank line (blank lines are skipped as in JSON Lines).
    size_t lines = 0;
    for (size_t pos = 0; pos <= text.size();) {
      size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(pos, end - pos);
      if (line.find_first_not_of(" \t\r") != std::string_view::npos) ++lines;
      pos = end + 1;
    }
    if (lines != 1) {
      set_out(error, lines == 0 ? "<record>:1: data error: expected one JSON object, got nothing"
                                : "<record>: data error: expected one JSON object on one line, got " +
                                      std::to_string(lines) + " lines (use lr_evaluate_jsonl)");
      return nullptr;
    }
    auto batch = read_strict(policy, text, "<record>", error);
    if (!batch) return nullptr;
    // One prospect: the engine's single-row path, with this thread's reusable memory.
    thread_local leadrules::Scratch scratch;
    std::string out = policy->policy.evaluate(*batch, 0, now_unix_micros, scratch).json();
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return copy_string(out);
  });
}

char* lr_evaluate_jsonl(lr_policy const* policy, char const* lines, size_t length, int64_t now_unix_micros,
                        char** error) {
  return guarded(policy, error, [&]() -> char* {
    auto batch = read_strict(policy, view(lines, length), "<jsonl>", error);
    if (!batch) return nullptr;
    return copy_string(policy->policy.evaluate(*batch, {.now = now_unix_micros, .threads = 1}).to_jsonl());
  });
}

char* lr_explain_jsonl(lr_policy const* policy, char const* lines, size_t length, char const* id,
                       int64_t now_unix_micros, char** error) {
  return guarded(policy, error, [&]() -> char* {
    if (!id) {
      set_out(error, "leadrules: no prospect id given");
      return nullptr;
    }
    auto batch = read_strict(policy, view(lines, length), "<jsonl>", error);
    if (!batch) return nullptr;
    auto row = batch->find(id);
    if (!row) {
      set_out(error, std::string("<jsonl>: no prospect with id \"") + id + "\"");
      return nullptr;
    }
    auto results = policy->policy.evaluate(*batch, {.now = now_unix_micros, .explain = true, .threads = 1});
    return copy_string(results.explain(*row, false));
  });
}

int lr_run_tests(lr_policy const* policy, char** report) {
  clear_out(report);
  try {
    if (!policy) {
      set_out(report, "leadrules: policy is NULL\n");
      return -1;
    }
    std::string text;
    int passed = 0, failed = 0;
    for (auto const& t : policy->policy.run_tests()) {
      if (t.passed) {
        ++passed;
        text += "PASS " + t.name + "\n";
      } else {
        ++failed;
        text += "FAIL " + t.name + " (line " + std::to_string(t.line) + ")\n";
        for (auto const& f : t.failures) {
          text += "    expect failed on " + f;
          if (f.empty() || f.back() != '\n') text += '\n';
        }
      }
    }
    text += std::to_string(passed) + " passed, " + std::to_string(failed) + " failed\n";
    set_out(report, text);
    return failed;
  } catch (...) {
    set_out(report, current_exception_message() + "\n");
    return -1;
  }
}

lr_holder* lr_holder_new(lr_policy* initial) {
  if (!initial) return nullptr;
  try {
    return new lr_holder(initial->policy);
  } catch (...) {
    return nullptr;
  }
}

void lr_holder_free(lr_holder* holder) { delete holder; }

lr_policy* lr_holder_get(lr_holder const* holder) {
  if (!holder) return nullptr;
  try {
    return new lr_policy(holder->holder.current());
  } catch (...) {
    return nullptr;
  }
}

namespace {
int finish_reload(leadrules::CompileResult&& result, char** diagnostics) {
  if (!result.policy) {
    std::string text = result.rendered(false);
    if (text.empty()) text = "leadrules: the policy did not compile\n";
    set_out(diagnostics, text);
    return 0;
  }
  if (diagnostics)
    *diagnostics = result.diagnostics.items.empty() ? nullptr : copy_string(result.rendered(false));
  return 1;
}
}  // namespace

int lr_holder_reload(lr_holder* holder, char const* text, size_t length, char const* origin,
                     char** diagnostics) {
  clear_out(diagnostics);
  try {
    if (!holder) {
      set_out(diagnostics, "leadrules: holder is NULL\n");
      return 0;
    }
    return finish_reload(holder->holder.reload(view(text, length), origin ? origin : "<policy>"),
                         diagnostics);
  } catch (...) {
    set_out(diagnostics, current_exception_message());
    return 0;
  }
}

int lr_holder_reload_file(lr_holder* holder, char const* path, char** diagnostics) {
  clear_out(diagnostics);
  try {
    if (!holder || !path) {
      set_out(diagnostics, holder ? "leadrules: no policy path given\n" : "leadrules: holder is NULL\n");
      return 0;
    }
    return finish_reload(holder->holder.reload_file(path), diagnostics);
  } catch (...) {
    set_out(diagnostics, current_exception_message());
    return 0;
  }
}

uint64_t lr_holder_version(lr_holder const* holder) {
  if (!holder) return 0;
  try {
    return holder->holder.version();
  } catch (...) {
    return 0;
  }
}

int64_t lr_now(void) {
  try {
    return leadrules::current_time();
  } catch (...) {
    return 0;
  }
}

int lr_parse_time(char const* text, int64_t* out) {
  if (!text) return 0;
  try {
    auto t = leadrules::parse_time(text);
    if (!t) return 0;
    if (out) *out = *t;
    return 1;
  } catch (...) {
    return 0;
  }
}

void lr_free(void* p) { std::free(p); }

}  // extern "C"
