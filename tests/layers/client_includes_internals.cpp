// Clients (the CLI, bench, examples) see include/leadrules/ only.
#include "runtime/data/table.hpp"
