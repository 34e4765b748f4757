// Data in: JSON Lines and CSV into a columnar Batch (see readers.hpp).
//
// Decisions where LANGUAGE.md is silent (to be listed in the docs):
// - JSON number fields take JSON numbers only ("42" is an error); CSV cells are text and are
//   parsed (surrounding spaces ignored, `+`/exponent allowed, `1,000`/`NaN`/`inf` rejected).
// - JSON string fields also take JSON numbers and booleans, as their text (`{"id": 12345}` is
//   the id "12345"; a non-integral number prints as format_number does).
// - bool: JSON true/false; text (CSV cells, JSON strings) true/false, yes/no, 1/0 in any case;
//   the JSON numbers 0 and 1.
// - time: RFC 3339 or YYYY-MM-DD text (CSV cell or JSON string), or a JSON number = epoch
//   seconds (fraction rounded to the microsecond). Text that is a bare number is NOT epoch
//   seconds (a year `2026` in a CSV must not silently become 1970-01-01T00:33:46Z). Years
//   0000-9999 only. CSV cells are trimmed of spaces first; JSON strings are not.
// - duration: text in the language's literal form (`30min`, `48h`, `90d`, `2w`, `-3d`, and
//   `90s`/`1.5s` so that printed durations read back), or a JSON number = seconds.
// - grade: text `A+` … `F` (letter case ignored), from a JSON string or a CSV cell.
// - [string]: a JSON array of strings (null items skipped); in CSV the cell split on `;`, items
//   trimmed of spaces, empty items dropped.
// - `missing "…"` placeholders compare against the raw text: the CSV cell as written, the JSON
//   string's content; a JSON number matches a placeholder that reads as the same number, a JSON
//   boolean the placeholder "true"/"false". A whole value equal to a placeholder is missing (the
//   default applies, also for a list); in a list, items equal to a placeholder are dropped.
// - An empty CSV cell (quoted or not) is missing; a CSV cell of spaces only is missing for every
//   type but string. A JSON "" is a present string; for other types it is a type error (declare
//   `missing ""` to accept it as missing).
// - A key given twice in one JSON object and a rule given twice in "fired" are data errors.
//   Field names in errors are the input names (the `from` column); activity errors name
//   `activities[I].field`, I the 0-based position in the array; history errors
//   `fired["rule"].count`. The keys `activities` and `fired` are read as such unless a field
//   reads that key. An activity's first `type` key decides its kind.
// - "fired": {"rule": {"count": N, "last": TIME}}: count a whole number >= 0; without a count
//   the record counts 1 when it has a last time, else 0; other keys ignored; rules the policy
//   does not have are ignored unchecked. CSV input has no history.
// - A UTF-8 BOM at the start of a file is skipped (JSON Lines and CSV).
// - CSV: header names are trimmed of spaces and matched exactly; unnamed columns are ignored; a
//   header column named twice is an error only when a field reads it. A record must have as
//   many cells as the header. A column missing from the header is an error (line of the
//   header) for the id and for every required field without a default; optional and defaulted
//   fields then read as missing. Blank lines are skipped (and counted). Text after a closing
//   quote is an error; a quote inside an unquoted cell is kept literally. A record of invalid
//   UTF-8 is an error.
// - Activities CSV: columns prospect_id, type, at (type is trimmed). It is read before the
//   prospects, so in strict mode its first bad line is reported before any prospect line. A bad
//   activity line makes its prospect bad: in keep_going mode both the activity line and the
//   prospect line go to the rejects (the rejects hold activity lines too; prospects_rejected
//   counts prospect lines only). A malformed line whose cells still line up with the header
//   belongs to its prospect_id; one that does not is a reject of its own. Activity lines whose
//   prospect_id names no prospect line are rejects of their own (strict: an error), whatever
//   their kind. When two prospect lines share an id, the activities belong to the first; a
//   rejected prospect takes its activities with it.
// - Activities of kinds the schema does not list are not validated, and are counted in
//   skipped_kinds only for prospects that make it into the batch.
// - Every input is read whole into memory (mapped when possible, else read into one padded
//   buffer).

#include "runtime/data/readers.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include <fcntl.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <simdjson.h>

#include "stdlib/format.hpp"
#include "stdlib/time.hpp"

