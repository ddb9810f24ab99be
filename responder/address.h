// IP addresses and prefixes, parsed with inet_pton and kept in binary form.
//
// Everything that decides what to block or protect works on these values,
// never on the text a user typed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "responder/result.h"

namespace responder {

struct IpAddress {
  int family = 0;  // AF_INET or AF_INET6
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4

  int bit_length() const;
  std::string to_string() const;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

// A network: address with its host bits cleared, and a prefix length.
struct Cidr {
  IpAddress network;
  int prefix = 0;

  // True when `address` lies inside this network.
  bool contains(const IpAddress& address) const;
  // True when the two networks share at least one address.
  bool overlaps(const Cidr& other) const;
  bool is_host() const { return prefix == network.bit_length(); }
  std::string to_string() const;  // "a.b.c.d/n", or the bare address for a host
  friend bool operator==(const Cidr&, const Cidr&) = default;
};

// An IPv4 or IPv6 address in its textual form.
Result<IpAddress> parse_ip(std::string_view text);
Result<IpAddress> parse_ipv4(std::string_view text);
Result<IpAddress> parse_ipv6(std::string_view text);
// "addr" or "addr/len". Host bits set below the prefix are an error, because a
// responder who wrote 10.0.0.5/8 most likely meant something else.
Result<Cidr> parse_cidr(std::string_view text);

}  // namespace responder
