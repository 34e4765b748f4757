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
//   (or with a null one) the record counts 1, as in a test's `history`; other keys ignored;
//   rules the policy does not have are ignored unchecked. CSV input has no history.
// - A UTF-8 BOM at the start of a file is skipped (JSON Lines and CSV).
// - CSV: header names are trimmed of spaces and matched exactly; unnamed columns are ignored; a
//   header column named twice is an error only when a field reads it. A record must have as
//   many cells as the header. A column missing from the header is an error (line of the
//   header, one per missing column, with a did-you-mean over the header) for every field
//   without a default, optional ones included, in both files; a defaulted field without its
//   column takes its default. Blank lines are skipped (and counted). Text after a closing
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
//   skipped_kinds only for prospects that make it into the batch; one that differs from a
//   listed kind by letter case, punctuation or a small typo gets a hint (kind_hints).
// - Strict mode reads on past a bad line: every bad line is an error (DataErrors lists the first
//   kMaxErrors); a prospect line that is bad only because of its activity line is not an error
//   of its own. Problems of a header (a missing column) stop the read at once, in both modes.
// - The id of a rejected line stays taken (when it can be read: a CSV record whose cells line
//   up with the header, a JSON line that parses): a later line with it is a duplicate.
// - JSON Lines: an optional field (or activity field) whose key no record has is a warning,
//   with a did-you-mean over the other keys of the first 1,000 records; a missing required key
//   gets a did-you-mean over the record's keys.
// - Rejects carry the record as JSON: a JSON line that is an object as written, a CSV record
//   whose cells line up with the header as an object keyed by it ("(column N)" for an empty
//   or repeated name), anything else as a JSON string of its text (invalid UTF-8 as U+FFFD).
// - Every input is read whole into memory (mapped when possible, else read into one padded
//   buffer).

#include "runtime/data/readers_internal.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

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

Reject const& first_of(std::vector<Reject> const& errors) {
  static Reject const none;
  return errors.empty() ? none : errors.front();
}

}  // namespace

DataErrors::DataErrors(std::vector<Reject> errors_, size_t total_, bool rejectable_)
    : DataError(first_of(errors_).file, first_of(errors_).line, first_of(errors_).field,
                first_of(errors_).reason),
      errors(std::move(errors_)),
      total(total_),
      rejectable(rejectable_) {}

namespace readers_detail {

[[noreturn]] void fail(std::string_view field, std::string reason) {
  throw LineError{std::string(field), std::move(reason)};
}

void check_account_sizes(plan::Plan const& plan, Batch const& b, Limits const& limits,
                         std::string const& file) {
  if (!plan.uses_colleagues || plan.schema.account_field < 0) return;
  // Colleague aggregates visit every colleague for every prospect: quadratic in an account's
  // size, so a huge account (often a placeholder such as "n/a") would run for hours.
  Column const& col = b.fields[size_t(plan.schema.account_field)];
  std::vector<uint32_t> size(col.dict->size(), 0);
  for (size_t row = 0; row < b.rows; ++row) {
    if (!col.is_present(row) || ++size[col.codes[row]] <= limits.account_prospects) continue;
    uint32_t code = col.codes[row];
    size_t total = 0;
    for (size_t r = 0; r < b.rows; ++r) total += col.is_present(r) && col.codes[r] == code;
    throw DataError(
        file, b.source_lines[row], plan.schema.prospect[size_t(plan.schema.account_field)].name,
        fmt::format("the account {} has {} prospects, over the limit of {} for a policy with colleague "
                    "aggregates (their cost grows with the square of an account's size); {}",
                    show(col.dict->at(code)), total, limits.account_prospects,
                    Limits::how_to_raise("account-prospects", limits.account_prospects)));
  }
}

void throw_if_errors(ReadResult& r, bool keep_going, std::string const& first_file) {
  if (keep_going || r.errors_total == 0) return;
  // Input order within each file, files in the order they were read (activities before
  // prospects in the CSV pair): a stable sort by the first appearance of the file.
  std::vector<std::string> files;
  if (!first_file.empty()) files.push_back(first_file);
  for (auto const& e : r.rejects)
    if (std::find(files.begin(), files.end(), e.file) == files.end()) files.push_back(e.file);
  auto rank = [&](Reject const& e) { return std::find(files.begin(), files.end(), e.file) - files.begin(); };
  std::stable_sort(r.rejects.begin(), r.rejects.end(), [&](Reject const& a, Reject const& b) {
    auto ra = rank(a), rb = rank(b);
    return ra != rb ? ra < rb : a.line < b.line;
  });
  throw DataErrors(std::move(r.rejects), r.errors_total, true);
}

std::string spelling_hint(std::string_view name, std::vector<std::string> const& present) {
  std::string const best = stdlib::closest_spelling(name, present);
  return best.empty() ? std::string() : fmt::format("; did you mean {}?", show(best));
}

std::string json_text(std::string_view s) {
  if (simdjson::validate_utf8(s.data(), s.size())) return stdlib::json_escape(s);
  std::string clean;
  size_t i = 0;
  while (i < s.size()) {
    auto const c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n > 0 && i + n <= s.size() && simdjson::validate_utf8(s.data() + i, n)) {
      clean.append(s.data() + i, n);
      i += n;
    } else {
      clean += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    }
  }
  return stdlib::json_escape(clean);
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

std::optional<int> parse_grade_text(std::string_view s) {
  s = trim(s);
  for (int g = 0; g <= plan::kGradeAPlus; ++g)
    if (iequals(s, plan::grade_name(g))) return g;
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
      fail(field, fmt::format("bad grade {}: expected one of A+ A A- B+ B B- C+ C C- D+ D D- F", show(text)));
    default: fail(field, fmt::format("expected {}, found {}", type_phrase(t), show(text)));
  }
}