namespace leadrules::runtime {

namespace {

std::string describe_error(std::string const& file, uint32_t line, std::string const& field,
                           std::string const& reason) {
  std::string s = file;
  if (line > 0) s += fmt::format(":{}", line);
  s += ": ";
  if (!field.empty()) s += field + ": ";
  s += reason;
  return s;
}

}  // namespace

DataError::DataError(std::string file_, uint32_t line_, std::string field_, std::string reason_)
    : std::runtime_error(describe_error(file_, line_, field_, reason_)),
      file(std::move(file_)),
      line(line_),
      field(std::move(field_)),
      reason(std::move(reason_)) {}

namespace {

using plan::Field;
using plan::Type;
namespace dom = simdjson::dom;

// Thrown inside one input line; the reader turns it into a DataError or a Reject.
struct LineError {
  std::string field;
  std::string reason;
};

[[noreturn]] void fail(std::string_view field, std::string reason) {
  throw LineError{std::string(field), std::move(reason)};
}

// ---------------------------------------------------------------------------------------------
// Small text helpers

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// A value quoted for a message, cut at 60 bytes (on a UTF-8 boundary).
std::string show(std::string_view s) {
  constexpr size_t kMax = 60;
  if (s.size() <= kMax) return stdlib::json_escape(s);
  size_t n = kMax;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  std::string out = stdlib::json_escape(s.substr(0, n));
  out.insert(out.size() - 1, "…");
  return out;
}

std::optional<double> parse_number_text(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<bool> parse_bool_text(std::string_view s) {
  s = trim(s);
  if (iequals(s, "true") || iequals(s, "yes") || s == "1") return true;
  if (iequals(s, "false") || iequals(s, "no") || s == "0") return false;
  return std::nullopt;
}

constexpr std::string_view kGradeNames[] = {"F",  "D-", "D", "D+", "C-", "C", "C+",
                                            "B-", "B",  "B+", "A-", "A", "A+"};

std::optional<int> parse_grade_text(std::string_view s) {
  s = trim(s);
  for (int g = 0; g < int(std::size(kGradeNames)); ++g)
    if (iequals(s, kGradeNames[g])) return g;
  return std::nullopt;
}

std::string_view type_phrase(Type t) {
  switch (t) {
    case Type::Number: return "a number";
    case Type::String: return "a string";
    case Type::Bool: return "true/false, yes/no or 1/0";
    case Type::Time: return "a time like 2026-11-22T10:00:00Z";
    case Type::Duration: return "a duration like 48h";
    case Type::Grade: return "a grade like B+";
    case Type::StringList: return "a list of strings";
  }
  return "a value";
}

[[noreturn]] void fail_text(std::string_view field, Type t, std::string_view text) {
  switch (t) {
    case Type::Time:
      fail(field, fmt::format("bad time {}: expected RFC 3339 like 2026-11-22T10:00:00Z", show(text)));
    case Type::Duration:
      fail(field, fmt::format("bad duration {}: expected a whole number and a unit like 30min, "
                              "48h, 90d or 2w (or seconds like 1.5s)",
                              show(text)));
    case Type::Grade:
      fail(field, fmt::format("bad grade {}: expected one of A+ A A- B+ B B- C+ C C- D+ D D- F",
                              show(text)));
    default:
      fail(field, fmt::format("expected {}, found {}", type_phrase(t), show(text)));
  }
}

// ---------------------------------------------------------------------------------------------
// Input files

// A whole input file in memory, followed by at least SIMDJSON_PADDING readable bytes. A regular
// file is mapped (no copy) when the tail of its last page provides the padding, else read.
struct Input {
  std::string name;                 // for messages
  simdjson::padded_string buf;      // when read
  void* map = nullptr;              // when mapped
  size_t map_size = 0;
  const char* ptr = nullptr;
  size_t len = 0;

  Input() = default;
  Input(Input const&) = delete;
  Input& operator=(Input const&) = delete;
  ~Input() {
    if (map) ::munmap(map, map_size);
  }
  const char* data() const { return ptr; }
  size_t size() const { return len; }
  void own(simdjson::padded_string&& b) {
    buf = std::move(b);
    ptr = buf.data();
    len = buf.size();
  }
};

void read_stream(std::FILE* f, std::string const& name, Input& in) {
  std::string all;
  char chunk[1 << 16];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) all.append(chunk, n);
  if (std::ferror(f)) throw DataError(name, 0, "", fmt::format("cannot read the file: {}", std::strerror(errno)));
  in.own(simdjson::padded_string(all));
}

void load_input(std::string const& path, Input& in, std::optional<std::string_view> text = std::nullopt) {
  if (text) {   // a buffer in memory (the embedding API): `path` only names it in messages
    in.name = path;
    in.own(simdjson::padded_string(text->data(), text->size()));
    return;
  }
  if (path == "-") {
    in.name = "<stdin>";
    read_stream(stdin, in.name, in);
    return;
  }
  in.name = path;
  int const fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw DataError(path, 0, "", fmt::format("cannot open the file: {}", std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int const err = errno;
    ::close(fd);
    throw DataError(path, 0, "", fmt::format("cannot read the file: {}", std::strerror(err)));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw DataError(path, 0, "", "cannot read the file: it is a directory");
  }
  if (S_ISREG(st.st_mode)) {
    size_t const size = size_t(st.st_size);
    size_t const page = size_t(::sysconf(_SC_PAGESIZE));
    if (size > 0 && page - size % page >= simdjson::SIMDJSON_PADDING && size % page != 0) {
      void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (m != MAP_FAILED) {
        ::close(fd);
        in.map = m;
        in.map_size = size;
        in.ptr = static_cast<const char*>(m);
        in.len = size;
        return;
      }
    }
    simdjson::padded_string b(size);
    size_t got = 0;
    while (got < size) {
      ssize_t const n = ::read(fd, b.data() + got, size - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        int const err = n < 0 ? errno : EIO;
        ::close(fd);
        throw DataError(path, 0, "", fmt::format("cannot read the file: {}", std::strerror(err)));
      }
      got += size_t(n);
    }
    ::close(fd);
    in.own(std::move(b));
    return;
  }
  std::FILE* f = ::fdopen(fd, "rb");   // a pipe or a device: read until the end
  if (!f) {
    ::close(fd);
    throw DataError(path, 0, "", fmt::format("cannot read the file: {}", std::strerror(errno)));
  }
  try {
    read_stream(f, path, in);
  } catch (...) {
    std::fclose(f);
    throw;
  }
  std::fclose(f);
}

// ---------------------------------------------------------------------------------------------
// Names -> indexes: a handful of keys, compared by size first.

class KeyIndex {
 public:
  void add(std::string_view key, int32_t value) {
    for (auto& e : entries_)
      if (e.key == key) {
        e.values.push_back(value);
        return;
      }
    entries_.push_back({std::string(key), signature(key.data(), key.size()), {value}});
  }
  // The values of `key`, or nullptr. Compares a length and an 8-byte signature first: keys are
  // looked up once per JSON key of every line and activity.
  std::vector<int32_t> const* find(std::string_view key) const {
    size_t const n = key.size();
    uint64_t const sig = signature(key.data(), n);
    for (auto const& e : entries_)
      if (e.key.size() == n && e.sig == sig &&
          (n <= 8 || std::memcmp(e.key.data() + 8, key.data() + 8, n - 8) == 0))
        return &e.values;
    return nullptr;
  }
  int32_t find_one(std::string_view key) const {
    auto const* v = find(key);
    return v ? v->front() : -1;
  }

 private:
  // All bytes of a key of up to 8 bytes (with its length, unique); the first 8 of a longer one.
  static uint64_t signature(char const* p, size_t n) {
    auto load4 = [](char const* q) { uint32_t w; std::memcpy(&w, q, 4); return uint64_t(w); };
    if (n >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      return w;
    }
    if (n >= 4) return load4(p) | (load4(p + n - 4) << 32);
    if (n == 0) return 0;
    return uint64_t(uint8_t(p[0])) | (uint64_t(uint8_t(p[n >> 1])) << 8) |
           (uint64_t(uint8_t(p[n - 1])) << 16);
  }
  struct Entry {
    std::string key;
    uint64_t sig;
    std::vector<int32_t> values;
  };
  std::vector<Entry> entries_;
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

// ---------------------------------------------------------------------------------------------
// Field values: the shared conversion rules of both readers.

struct FieldInfo {
  Field const* f = nullptr;
  std::string_view label;                 // the input name, for messages
  std::vector<double> missing_numbers;    // placeholders that read as numbers
  bool has_missing = false;

  explicit FieldInfo(Field const& field) : f(&field), label(field.column.empty() ? field.name : field.column) {
    has_missing = !field.missing_values.empty();
    for (auto const& m : field.missing_values)
      if (auto v = parse_number_text(m); v && trim(m) == m) missing_numbers.push_back(*v);
  }
  bool is_placeholder(std::string_view text) const {
    for (auto const& m : f->missing_values)
      if (m == text) return true;
    return false;
  }
  bool is_number_placeholder(double v) const {
    for (double m : missing_numbers)
      if (m == v) return true;
    return false;
  }
};

class ValuePusher {
 public:
  // The value is absent, null, an empty CSV cell or a placeholder.
  static void absent(Column& col, FieldInfo const& fi) {
    Field const& f = *fi.f;
    if (f.default_value && !f.default_value->missing) {
      push_constant(col, *f.default_value);
    } else if (f.optional || col.type == Type::StringList || f.default_value) {
      col.push_missing();
    } else {
      fail(fi.label, "missing required field");
    }
  }

  static void push_constant(Column& col, plan::Constant const& c) {
    switch (col.type) {
      case Type::Number: col.push_number(c.number); break;
      case Type::Time:
      case Type::Duration: col.push_micros(c.micros); break;
      case Type::Grade: col.push_grade(c.grade); break;
      case Type::Bool: col.push_bool(c.boolean); break;
      case Type::String: col.push_string(c.text); break;
      case Type::StringList: {
        std::vector<std::string_view> items(c.list.begin(), c.list.end());
        col.push_list(items);
        break;
      }
    }
  }

  // Text: a CSV cell (csv = true) or a JSON string.
  void text(Column& col, FieldInfo const& fi, std::string_view s, bool csv) {
    if (csv) {
      if (s.empty() || (fi.has_missing && fi.is_placeholder(s))) return absent(col, fi);
      if (col.type != Type::String && col.type != Type::StringList && trim(s).empty())
        return absent(col, fi);
    } else if (fi.has_missing && fi.is_placeholder(s)) {
      return absent(col, fi);
    }
    switch (col.type) {
      case Type::String: col.push_string(s); return;
      case Type::Number:
        if (csv) {
          if (auto v = parse_number_text(s)) return col.push_number(*v);
        }
        fail_text(fi.label, Type::Number, s);
      case Type::Bool:
        if (auto v = parse_bool_text(s)) return col.push_bool(*v);
        fail_text(fi.label, Type::Bool, s);
      case Type::Time:
        if (auto v = stdlib::parse_time(csv ? trim(s) : s)) return col.push_micros(*v);
        fail_text(fi.label, Type::Time, s);
      case Type::Duration:
        if (auto v = stdlib::parse_duration(trim(s))) return col.push_micros(*v);
        fail_text(fi.label, Type::Duration, s);
      case Type::Grade:
        if (auto v = parse_grade_text(s)) return col.push_grade(*v);
        fail_text(fi.label, Type::Grade, s);
      case Type::StringList:
        if (!csv) fail_text(fi.label, Type::StringList, s);
        items_.clear();
        while (true) {
          size_t const semi = s.find(';');
          std::string_view item = trim(s.substr(0, semi));
          if (!item.empty() && !(fi.has_missing && fi.is_placeholder(item))) items_.push_back(item);
          if (semi == std::string_view::npos) break;
          s.remove_prefix(semi + 1);
        }
        col.push_list(items_);
        return;
    }
  }

  void json(Column& col, FieldInfo const& fi, dom::element v) {
    switch (v.type()) {
      case dom::element_type::NULL_VALUE: return absent(col, fi);
      case dom::element_type::STRING: return text(col, fi, v.get_string().value_unsafe(), false);
      case dom::element_type::INT64:
      case dom::element_type::UINT64:
      case dom::element_type::DOUBLE: return json_number(col, fi, v);
      case dom::element_type::BOOL: {
        bool const b = v.get_bool().value_unsafe();
        if (fi.has_missing && fi.is_placeholder(b ? "true" : "false")) return absent(col, fi);
        if (col.type == Type::Bool) return col.push_bool(b);
        if (col.type == Type::String) return col.push_string(b ? "true" : "false");
        fail(fi.label, fmt::format("expected {}, found {}", type_phrase(col.type), b ? "true" : "false"));
      }
      case dom::element_type::ARRAY: {
        if (col.type != Type::StringList)
          fail(fi.label, fmt::format("expected {}, found an array", type_phrase(col.type)));
        items_.clear();
        dom::array const arr = v.get_array().value_unsafe();
        for (dom::element item : arr) {
          if (item.is_null()) continue;
          if (!item.is_string())
            fail(fi.label, fmt::format("expected a list of strings, found {} in the list",
                                       json_found(item)));
          std::string_view s = item.get_string().value_unsafe();
          if (fi.has_missing && fi.is_placeholder(s)) continue;
          items_.push_back(s);
        }
        col.push_list(items_);
        return;
      }
      case dom::element_type::OBJECT:
        fail(fi.label, fmt::format("expected {}, found an object", type_phrase(col.type)));
    }
  }

  static std::string number_text(dom::element v) {
    switch (v.type()) {
      case dom::element_type::INT64: return std::to_string(v.get_int64().value_unsafe());
      case dom::element_type::UINT64: return std::to_string(v.get_uint64().value_unsafe());
      default: return stdlib::format_number(v.get_double().value_unsafe());
    }
  }

  static std::string json_found(dom::element v) {
    switch (v.type()) {
      case dom::element_type::NULL_VALUE: return "null";
      case dom::element_type::STRING: return show(v.get_string().value_unsafe());
      case dom::element_type::INT64:
      case dom::element_type::UINT64:
      case dom::element_type::DOUBLE: return number_text(v);
      case dom::element_type::BOOL: return v.get_bool().value_unsafe() ? "true" : "false";
      case dom::element_type::ARRAY: return "an array";
      case dom::element_type::OBJECT: return "an object";
    }
    return "a value";
  }

  // A JSON number as a time (epoch seconds); nullopt when out of range.
  static std::optional<int64_t> json_epoch(dom::element v) {
    if (v.type() == dom::element_type::INT64) {
      int64_t const s = v.get_int64().value_unsafe();
      if (s < stdlib::kMinTime / stdlib::kMicrosPerSecond || s > stdlib::kMaxTime / stdlib::kMicrosPerSecond)
        return std::nullopt;
      return s * stdlib::kMicrosPerSecond;
    }
    return stdlib::epoch_seconds_to_micros(v.get_double().value_unsafe());
  }

  // A time value of JSON: RFC 3339 string or epoch seconds. Throws for other values.
  static int64_t json_time(std::string_view field, dom::element v) {
    if (v.is_string()) {
      std::string_view s = v.get_string().value_unsafe();
      if (auto t = stdlib::parse_time(s)) return *t;
      fail_text(field, Type::Time, s);
    }
    if (v.is_number()) {
      if (auto t = json_epoch(v)) return *t;
      fail(field, fmt::format("bad time {}: epoch seconds must lie in the years 0000-9999",
                              number_text(v)));
    }
    fail(field, fmt::format("expected a time like 2026-11-22T10:00:00Z, found {}", json_found(v)));
  }

 private:
  void json_number(Column& col, FieldInfo const& fi, dom::element v) {
    double const d = v.get_double().value_unsafe();
    if (!fi.missing_numbers.empty() && fi.is_number_placeholder(d)) return absent(col, fi);
    switch (col.type) {
      case Type::Number: return col.push_number(d);
      case Type::String: return col.push_string(number_text(v));
      case Type::Bool:
        if (d == 0 || d == 1) return col.push_bool(d == 1);
        break;
      case Type::Time:
        if (auto t = json_epoch(v)) return col.push_micros(*t);
        fail(fi.label, fmt::format("bad time {}: epoch seconds must lie in the years 0000-9999",
                                   number_text(v)));
      case Type::Duration: {
        double const x = std::round(d * 1e6);
        if (std::isfinite(x) && std::fabs(x) < 9e18) return col.push_micros(int64_t(x));
        break;
      }
      default: break;
    }
    fail(fi.label, fmt::format("expected {}, found {}", type_phrase(col.type), number_text(v)));
  }

  std::vector<std::string_view> items_;
};

// ---------------------------------------------------------------------------------------------
// The batch under construction: one prospect line at a time, all or nothing.

class Builder {
 public:
  Builder(plan::Plan const& plan, ReadResult& result, bool keep_going)
      : schema_(plan.schema), r_(result), b_(result.batch), keep_going_(keep_going) {
    b_ = Batch::for_schema(schema_);
    for (auto const& f : schema_.prospect) fields_.emplace_back(f);
    for (auto const& f : schema_.activity) act_fields_.emplace_back(f);
    for (size_t i = 0; i < fields_.size(); ++i) field_keys_.add(fields_[i].label, int32_t(i));
    for (size_t i = 0; i < act_fields_.size(); ++i) act_keys_.add(act_fields_[i].label, int32_t(i));
    for (size_t i = 0; i < schema_.kinds.size(); ++i) kinds_.add(schema_.kinds[i], int32_t(i));
    for (size_t i = 0; i < plan.rules.size(); ++i) rules_.emplace(plan.rules[i].name, int32_t(i));
    if (schema_.id_field >= 0 && size_t(schema_.id_field) < fields_.size() &&
        schema_.prospect[size_t(schema_.id_field)].type == Type::String)
      id_ = schema_.id_field;
    saved_dicts_.resize(fields_.size() + act_fields_.size());
  }

  Batch& batch() { return b_; }
  std::vector<FieldInfo> const& fields() const { return fields_; }
  std::vector<FieldInfo> const& act_fields() const { return act_fields_; }
  KeyIndex const& field_keys() const { return field_keys_; }
  KeyIndex const& act_keys() const { return act_keys_; }
  KeyIndex const& kinds() const { return kinds_; }
  ValuePusher& pusher() { return pusher_; }
  bool keep_going() const { return keep_going_; }
  int32_t id_field() const { return id_; }

  void begin_line() {
    for (size_t i = 0; i < b_.fields.size(); ++i) saved_dicts_[i] = b_.fields[i].dict->size();
    for (size_t i = 0; i < b_.act_fields.size(); ++i)
      saved_dicts_[b_.fields.size() + i] = b_.act_fields[i].dict->size();
    pending_skips_.clear();
  }

  // ---- prospect fields of the current line
  void push_json_field(std::string_view key, std::vector<int32_t> const& targets, dom::element v) {
    for (int32_t fi : targets) {
      Column& col = b_.fields[size_t(fi)];
      if (col.size() > b_.rows) fail(key, "the key appears twice in this object");
      pusher_.json(col, fields_[size_t(fi)], v);
    }
  }
  void push_cell(size_t fi, std::string_view cell) {
    pusher_.text(b_.fields[fi], fields_[fi], cell, true);
  }

  // ---- activities of the current line
  int32_t kind_of(std::string_view type) const { return kinds_.find_one(type); }
  void skip_kind(std::string_view type) { pending_skips_.emplace_back(type); }

  // ---- the end of a line
  // Absent fields take their defaults (or fail); the id must be new. Throws LineError.
  void finish_fields(uint32_t line) {
    for (size_t i = 0; i < b_.fields.size(); ++i)
      if (b_.fields[i].size() == b_.rows) ValuePusher::absent(b_.fields[i], fields_[i]);
    if (id_ >= 0) {
      Column const& col = b_.fields[size_t(id_)];
      if (col.present[b_.rows]) {
        uint32_t const code = col.codes[b_.rows];
        if (code < id_lines_.size())
          fail(fields_[size_t(id_)].label,
               fmt::format("duplicate id {} (first on line {})", show(col.dict->at(code)),
                           id_lines_[code]));
        id_lines_.push_back(line);
      }
    }
  }
  // The current prospect's id (after its fields are in), or nullopt.
  std::optional<std::string_view> current_id() const {
    if (id_ < 0) return std::nullopt;
    Column const& col = b_.fields[size_t(id_)];
    if (col.size() <= b_.rows || !col.present[b_.rows]) return std::nullopt;
    return col.dict->at(col.codes[b_.rows]);
  }
  void commit(uint32_t line) {
    b_.act_offsets.push_back(uint32_t(b_.act_kind.size()));
    b_.history_offsets.push_back(uint32_t(b_.history.size()));
    b_.source_lines.push_back(line);
    ++b_.rows;
    for (auto const& k : pending_skips_) {
      auto it = skipped_.find(k);
      if (it == skipped_.end()) skipped_.emplace(k, 1);
      else ++it->second;
    }
    pending_skips_.clear();
  }
  void rollback() {
    size_t const acts = b_.act_offsets.back();
    for (size_t i = 0; i < b_.fields.size(); ++i) {
      b_.fields[i].truncate(b_.rows);
      b_.fields[i].dict->truncate(saved_dicts_[i]);
    }
    for (size_t i = 0; i < b_.act_fields.size(); ++i) {
      b_.act_fields[i].truncate(acts);
      b_.act_fields[i].dict->truncate(saved_dicts_[b_.fields.size() + i]);
    }
    b_.act_kind.resize(acts);
    b_.act_at.resize(acts);
    b_.history.resize(b_.history_offsets.back());
    if (id_ >= 0) id_lines_.resize(std::min(id_lines_.size(), b_.fields[size_t(id_)].dict->size()));
    pending_skips_.clear();
  }

  // ---- "fired"
  int32_t rule_of(std::string_view name) const {
    auto it = rules_.find(name);
    return it == rules_.end() ? -1 : it->second;
  }

  void reject(Reject rej) {
    r_.rejects.push_back(std::move(rej));
  }

  void finish() {
    for (auto& [k, n] : skipped_) r_.skipped_kinds[k] += n;
  }

 private:
  plan::Schema const& schema_;
  ReadResult& r_;
  Batch& b_;
  bool keep_going_;
  std::vector<FieldInfo> fields_, act_fields_;
  KeyIndex field_keys_, act_keys_, kinds_;
  StringMap<int32_t> rules_;
  int32_t id_ = -1;
  std::vector<uint32_t> id_lines_;     // first line of each id, by code of the id dictionary
  std::vector<size_t> saved_dicts_;
  std::vector<std::string> pending_skips_;
  StringMap<size_t> skipped_;
  ValuePusher pusher_;
};

// ---------------------------------------------------------------------------------------------
// JSON Lines

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
      fail("", fmt::format("expected a JSON object {{…}} on each line, found {}", ValuePusher::json_found(root)));
    bool seen_activities = false, seen_fired = false;
    dom::object const obj = root.get_object().value_unsafe();
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
      }
    }
    B.finish_fields(line);
    B.commit(line);
  }

