// The firing-state store (FiringStore, runtime/data/state.cpp) and whole-file writes, through the
// public API: locking, a failed run leaving nothing, ids with a NUL, the default count of a
// firing record, and what write_file_atomically does with FIFOs, links and permissions. The
// CLI side (corrupt files, invalid rows, full disks, SIGKILL) is in tests/cli/state_*.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "leadrules/leadrules.hpp"
#include "temp_dir.hpp"

using namespace leadrules;

namespace {

constexpr char const* kPolicy = R"(policy "state test"

schema prospect {
  id: string
}

schema activity {
  kinds form
}

points +25 per form

rule "Welcome" once when any form do tag("welcomed")

test "a history without count means the rule fired once" {
  now @2026-11-22T00:00:00Z
  prospect { id: "t1" }
  form { at: -1d }
  history "Welcome" {}
  expect not fired("Welcome")
}

test "count 0 means never fired" {
  now @2026-11-22T00:00:00Z
  prospect { id: "t1" }
  form { at: -1d }
  history "Welcome" { count: 0 }
  expect fired("Welcome")
}
)";

int64_t const kNow = *parse_time("2026-11-22T00:00:00Z");

Policy compile_ok(Engine engine = Engine::jit) {
  auto compiled = Policy::compile(kPolicy, "state.lr", {.engine = engine});
  INFO(compiled.rendered());
  REQUIRE(compiled);
  return *compiled.policy;
}

std::string prospect(std::string_view id_json, std::string_view fired = "") {
  std::string line =
      "{\"id\":" + std::string(id_json) + R"(,"activities":[{"type":"form","at":"2026-11-21"}])";
  if (!fired.empty()) line += ",\"fired\":" + std::string(fired);
  return line + "}\n";
}

using leadrules::testing::TempDir;

