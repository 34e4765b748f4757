// The native engine reaches the interpreter only through the predicate callback it is given.
#include "runtime/interp/interpreter.hpp"