 private:
  void activities(dom::element v) {
    if (v.is_null()) return;
    if (!v.is_array())
      fail("activities", fmt::format("expected an array of activity objects, found {}",
                                     ValuePusher::json_found(v)));
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
      fail("type", fmt::format("expected the activity kind as a string, found {}",
                               ValuePusher::json_found(type)));
    std::string_view const type_name = type.get_string().value_unsafe();
    int32_t const kind = B.kind_of(type_name);
    if (kind < 0) {
      B.skip_kind(type_name);
      return;
    }
    size_t const row = batch.act_kind.size();
    bool has_at = false;
    int64_t at = 0;
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
      if (!targets) continue;
      for (int32_t fi : *targets) {
        Column& col = batch.act_fields[size_t(fi)];
        if (col.size() > row) fail(key, "the key appears twice in this object");
        B.pusher().json(col, B.act_fields()[size_t(fi)], kv.value);
      }
    }
    if (!has_at) fail("at", "missing required field");
    for (size_t i = 0; i < batch.act_fields.size(); ++i)
      if (batch.act_fields[i].size() == row) ValuePusher::absent(batch.act_fields[i], B.act_fields()[i]);
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
      if (rule < 0) continue;   // a rule this policy does not have
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
            fail(label + ".count", fmt::format("expected a whole number >= 0, found {}",
                                               ValuePusher::json_found(f.value)));
          rec.count = int64_t(c);
          has_count = true;
        } else if (f.key == "last") {
          if (f.value.is_null()) continue;
          rec.last = ValuePusher::json_time(label + ".last", f.value);
          rec.has_last = true;
        }
      }
      if (!has_count) rec.count = rec.has_last ? 1 : 0;
      batch.history.push_back(rec);
    }
  }

  Builder& B;
  Batch& batch;
  dom::parser parser_;
};

