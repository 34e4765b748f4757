// The CSV reader (RFC 4180): a prospects file and an optional activities file, attached to the
// prospects by id (the decisions it follows are listed in readers.cpp).

#include <algorithm>
#include <cstring>
#include <unordered_map>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <fmt/format.h>

#include "runtime/data/readers_internal.hpp"
#include "stdlib/time.hpp"

namespace leadrules::runtime {

using namespace readers_detail;

namespace {

struct CsvRecord {
  std::vector<std::string_view> cells;
  uint32_t line = 0;            // physical line where the record starts
  const char* begin = nullptr;  // raw text, without the line break
  const char* end = nullptr;
  const char* error = nullptr;  // a malformed record (still delimited, so reading goes on)
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
    const char* stop = end_;  // the last record, without a line break
    if (stop > cell && stop[-1] == '\r') --stop;
    r.cells.emplace_back(cell, size_t(stop - cell));
    r.end = stop;
    p_ = end_;
    return true;
#else
    const char* nl = static_cast<const char*>(std::memchr(p_, '\n', size_t(end_ - p_)));
    const char* const le = nl ? nl : end_;
    if (!std::memchr(p_, '"', size_t(le - p_))) {  // the common case: no quotes on this line
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
          if (!r.error)
            r.error = "unexpected text after a closing quote (a \" inside a value must be doubled)";
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
  std::vector<std::string_view> names;  // trimmed
  std::vector<std::string> keys;        // the names as keys of rejected records (unique, not empty)
  uint32_t line = 1;
  std::vector<std::string> strings() const { return {names.begin(), names.end()}; }
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
    for (size_t i = 0; i < h.names.size(); ++i) {
      std::string key(h.names[i]);
      if (key.empty() || std::find(h.keys.begin(), h.keys.end(), key) != h.keys.end())
        key = fmt::format("(column {})", i + 1);
      h.keys.push_back(std::move(key));
    }
    return h;
  }
  throw DataError(file, 0, "", "the file is empty: expected a header row naming the columns");
}

// A rejected record for the rejects file: an object keyed by the header when its cells line up
// with it, else its text as a JSON string.
std::string record_json(CsvRecord const& rec, CsvHeader const& h) {
  if (rec.error || rec.cells.size() != h.keys.size()) return json_text(rec.text());
  std::string out = "{";
  for (size_t i = 0; i < h.keys.size(); ++i) {
    if (i) out += ',';
    out += json_text(h.keys[i]);
    out += ':';
    out += json_text(rec.cells[i]);
  }
  out += '}';
  return out;
}

// A column a field reads that the header lacks: an error, unless the field has a default (its
// declared value for records without one). Appends the error to `errors`.
void check_column(std::string const& file, CsvHeader const& h, FieldInfo const& fi, bool is_id,
                  std::string_view what, std::vector<Reject>& errors) {
  Field const& f = *fi.f;
  if (f.default_value && !is_id) return;
  std::string reason =
      is_id ? fmt::format("no column {} in the header: every prospect needs its id", show(fi.label))
            : fmt::format("no column {} in the header for the {}{} {}", show(fi.label),
                          f.optional || f.type == Type::StringList ? "" : "required ", what, f.name);
  reason += spelling_hint(fi.label, h.strings());
  errors.push_back({file, h.line, std::string(fi.label), std::move(reason), {}, {}});
}

[[noreturn]] void throw_header_errors(std::vector<Reject> errors) {
  size_t const n = errors.size();
  throw DataErrors(std::move(errors), n, false);
}

void check_cells(CsvRecord const& rec, CsvHeader const& h) {
  if (rec.error) fail("", rec.error);
  if (rec.cells.size() != h.names.size())
    fail("", fmt::format("expected {} cells as in the header (line {}), found {}", h.names.size(), h.line,
                         rec.cells.size()));
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
  std::vector<uint32_t> pid;  // per record: code in pids
  std::vector<uint32_t> line;
  std::vector<int32_t> kind;  // >= 0 kind; -1 - code: unlisted kind `skipped.at(code)`; kBad
  std::vector<int64_t> at;    // kBad: the index into `bad`
  std::vector<Column> cols;   // per activity field, with their own dictionaries
  Dictionary skipped;
  struct Bad {
    uint32_t record;
    LineError error;
    std::string text, json;
  };
  std::vector<Bad> bad;
  // grouped by pid: records of pid c are order[start[c] .. start[c+1]), in file order
  std::vector<uint32_t> start, order;
  std::vector<uint8_t> consumed;
  std::vector<std::vector<uint32_t>> remap;              // per column: store code -> batch code
  std::vector<std::pair<uint32_t, uint32_t>> remap_log;  // (column, store code) set this line
  uint32_t attached = kMissingCode;                      // the group the current prospect line took
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
                         std::optional<std::string_view> text, ReadResult& r, ReadOptions const& options) {
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
  std::pair<int32_t, char const*> const required[] = {{c_pid, "prospect_id"}, {c_type, "type"}, {c_at, "at"}};
  std::vector<Reject> errors;
  for (auto [c, name] : required)
    if (c < 0)
      errors.push_back({st.file,
                        h.line,
                        name,
                        fmt::format("no column \"{}\" in the header (the activities file needs "
                                    "prospect_id, type and at){}",
                                    name, spelling_hint(name, h.strings())),
                        {},
                        {}});
  auto const& afs = B.act_fields();
  std::vector<int32_t> col_of(afs.size(), -1);
  for (size_t i = 0; i < afs.size(); ++i) {
    col_of[i] = h.find(afs[i].label, st.file, afs[i].label);
    if (col_of[i] < 0) check_column(st.file, h, afs[i], false, "activity field", errors);
  }
  if (!errors.empty()) throw_header_errors(std::move(errors));
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
    if (n % 4096 == 0) {
      if (options.progress) options.progress(in.name, size_t(rec.end - in.data()), in.size(), 0);
      in.release_before(rec.begin);
    }
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
      B.check_length(rec.text().size());
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
          if (col_of[i] < 0)
            ValuePusher::absent(st.cols[i], afs[i]);
          else
            pusher.text(st.cols[i], afs[i], rec.cells[size_t(col_of[i])], true);
        }
      }
    } catch (LineError& e) {
      for (auto& c : st.cols) c.truncate(n);
      if (pid == kMissingCode) {  // cannot be attached to a prospect: a reject of its own
        add_reject(r, B.keep_going(),
                   {st.file, rec.line, e.field, e.reason, std::string(rec.text()), record_json(rec, h)});
        continue;
      }
      for (auto& c : st.cols) c.push_missing();
      kind = ActivityStore::kBad;
      at = int64_t(st.bad.size());
      st.bad.push_back({uint32_t(n), std::move(e), std::string(rec.text()), record_json(rec, h)});
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
        case Type::String: dst.codes.push_back(src.present[i] ? map_code(src.codes[i]) : kMissingCode); break;
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
    throw LineError{"activities",
                    fmt::format("its activity on line {} of {} is bad: {}{}{}", st.line[first_bad], st.file,
                                bad ? bad->error.field : "", bad && !bad->error.field.empty() ? ": " : "",
                                bad ? bad->error.reason : ""),
                    true};
  }
}