void read_stream(std::FILE* f, std::string const& name, Input& in) {
  std::string all;
  char chunk[1 << 16];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) all.append(chunk, n);
  if (std::ferror(f))
    throw DataError(name, 0, "", fmt::format("cannot read the file: {}", std::strerror(errno)));
  in.own(simdjson::padded_string(all));
}

void load_input(std::string const& path, Input& in, std::optional<std::string_view> text) {
  if (text) {  // a buffer in memory (the embedding API): `path` only names it in messages
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
      void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (m != MAP_FAILED) {
        ::madvise(m, size, MADV_SEQUENTIAL);  // read ahead, and drop pages behind (release_before)
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
  std::FILE* f = ::fdopen(fd, "rb");  // a pipe or a device: read until the end
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
// Field values: the shared conversion rules of both readers.

// The value is absent, null, an empty CSV cell or a placeholder.
void ValuePusher::absent(Column& col, FieldInfo const& fi) {
  Field const& f = *fi.f;
  if (f.default_value && !f.default_value->missing) {
    push_constant(col, *f.default_value);
  } else if (f.optional || col.type == Type::StringList || f.default_value) {
    col.push_missing();
  } else {
    fail(fi.label, "missing required field");
  }
}

void ValuePusher::push_constant(Column& col, plan::Constant const& c) {
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
void ValuePusher::text(Column& col, FieldInfo const& fi, std::string_view s, bool csv) {
  if (csv) {
    if (s.empty() || (fi.has_missing && fi.is_placeholder(s))) return absent(col, fi);
    if (col.type != Type::String && col.type != Type::StringList && trim(s).empty()) return absent(col, fi);
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

void ValuePusher::json(Column& col, FieldInfo const& fi, dom::element v) {
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
          fail(fi.label, fmt::format("expected a list of strings, found {} in the list", json_found(item)));
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

std::string ValuePusher::number_text(dom::element v) {
  switch (v.type()) {
    case dom::element_type::INT64: return std::to_string(v.get_int64().value_unsafe());
    case dom::element_type::UINT64: return std::to_string(v.get_uint64().value_unsafe());
    default: return stdlib::format_number(v.get_double().value_unsafe());
  }
}

std::string ValuePusher::json_found(dom::element v) {
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
std::optional<int64_t> ValuePusher::json_epoch(dom::element v) {
  if (v.type() == dom::element_type::INT64) {
    int64_t const s = v.get_int64().value_unsafe();
    if (s < stdlib::kMinTime / stdlib::kMicrosPerSecond || s > stdlib::kMaxTime / stdlib::kMicrosPerSecond)
      return std::nullopt;
    return s * stdlib::kMicrosPerSecond;
  }
  return stdlib::epoch_seconds_to_micros(v.get_double().value_unsafe());
}

// A time value of JSON: RFC 3339 string or epoch seconds. Throws for other values.
int64_t ValuePusher::json_time(std::string_view field, dom::element v) {
  if (v.is_string()) {
    std::string_view s = v.get_string().value_unsafe();
    if (auto t = stdlib::parse_time(s)) return *t;
    fail_text(field, Type::Time, s);
  }
  if (v.is_number()) {
    if (auto t = json_epoch(v)) return *t;
    fail(field, fmt::format("bad time {}: epoch seconds must lie in the years 0000-9999", number_text(v)));
  }
  fail(field, fmt::format("expected a time like 2026-11-22T10:00:00Z, found {}", json_found(v)));
}

void ValuePusher::json_number(Column& col, FieldInfo const& fi, dom::element v) {
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
      fail(fi.label,
           fmt::format("bad time {}: epoch seconds must lie in the years 0000-9999", number_text(v)));
    case Type::Duration: {
      double const x = std::round(d * 1e6);
      if (std::isfinite(x) && std::fabs(x) < 9e18) return col.push_micros(int64_t(x));
      break;
    }
    default: break;
  }
  fail(fi.label, fmt::format("expected {}, found {}", type_phrase(col.type), number_text(v)));
}

}  // namespace readers_detail

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
  std::string hint =
      "use .jsonl or .ndjson for JSON Lines, .csv for CSV, or - for JSON Lines on "
      "standard input";
  if (ext == ".json") hint += " (a .json file with one object a line can be renamed .jsonl)";
  throw DataError(options.prospects, 0, "",
                  fmt::format("cannot tell the format from the file name{}: {}",
                              ext.empty() ? "" : fmt::format(" ({})", ext), hint));
}

}  // namespace leadrules::runtime
