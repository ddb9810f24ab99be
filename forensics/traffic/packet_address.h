// An IP address as the packet path keeps it: 16 bytes, IPv4 mapped into
// ::ffff:a.b.c.d, so that one hash table holds both families and a lookup
// costs two 64-bit compares.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "responder/address.h"

namespace responder::traffic {

struct PacketAddress {
  std::uint64_t high = 0;  // first 8 bytes, big-endian
  std::uint64_t low = 0;   // last 8 bytes, big-endian

  // From 4 network-order bytes.
  static PacketAddress from_ipv4(const std::uint8_t* bytes);
  // From 16 network-order bytes.
  static PacketAddress from_ipv6(const std::uint8_t* bytes);
  static PacketAddress from_ip(const IpAddress& address);

  bool is_ipv4() const { return high == 0 && (low >> 32) == 0xffffu; }
  std::uint32_t ipv4() const { return static_cast<std::uint32_t>(low); }  // host order
  // 32 bits that tell addresses apart cheaply: the address itself for IPv4
  // (so distinct IPv4 addresses never collide), a fold of all 128 bits for
  // IPv6. For prefilters only; equal fingerprints still need operator==.
  std::uint32_t fingerprint32() const {
    std::uint64_t folded = low ^ (high * 0x9e3779b97f4a7c15ull);
    return static_cast<std::uint32_t>(folded ^ (folded >> 32) ^ 0xffffu);
  }
  IpAddress to_ip() const;
  std::string to_string() const { return to_ip().to_string(); }

  friend bool operator==(const PacketAddress&, const PacketAddress&) = default;
  friend auto operator<=>(const PacketAddress&, const PacketAddress&) = default;
};

// A well-mixed 64-bit hash (splitmix64 finaliser); distinct-count sketches
// rely on its low and high bits being uniform.
inline std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

inline std::uint64_t hash_address(const PacketAddress& a) { return mix64(a.high * 0x9e3779b97f4a7c15ull ^ mix64(a.low)); }

struct PacketAddressHash {
  std::size_t operator()(const PacketAddress& a) const { return hash_address(a); }
};

}  // namespace responder::traffic