bool blank(std::string_view s) {
  for (char c : s)
    if (!is_space(c)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180)

struct CsvRecord {
  std::vector<std::string_view> cells;
  uint32_t line = 0;                 // physical line where the record starts
  const char* begin = nullptr;       // raw text, without the line break
  const char* end = nullptr;
  const char* error = nullptr;       // a malformed record (still delimited, so reading goes on)
  std::string_view text() const { return {begin, size_t(end - begin)}; }
  bool is_blank() const { return cells.size() == 1 && cells[0].empty() && end == begin; }
};

class CsvScanner {
 public:
  CsvScanner(const char* data, size_t size) : p_(data), end_(data + size) {
    if (size >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
  }

  bool next(CsvRecord& r) {
    r.cells.clear();
    r.error = nullptr;
    if (p_ >= end_) return false;
    r.line = line_;
    r.begin = p_;
#if defined(__SSE2__)
    // The common case, 16 bytes at a time: split on ',' up to the line break; a '"' anywhere in
    // the record sends it to the general path. The input is padded, so loads may pass end_.
    const char* cell = p_;
    const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"'), nl = _mm_set1_epi8('\n');
    for (const char* q = p_; q < end_; q += 16) {
      __m128i const v = _mm_loadu_si128(reinterpret_cast<__m128i const*>(q));
      unsigned mask = unsigned(_mm_movemask_epi8(_mm_or_si128(
          _mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, quote)), _mm_cmpeq_epi8(v, nl))));
      while (mask != 0) {
        const char* const c = q + __builtin_ctz(mask);
        mask &= mask - 1;
        if (c >= end_) break;
        if (*c == ',') {
          r.cells.emplace_back(cell, size_t(c - cell));
          cell = c + 1;
        } else if (*c == '\n') {
          const char* stop = c;
          if (stop > cell && stop[-1] == '\r') --stop;
          r.cells.emplace_back(cell, size_t(stop - cell));
          r.end = stop;
          p_ = c + 1;
          ++line_;
          return true;
        } else {
          r.cells.clear();
          return general(r);
        }
      }
    }
    const char* stop = end_;   // the last record, without a line break
    if (stop > cell && stop[-1] == '\r') --stop;
    r.cells.emplace_back(cell, size_t(stop - cell));
    r.end = stop;
    p_ = end_;
    return true;
#else
    const char* nl = static_cast<const char*>(std::memchr(p_, '\n', size_t(end_ - p_)));
    const char* const le = nl ? nl : end_;
    if (!std::memchr(p_, '"', size_t(le - p_))) {   // the common case: no quotes on this line
      const char* stop = le;
      if (stop > p_ && stop[-1] == '\r') --stop;
      const char* q = p_;
      while (true) {
        const char* c = static_cast<const char*>(std::memchr(q, ',', size_t(stop - q)));
        if (!c) {
          r.cells.emplace_back(q, size_t(stop - q));
          break;
        }
        r.cells.emplace_back(q, size_t(c - q));
        q = c + 1;
      }
      r.end = stop;
      if (nl) {
        p_ = nl + 1;
        ++line_;
      } else {
        p_ = end_;
      }
      return true;
    }
#endif
    return general(r);
  }

 private:
  bool general(CsvRecord& r) {
    scratch_.clear();
    fixups_.clear();
    const char* q = p_;
    while (true) {
      if (q < end_ && *q == '"') {
        ++q;
        const char* s = q;
        bool escaped = false;
        size_t const scratch_start = scratch_.size();
        while (true) {
          const char* qq = static_cast<const char*>(std::memchr(q, '"', size_t(end_ - q)));
          if (!qq) {
            count_lines(q, end_);
            if (escaped) scratch_.append(q, size_t(end_ - q));
            add_cell(r, s, end_, escaped, scratch_start);
            r.error = "unterminated quoted field (a \" opens a value that never closes)";
            finish(r, end_);
            return true;
          }
          count_lines(q, qq);
          if (qq + 1 < end_ && qq[1] == '"') {
            if (!escaped) {
              escaped = true;
              scratch_.append(s, size_t(qq + 1 - s));
            } else {
              scratch_.append(q, size_t(qq + 1 - q));
            }
            q = qq + 2;
            continue;
          }
          if (escaped) scratch_.append(q, size_t(qq - q));
          add_cell(r, s, qq, escaped, scratch_start);
          q = qq + 1;
          break;
        }
        if (q < end_ && *q == '\r' && (q + 1 == end_ || q[1] == '\n')) ++q;
        if (q < end_ && *q != ',' && *q != '\n') {
          if (!r.error) r.error = "unexpected text after a closing quote (a \" inside a value must be doubled)";
          while (q < end_ && *q != ',' && *q != '\n') ++q;
        }
      } else {
        const char* s = q;
        while (q < end_ && *q != ',' && *q != '\n') ++q;
        const char* e = q;
        if (e > s && e[-1] == '\r' && (q == end_ || *q == '\n')) --e;
        r.cells.emplace_back(s, size_t(e - s));
      }
      if (q < end_ && *q == ',') {
        ++q;
        continue;
      }
      finish(r, q);
      return true;
    }
  }

  void count_lines(const char* a, const char* b) {
    for (const char* c = a; c < b; ++c) line_ += *c == '\n';
  }

  void add_cell(CsvRecord& r, const char* s, const char* e, bool escaped, size_t scratch_start) {
    if (escaped) {
      fixups_.push_back({r.cells.size(), scratch_start, scratch_.size() - scratch_start});
      r.cells.emplace_back();
    } else {
      r.cells.emplace_back(s, size_t(e - s));
    }
  }

  // q is at the line break ending the record, or at the end of the input.
  void finish(CsvRecord& r, const char* q) {
    const char* e = q;
    if (e > r.begin && e[-1] == '\r') --e;
    r.end = e;
    if (q < end_) {
      p_ = q + 1;
      ++line_;
    } else {
      p_ = end_;
    }
    for (auto const& f : fixups_) r.cells[f.cell] = std::string_view(scratch_).substr(f.offset, f.size);
  }

  struct Fixup {
    size_t cell, offset, size;
  };
  const char* p_;
  const char* end_;
  uint32_t line_ = 1;
  std::string scratch_;
  std::vector<Fixup> fixups_;
};

