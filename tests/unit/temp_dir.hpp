// A fresh directory for one test (mkdtemp: unique across processes and test cases), removed
// with everything in it at the end.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace leadrules::testing {

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(std::string const& prefix = "leadrules-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    char* made = ::mkdtemp(tmpl.data());
    REQUIRE(made != nullptr);
    path = made;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(TempDir const&) = delete;
  TempDir& operator=(TempDir const&) = delete;
  std::string operator/(std::string const& name) const { return (path / name).string(); }
  // Writes `content` to NAME in the directory; returns its path.
  std::string write(std::string const& name, std::string const& content) const {
    std::ofstream(path / name, std::ios::binary) << content;
    return *this / name;
  }
};

}  // namespace leadrules::testing
