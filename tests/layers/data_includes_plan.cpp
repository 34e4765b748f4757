// The control: a layer may include what it declares (the data layer reads the plan).
#include "compiler/plan/plan.hpp"
int layer_probe_allowed = 0;
