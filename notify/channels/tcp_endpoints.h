// The TCP endpoints of a host and port by a deadline: host_lookup.h's
// lookup (which a hanging name server cannot stretch past the deadline) in
// the form Asio connects to. For channel .cc files that use Asio already.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "notify/channels/host_lookup.h"

namespace responder::notify {

struct TcpEndpoints {
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;  // empty on error
  std::string error;                                      // "" when found
  bool transient = false;                                 // as HostLookup::transient
};

boost::asio::ip::address asio_address(const IpAddress& address);

TcpEndpoints lookup_tcp_endpoints(const std::string& host, unsigned short port,
                                  std::chrono::steady_clock::time_point deadline);

}  // namespace responder::notify
