// `leadrules diff`: being written (issue 10); until then it says so and exits 2.
#include <iostream>

#include "commands.hpp"

namespace leadrules::cli {

int diff(Options const&) {
  std::cerr << "leadrules diff: not available in this build yet\n";
  return 2;
}

}  // namespace leadrules::cli
