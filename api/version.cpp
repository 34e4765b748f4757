// The version of the library and what it was built with (the values come from CMake).
#include <string>

#include "api/engines.hpp"
#include "leadrules/leadrules.h"
#include "leadrules/leadrules.hpp"

namespace leadrules {

std::string_view version() { return LEADRULES_VERSION; }

std::string_view build_info() {
  static std::string const info = std::string(api::compiler_info()) + ", " LEADRULES_BUILD_TYPE
#if defined(__SANITIZE_ADDRESS__)
                                                                      " + AddressSanitizer"
#endif
#if defined(__SANITIZE_THREAD__)
                                                                      " + ThreadSanitizer"
#endif
      ;
  return info;
}

}  // namespace leadrules

extern "C" char const* lr_version(void) { return LEADRULES_VERSION; }
