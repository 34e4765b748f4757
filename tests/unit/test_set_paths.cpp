// Set files stay in the policy's folder (issue 12 item 4): `..`, absolute paths and symbolic
// links that lead out are policy errors unless CompileOptions::allowed_paths holds the file.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "leadrules/leadrules.hpp"
#include "stdlib/files.hpp"

namespace fs = std::filesystem;
using leadrules::CompileOptions;
using leadrules::Engine;
using leadrules::Policy;

namespace {

// root/policy/ holds the policy, root/shared/ a set file outside its folder.
struct Layout {
  fs::path root = fs::temp_directory_path() / ("leadrules-set-paths-" + std::to_string(::getpid()));
  fs::path policy_dir = root / "policy", shared = root / "shared";
  Layout() {
    fs::create_directories(policy_dir);
    fs::create_directories(shared);
    fs::create_directories(root / "policy_old");
    std::ofstream(shared / "accounts.txt") << "acme\n";
    std::ofstream(policy_dir / "inside.txt") << "acme\n";
    std::ofstream(root / "policy_old" / "accounts.txt") << "acme\n";
  }
  ~Layout() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  // A policy whose one set is file(path); written into policy/ as p.lr, also returned as text.
  std::string policy(std::string const& path) const {
    std::string text = "schema prospect {\n  id: string\n  account: string?\n}\nset named = file(\"" + path +
                       "\")\nsegment named_account when account in named\n";
    std::ofstream(policy_dir / "p.lr") << text;
    return text;
  }
  std::string policy_file() const { return (policy_dir / "p.lr").string(); }
};

CompileOptions allowing(std::vector<std::string> dirs) {
  CompileOptions o;
  o.engine = Engine::interp;
  o.allowed_paths = std::move(dirs);
  return o;
}

}  // namespace

TEST_CASE("set paths: path_inside compares whole components", "[set-paths]") {
  using leadrules::stdlib::path_inside;
  CHECK(path_inside("/a/b/c.txt", "/a/b"));
  CHECK(path_inside("/a/b/c.txt", "/a/b/"));
  CHECK(path_inside("/a/b", "/a/b"));
  CHECK(path_inside("/a/b/c.txt", "/"));
  CHECK_FALSE(path_inside("/a/bc/c.txt", "/a/b"));  // a string prefix, not a folder
  CHECK_FALSE(path_inside("/a", "/a/b"));
  CHECK_FALSE(path_inside("/a", ""));
  CHECK(leadrules::stdlib::resolved_path("") == fs::current_path().string());
  CHECK(leadrules::stdlib::resolved_path("/a/b/../../etc/passwd") == "/etc/passwd");
}

TEST_CASE("set paths: a file in the policy's folder or below is read", "[set-paths]") {
  Layout l;
  l.policy("inside.txt");
  CHECK(Policy::compile_file(l.policy_file(), allowing({})));
  l.policy("./sub/../inside.txt");
  CHECK(Policy::compile_file(l.policy_file(), allowing({})));
}

TEST_CASE("set paths: .., absolute paths and symbolic links out are errors at the path", "[set-paths]") {
  Layout l;
  for (std::string path : {std::string("../shared/accounts.txt"), (l.shared / "accounts.txt").string(),
                           std::string("../policy_old/accounts.txt"), std::string("link.txt")}) {
    INFO(path);
    fs::remove(l.policy_dir / "link.txt");
    fs::create_symlink(l.shared / "accounts.txt", l.policy_dir / "link.txt");
    l.policy(path);
    auto compiled = Policy::compile_file(l.policy_file(), allowing({}));
    REQUIRE_FALSE(compiled);
    REQUIRE(compiled.diagnostics.items.size() == 1);
    auto const& d = compiled.diagnostics.items[0];
    CHECK(d.message.find("is outside the policy's folder") != std::string::npos);
    CHECK(d.hint.find("--allow-path DIR") != std::string::npos);
    CHECK(d.line == 5);
    CHECK(d.column == 18);  // the string literal, not the declaration
    if (path == "link.txt") CHECK(d.message.find("it leads to") != std::string::npos);
  }
}

TEST_CASE("set paths: a policy named without a folder has the current directory's", "[set-paths]") {
  Layout l;
  std::string text = l.policy("../shared/accounts.txt");
  fs::path before = fs::current_path();
  fs::current_path(l.policy_dir);
  auto outside = Policy::compile(text, "p.lr", allowing({}));
  auto inside = Policy::compile(l.policy("inside.txt"), "p.lr", allowing({}));
  fs::current_path(before);
  CHECK_FALSE(outside);
  CHECK(inside);
}

TEST_CASE("set paths: allowed_paths lets a set file outside be read", "[set-paths]") {
  Layout l;
  l.policy("../shared/accounts.txt");
  CHECK(Policy::compile_file(l.policy_file(), allowing({l.shared.string()})));
  CHECK(leadrules::check_policy_file(l.policy_file(), allowing({l.shared.string()})));
  CHECK_FALSE(leadrules::check_policy_file(l.policy_file(), allowing({(l.root / "shar").string()})));
  // A link inside the folder to a file in an allowed directory.
  fs::create_symlink(l.shared / "accounts.txt", l.policy_dir / "link.txt");
  l.policy("link.txt");
  CHECK_FALSE(Policy::compile_file(l.policy_file(), allowing({})));
  CHECK(Policy::compile_file(l.policy_file(), allowing({l.shared.string()})));
  // A link inside an allowed directory that leads out of it is not allowed.
  fs::create_symlink(l.root / "policy_old" / "accounts.txt", l.shared / "out.txt");
  l.policy("../shared/out.txt");
  CHECK_FALSE(Policy::compile_file(l.policy_file(), allowing({l.shared.string()})));
}

TEST_CASE("set paths: a policy given as text under a placeholder name has no folder", "[set-paths]") {
  Layout l;
  std::string text = l.policy((l.policy_dir / "inside.txt").string());
  auto compiled = Policy::compile(text, "<policy>", allowing({}));
  REQUIRE_FALSE(compiled);
  CHECK(compiled.rendered().find("is not in an allowed directory") != std::string::npos);
  CHECK(Policy::compile(text, "<policy>", allowing({l.policy_dir.string()})));
  // Named by a path, the text's folder is that path's.
  CHECK(Policy::compile(text, l.policy_file(), allowing({})));
  CHECK_FALSE(leadrules::check_policy(text));
}

TEST_CASE("set paths: the options last: expressions and reloads check the policy again", "[set-paths]") {
  Layout l;
  l.policy("../shared/accounts.txt");
  auto compiled = Policy::compile_file(l.policy_file(), allowing({l.shared.string()}));
  REQUIRE(compiled);
  Policy policy = *compiled.policy;
  leadrules::ProspectBuilder p(policy);
  p.set("id", "1").set("account", "acme");
  auto value = policy.evaluate_expression("account in named", p, 0);
  REQUIRE(value);
  CHECK(*value.value == leadrules::Value::of_bool(true));
  leadrules::PolicyHolder holder(policy);
  CHECK(holder.reload_file(l.policy_file()));
}
