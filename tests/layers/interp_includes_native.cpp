// The interpreter and the native engine never include each other.
#include "runtime/native/native_engine.hpp"
