// stdlib/files: whole-file reads refuse what would never end or not fit, with a reason.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "stdlib/files.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using leadrules::stdlib::read_whole_file;
using leadrules::stdlib::ReadLimits;

namespace {

using leadrules::testing::TempDir;

}  // namespace

TEST_CASE("files: a regular file is read whole", "[files]") {
  TempDir dir;
  auto file = (dir.path / "a.txt").string();
  std::ofstream(file) << "one\ntwo\n";
  std::string why;
  auto text = read_whole_file(file, &why);
  REQUIRE(text);
  CHECK(*text == "one\ntwo\n");
}

TEST_CASE("files: a directory, a missing file, a device and a FIFO are errors with a reason", "[files]") {
  TempDir dir;
  std::string why;
  CHECK_FALSE(read_whole_file(dir.path.string(), &why));
  CHECK(why == "it is a directory");
  CHECK_FALSE(read_whole_file((dir.path / "none").string(), &why));
  CHECK(why == "No such file or directory");
  ReadLimits regular{.regular_only = true};
  CHECK_FALSE(read_whole_file("/dev/zero", &why, regular));  // would never end
  CHECK(why == "it is not a regular file (a device, FIFO or socket)");
  auto fifo = (dir.path / "pipe").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_FALSE(read_whole_file(fifo, &why, regular));  // refused before opening: no writer, no hang
  CHECK(why == "it is not a regular file (a device, FIFO or socket)");
}

TEST_CASE("files: a file over the size limit is an error, also when its size is not known", "[files]") {
  TempDir dir;
  auto file = (dir.path / "big.txt").string();
  std::ofstream(file) << std::string(size_t(3) << 20, 'x');
  std::string why;
  CHECK_FALSE(read_whole_file(file, &why, {.max_bytes = size_t(2) << 20}));
  CHECK(why == "it is larger than 2 MB");
  CHECK(read_whole_file(file, &why, {.max_bytes = size_t(4) << 20}));
  // A device has no size: the limit stops the read instead of the memory running out.
  CHECK_FALSE(read_whole_file("/dev/zero", &why, {.max_bytes = size_t(1) << 20}));
  CHECK(why == "it is larger than 1 MB");
}
