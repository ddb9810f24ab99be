// Looking up a host name for a channel that must not outlive its deadline.
//
// getaddrinfo cannot be cancelled, so the lookup runs on a thread of its own
// and the caller waits only until its deadline: when the deadline passes
// first, the caller gets an answer at once and the thread finishes (and
// frees everything it holds) whenever the resolver returns. An IP address
// literal is answered without any lookup.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "responder/address.h"
#include "responder/result.h"

namespace responder::notify {

struct HostLookup {
  std::vector<IpAddress> addresses;  // in the resolver's order; empty on error
  std::string error;                 // "" when addresses were found
  // True when asking again later may succeed (the resolver was unreachable,
  // the deadline passed); false when the name does not exist.
  bool transient = false;
};

HostLookup lookup_host(const std::string& host, std::chrono::steady_clock::time_point deadline);

}  // namespace responder::notify