// A bad activity line, set aside (or counted as an error).
void reject_bad_line(ActivityStore& st, uint32_t i, ReadResult& r, bool keep_going) {
  if (auto const* bad = st.bad_of(i))
    add_reject(r, keep_going,
               {st.file, st.line[i], bad->error.field, bad->error.reason, bad->text, bad->json});
}

// A prospect line was rejected: the bad lines of its activities go to the rejects too.
void reject_group_bad_lines(ActivityStore& st, uint32_t g, ReadResult& r, bool keep_going) {
  for (uint32_t k = st.start[g]; k < st.start[g + 1]; ++k) {
    uint32_t const i = st.order[k];
    if (st.kind[i] == ActivityStore::kBad) reject_bad_line(st, i, r, keep_going);
  }
}

// Raw text and JSON of the records at `lines` (sorted) of a CSV file.
std::unordered_map<uint32_t, std::pair<std::string, std::string>> record_texts(
    std::string const& path, std::optional<std::string_view> text, std::vector<uint32_t> const& lines) {
  std::unordered_map<uint32_t, std::pair<std::string, std::string>> out;
  if (lines.empty()) return out;
  Input in;
  load_input(path, in, text);
  CsvScanner sc(in.data(), in.size());
  CsvRecord rec;
  CsvHeader const h = read_header(sc, rec, in.name);
  size_t k = 0;
  while (k < lines.size() && sc.next(rec)) {
    while (k < lines.size() && lines[k] < rec.line) ++k;
    if (k < lines.size() && lines[k] == rec.line)
      out.emplace(rec.line, std::make_pair(std::string(rec.text()), record_json(rec, h)));
  }
  return out;
}

}  // namespace

