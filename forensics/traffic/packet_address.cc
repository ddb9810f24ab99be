#include "forensics/traffic/packet_address.h"

#include <sys/socket.h>

namespace responder::traffic {
namespace {
std::uint64_t load_be64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}
void store_be64(std::uint64_t v, std::uint8_t* p) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<std::uint8_t>(v);
    v >>= 8;
  }
}
}  // namespace

PacketAddress PacketAddress::from_ipv4(const std::uint8_t* bytes) {
  std::uint32_t v = (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) | bytes[3];
  return {0, (std::uint64_t{0xffff} << 32) | v};
}

PacketAddress PacketAddress::from_ipv6(const std::uint8_t* bytes) { return {load_be64(bytes), load_be64(bytes + 8)}; }

PacketAddress PacketAddress::from_ip(const IpAddress& address) {
  if (address.family == AF_INET) return from_ipv4(address.bytes.data());
  return from_ipv6(address.bytes.data());
}

IpAddress PacketAddress::to_ip() const {
  IpAddress out;
  if (is_ipv4()) {
    out.family = AF_INET;
    std::uint32_t v = ipv4();
    out.bytes[0] = static_cast<std::uint8_t>(v >> 24);
    out.bytes[1] = static_cast<std::uint8_t>(v >> 16);
    out.bytes[2] = static_cast<std::uint8_t>(v >> 8);
    out.bytes[3] = static_cast<std::uint8_t>(v);
  } else {
    out.family = AF_INET6;
    store_be64(high, out.bytes.data());
    store_be64(low, out.bytes.data() + 8);
  }
  return out;
}

}  // namespace responder::traffic
