// UTC timestamps in RFC 3339, as the journal and reports write them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "responder/result.h"

namespace responder {

using SystemTime = std::chrono::system_clock::time_point;

// "2026-11-23T18:09:00.123Z": millisecond precision, always UTC.
std::string format_rfc3339(SystemTime time);
std::string now_rfc3339();
// Milliseconds since the Unix epoch, now: how receipts keep their moments.
std::int64_t now_unix_ms();
// format_rfc3339 of a moment kept as Unix milliseconds.
std::string format_unix_ms(std::int64_t ms);
// Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)"; a space may replace the T.
Result<SystemTime> parse_rfc3339(std::string_view text);
// parse_rfc3339 as Unix milliseconds, as receipts keep moments; nullopt when
// the text is not such a time.
std::optional<std::int64_t> rfc3339_to_unix_ms(std::string_view text);

}  // namespace responder
