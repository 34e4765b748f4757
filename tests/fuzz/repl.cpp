// Fuzz target: the REPL's entries (cli/repl_session.cpp), without a terminal. The input is a
// script, a line per entry, read as `leadrules repl` reads a pipe (repl_terminal.cpp's
// scripted(): `#` lines skipped, an entry with open brackets continued on the next line), in a
// session on examples/pardot with its prospects, as tests/cli/repl.sh runs them.
#include <sstream>

#include "fuzz_common.hpp"
#include "repl_session.hpp"
#include "repl_text.hpp"

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
  std::string line, pending;
  size_t entries = 0;
  while (std::getline(in, line) && entries < kMaxEntries) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t first = line.find_first_not_of(" \t");
    if (pending.empty() && first != std::string::npos && line[first] == '#') continue;
    pending += (pending.empty() ? "" : " ") + line;
    if (cli::repl::continues(pending)) continue;
    std::string entry = std::move(pending);
    pending.clear();
    ++entries;
    if (!session.execute(entry, out)) return 0;
  }
  if (!pending.empty()) session.execute(pending, out);
  return 0;
}
