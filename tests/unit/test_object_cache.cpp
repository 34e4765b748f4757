// The JIT's object cache (CompileOptions::cache_dir): a second compile loads the object, and the
// directory is pruned to 64 MB, least recently used first, touching only the cache's own files.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "leadrules/leadrules.hpp"
#include "temp_dir.hpp"

using namespace leadrules;
namespace fs = std::filesystem;

namespace {

char const kPolicy[] =
    "policy \"cache\"\nschema prospect {\n  id: string\n  n: number?\n}\npoints +1 if n > 2\n";

using leadrules::testing::TempDir;

// A sparse file of `bytes` that looks like a cached object, last used `age` ago.
void fake_object(fs::path const& file, uintmax_t bytes, std::chrono::hours age) {
  std::ofstream(file).put('x');
  fs::resize_file(file, bytes);
  fs::last_write_time(file, fs::file_time_type::clock::now() - age);
}

size_t objects_in(fs::path const& dir) {
  size_t n = 0;
  for (auto const& e : fs::directory_iterator(dir)) n += e.path().extension() == ".o";
  return n;
}

}  // namespace

TEST_CASE("object cache: a second compile loads the object, and old objects are pruned past 64 MB",
          "[jit][cache]") {
  TempDir dir;
  CompileOptions options{.engine = Engine::jit, .cache_dir = dir.path.string()};
  auto first = Policy::compile(kPolicy, "cache.lr", options);
  REQUIRE(first);
  REQUIRE(objects_in(dir.path) == 1);

  // 3 × 40 MB of older objects (sizes as a listing shows them; the files are sparse) and a file
  // that is not the cache's own.
  fake_object(dir.path / "aaaa-llvm19.1.7-cg3-x-O2-old.o", 40u << 20, std::chrono::hours(72));
  fake_object(dir.path / "bbbb-llvm19.1.7-cg3-x-O2-older.o", 40u << 20, std::chrono::hours(96));
  fake_object(dir.path / "cccc-llvm19.1.7-cg3-x-O2-recent.o", 40u << 20, std::chrono::hours(1));
  fake_object(dir.path / "notes.o", 40u << 20, std::chrono::hours(200));

  // A hit refreshes the policy's object; a compile of another policy writes and prunes.
  REQUIRE(Policy::compile(kPolicy, "cache.lr", options));
  auto other = Policy::compile(std::string(kPolicy) + "points +2 if n > 5\n", "cache2.lr", options);
  REQUIRE(other);

  // 120 MB and 2 small objects are over 64 MB: the two least recently used fakes go, the recent
  // fake, both real objects and the file that is not the cache's own stay.
  CHECK_FALSE(fs::exists(dir.path / "bbbb-llvm19.1.7-cg3-x-O2-older.o"));
  CHECK_FALSE(fs::exists(dir.path / "aaaa-llvm19.1.7-cg3-x-O2-old.o"));
  CHECK(fs::exists(dir.path / "cccc-llvm19.1.7-cg3-x-O2-recent.o"));
  CHECK(fs::exists(dir.path / "notes.o"));
  CHECK(objects_in(dir.path) == 4);  // two real objects, the recent fake, notes.o
}
