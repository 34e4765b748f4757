// Data in: JSON Lines (simdjson) and the CSV pair (prospects + activities) into a columnar Batch.
// Strict by default: the first bad line throws DataError naming file, line and field. With
// `keep_going`, every bad line becomes a Reject and the run goes on; a prospect is either in the
// batch or in the rejects, never both, never neither.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "compiler/plan/plan.hpp"
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
};

struct ReadOptions {
  std::string prospects;    // path; "-" = JSON Lines on standard input
  std::string activities;   // CSV activities file, optional
  bool keep_going = false;  // --rejects given: collect bad lines instead of stopping
  // Buffers in memory instead of files (the embedding API); the paths above then only name
  // them in messages, and the format is chosen by format_hint.
  std::optional<std::string_view> prospects_text, activities_text;
};

struct ReadResult {
  Batch batch;
  std::vector<Reject> rejects;  // bad prospect lines (and activity lines, see reader docs)
  size_t prospects_read = 0;    // prospect records seen in the input (batch.rows + rejected)
  size_t prospects_rejected = 0;
  std::map<std::string, size_t> skipped_kinds;  // activities of kinds the schema does not list
  size_t bytes = 0;                             // input size, for MB/s
};

// Picks the reader by extension: .jsonl/.ndjson or "-" -> JSON Lines, .csv -> CSV.
ReadResult read_input(plan::Plan const& plan, ReadOptions const& options);

ReadResult read_jsonl(plan::Plan const& plan, ReadOptions const& options);
ReadResult read_csv(plan::Plan const& plan, ReadOptions const& options);

}  // namespace leadrules::runtime
