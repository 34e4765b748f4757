// Data in: JSON Lines (simdjson) and the CSV pair (prospects + activities) into a columnar Batch.
// Strict by default: the input is read to its end and, when some lines are bad, DataErrors is
// thrown listing them (each naming file, line and field). With `keep_going`, every bad line
// becomes a Reject and the run goes on; a prospect is either in the batch or in the rejects,
// never both, never neither. An input that cannot be read as a whole (no file, a bad header)
// throws DataError (or DataErrors, one per problem of the header) in both modes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "compiler/plan/plan.hpp"
#include "leadrules/limits.hpp"
#include "runtime/data/table.hpp"

namespace leadrules::runtime {

struct DataError : std::runtime_error {
  std::string file;
  uint32_t line = 0;  // 1-based; 0 = the file as a whole
  std::string field;  // the field / column, may be empty
  std::string reason;
  DataError(std::string file, uint32_t line, std::string field, std::string reason);
};

struct Reject {
  std::string file;
  uint32_t line = 0;
  std::string field;
  std::string reason;
  std::string text;  // the offending line as read (a JSON line, or a CSV record)
  // The record as a JSON value, for the rejects file: a JSON line that is an object as it is,
  // a CSV record as an object keyed by the header (cells as strings), anything else (a broken
  // line) as a JSON string of its text. Empty for warnings.
  std::string record_json;
  // Rejected only because another bad line belongs to it (a prospect line whose activity line is
  // bad): set aside in keep_going mode, but not an error of its own in strict mode.
  bool follows = false;
};

// Strict mode's bad lines: the first is this DataError itself, `errors` holds up to
// kMaxErrors of them in input order (per file), `total` counts them all. `rejectable`: they are
// bad lines that keep_going would set aside (false for problems of a header).
struct DataErrors : DataError {
  static constexpr size_t kMaxErrors = 100;
  std::vector<Reject> errors;
  size_t total = 0;
  bool rejectable = true;
  DataErrors(std::vector<Reject> errors, size_t total, bool rejectable);
};

struct ReadOptions {
  std::string prospects;    // path; "-" = JSON Lines on standard input
  std::string activities;   // CSV activities file, optional
  bool keep_going = false;  // --rejects given: collect bad lines instead of stopping
  // Buffers in memory instead of files (the embedding API); the paths above then only name
  // them in messages, and the format is chosen by format_hint.
  std::optional<std::string_view> prospects_text, activities_text;
  Limits limits;  // line-bytes and activities
  // Called about every 4,096 records and at the end of each file: the file, bytes of it read,
  // its size, prospects read so far (a progress bar; the reading thread calls it).
  std::function<void(std::string_view file, size_t bytes, size_t total, size_t prospects)> progress;
};

struct ReadResult {
  Batch batch;
  std::vector<Reject> rejects;  // bad prospect lines (and activity lines, see reader docs)
  size_t prospects_read = 0;    // prospect records seen in the input (batch.rows + rejected)
  size_t prospects_rejected = 0;
  std::map<std::string, size_t> skipped_kinds;  // activities of kinds the schema does not list
  // A skipped kind that looks like a listed one ("Visit", "page_view"): kind -> the listed kind.
  std::map<std::string, std::string> kind_hints;
  // What the run summary should say about the data (file, field, reason; no line): a JSON Lines
  // field whose key no record has.
  std::vector<Reject> warnings;
  size_t errors_total = 0;  // strict mode: bad lines found (rejects holds the first kMaxErrors)
  size_t bytes = 0;         // input size, for MB/s
};

// Picks the reader by extension: .jsonl/.ndjson or "-" -> JSON Lines, .csv -> CSV.
ReadResult read_input(plan::Plan const& plan, ReadOptions const& options);

ReadResult read_jsonl(plan::Plan const& plan, ReadOptions const& options);
ReadResult read_csv(plan::Plan const& plan, ReadOptions const& options);

}  // namespace leadrules::runtime
