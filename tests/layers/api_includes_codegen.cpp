// api/ links no LLVM (libleadrules-runtime is made of it): the code generator is out of sight.
#include "compiler/codegen/object.hpp"
