#include "notify/channels/tcp_endpoints.h"

#include <netinet/in.h>

#include <algorithm>

namespace responder::notify {

boost::asio::ip::address asio_address(const IpAddress& a) {
  namespace ip = boost::asio::ip;
  if (a.family == AF_INET) return ip::address_v4({a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3]});
  ip::address_v6::bytes_type bytes;
  std::copy_n(a.bytes.begin(), bytes.size(), bytes.begin());
  return ip::address_v6(bytes);
}

TcpEndpoints lookup_tcp_endpoints(const std::string& host, unsigned short port,
                                  std::chrono::steady_clock::time_point deadline) {
  HostLookup lookup = lookup_host(host, deadline);
  TcpEndpoints found{{}, lookup.error, lookup.transient};
  for (auto& a : lookup.addresses) found.endpoints.emplace_back(asio_address(a), port);
  return found;
}

}  // namespace responder::notify
