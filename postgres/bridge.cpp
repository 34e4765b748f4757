// The C++ half of the PostgreSQL extension (see bridge.h): the engine's public API behind C
// functions that catch every exception. Nothing here calls PostgreSQL, so an ERROR's longjmp
// never skips a destructor of this file, and nothing thrown here reaches PostgreSQL.
#include "bridge.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <simdjson.h>

#include "leadrules/leadrules.hpp"

struct lrpg_policy {
  std::string key;  // the cache key: the text's MD5 and the engine, or "aot:<fingerprint>:<path>"
  leadrules::Policy policy;
  std::string summary, fingerprint, id_column;
};

struct lrpg_buffer {
  std::string text;
  size_t lines = 0;
  // Activities waiting for their prospect: id -> "{...},{...}" (the inside of the array).
  std::unordered_map<std::string, std::string> activities;
};

struct lrpg_results {
  leadrules::Policy policy;
  leadrules::Batch batch;
  leadrules::Results results;
  // The current row's pieces (lrpg_results_row).
  std::string id = {}, grade = {}, scores = {}, actions = {}, set = {};
  simdjson::padded_string line = simdjson::padded_string();
  simdjson::ondemand::parser parser = simdjson::ondemand::parser();
  std::vector<char const*> segments = {};
};

namespace {

char* copy_string(std::string_view s) {
  auto* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (!p) return nullptr;
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

void fail(lrpg_error* error, lrpg_error_kind kind, std::string_view message, std::string_view detail = {},
          std::string_view hint = {}, unsigned row = 0) {
  if (!error) return;
  lrpg_error_clear(error);
  error->kind = kind;
  error->message = copy_string(message);
  error->detail = detail.empty() ? nullptr : copy_string(detail);
  error->hint = hint.empty() ? nullptr : copy_string(hint);
  error->row = row;
}

// Runs `body`, turning any exception into an internal error: nothing thrown leaves this file.
template <typename F, typename R = decltype(std::declval<F>()())>
R guarded(lrpg_error* error, R failed, F&& body) noexcept {
  try {
    return body();
  } catch (std::bad_alloc const&) {
    fail(error, LRPG_INTERNAL, "leadrules: out of memory");
  } catch (std::exception const& e) {
    fail(error, LRPG_INTERNAL, std::string("leadrules: ") + e.what());
  } catch (...) {
    fail(error, LRPG_INTERNAL, "leadrules: unknown C++ exception");
  }
  return failed;
}

// The backend's compiled policies by name. A backend is one thread: no lock.
std::map<std::string, std::unique_ptr<lrpg_policy>, std::less<>>& cache() {
  static std::map<std::string, std::unique_ptr<lrpg_policy>, std::less<>> policies;
  return policies;
}

// Replaced versions are kept for the backend's life, not freed: a handle the C side holds may
// outlive its replacement (a prospects query that itself registers the policy anew). Texts
// change rarely; a backend keeps one compiled policy per change it saw.
void retire(std::unique_ptr<lrpg_policy> old) {
  static std::vector<std::unique_ptr<lrpg_policy>> retired;
  if (old) retired.push_back(std::move(old));
}

// The data error of a strict read as an error naming the row (the line of the JSON Lines built
// from the query, one row a line), the field and the record.
void data_error(lrpg_error* error, leadrules::DataError const& d, char const* what) {
  std::string message = d.line ? "leadrules: row " + std::to_string(d.line) + " of the " + what
                               : "leadrules: the " + std::string(what);
  message += d.field.empty() ? ": data error: " : ": data error in `" + d.field + "`: ";
  message += d.reason;
  std::string detail;
  if (!d.record_json.empty()) {
    constexpr size_t shown = 2000;
    detail = "the record: " + d.record_json.substr(0, shown) + (d.record_json.size() > shown ? "..." : "");
  }
  fail(error, LRPG_DATA_ERROR, message, detail, {}, d.line);
}

// The backend's cache entry for `name`, replacing an older one (kept alive: see retire).
lrpg_policy const* store(char const* name, std::string key, leadrules::Policy const& policy) {
  auto entry = std::make_unique<lrpg_policy>(lrpg_policy{std::move(key), policy, {}, {}, {}});
  entry->summary = entry->policy.summary();
  entry->fingerprint = entry->policy.fingerprint();
  entry->id_column = entry->policy.fields()[entry->policy.id_field()].column;
  auto& slot = cache()[std::string(name)];
  retire(std::move(slot));
  slot = std::move(entry);
  return slot.get();
}

}  // namespace

extern "C" {

void lrpg_free(void* p) { std::free(p); }

void lrpg_error_clear(lrpg_error* error) {
  if (!error) return;
  std::free(error->message);
  std::free(error->detail);
  std::free(error->hint);
  *error = lrpg_error{};
}

const lrpg_policy* lrpg_cache_find(const char* name, const char* source_md5) {
  try {
    auto it = cache().find(std::string_view(name));
    if (it == cache().end() || it->second->key != source_md5) return nullptr;
    return it->second.get();
  } catch (...) {
    return nullptr;
  }
}

const lrpg_policy* lrpg_cache_compile(const char* name, const char* source_md5, const char* source,
                                      size_t length, const char* engine, const char* cache_dir,
                                      char** warnings, lrpg_error* error) {
  if (warnings) *warnings = nullptr;
  return guarded(error, static_cast<lrpg_policy const*>(nullptr), [&]() -> lrpg_policy const* {
    leadrules::CompileOptions options;
    options.engine =
        std::string_view(engine) == "interp" ? leadrules::Engine::interp : leadrules::Engine::jit;
    options.cache_dir = cache_dir ? cache_dir : "";
    // "<name>": a placeholder origin has no folder, so a policy in the database reads no files.
    auto compiled =
        leadrules::Policy::compile(std::string_view(source, length), "<" + std::string(name) + ">", options);
    if (!compiled) {
      leadrules::Diagnostic const* first = nullptr;
      for (auto const& d : compiled.diagnostics.items)
        if (d.severity == leadrules::Severity::Error) {
          first = &d;
          break;
        }
      std::string message = "leadrules: policy \"" + std::string(name) + "\" has errors";
      if (first)
        message = first->file + ":" + std::to_string(first->line) + ":" + std::to_string(first->column) +
                  ": " + first->message;
      fail(error, LRPG_POLICY_ERROR, message, compiled.rendered(false), first ? first->hint : "");
      return nullptr;
    }
    if (warnings && !compiled.diagnostics.items.empty()) *warnings = copy_string(compiled.rendered(false));
    return store(name, source_md5, *compiled.policy);
  });
}

const lrpg_policy* lrpg_cache_load_compiled(const char* name, const char* path, lrpg_error* error) {
  return guarded(error, static_cast<lrpg_policy const*>(nullptr), [&]() -> lrpg_policy const* {
    auto loaded = leadrules::Policy::load_compiled(path);
    if (!loaded) {
      std::string message = "leadrules: cannot load the rule set " + std::string(path);
      std::string hint;
      for (auto const& d : loaded.diagnostics.items)
        if (d.severity == leadrules::Severity::Error) {
          message = d.file + ": " + d.message;
          hint = d.hint;
          break;
        }
      fail(error, LRPG_POLICY_ERROR, message, loaded.rendered(false), hint);
      return nullptr;
    }
    std::string key = "aot:" + loaded.policy->fingerprint() + ":" + path;
    return store(name, key, *loaded.policy);
  });
}

void lrpg_cache_forget(const char* name) {
  try {
    auto it = cache().find(std::string_view(name));
    if (it == cache().end()) return;
    retire(std::move(it->second));
    cache().erase(it);
  } catch (...) {}
}

const char* lrpg_policy_summary(const lrpg_policy* policy) { return policy->summary.c_str(); }
const char* lrpg_policy_fingerprint(const lrpg_policy* policy) { return policy->fingerprint.c_str(); }
const char* lrpg_policy_id_column(const lrpg_policy* policy) { return policy->id_column.c_str(); }
const char* lrpg_policy_source(const lrpg_policy* policy) { return policy->policy.source_text().c_str(); }

char* lrpg_score_one(const lrpg_policy* policy, const char* record, size_t length, int64_t now_unix_micros,
                     lrpg_error* error) {
  return guarded(error, static_cast<char*>(nullptr), [&]() -> char* {
    // jsonb's text is one line: newlines inside strings are escaped.
    auto data = policy->policy.read_jsonl(std::string_view(record, length), "<prospect>");
    if (!data) {
      data_error(error, data.errors.at(0), "prospect");
      return nullptr;
    }
    if (data.batch->size() != 1) {
      fail(error, LRPG_DATA_ERROR, "leadrules: expected one prospect object");
      return nullptr;
    }
    static leadrules::Scratch scratch;  // the backend's one thread, reused call after call
    std::string out = policy->policy.evaluate(*data.batch, 0, now_unix_micros, scratch).json();
    while (!out.empty() && out.back() == '\n') out.pop_back();
    char* copy = copy_string(out);
    if (!copy) fail(error, LRPG_INTERNAL, "leadrules: out of memory");
    return copy;
  });
}

lrpg_buffer* lrpg_buffer_new(void) { return new (std::nothrow) lrpg_buffer; }

int lrpg_buffer_append_line(lrpg_buffer* buffer, const char* data, size_t length) {
  try {
    buffer->text.append(data, length);
    buffer->text += '\n';
    ++buffer->lines;
    return 1;
  } catch (...) {
    return 0;
  }
}

int lrpg_buffer_add_activity(lrpg_buffer* buffer, const char* id, size_t id_length, const char* json,
                             size_t length) {
  try {
    std::string& list = buffer->activities[std::string(id, id_length)];
    if (!list.empty()) list += ',';
    list.append(json, length);
    return 1;
  } catch (...) {
    return 0;
  }
}

int lrpg_buffer_append_prospect(lrpg_buffer* buffer, const char* id, size_t id_length, const char* json,
                                size_t length) {
  try {
    std::string_view record(json, length);
    auto it = buffer->activities.find(std::string(id, id_length));
    size_t close = record.rfind('}');
    if (it == buffer->activities.end() || close == std::string_view::npos)
      return lrpg_buffer_append_line(buffer, json, length);
    // row_to_json writes every column, so the object has a member before the added one.
    buffer->text.append(record.substr(0, close));
    buffer->text += ",\"activities\":[";
    buffer->text += it->second;
    buffer->text += "]}\n";
    ++buffer->lines;
    buffer->activities.erase(it);
    return 1;
  } catch (...) {
    return 0;
  }
}

void lrpg_buffer_free(lrpg_buffer* buffer) { delete buffer; }

lrpg_results* lrpg_score_batch(const lrpg_policy* policy, const lrpg_buffer* lines, int64_t now_unix_micros,
                               unsigned threads, lrpg_error* error) {
  return guarded(error, static_cast<lrpg_results*>(nullptr), [&]() -> lrpg_results* {
    auto data = policy->policy.read_jsonl(lines->text, "<prospects>");
    if (!data) {
      data_error(error, data.errors.at(0), "prospects query");
      return nullptr;
    }
    auto results =
        policy->policy.evaluate(*data.batch, {.now = now_unix_micros, .threads = threads ? threads : 1});
    return new lrpg_results{policy->policy, std::move(*data.batch), std::move(results)};
  });
}

size_t lrpg_results_count(const lrpg_results* results) { return results->results.size(); }

void lrpg_results_free(lrpg_results* results) { delete results; }

int lrpg_results_row(lrpg_results* r, size_t row, lrpg_row* out, lrpg_error* error) {
  return guarded(error, 0, [&]() -> int {
    // scores, actions and set as `leadrules run` writes them: their raw JSON in the row's line.
    r->line = simdjson::padded_string(r->results.json(row));
    r->scores.clear();
    r->actions.clear();
    r->set.clear();
    auto doc = r->parser.iterate(r->line);
    for (auto member : doc.get_object()) {
      std::string_view key = member.unescaped_key();
      if (key == "scores" || key == "set") {
        simdjson::ondemand::object value = member.value().get_object();
        (key == "scores" ? r->scores : r->set) = std::string_view(value.raw_json());
      } else if (key == "actions") {
        simdjson::ondemand::array value = member.value().get_array();
        r->actions = std::string_view(value.raw_json());
      }
    }
    r->id = std::string(r->batch.id(row));
    r->grade = std::string(r->results.grade(row));
    r->segments.clear();
    auto const& segments = r->policy.segments();
    for (size_t s = 0; s < segments.size(); ++s)
      if (r->results.in_segment(row, s)) r->segments.push_back(segments[s].name.c_str());
    *out = lrpg_row{};
    out->id = r->id.c_str();
    out->id_length = r->id.size();
    out->score = r->results.score(row);
    out->grade = r->grade.empty() ? nullptr : r->grade.c_str();
    out->segment_count = r->segments.size();
    out->segments = r->segments.data();
    out->scores_json = r->scores.c_str();
    out->actions_json = r->actions.c_str();
    out->set_json = r->set.c_str();
    return 1;
  });
}

}  // extern "C"