struct CsvHeader {
  std::vector<std::string_view> names;   // trimmed
  uint32_t line = 1;
  int32_t find(std::string_view name, std::string const& file, std::string_view field) const {
    int32_t found = -1;
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] != name) continue;
      if (found >= 0)
        throw DataError(file, line, std::string(field),
                        fmt::format("column {} appears twice in the header", show(name)));
      found = int32_t(i);
    }
    return found;
  }
};

CsvHeader read_header(CsvScanner& sc, CsvRecord& rec, std::string const& file) {
  while (sc.next(rec)) {
    if (rec.is_blank()) continue;
    if (rec.error) throw DataError(file, rec.line, "", rec.error);
    CsvHeader h;
    h.line = rec.line;
    for (auto c : rec.cells) h.names.push_back(trim(c));
    return h;
  }
  throw DataError(file, 0, "", "the file is empty: expected a header row naming the columns");
}

void check_cells(CsvRecord const& rec, CsvHeader const& h) {
  if (rec.error) fail("", rec.error);
  if (rec.cells.size() != h.names.size())
    fail("", fmt::format("expected {} cells as in the header (line {}), found {}", h.names.size(),
                         h.line, rec.cells.size()));
}

void check_utf8(CsvRecord const& rec) {
  if (!simdjson::validate_utf8(rec.begin, size_t(rec.end - rec.begin)))
    fail("", "not valid UTF-8 text (save the file as UTF-8)");
}

