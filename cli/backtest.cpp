// `leadrules backtest`: being written (issue 10); until then it says so and exits 2.
#include <iostream>

#include "commands.hpp"

namespace leadrules::cli {

int backtest(Options const&) {
  std::cerr << "leadrules backtest: not available in this build yet\n";
  return 2;
}

}  // namespace leadrules::cli
