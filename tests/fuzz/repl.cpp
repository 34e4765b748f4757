// Fuzz target: the REPL's entries (cli/repl_session.cpp), without a terminal. The input is a
// script, a line per entry, read as `leadrules repl` reads a pipe (cli::repl::run_script), in a
// session on examples/pardot with its prospects, as tests/cli/repl.sh runs them.
#include <sstream>

#include "fuzz_common.hpp"
#include "repl_session.hpp"

namespace {

constexpr char kPolicy[] = LEADRULES_SOURCE_DIR "/examples/pardot/policy.lr";
constexpr char kInput[] = LEADRULES_SOURCE_DIR "/examples/pardot/prospects.jsonl";
constexpr size_t kMaxEntries = 64;  // each may evaluate the whole input (:diff)

leadrules::Policy const& pardot() {
  static leadrules::Policy const policy = leadrules::fuzz::compile_or_abort(
      leadrules::fuzz::read_or_abort(kPolicy), kPolicy, leadrules::Engine::interp);
  return policy;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
  using namespace leadrules;
  static std::string const prospects = fuzz::read_or_abort(kInput);
  Policy const& policy = pardot();
  LoadResult read = policy.read_jsonl(prospects, kInput);
  if (!read) fuzz::fail(read.errors.at(0).message());
  cli::repl::Config config{kPolicy, kInput, "", {.engine = Engine::interp}, false};
  cli::repl::Session session(std::move(config), policy, std::move(read.batch), fuzz::kNow);
  std::istringstream in(std::string(fuzz::as_text(data, size)));
  std::ostringstream out;
  return cli::repl::run_script(session, in, out, kMaxEntries);
}
