#include "responder/address.h"

#include <arpa/inet.h>
#include <charconv>

#include "responder/message_text.h"

namespace responder {

int IpAddress::bit_length() const { return family == AF_INET ? 32 : 128; }

std::string IpAddress::to_string() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, bytes.data(), buffer, sizeof buffer);
  return buffer;
}

namespace {

bool bit_at(const IpAddress& a, int i) { return (a.bytes[i / 8] >> (7 - i % 8)) & 1; }

bool same_prefix(const IpAddress& a, const IpAddress& b, int bits) {
  for (int i = 0; i < bits; ++i)
    if (bit_at(a, i) != bit_at(b, i)) return false;
  return true;
}

Result<IpAddress> parse_family(std::string_view text, int family) {
  IpAddress out;
  out.family = family;
  std::string z(text);
  // inet_pton would stop at a NUL byte and accept what stands before it.
  if (z.find('\0') != std::string::npos || inet_pton(family, z.c_str(), out.bytes.data()) != 1)
    return bad_input(in_quotes(text) + " is not an " + (family == AF_INET ? "IPv4" : "IPv6") + " address");
  return out;
}

}  // namespace

bool Cidr::contains(const IpAddress& address) const {
  return address.family == network.family && same_prefix(network, address, prefix);
}

bool Cidr::overlaps(const Cidr& other) const {
  if (network.family != other.network.family) return false;
  return same_prefix(network, other.network, std::min(prefix, other.prefix));
}

std::string Cidr::to_string() const {
  if (is_host()) return network.to_string();
  return network.to_string() + "/" + std::to_string(prefix);
}

Result<IpAddress> parse_ipv4(std::string_view text) { return parse_family(text, AF_INET); }
Result<IpAddress> parse_ipv6(std::string_view text) { return parse_family(text, AF_INET6); }

Result<IpAddress> parse_ip(std::string_view text) {
  if (text.find(':') != std::string_view::npos) return parse_ipv6(text);
  auto v4 = parse_ipv4(text);
  if (!v4) return bad_input(in_quotes(text) + " is not an IP address");
  return v4;
}

Result<Cidr> parse_cidr(std::string_view text) {
  auto slash = text.find('/');
  auto address = parse_ip(text.substr(0, slash));
  if (!address) return bad_input(in_quotes(text) + " is not an address or CIDR prefix");
  Cidr out{*address, address->bit_length()};
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    int prefix = -1;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() || prefix < 0 ||
        prefix > address->bit_length())
      return bad_input(in_quotes(text) + " has a bad prefix length (0-" +
                       std::to_string(address->bit_length()) + ")");
    out.prefix = prefix;
    for (int i = prefix; i < address->bit_length(); ++i)
      if (bit_at(*address, i))
        return bad_input(in_quotes(text) + " has host bits set; did you mean " +
                         [&] {
                           Cidr fixed = out;
                           for (int j = prefix; j < address->bit_length(); ++j)
                             fixed.network.bytes[j / 8] &= static_cast<std::uint8_t>(~(1u << (7 - j % 8)));
                           return fixed.network.to_string() + "/" + std::to_string(prefix);
                         }() + "?");
  }
  return out;
}

}  // namespace responder
