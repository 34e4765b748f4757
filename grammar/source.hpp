// A policy's text with its line table: turns byte spans into diagnostics with line and column.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "grammar/ast.hpp"
#include "leadrules/diagnostic.hpp"
#include "stdlib/names.hpp"

namespace leadrules {

class SourceFile {
 public:
  SourceFile(std::string path, std::string text);

  std::string const& path() const { return path_; }
  std::string const& text() const { return text_; }
  std::string_view slice(ast::Span s) const;

  struct Position {
    uint32_t line;        // 1-based
    uint32_t column;      // 1-based, code points
    uint32_t line_begin;  // byte offset of the line's start
  };
  Position position(uint32_t offset) const;
  std::string_view line_text(uint32_t line) const;

  Diagnostic diagnostic(Severity sev, ast::Span span, std::string message, std::string hint = {}) const;

 private:
  std::string path_;
  std::string text_;
  std::vector<uint32_t> line_starts_;
};

using stdlib::closest_name;  // did-you-mean suggestions (stdlib/names.hpp)

// Validates UTF-8; returns the byte offset of the first invalid sequence, or npos.
size_t find_invalid_utf8(std::string_view text);

}  // namespace leadrules
