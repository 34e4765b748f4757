// The JSON Lines reader: one JSON object a line, its activities and firing history inside it
// (the decisions it follows are listed in readers.cpp).

#include <cstring>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "runtime/data/readers_internal.hpp"
#include "stdlib/format.hpp"

namespace leadrules::runtime {

using namespace readers_detail;

namespace {

std::string json_error_reason(simdjson::error_code e) {
  using simdjson::error_code;
  switch (e) {
    case error_code::EMPTY: return "broken JSON: empty document";
    case error_code::UNCLOSED_STRING: return "broken JSON: a string is not closed";
    case error_code::STRING_ERROR: return "broken JSON: bad escape or control character in a string";
    case error_code::UTF8_ERROR: return "broken JSON: not valid UTF-8";
    case error_code::NUMBER_ERROR: return "broken JSON: a number is malformed or out of range";
    case error_code::T_ATOM_ERROR:
    case error_code::F_ATOM_ERROR:
    case error_code::N_ATOM_ERROR: return "broken JSON: bad literal (true, false or null expected)";
    case error_code::DEPTH_ERROR: return "broken JSON: nested too deeply";
    case error_code::TAPE_ERROR:
      return "broken JSON: improper structure (missing or extra commas, braces, brackets or quotes)";
    default: return std::string("broken JSON: ") + simdjson::error_message(e);
  }
}

class JsonLinesReader {
 public:
  JsonLinesReader(Builder& b) : B(b), batch(b.batch()) {}

  void prospect(std::string_view line_text, uint32_t line) {
    dom::element root;
    auto err = parser_.parse(line_text.data(), line_text.size(), false).get(root);
    if (err) fail("", json_error_reason(err));
    if (!root.is_object())
      fail("",
           fmt::format("expected a JSON object {{…}} on each line, found {}", ValuePusher::json_found(root)));
    bool seen_activities = false, seen_fired = false;
    dom::object const obj = root.get_object().value_unsafe();
    bool const collect = records_++ < kKeySample;
    for (dom::key_value_pair kv : obj) {
      if (auto const* targets = B.field_keys().find(kv.key)) {
        B.push_json_field(kv.key, *targets, kv.value);
      } else if (kv.key == "activities") {
        if (seen_activities) fail("activities", "the key appears twice in this object");
        seen_activities = true;
        activities(kv.value);
      } else if (kv.key == "fired") {
        if (seen_fired) fail("fired", "the key appears twice in this object");
        seen_fired = true;
        fired(kv.value);
      } else if (collect && other_keys_.size() < kKeySample) {
        other_keys_.emplace(kv.key);
      }
    }
    try {
      B.finish_fields(line);
    } catch (LineError& e) {
      hint_missing_key(e, obj);
      throw;
    }
    B.commit(line);
  }

  // A line that was rejected: its id when it can still be read (it stays taken), and the line as
  // a JSON value for the rejects file (the object as written, or the text as a string).
  std::optional<std::string> salvage_id(std::string_view text) {
    int32_t const id = B.id_field();
    dom::element root, v;
    if (id < 0 || parser_.parse(text.data(), text.size(), false).get(root) || !root.is_object()) return {};
    if (root.get_object().value_unsafe().at_key(B.fields()[size_t(id)].label).get(v)) return {};
    if (v.is_string()) return std::string(v.get_string().value_unsafe());
    if (v.is_number()) return ValuePusher::number_text(v);
    return {};
  }
  std::string record_json(std::string_view text) {
    dom::element root;
    if (!parser_.parse(text.data(), text.size(), false).get(root) && root.is_object())
      return std::string(trim(text));
    return json_text(text);
  }

  // Warnings for the fields whose key no record (activity) has: probably a misspelt name. A
  // required field needs none: every record is an error then.
  void warn_absent_fields(std::string const& file, std::vector<Reject>& out) const {
    auto warn = [&](std::vector<FieldInfo> const& fs, std::vector<uint8_t> const& seen,
                    std::set<std::string> const& others, char const* what) {
      std::vector<std::string> keys(others.begin(), others.end());
      for (size_t i = 0; i < fs.size(); ++i) {
        Field const& f = *fs[i].f;
        if (seen[i] || f.default_value || !(f.optional || f.type == Type::StringList)) continue;
        std::string reason = fmt::format("no {} has the key {}{}", what, show(fs[i].label),
                                         fs[i].label == f.name ? "" : fmt::format(" (field {})", f.name));
        reason += fmt::format(": {} is missing for every {}", f.name, what);
        reason += spelling_hint(fs[i].label, keys);
        out.push_back({file, 0, std::string(fs[i].label), std::move(reason), {}, {}});
      }
    };
    if (records_ > 0) warn(B.fields(), B.seen(), other_keys_, "record");
    if (activities_ > 0) warn(B.act_fields(), act_seen_, other_act_keys_, "activity");
  }

