// Times in evidence records: UTC with nanoseconds, and the raw count, so a
// record states exactly what the kernel reported and when it was read.
#pragma once

#include <ctime>
#include <string>

#include "responder/json.h"

namespace responder::evidence {

// "2026-11-23T18:09:00.123456789Z"
std::string format_utc_ns(const timespec& time);
// CLOCK_REALTIME now, formatted as above.
std::string now_utc_ns();
// {"utc": "...", "ns": <seconds * 1e9 + nanoseconds since the epoch>}
json::object time_record(const timespec& time);

}  // namespace responder::evidence