// Activities of the CSV pair, read before the prospects and attached to them by id.
struct ActivityStore {
  static constexpr int32_t kBad = INT32_MIN;
  std::string file;
  Dictionary pids;
  std::vector<uint32_t> pid;          // per record: code in pids
  std::vector<uint32_t> line;
  std::vector<int32_t> kind;          // >= 0 kind; -1 - code: unlisted kind `skipped.at(code)`; kBad
  std::vector<int64_t> at;            // kBad: the index into `bad`
  std::vector<Column> cols;           // per activity field, with their own dictionaries
  Dictionary skipped;
  struct Bad {
    uint32_t record;
    LineError error;
    std::string text;
  };
  std::vector<Bad> bad;
  // grouped by pid: records of pid c are order[start[c] .. start[c+1]), in file order
  std::vector<uint32_t> start, order;
  std::vector<uint8_t> consumed;
  std::vector<std::vector<uint32_t>> remap;   // per column: store code -> batch code
  std::vector<std::pair<uint32_t, uint32_t>> remap_log;   // (column, store code) set this line
  uint32_t attached = kMissingCode;   // the group the current prospect line took
  size_t bytes = 0;

  void group() {
    size_t const n = pids.size();
    start.assign(n + 1, 0);
    for (uint32_t p : pid) ++start[p + 1];
    for (size_t i = 0; i < n; ++i) start[i + 1] += start[i];
    order.resize(pid.size());
    std::vector<uint32_t> fill(start.begin(), start.end() - 1);
    for (uint32_t i = 0; i < pid.size(); ++i) order[fill[pid[i]]++] = i;
    consumed.assign(n, 0);
    remap.resize(cols.size());
    for (size_t c = 0; c < cols.size(); ++c) remap[c].assign(cols[c].dict->size(), kMissingCode);
  }
  // A bad record keeps the index of its Bad entry in `at`.
  Bad const* bad_of(uint32_t record) const {
    if (kind[record] != kBad) return nullptr;
    return &bad[size_t(at[record])];
  }
};

