// runtime/ must not include the compiler: the data layer sees the plan, never the checker.
#include "compiler/checker/checker.hpp"