 private:
  void activities(dom::element v) {
    if (v.is_null()) return;
    if (!v.is_array())
      fail("activities",
           fmt::format("expected an array of activity objects, found {}", ValuePusher::json_found(v)));
    size_t index = 0;
    dom::array const arr = v.get_array().value_unsafe();
    for (dom::element a : arr) {
      try {
        activity(a);
      } catch (LineError& e) {
        e.field = fmt::format("activities[{}]{}{}", index, e.field.empty() ? "" : ".", e.field);
        throw;
      }
      ++index;
    }
  }

  void activity(dom::element a) {
    if (!a.is_object())
      fail("", fmt::format("expected an activity object, found {}", ValuePusher::json_found(a)));
    dom::object obj = a.get_object().value_unsafe();
    dom::element type;
    if (obj.at_key("type").get(type) || type.is_null()) fail("type", "missing required field");
    if (!type.is_string())
      fail("type",
           fmt::format("expected the activity kind as a string, found {}", ValuePusher::json_found(type)));
    std::string_view const type_name = type.get_string().value_unsafe();
    int32_t const kind = B.kind_of(type_name);
    if (kind < 0) {
      B.skip_kind(type_name);
      return;
    }
    size_t const row = batch.act_kind.size();
    bool has_at = false;
    int64_t at = 0;
    bool const collect = activities_++ < kKeySample;
    for (dom::key_value_pair kv : obj) {
      std::string_view const key = kv.key;
      if (key.size() == 4 && key == "type") continue;
      if (key.size() == 2 && key == "at") {
        if (has_at) fail("at", "the key appears twice in this object");
        if (kv.value.is_null()) fail("at", "missing required field");
        at = ValuePusher::json_time("at", kv.value);
        has_at = true;
        continue;
      }
      auto const* targets = B.act_keys().find(key);
      if (!targets) {
        if (collect && other_act_keys_.size() < kKeySample) other_act_keys_.emplace(key);
        continue;
      }
      for (int32_t fi : *targets) {
        Column& col = batch.act_fields[size_t(fi)];
        if (col.size() > row) fail(key, "the key appears twice in this object");
        act_seen_[size_t(fi)] = 1;
        B.pusher().json(col, B.act_fields()[size_t(fi)], kv.value);
      }
    }
    try {
      if (!has_at) fail("at", "missing required field");
      for (size_t i = 0; i < batch.act_fields.size(); ++i)
        if (batch.act_fields[i].size() == row) ValuePusher::absent(batch.act_fields[i], B.act_fields()[i]);
    } catch (LineError& e) {
      hint_missing_key(e, obj);
      throw;
    }
    batch.act_kind.push_back(uint16_t(kind));
    batch.act_at.push_back(at);
  }

  void fired(dom::element v) {
    if (v.is_null()) return;
    if (!v.is_object())
      fail("fired", fmt::format("expected an object {{\"rule name\": {{\"count\": N, \"last\": "
                                "TIME}}}}, found {}",
                                ValuePusher::json_found(v)));
    size_t const first = batch.history_offsets.back();
    dom::object const obj = v.get_object().value_unsafe();
    for (dom::key_value_pair kv : obj) {
      int32_t const rule = B.rule_of(kv.key);
      if (rule < 0) continue;  // a rule this policy does not have
      std::string const label = fmt::format("fired[{}]", stdlib::json_escape(kv.key));
      for (size_t i = first; i < batch.history.size(); ++i)
        if (batch.history[i].rule == rule) fail(label, "the rule appears twice");
      if (kv.value.is_null()) continue;
      if (!kv.value.is_object())
        fail(label, fmt::format("expected {{\"count\": N, \"last\": TIME}}, found {}",
                                ValuePusher::json_found(kv.value)));
      FiringRecord rec;
      rec.rule = rule;
      bool has_count = false;
      dom::object const rec_obj = kv.value.get_object().value_unsafe();
      for (dom::key_value_pair f : rec_obj) {
        if (f.key == "count") {
          if (f.value.is_null()) continue;
          double const c = f.value.is_number() ? f.value.get_double().value_unsafe() : -1;
          if (!(c >= 0 && c == std::floor(c) && c < 9e15))
            fail(label + ".count",
                 fmt::format("expected a whole number >= 0, found {}", ValuePusher::json_found(f.value)));
          rec.count = int64_t(c);
          has_count = true;
        } else if (f.key == "last") {
          if (f.value.is_null()) continue;
          rec.last = ValuePusher::json_time(label + ".last", f.value);
          rec.has_last = true;
        }
      }
      if (!has_count) rec.count = 1;  // a record says the rule fired, as a test's `history` does
      batch.history.push_back(rec);
    }
  }

