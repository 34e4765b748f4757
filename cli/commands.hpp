// The subcommands, each a function over parsed options.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "leadrules/leadrules.hpp"

namespace leadrules::cli {

struct Options {
  std::vector<std::string> policies;
  std::string policy, input, activities, now, output, format, rejects, state, id;
  std::string engine = "jit";
  unsigned threads = 0;  // 0: all cores
  bool explain = false, fmt_check = false, fmt_write = false;
  unsigned repeat = 3;
  bool colour = false, colour_out = false;
};

int check(Options const& o);
int format(Options const& o);
int test(Options const& o);
int run(Options const& o);
int explain(Options const& o);
int bench(Options const& o);
int run_repl(Options const& o);  // repl.cpp

// Shared by the subcommands: the compile options the environment asks for (cache, IR dump),
// and --now (the current time when empty; throws std::invalid_argument when malformed).
CompileOptions compile_options(Options const& o);
int64_t parse_now(std::string const& text);

}  // namespace leadrules::cli
