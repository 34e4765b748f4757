// One prospect of the benchmark's batch: what the engines decide for it (compared bit for bit
// with the baseline), and its records, to refill a ProspectBuilder as a service would.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "baseline.hpp"
#include "leadrules/leadrules.hpp"

namespace leadrules::bench {

std::string_view grade_name(int g);  // as the API names grades: 0 = F .. 12 = A+
int grade_index(std::string_view name);

// What the benchmark compares, whatever the engine.
struct Outcome {
  double total = 0;
  std::vector<double> blocks;
  int grade = 0;
  uint32_t segments = 0;
  uint32_t fired = 0;
};

Outcome from_baseline(BaselineResults const& b, size_t row);
Outcome from_results(Results const& res, Policy const& p, size_t row);
Outcome from_view(ResultView const& r, Policy const& p);
std::string describe(Outcome const& o, Policy const& p);
std::optional<std::string> first_difference(Outcome const& a, Outcome const& b, Policy const& p);

// The prospect's colleagues (same account), itself first.
std::vector<size_t> colleagues_of(Batch const& batch, Policy const& p, size_t row);

// A record's values as read from the batch's columnar view, ready for ProspectBuilder.
struct Setting {
  std::string_view field;
  ValueType type = ValueType::string;
  bool missing = false;
  double number = 0;
  int64_t micros = 0;
  bool boolean = false;
  std::string_view text;
  std::vector<std::string_view> list;
  Value value;  // grade, duration (and time, for an activity field)
};
struct ActivityData {
  std::string_view kind;
  int64_t at = 0;
  std::vector<Setting> fields;  // present ones
};
struct RecordData {
  std::vector<Setting> fields;  // every prospect field, missing ones too
  std::vector<ActivityData> activities;
};

// The prospect (first) and its colleagues' records; fill() puts them in a builder.
std::vector<RecordData> records_of(Batch const& batch, Policy const& p, size_t row);
void fill(ProspectBuilder& b, std::vector<RecordData> const& records);

// Lines `wanted` of a file (1-based), in order.
std::map<uint32_t, std::string> read_lines(std::string const& path, std::set<uint32_t> const& wanted);

}  // namespace leadrules::bench