  // "missing required field" for a key the object lacks: did you mean one of its keys?
  static void hint_missing_key(LineError& e, dom::object obj) {
    dom::element v;
    if (e.reason != "missing required field" || !obj.at_key(e.field).get(v)) return;
    std::vector<std::string> keys;
    for (dom::key_value_pair kv : obj) keys.emplace_back(kv.key);
    std::string const hint = spelling_hint(e.field, keys);
    if (!hint.empty()) e.reason += fmt::format(" (no key {}{})", show(e.field), hint);
  }

  static constexpr size_t kKeySample = 1000;  // records (activities) whose other keys are kept
  Builder& B;
  Batch& batch;
  size_t records_ = 0, activities_ = 0;
  std::set<std::string> other_keys_, other_act_keys_;  // keys no field reads, for did-you-mean
  std::vector<uint8_t> act_seen_ = std::vector<uint8_t>(B.act_fields().size(), 0);
  // One parser per thread, kept between reads: its buffers are sized once, so reading one
  // record (the embedding API's lr_evaluate_json) does not allocate them again.
  dom::parser& parser_ = thread_parser();
  static dom::parser& thread_parser() {
    thread_local dom::parser parser;
    return parser;
  }
};

bool blank(std::string_view s) {
  for (char c : s)
    if (!is_space(c)) return false;
  return true;
}

}  // namespace

ReadResult read_jsonl(plan::Plan const& plan, ReadOptions const& options) {
  ReadResult r;
  if (!options.activities.empty())
    throw DataError(options.activities, 0, "",
                    "an activities file goes with CSV input; in JSON Lines each prospect carries "
                    "its activities in its \"activities\" array");
  Input in;
  load_input(options.prospects, in, options.prospects_text);
  r.bytes = in.size();
  Builder B(plan, r, options.keep_going);
  B.set_limits(options.limits);
  Batch& b = B.batch();
  {
    // The number of lines, from the first 4 MB (counting them all would read the whole file
    // before parsing it, and hold it in memory); a guess too high costs nothing (reserved memory
    // that is never written takes no RAM), one too low only a reallocation.
    size_t const sample = std::min(in.size(), size_t(4) << 20);
    size_t lines = 0;
    for (const char* p = in.data();
         (p = static_cast<const char*>(std::memchr(p, '\n', size_t(in.data() + sample - p)))) != nullptr; ++p)
      ++lines;
    if (sample < in.size()) lines = size_t(double(lines) * double(in.size()) / double(sample) * 1.25);
    for (auto& c : b.fields) c.reserve(lines + 1);
    b.source_lines.reserve(lines + 1);
    b.act_offsets.reserve(lines + 2);
    b.history_offsets.reserve(lines + 2);
    // Activities: a generous guess (an activity takes some 60-80 bytes of JSON); reserved
    // memory that is never written costs no RAM.
    size_t const acts = in.size() / 48 + 16;
    b.act_kind.reserve(acts);
    b.act_at.reserve(acts);
    for (auto& c : b.act_fields) c.reserve(acts);
  }
  JsonLinesReader reader(B);
  const char* p = in.data();
  if (in.size() >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;  // a UTF-8 BOM
  const char* const end = in.data() + in.size();
  uint32_t line = 0;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
    const char* const le = nl ? nl : end;
    ++line;
    std::string_view text(p, size_t(le - p));
    p = nl ? nl + 1 : end;
    if (blank(text)) continue;
    if (r.prospects_read % 4096 == 0) {
      if (options.progress) options.progress(in.name, size_t(p - in.data()), in.size(), r.prospects_read);
      in.release_before(text.data());
    }
    ++r.prospects_read;
    B.begin_line();
    try {
      B.check_length(text.size());
      reader.prospect(text, line);
    } catch (LineError& e) {
      std::optional<std::string> id;
      if (auto current = B.current_id()) id = std::string(*current);
      B.rollback();
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
      if (!id) id = reader.salvage_id(text);
      if (id) B.reserve_id(*id, line);  // a rejected line's id stays taken
      B.reject({in.name, line, e.field, e.reason, std::string(text), reader.record_json(text)});
      ++r.prospects_rejected;
    }
  }
  if (options.progress) options.progress(in.name, in.size(), in.size(), r.prospects_read);
  B.finish();
  reader.warn_absent_fields(in.name, r.warnings);
  throw_if_errors(r, options.keep_going);
  check_account_sizes(plan, b, options.limits, in.name);
  return r;
}

}  // namespace leadrules::runtime
