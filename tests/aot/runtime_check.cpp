// A service that ships rule sets and no compiler: linked with libleadrules-runtime only (no
// LLVM; tests/cli/aot.sh checks with ldd), it loads a rule set made by `leadrules compile` and
// prints the results of a JSON Lines file as `leadrules run` writes them.
//
//   aot_runtime_check RULESET.so INPUT.jsonl NOW     dlopen, through the C API and the C++ API
//   aot_runtime_check --linked INPUT.jsonl NOW       the object linked into this program
//   aot_runtime_check --jit POLICY.lr INPUT.jsonl    must fail: this library has no compiler
//
// The C and the C++ API must agree byte for byte; the output is theirs.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "leadrules/leadrules.h"
#include "leadrules/leadrules.hpp"

LR_RULESET_DECLARE(linked_example);  // tests/CMakeLists.txt: leadrules compile ... -o linked_example.o

namespace {

std::string read(char const* path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "--jit") == 0) {
    auto compiled = leadrules::Policy::compile(read(argv[2]), argv[2]);
    if (!compiled || compiled.policy->engine() != leadrules::Engine::interp) return 1;
    std::cout << compiled.rendered();  // the warning: no compiler here, the interpreter runs it
    std::cout << "build: " << leadrules::build_info() << "\n";
    return 0;
  }
  if (argc != 4) {
    std::fprintf(stderr, "usage: aot_runtime_check (RULESET.so | --linked) INPUT.jsonl NOW\n");
    return 2;
  }
  bool linked = std::strcmp(argv[1], "--linked") == 0;
  int64_t now = 0;
  if (!lr_parse_time(argv[3], &now)) return 2;
  std::string input = read(argv[2]);

  char* diagnostics = nullptr;
  lr_policy* p = linked ? lr_load_ruleset(LR_RULESET(linked_example), "linked_example", &diagnostics)
                        : lr_load_compiled(argv[1], &diagnostics);
  if (!p) {
    std::fprintf(stderr, "%s", diagnostics ? diagnostics : "no diagnostics\n");
    lr_free(diagnostics);
    return 1;
  }
  lr_free(diagnostics);
  if (std::strcmp(lr_policy_engine(p), "aot") != 0) return 3;
  char* error = nullptr;
  char* from_c = lr_evaluate_jsonl(p, input.data(), input.size(), now, &error);
  lr_policy_free(p);
  if (!from_c) {
    std::fprintf(stderr, "%s\n", error);
    lr_free(error);
    return 1;
  }

  auto loaded = linked ? leadrules::Policy::load_ruleset(LR_RULESET(linked_example), "linked_example")
                       : leadrules::Policy::load_compiled(argv[1]);
  if (!loaded) {
    std::cerr << loaded.rendered();
    return 1;
  }
  auto data = loaded.policy->read_jsonl(input, argv[2]);
  if (!data) return 1;
  std::string from_cpp = loaded.policy->evaluate(*data.batch, {.now = now}).to_jsonl();
  if (from_cpp != from_c) {
    std::fprintf(stderr, "the C and C++ APIs disagree\n");
    return 4;
  }
  std::fputs(from_c, stdout);
  lr_free(from_c);
  return 0;
}