std::string slurp(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("state: a firing record without count means count 1, in JSON and in tests alike", "[state]") {
  for (Engine engine : {Engine::interp, Engine::jit}) {
    Policy p = compile_ok(engine);
    auto data = p.read_jsonl(prospect("\"empty\"", R"({"Welcome":{}})") +
                             prospect("\"null\"", R"({"Welcome":{"count":null}})") +
                             prospect("\"last\"", R"({"Welcome":{"last":"2026-11-01"}})") +
                             prospect("\"zero\"", R"({"Welcome":{"count":0}})") + prospect("\"none\""));
    REQUIRE(data);
    auto results = p.evaluate(*data.batch, {.now = kNow});
    CHECK_FALSE(results.fired(0, 0));  // {}: fired once already
    CHECK_FALSE(results.fired(1, 0));  // "count": null is no count
    CHECK_FALSE(results.fired(2, 0));
    CHECK(results.fired(3, 0));  // "count": 0 is never fired
    CHECK(results.fired(4, 0));
  }
  for (auto const& outcome : compile_ok().run_tests()) {
    INFO(outcome.name);
    CHECK(outcome.passed);
  }
}

TEST_CASE("state: one read-write store per file, and a read-only one still reads", "[state]") {
  TempDir dir;
  std::string const path = dir / "s.db";
  Policy p = compile_ok();
  DataError error;
  auto first = FiringStore::open(path, &error);
  REQUIRE(first);
  CHECK_FALSE(FiringStore::open(path, &error));
  CHECK(error.reason == "the state file " + path + " is in use by another run (SQLite lock)");
  auto data = p.read_jsonl(prospect("\"p1\""));
  REQUIRE_FALSE(first->load(p, *data.batch));
  auto results = p.evaluate(*data.batch, {.now = kNow});
  REQUIRE(results.fired(0, 0));
  auto reader = FiringStore::open(path, &error, FiringStore::Mode::read_only);
  REQUIRE(reader);  // while the writer holds the lock
  REQUIRE_FALSE(first->record(p, *data.batch, results, kNow));
  // The lock is released by record(): another store opens, and the reader sees the firing.
  CHECK(FiringStore::open(path, &error));
  auto again = p.read_jsonl(prospect("\"p1\""));
  REQUIRE_FALSE(reader->load(p, *again.batch));
  CHECK_FALSE(p.evaluate(*again.batch, {.now = kNow}).fired(0, 0));
  CHECK(reader->record(p, *again.batch, results, kNow));  // read-only
}

TEST_CASE("state: a store that records nothing leaves no file, or the file as it was", "[state]") {
  TempDir dir;
  std::string const path = dir / "s.db";
  DataError error;
  { REQUIRE(FiringStore::open(path, &error)); }
  CHECK_FALSE(std::filesystem::exists(path));
  { REQUIRE(FiringStore::open(path, &error, FiringStore::Mode::read_only)); }
  CHECK_FALSE(std::filesystem::exists(path));

  Policy p = compile_ok();
  {
    auto store = FiringStore::open(path, &error);
    REQUIRE(store);
    auto data = p.read_jsonl(prospect("\"p1\""));
    REQUIRE_FALSE(store->record(p, *data.batch, p.evaluate(*data.batch, {.now = kNow}), kNow));
  }
  std::string const before = slurp(path);
  {
    auto store = FiringStore::open(path, &error);
    REQUIRE(store);
    auto data = p.read_jsonl(prospect("\"p2\""));
    REQUIRE_FALSE(store->load(p, *data.batch));
  }  // destroyed without record(): a failed run
  CHECK(slurp(path) == before);
}

TEST_CASE("state: an id with a NUL keeps its own history", "[state]") {
  TempDir dir;
  std::string const path = dir / "s.db";
  Policy p = compile_ok();
  DataError error;
  auto run = [&](std::string const& input) {
    auto store = FiringStore::open(path, &error);
    REQUIRE(store);
    auto data = p.read_jsonl(input);
    REQUIRE(data);
    REQUIRE_FALSE(store->load(p, *data.batch));
    auto results = p.evaluate(*data.batch, {.now = kNow});
    REQUIRE_FALSE(store->record(p, *data.batch, results, kNow));
    std::vector<bool> fired;
    for (size_t r = 0; r < results.size(); ++r) fired.push_back(results.fired(r, 0));
    return fired;
  };
  CHECK(run(prospect(R"("a\u0000b")")) == std::vector<bool>{true});
  CHECK(run(prospect(R"("a\u0000b")") + prospect(R"("a")") + prospect(R"("a\u0000c")")) ==
        std::vector<bool>{false, true, true});
}

TEST_CASE("write_file_atomically: FIFOs written in place, links followed, permissions kept", "[state]") {
  TempDir dir;
  std::string error;
  // A FIFO is not replaced by a regular file (nor would /dev/null be).
  std::string const fifo = dir / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string received;
  std::thread reader([&] { received = slurp(fifo); });
  CHECK(write_file_atomically(fifo, "through the pipe\n", &error));
  reader.join();
  CHECK(received == "through the pipe\n");
  struct stat st {};
  REQUIRE(::stat(fifo.c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));

  // A link to a file: the file gets the new content, the link stays a link; the mode is kept.
  std::string const target = dir / "target.jsonl", link = dir / "link.jsonl";
  CHECK(write_file_atomically(target, "old\n", &error));
  REQUIRE(::chmod(target.c_str(), 0640) == 0);
  std::filesystem::create_symlink(target, link);
  CHECK(write_file_atomically(link, "new\n", &error));
  CHECK(std::filesystem::is_symlink(link));
  CHECK(slurp(target) == "new\n");
  REQUIRE(::stat(target.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
  // Nothing else is left in the directory (no temporary file).
  size_t files = 0;
  for ([[maybe_unused]] auto const& e : std::filesystem::directory_iterator(dir.path)) ++files;
  CHECK(files == 3);

  // A directory is an error that names the path.
  CHECK_FALSE(write_file_atomically(dir.path.string(), "x", &error));
  CHECK(error.find(dir.path.string()) != std::string::npos);
}