ReadResult read_csv(plan::Plan const& plan, ReadOptions const& options) {
  ReadResult r;
  Builder B(plan, r, options.keep_going);
  B.set_limits(options.limits);
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
  std::vector<Reject> header_errors;
  for (size_t i = 0; i < fs.size(); ++i) {
    col_of[i] = h.find(fs[i].label, in.name, fs[i].label);
    if (col_of[i] < 0) check_column(in.name, h, fs[i], int32_t(i) == B.id_field(), "field", header_errors);
  }
  if (!header_errors.empty()) throw_header_errors(std::move(header_errors));
  if (with_activities) {
    read_activities_csv(B, st, options.activities, options.activities_text, r, options);
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
    if (r.prospects_read % 4096 == 0) {
      if (options.progress)
        options.progress(in.name, size_t(rec.end - in.data()), in.size(), r.prospects_read);
      in.release_before(rec.begin);
    }
    ++r.prospects_read;
    B.begin_line();
    st.attached = kMissingCode;
    try {
      B.check_length(rec.text().size());
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
      // The rejected line's id, when its cells line up with the header, stays taken.
      bool const aligned = !rec.error && rec.cells.size() == h.names.size();
      if (aligned && id_col >= 0 && !rec.cells[size_t(id_col)].empty())
        B.reserve_id(rec.cells[size_t(id_col)], rec.line);
      // A rejected prospect takes its activities with it; their bad lines are rejects too.
      if (with_activities && id_col >= 0 && size_t(id_col) < rec.cells.size()) {
        uint32_t const g = st.pids.find(rec.cells[size_t(id_col)]);
        if (g != kMissingCode && (!st.consumed[g] || st.attached == g)) {
          st.consumed[g] = 1;
          reject_group_bad_lines(st, g, r, options.keep_going);
        }
      }
      Reject rej{in.name, rec.line, e.field, e.reason, std::string(rec.text()), record_json(rec, h)};
      rej.follows = e.follows;
      B.reject(std::move(rej));
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
      auto reason = [&](uint32_t i) {
        return fmt::format("no prospect with id {} in {}", show(st.pids.at(st.pid[i])), in.name);
      };
      for (uint32_t i : orphans)
        if (st.kind[i] != ActivityStore::kBad) orphan_lines.push_back(st.line[i]);
      auto texts = record_texts(options.activities, options.activities_text, orphan_lines);
      for (uint32_t i : orphans) {
        if (st.kind[i] == ActivityStore::kBad) {
          reject_bad_line(st, i, r, options.keep_going);
          continue;
        }
        auto& t = texts[st.line[i]];
        add_reject(r, options.keep_going,
                   {st.file, st.line[i], "prospect_id", reason(i), std::move(t.first), std::move(t.second)});
      }
    }
  }
  if (options.progress) options.progress(in.name, in.size(), in.size(), r.prospects_read);
  B.finish();
  throw_if_errors(r, options.keep_going, st.file);
  check_account_sizes(plan, b, options.limits, in.name);
  return r;
}

}  // namespace leadrules::runtime
