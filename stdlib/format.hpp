// How values print, shared by every engine, the results writers, templates and the REPL.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace leadrules::stdlib {

// Fine print 8: the shortest decimal that reads back to the same double (fmt's `{}`), whole
// numbers without a fraction (`42`), `-0` as `0`. Very large or small magnitudes use fmt's
// exponent form (`1e+21`, `1e-07`). Not-a-number and infinities print `NaN`, `Infinity`,
// `-Infinity` (they cannot come from data; arithmetic makes them missing).
std::string format_number(double v);
void append_number(std::string& out, double v);

// The largest of `w`, `d`, `h`, `min` that divides the duration exactly (`2d`, `90min`, `-3d`),
// otherwise seconds with a decimal fraction (`90s`, `1.5s`, `0.000001s`); zero is `0min`.
// parse_duration (stdlib/time.hpp) reads every output back.
std::string format_duration(int64_t micros);

// A JSON string literal, quotes included: `"` and `\` escaped, control characters (< 0x20) as
// \u00XX, everything else (UTF-8 included) as is.
std::string json_escape(std::string_view s);
void append_json_string(std::string& out, std::string_view s);

}  // namespace leadrules::stdlib