void read_activities_csv(Builder& B, ActivityStore& st, std::string const& path,
                         std::optional<std::string_view> text, ReadResult& r) {
  Input in;
  load_input(path, in, text);
  st.file = in.name;
  st.bytes = in.size();
  bool const utf8_ok = simdjson::validate_utf8(in.data(), in.size());
  CsvScanner sc(in.data(), in.size());
  CsvRecord rec;
  CsvHeader const h = read_header(sc, rec, st.file);
  int32_t const c_pid = h.find("prospect_id", st.file, "prospect_id");
  int32_t const c_type = h.find("type", st.file, "type");
  int32_t const c_at = h.find("at", st.file, "at");
  std::pair<int32_t, char const*> const required[] = {
      {c_pid, "prospect_id"}, {c_type, "type"}, {c_at, "at"}};
  for (auto [c, name] : required)
    if (c < 0)
      throw DataError(st.file, h.line, name,
                      fmt::format("no column \"{}\" in the header (the activities file needs "
                                  "prospect_id, type and at)",
                                  name));
  auto const& afs = B.act_fields();
  std::vector<int32_t> col_of(afs.size(), -1);
  for (size_t i = 0; i < afs.size(); ++i) {
    col_of[i] = h.find(afs[i].label, st.file, afs[i].label);
    Field const& f = *afs[i].f;
    if (col_of[i] < 0 && !f.optional && !f.default_value && f.type != Type::StringList)
      throw DataError(st.file, h.line, std::string(afs[i].label),
                      fmt::format("no column {} in the header for the required activity field {}",
                                  show(afs[i].label), f.name));
  }
  for (auto const& f : afs) st.cols.emplace_back(f.f->type);
  size_t const estimate = in.size() / 48 + 16;
  st.pid.reserve(estimate);
  st.line.reserve(estimate);
  st.kind.reserve(estimate);
  st.at.reserve(estimate);
  for (auto& c : st.cols) c.reserve(estimate);

  ValuePusher pusher;
  uint32_t last_pid = kMissingCode;
  while (sc.next(rec)) {
    if (rec.is_blank()) continue;
    size_t const n = st.pid.size();
    uint32_t pid = kMissingCode;
    int32_t kind = ActivityStore::kBad;
    int64_t at = 0;
    try {
      // With the cells aligned to the header, even a malformed line belongs to its prospect.
      if (rec.cells.size() == h.names.size() && !rec.cells[size_t(c_pid)].empty()) {
        // Activities usually come grouped by prospect: the previous line's id is the likely one.
        std::string_view const pid_text = rec.cells[size_t(c_pid)];
        if (last_pid != kMissingCode && st.pids.at(last_pid) == pid_text) {
          pid = last_pid;
        } else {
          pid = st.pids.intern(pid_text);
          last_pid = pid;
        }
      }
      check_cells(rec, h);
      if (!utf8_ok) check_utf8(rec);
      if (pid == kMissingCode) fail("prospect_id", "missing required field");
      std::string_view const type = trim(rec.cells[size_t(c_type)]);
      if (type.empty()) fail("type", "missing required field");
      kind = B.kind_of(type);
      if (kind < 0) {
        kind = -1 - int32_t(st.skipped.intern(type));
        for (auto& c : st.cols) c.push_missing();
      } else {
        std::string_view const at_text = trim(rec.cells[size_t(c_at)]);
        if (at_text.empty()) fail("at", "missing required field");
        auto t = stdlib::parse_time(at_text);
        if (!t) fail_text("at", Type::Time, at_text);
        at = *t;
        for (size_t i = 0; i < afs.size(); ++i) {
          if (col_of[i] < 0) ValuePusher::absent(st.cols[i], afs[i]);
          else pusher.text(st.cols[i], afs[i], rec.cells[size_t(col_of[i])], true);
        }
      }
    } catch (LineError& e) {
      if (!B.keep_going()) throw DataError(st.file, rec.line, e.field, e.reason);
      for (auto& c : st.cols) c.truncate(n);
      if (pid == kMissingCode) {   // cannot be attached to a prospect: a reject of its own
        r.rejects.push_back({st.file, rec.line, e.field, e.reason, std::string(rec.text())});
        continue;
      }
      for (auto& c : st.cols) c.push_missing();
      kind = ActivityStore::kBad;
      at = int64_t(st.bad.size());
      st.bad.push_back({uint32_t(n), std::move(e), std::string(rec.text())});
    }
    st.pid.push_back(pid);
    st.line.push_back(rec.line);
    st.kind.push_back(kind);
    st.at.push_back(at);
  }
  st.group();
}

// The activities of the current prospect (id `id`) from the store into the batch. In keep_going
// mode a bad activity line makes the prospect bad: throws LineError naming the first.
void attach_activities(Builder& B, ActivityStore& st, std::string_view id) {
  uint32_t const g = st.pids.find(id);
  if (g == kMissingCode || st.consumed[g]) return;
  st.consumed[g] = 1;
  st.attached = g;
  Batch& b = B.batch();
  uint32_t first_bad = kMissingCode;
  for (uint32_t k = st.start[g]; k < st.start[g + 1]; ++k) {
    uint32_t const i = st.order[k];
    int32_t const kind = st.kind[i];
    if (kind == ActivityStore::kBad) {
      if (first_bad == kMissingCode) first_bad = i;
      continue;
    }
    if (kind < 0) {
      B.skip_kind(st.skipped.at(uint32_t(-1 - kind)));
      continue;
    }
    b.act_kind.push_back(uint16_t(kind));
    b.act_at.push_back(st.at[i]);
    for (size_t c = 0; c < st.cols.size(); ++c) {
      Column const& src = st.cols[c];
      Column& dst = b.act_fields[c];
      auto map_code = [&](uint32_t code) {
        uint32_t& m = st.remap[c][code];
        if (m == kMissingCode) {
          m = dst.dict->intern(src.dict->at(code));
          st.remap_log.emplace_back(uint32_t(c), code);
        }
        return m;
      };
      switch (src.type) {
        case Type::Number: dst.numbers.push_back(src.numbers[i]); break;
        case Type::Time:
        case Type::Duration: dst.micros.push_back(src.micros[i]); break;
        case Type::Grade: dst.grades.push_back(src.grades[i]); break;
        case Type::Bool: dst.bools.push_back(src.bools[i]); break;
        case Type::String:
          dst.codes.push_back(src.present[i] ? map_code(src.codes[i]) : kMissingCode);
          break;
        case Type::StringList:
          for (uint32_t j = src.list_offsets[i]; j < src.list_offsets[i + 1]; ++j)
            dst.list_codes.push_back(map_code(src.list_codes[j]));
          dst.list_offsets.push_back(uint32_t(dst.list_codes.size()));
          break;
      }
      dst.present.push_back(src.present[i]);
    }
  }
  if (first_bad != kMissingCode) {
    auto const* bad = st.bad_of(first_bad);
    fail("activities", fmt::format("its activity on line {} of {} is bad: {}{}{}", st.line[first_bad],
                                   st.file, bad ? bad->error.field : "",
                                   bad && !bad->error.field.empty() ? ": " : "",
                                   bad ? bad->error.reason : ""));
  }
}

// A prospect line was rejected: the bad lines of its activities go to the rejects too.
void reject_group_bad_lines(ActivityStore& st, uint32_t g, ReadResult& r) {
  for (uint32_t k = st.start[g]; k < st.start[g + 1]; ++k) {
    uint32_t const i = st.order[k];
    if (st.kind[i] != ActivityStore::kBad) continue;
    if (auto const* bad = st.bad_of(i))
      r.rejects.push_back({st.file, st.line[i], bad->error.field, bad->error.reason, bad->text});
  }
}

