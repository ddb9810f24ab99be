// Durations as playbooks write them: "250ms", "30s", "5m", "1h30m", "2d".
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "responder/result.h"

namespace responder {

using Duration = std::chrono::milliseconds;

// A sequence of <number><unit> with units ms, s, m, h, d; a bare number is
// seconds. Zero is allowed; negative values and unknown units are errors.
Result<Duration> parse_duration(std::string_view text);
// The shortest exact rendering, e.g. 90000ms -> "1m30s".
std::string format_duration(Duration duration);

}  // namespace responder
