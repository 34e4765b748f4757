// Loading rule sets compiled ahead of time: the descriptor checks (runtime/native/ruleset.hpp)
// on descriptors made by hand, and a rule set written and loaded back through the API.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "leadrules/leadrules.hpp"
#include "runtime/native/ruleset.hpp"
#include "tests/unit/temp_dir.hpp"

namespace {

// A descriptor that passes every check, with no calls and no entry (never evaluated here).
struct FakeRuleSet {
  char const* names[1] = {"lr_str_len"};
  void* calls[1] = {nullptr};
  LrRuleSet rs{};
  FakeRuleSet() {
    std::memcpy(rs.magic, LR_RULESET_MAGIC, sizeof rs.magic);
    rs.abi_version = LR_ABI_VERSION;
    rs.policy_name = "p";
    rs.fingerprint = "f";
    rs.cpu = "x86-64";
    rs.features = "";
    rs.source = "policy \"p\"";
    rs.source_size = std::strlen(rs.source);
    rs.call_names = names;
    rs.calls = calls;
  }
};

}  // namespace

TEST_CASE("a rule set's descriptor is checked before anything of it is used", "[aot]") {
  FakeRuleSet f;
  SECTION("a good one binds its calls") {
    f.rs.call_count = 1;
    auto contents = leadrules::jit::bind_ruleset(&f.rs, "good");
    CHECK(contents.policy_name == "p");
    CHECK(f.calls[0] != nullptr);
  }
  SECTION("not a rule set") {
    f.rs.magic[0] = 'X';
    CHECK_THROWS_WITH(leadrules::jit::bind_ruleset(&f.rs, "x.so"),
                      Catch::Contains("x.so is not a leadrules rule set"));
    CHECK_THROWS_WITH(leadrules::jit::bind_ruleset(nullptr, "null"),
                      Catch::Contains("not a leadrules rule set"));
  }
  SECTION("another ABI version") {
    f.rs.abi_version = LR_ABI_VERSION + 1;
    CHECK_THROWS_WITH(
        leadrules::jit::bind_ruleset(&f.rs, "new.so"),
        Catch::Contains("compiled for leadrules ABI version " + std::to_string(LR_ABI_VERSION + 1)));
  }
  SECTION("a CPU feature the runtime cannot check") {
    f.rs.features = "sse4.2,quantum-entanglement";
    CHECK_THROWS_WITH(leadrules::jit::bind_ruleset(&f.rs, "q.so"),
                      Catch::Contains("feature quantum-entanglement this runtime cannot check"));
  }
  SECTION("a call this runtime does not have") {
    f.names[0] = "lr_teleport";
    f.rs.call_count = 1;
    CHECK_THROWS_WITH(leadrules::jit::bind_ruleset(&f.rs, "t.so"), Catch::Contains("calls lr_teleport"));
  }
  SECTION("set files are read back in pairs") {
    static char const sets[] = "a.txt\0x\ny\n\0b.txt\0\0";
    f.rs.set_files = sets;
    f.rs.set_files_size = sizeof sets - 1;
    auto contents = leadrules::jit::bind_ruleset(&f.rs, "s.so");
    REQUIRE(contents.set_files.size() == 2);
    CHECK(contents.set_files[0] == std::pair<std::string, std::string>("a.txt", "x\ny\n"));
    CHECK(contents.set_files[1] == std::pair<std::string, std::string>("b.txt", ""));
    f.rs.set_files_size = 3;  // cut inside the first name
    CHECK_THROWS_WITH(leadrules::jit::bind_ruleset(&f.rs, "s.so"), Catch::Contains("set files are damaged"));
  }
}

TEST_CASE("a policy written as a shared rule set loads back with its manifest", "[aot]") {
  leadrules::testing::TempDir dir;
  std::string text = R"(policy "Tiny"
schema prospect {
  id: string
  title: string?
}
schema activity {
  kinds visit
}
points +5 per visit
points +10 if title ~* "vp"
)";
  auto compiled =
      leadrules::Policy::compile(text, dir.path.string() + "/tiny.lr", {.engine = leadrules::Engine::interp});
  REQUIRE(compiled);
  std::string so = dir.path.string() + "/tiny.so";
  auto written = compiled.policy->write_compiled(so);
  CHECK(written.cpu == "x86-64-v2");
  CHECK(written.features.find("sse4.2") != std::string::npos);
  auto loaded = leadrules::Policy::load_compiled(so);
  INFO(loaded.rendered());
  REQUIRE(loaded);
  CHECK(loaded.policy->engine() == leadrules::Engine::aot);
  REQUIRE(loaded.policy->manifest());
  CHECK(loaded.policy->manifest()->policy_name == "Tiny");
  CHECK(loaded.policy->fingerprint() == compiled.policy->fingerprint());
  auto data = loaded.policy->read_jsonl(
      R"({"id":"a","title":"VP Sales","activities":[{"type":"visit","at":"2026-01-01"}]})");
  REQUIRE(data);
  auto results = loaded.policy->evaluate(*data.batch, {.now = *leadrules::parse_time("2026-02-01")});
  INFO(results.to_jsonl());
  CHECK(results.to_jsonl().find("\"score\":15") != std::string::npos);

  CHECK_FALSE(leadrules::Policy::load_compiled(dir.path.string() + "/missing.so"));
  leadrules::CompiledFileOptions bad;
  bad.shared = false;
  bad.symbol = "9lives";
  CHECK_THROWS_AS(compiled.policy->write_compiled(dir.path.string() + "/x.o", bad), leadrules::Error);
}
