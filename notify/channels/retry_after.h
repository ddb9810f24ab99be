// HTTP's Retry-After (RFC 9110 section 10.2.3): how long a server that
// answered 429 or 503 asks us to wait before the next attempt.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace responder::notify {

// The wait that `value` asks for, measured from `now`: delta-seconds ("120")
// or an HTTP-date in any of the three forms a recipient must accept
// ("Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
// "Sun Nov  6 08:49:37 1994"). A date in the past is no wait (zero). Waits
// are capped at one day: a far-future date is a misconfigured server, not
// a reason to stay silent during an incident. Nothing (nullopt) when the
// value is neither form.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

}  // namespace responder::notify
