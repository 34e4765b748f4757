// Diagnostics: what the engine says about a policy or data it cannot accept.
// Shared by the checker, the data readers and every host (CLI, REPL, embedding API).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace leadrules {

enum class Severity : uint8_t { Error, Warning, Note };

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string file;         // path as given by the user
  uint32_t line = 0;        // 1-based; 0 when the problem has no position (e.g. an empty file)
  uint32_t column = 0;      // 1-based, in Unicode code points
  std::string source_line;  // the text of that line (for the caret), may be empty
  uint32_t byte_begin = 0;  // the culprit within source_line, as byte offsets
  uint32_t byte_end = 0;
  std::string message;
  std::string hint;   // "did you mean `visit`?" — empty when none helps
  std::string field;  // data errors: the field or column concerned
};

// Collects diagnostics in the order they are found.
struct Diagnostics {
  std::vector<Diagnostic> items;
  size_t errors() const {
    size_t n = 0;
    for (auto const& d : items) n += d.severity == Severity::Error;
    return n;
  }
  bool ok() const { return errors() == 0; }
  void add(Diagnostic d) { items.push_back(std::move(d)); }
};

// "file:line:col: error: message", the source line, a caret/underline under the culprit
// (display columns, so CJK text lines up) and the hint. Colour only when asked.
std::string render(Diagnostic const& d, bool colour = false);
std::string render(Diagnostics const& ds, bool colour = false);

}  // namespace leadrules
