// Durations as playbooks write them: "250ms", "30s", "5m", "1h30m", "2d".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "responder/json.h"
#include "responder/result.h"

namespace responder {

using Duration = std::chrono::milliseconds;

// A sequence of <number><unit> with units ms, s, m, h, d; a bare number is
// seconds. Zero is allowed; negative values and unknown units are errors.
Result<Duration> parse_duration(std::string_view text);
// A duration as a parameter holds it: a whole number of seconds (0 or more)
// or text for parse_duration, with the same limits for both: 90 and "90"
// are the same value. Bad text is named as parse_duration names it; any other
// value is "expected ..., found ..." as check_value words it. The schema's
// `duration` type check and every module read duration parameters with this.
Result<Duration> duration_from_json(const json::value& value);
// The parameter `name` of `params` read by duration_from_json; nullopt when
// it is absent or null.
Result<std::optional<Duration>> duration_param(const json::object& params, std::string_view name);
// The same, with `fallback` when the parameter is absent or null.
Result<Duration> duration_param(const json::object& params, std::string_view name, Duration fallback);

// The shortest exact rendering, e.g. 90000ms -> "1m30s".
std::string format_duration(Duration duration);

}  // namespace responder
