// Who the evidence came from and what the clock said: the facts an examiner
// needs to tie a bundle to one machine, one boot, and one time base.
#pragma once

#include "responder/json.h"

namespace responder::evidence {

// {"hostname", "machine_id", "boot_id", "kernel": {"release","version",
// "machine"}}; a value that cannot be read is "unavailable: <why>".
json::object host_identity();

// {"time_zone", "utc_offset", "realtime", "monotonic_ns", "clocksource",
// "ntp_synchronized", "max_error_us", "est_error_us"}: what the clock was and
// how far it could be trusted at the moment of the call.
json::object clock_state();

// The host name, or "unknown".
std::string host_name();

}  // namespace responder::evidence
