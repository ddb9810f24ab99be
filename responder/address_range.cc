#include "responder/address_range.h"

#include <netinet/in.h>

#include <algorithm>
#include <string>

#include "responder/message_text.h"

namespace responder {
namespace {

int byte_length(int family) { return family == AF_INET ? 4 : 16; }

// Adds one to the address; false on overflow (the last address of the family).
bool increment(IpAddress& a) {
  for (int i = byte_length(a.family) - 1; i >= 0; --i)
    if (++a.bytes[static_cast<size_t>(i)] != 0) return true;
  return false;
}

bool decrement(IpAddress& a) {
  for (int i = byte_length(a.family) - 1; i >= 0; --i)
    if (a.bytes[static_cast<size_t>(i)]-- != 0) return true;
  return false;
}

// The address with the low `host_bits` bits set (or cleared).
IpAddress with_host_bits(IpAddress a, int host_bits, bool set) {
  int bits = a.bit_length();
  for (int bit = bits - host_bits; bit < bits; ++bit) {
    auto& byte = a.bytes[static_cast<size_t>(bit / 8)];
    std::uint8_t mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
    byte = set ? static_cast<std::uint8_t>(byte | mask) : static_cast<std::uint8_t>(byte & ~mask);
  }
  return a;
}

// Number of trailing zero bits of the address (its alignment).
int trailing_zero_bits(const IpAddress& a) {
  int bits = a.bit_length();
  for (int bit = bits - 1; bit >= 0; --bit)
    if (a.bytes[static_cast<size_t>(bit / 8)] & (0x80u >> (bit % 8))) return bits - 1 - bit;
  return bits;
}

}  // namespace

bool AddressRange::everything() const {
  return first == with_host_bits(first, first.bit_length(), false) && last == with_host_bits(first, first.bit_length(), true);
}

AddressRange range_of(const Cidr& cidr) {
  int host = cidr.network.bit_length() - cidr.prefix;
  return {cidr.network, with_host_bits(cidr.network, host, true)};
}

AddressRange range_of(const IpAddress& address) { return {address, address}; }

Result<AddressRange> parse_address_range(std::string_view text) {
  auto dash = text.find('-');
  if (dash == std::string_view::npos) {
    auto cidr = parse_cidr(text);
    if (!cidr) return cidr.error();
    return range_of(*cidr);
  }
  std::string range = "address range " + in_quotes(text);
  auto first = parse_ip(text.substr(0, dash));
  if (!first) return bad_input(range + ": " + first.error().message);
  auto last = parse_ip(text.substr(dash + 1));
  if (!last) return bad_input(range + ": " + last.error().message);
  if (first->family != last->family) return bad_input(range + " mixes IPv4 and IPv6");
  if (*last < *first) return bad_input(range + " runs backwards");
  return AddressRange{*first, *last};
}

std::vector<Cidr> prefixes_of(const AddressRange& range) {
  std::vector<Cidr> out;
  IpAddress at = range.first;
  int bits = at.bit_length();
  while (true) {
    // The largest aligned block starting at `at` that does not pass `last`.
    int host = std::min(trailing_zero_bits(at), bits);
    while (host > 0 && range.last < with_host_bits(at, host, true)) --host;
    out.push_back(Cidr{at, bits - host});
    IpAddress end = with_host_bits(at, host, true);
    if (end == range.last || !increment(end)) break;
    at = end;
  }
  return out;
}

std::vector<AddressRange> merged(std::vector<AddressRange> ranges) {
  std::sort(ranges.begin(), ranges.end());
  std::vector<AddressRange> out;
  for (auto& r : ranges) {
    if (!out.empty()) {
      IpAddress after = out.back().last;
      bool adjacent = increment(after) && after == r.first;
      if (r.first <= out.back().last || adjacent) {
        out.back().last = std::max(out.back().last, r.last);
        continue;
      }
    }
    out.push_back(r);
  }
  return out;
}

std::vector<AddressRange> subtract(const AddressRange& range, const std::vector<AddressRange>& taken) {
  std::vector<AddressRange> out;
  IpAddress at = range.first;
  for (auto& t : taken) {
    if (t.last < at) continue;
    if (range.last < t.first) break;
    if (at < t.first) {
      IpAddress before = t.first;
      decrement(before);
      out.push_back({at, before});
    }
    if (!(t.last < range.last)) return out;
    at = t.last;
    increment(at);
  }
  out.push_back({at, range.last});
  return out;
}

}  // namespace responder
