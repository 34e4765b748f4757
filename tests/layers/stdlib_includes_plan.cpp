// stdlib/ is the leaf: it includes nothing of the engine.
#include "compiler/plan/plan.hpp"
