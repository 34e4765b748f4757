// The code generator produces object code from the plan; it never sees the batch.
#include "runtime/data/table.hpp"