// Raw text of the records at `lines` (sorted) of a CSV file.
std::unordered_map<uint32_t, std::string> record_texts(std::string const& path,
                                                       std::optional<std::string_view> text,
                                                       std::vector<uint32_t> const& lines) {
  std::unordered_map<uint32_t, std::string> out;
  if (lines.empty()) return out;
  Input in;
  load_input(path, in, text);
  CsvScanner sc(in.data(), in.size());
  CsvRecord rec;
  size_t k = 0;
  while (k < lines.size() && sc.next(rec)) {
    while (k < lines.size() && lines[k] < rec.line) ++k;
    if (k < lines.size() && lines[k] == rec.line) out.emplace(rec.line, std::string(rec.text()));
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

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
  Batch& b = B.batch();
  {
    size_t lines = 0;
    for (const char* p = in.data(); (p = static_cast<const char*>(std::memchr(
                                         p, '\n', size_t(in.data() + in.size() - p)))) != nullptr;
         ++p)
      ++lines;
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
  if (in.size() >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;   // a UTF-8 BOM
  const char* const end = in.data() + in.size();
  uint32_t line = 0;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
    const char* const le = nl ? nl : end;
    ++line;
    std::string_view text(p, size_t(le - p));
    p = nl ? nl + 1 : end;
    if (blank(text)) continue;
    ++r.prospects_read;
    B.begin_line();
    try {
      reader.prospect(text, line);
    } catch (LineError& e) {
      B.rollback();
      if (!options.keep_going) throw DataError(in.name, line, e.field, e.reason);
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
      B.reject({in.name, line, e.field, e.reason, std::string(text)});
      ++r.prospects_rejected;
    }
  }
  B.finish();
  return r;
}

ReadResult read_csv(plan::Plan const& plan, ReadOptions const& options) {
  ReadResult r;
  Builder B(plan, r, options.keep_going);
  Batch& b = B.batch();
  ActivityStore st;
  bool const with_activities = !options.activities.empty();
  // The prospects file is checked first (a missing file or a bad header is reported before any
  // activity line), then the activities are read, then the prospects.
  Input in;
  load_input(options.prospects, in, options.prospects_text);
  r.bytes = in.size();
  bool const utf8_ok = simdjson::validate_utf8(in.data(), in.size());
  CsvScanner sc(in.data(), in.size());
  CsvRecord rec;
  CsvHeader const h = read_header(sc, rec, in.name);
  auto const& fs = B.fields();
  std::vector<int32_t> col_of(fs.size(), -1);
  for (size_t i = 0; i < fs.size(); ++i) {
    col_of[i] = h.find(fs[i].label, in.name, fs[i].label);
    if (col_of[i] >= 0) continue;
    Field const& f = *fs[i].f;
    if (int32_t(i) == B.id_field())
      throw DataError(in.name, h.line, std::string(fs[i].label),
                      fmt::format("no column {} in the header: every prospect needs its id",
                                  show(fs[i].label)));
    if (!f.optional && !f.default_value && f.type != Type::StringList)
      throw DataError(in.name, h.line, std::string(fs[i].label),
                      fmt::format("no column {} in the header for the required field {}",
                                  show(fs[i].label), f.name));
  }
  if (with_activities) {
    read_activities_csv(B, st, options.activities, options.activities_text, r);
    r.bytes += st.bytes;
  }
  size_t const estimate = in.size() / 64 + 16;
  for (auto& c : b.fields) c.reserve(estimate);
  b.act_kind.reserve(st.pid.size());
  b.act_at.reserve(st.pid.size());
  for (auto& c : b.act_fields) c.reserve(st.pid.size());

  int32_t const id_col = B.id_field() >= 0 ? col_of[size_t(B.id_field())] : -1;
  while (sc.next(rec)) {
    if (rec.is_blank()) continue;
    ++r.prospects_read;
    B.begin_line();
    st.attached = kMissingCode;
    try {
      check_cells(rec, h);
      if (!utf8_ok) check_utf8(rec);
      for (size_t i = 0; i < fs.size(); ++i)
        if (col_of[i] >= 0) B.push_cell(i, rec.cells[size_t(col_of[i])]);
      B.finish_fields(rec.line);
      if (with_activities) {
        if (auto id = B.current_id()) attach_activities(B, st, *id);
      }
      B.commit(rec.line);
      st.remap_log.clear();
    } catch (LineError& e) {
      B.rollback();
      for (auto [c, code] : st.remap_log) st.remap[c][code] = kMissingCode;
      st.remap_log.clear();
      if (!options.keep_going) throw DataError(in.name, rec.line, e.field, e.reason);
      // A rejected prospect takes its activities with it; their bad lines are rejects too.
      if (with_activities && id_col >= 0 && size_t(id_col) < rec.cells.size()) {
        uint32_t const g = st.pids.find(rec.cells[size_t(id_col)]);
        if (g != kMissingCode && (!st.consumed[g] || st.attached == g)) {
          st.consumed[g] = 1;
          reject_group_bad_lines(st, g, r);
        }
      }
      B.reject({in.name, rec.line, e.field, e.reason, std::string(rec.text())});
      ++r.prospects_rejected;
    }
  }

  if (with_activities) {
    // Activity lines of ids no prospect line has.
    std::vector<uint32_t> orphan_lines;
    std::vector<uint32_t> orphans;
    for (uint32_t i = 0; i < st.pid.size(); ++i)
      if (!st.consumed[st.pid[i]]) orphans.push_back(i);
    if (!orphans.empty()) {
      uint32_t const i0 = orphans.front();
      auto reason = [&](uint32_t i) {
        return fmt::format("no prospect with id {} in {}", show(st.pids.at(st.pid[i])), in.name);
      };
      if (!options.keep_going) throw DataError(st.file, st.line[i0], "prospect_id", reason(i0));
      for (uint32_t i : orphans)
        if (st.kind[i] != ActivityStore::kBad) orphan_lines.push_back(st.line[i]);
      auto texts = record_texts(options.activities, options.activities_text, orphan_lines);
      for (uint32_t i : orphans) {
        if (st.kind[i] == ActivityStore::kBad) {
          if (auto const* bad = st.bad_of(i))
            r.rejects.push_back({st.file, st.line[i], bad->error.field, bad->error.reason, bad->text});
          continue;
        }
        r.rejects.push_back({st.file, st.line[i], "prospect_id", reason(i), texts[st.line[i]]});
      }
    }
  }
  B.finish();
  return r;
}

namespace {

std::string lower_extension(std::string const& path) {
  size_t const slash = path.find_last_of('/');
  size_t const dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot);
  for (char& c : ext)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return ext;
}

}  // namespace

ReadResult read_input(plan::Plan const& plan, ReadOptions const& options) {
  if (options.prospects == "-") return read_jsonl(plan, options);
  std::string const ext = lower_extension(options.prospects);
  if (ext == ".jsonl" || ext == ".ndjson") return read_jsonl(plan, options);
  if (ext == ".csv") return read_csv(plan, options);
  std::string hint = "use .jsonl or .ndjson for JSON Lines, .csv for CSV, or - for JSON Lines on "
                     "standard input";
  if (ext == ".json") hint += " (a .json file with one object a line can be renamed .jsonl)";
  throw DataError(options.prospects, 0, "",
                  fmt::format("cannot tell the format from the file name{}: {}",
                              ext.empty() ? "" : fmt::format(" ({})", ext), hint));
}

}  // namespace leadrules::runtime
