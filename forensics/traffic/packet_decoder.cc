#include "forensics/traffic/packet_decoder.h"

#include <pcap/dlt.h>

#include <algorithm>

namespace responder::traffic {

// Every frame starts from a cleared DecodedPacket: each byte more is a store
// per packet on the analyser's hot path.
static_assert(sizeof(DecodedPacket) <= 80);

namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800, kEtherIpv6 = 0x86dd, kEtherVlan = 0x8100, kEtherQinQ = 0x88a8,
                        kEtherQinQOld = 0x9100;

inline std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }

// LINKTYPE_LINUX_SLL2 is 276; old headers lack the DLT_ name.
constexpr int kLinktypeSll2 = 276;

void decode_transport(const std::uint8_t* p, std::uint32_t available, std::uint32_t wire_length, DecodedPacket& out) {
  switch (out.ip_protocol) {
    case 6: {
      out.transport = Transport::tcp;
      if (available < 14) return;
      out.source_port = be16(p);
      out.destination_port = be16(p + 2);
      out.tcp_flags = p[13];
      out.has_ports = true;
      std::uint32_t header = static_cast<std::uint32_t>(p[12] >> 4) * 4;
      if (header < 20) header = 20;
      out.payload_length = wire_length > header ? wire_length - header : 0;
      if (available > header) {
        out.payload = p + header;
        out.captured_payload = std::min(available - header, out.payload_length);
      }
      return;
    }
    case 17:
    case 136: {  // UDP, UDP-Lite
      out.transport = Transport::udp;
      if (available < 8) return;
      out.source_port = be16(p);
      out.destination_port = be16(p + 2);
      out.has_ports = true;
      out.payload_length = wire_length > 8 ? wire_length - 8 : 0;
      out.payload = p + 8;
      out.captured_payload = std::min(available - 8, out.payload_length);
      return;
    }
    case 1:
    case 58: {
      out.transport = Transport::icmp;
      if (available < 2) return;
      out.icmp_type = p[0];
      out.icmp_code = p[1];
      out.payload_length = wire_length;
      return;
    }
    default:
      return;
  }
}

bool decode_ipv4(const std::uint8_t* p, std::uint32_t available, DecodedPacket& out) {
  if (available < 20 || (p[0] >> 4) != 4) return false;
  std::uint32_t header = static_cast<std::uint32_t>(p[0] & 0x0f) * 4;
  if (header < 20 || header > available) return false;
  out.is_ip = true;
  out.ttl = p[8];
  out.ip_protocol = p[9];
  out.source = PacketAddress::from_ipv4(p + 12);
  out.destination = PacketAddress::from_ipv4(p + 16);
  std::uint32_t total = be16(p + 2);
  // TSO/GRO captures write 0 or a short length; trust what was captured.
  if (total < header) total = available;
  out.ip_length = total;
  std::uint16_t fragment_field = be16(p + 6);
  std::uint16_t offset = fragment_field & 0x1fff;
  bool more = (fragment_field & 0x2000) != 0;
  out.fragment = more || offset != 0;
  out.later_fragment = offset != 0;
  if (out.fragment) out.fragment_id = be16(p + 4);
  if (out.later_fragment) {
    out.transport = out.ip_protocol == 6 ? Transport::tcp
                    : out.ip_protocol == 17 ? Transport::udp
                    : out.ip_protocol == 1  ? Transport::icmp
                                            : Transport::other;
    out.payload_length = total - header;
    return true;
  }
  std::uint32_t in_packet = std::min(available, total) - header;
  decode_transport(p + header, in_packet, total - header, out);
  return true;
}

bool decode_ipv6(const std::uint8_t* p, std::uint32_t available, DecodedPacket& out) {
  if (available < 40 || (p[0] >> 4) != 6) return false;
  out.is_ip = true;
  out.ttl = p[7];
  out.source = PacketAddress::from_ipv6(p + 8);
  out.destination = PacketAddress::from_ipv6(p + 24);
  std::uint32_t payload = be16(p + 4);
  if (payload == 0) payload = available - 40;  // jumbogram or offloaded
  out.ip_length = payload + 40;
  std::uint8_t next = p[6];
  std::uint32_t at = 40;
  std::uint32_t end = std::min<std::uint32_t>(available, payload + 40);
  // Walk extension headers; bounded so that a crafted chain cannot loop.
  for (int hops = 0; hops < 8; ++hops) {
    if (next == 0 || next == 43 || next == 60 || next == 51) {
      if (at + 8 > end) break;
      std::uint32_t length = next == 51 ? (static_cast<std::uint32_t>(p[at + 1]) + 2) * 4
                                        : (static_cast<std::uint32_t>(p[at + 1]) + 1) * 8;
      next = p[at];
      at += length;
      continue;
    }
    if (next == 44) {
      if (at + 8 > end) break;
      std::uint16_t field = be16(p + at + 2);
      std::uint16_t offset = field >> 3;
      // An atomic fragment (offset 0, no more to come) is a whole datagram
      // (RFC 6946): nothing follows it to reassemble.
      out.fragment = offset != 0 || (field & 1) != 0;
      out.later_fragment = offset != 0;
      if (out.fragment) out.fragment_id = static_cast<std::uint32_t>(be16(p + at + 4)) << 16 | be16(p + at + 6);
      next = p[at];
      at += 8;
      if (out.later_fragment) {
        out.ip_protocol = next;
        out.transport = next == 6 ? Transport::tcp : next == 17 ? Transport::udp : next == 58 ? Transport::icmp : Transport::other;
        out.payload_length = payload + 40 > at ? payload + 40 - at : 0;
        return true;
      }
      continue;
    }
    break;
  }
  out.ip_protocol = next;
  if (at > end) return true;
  decode_transport(p + at, end - at, payload + 40 > at ? payload + 40 - at : 0, out);
  return true;
}

bool decode_by_ethertype(std::uint16_t type, const std::uint8_t* p, std::uint32_t available, DecodedPacket& out) {
  if (type == kEtherIpv4) return decode_ipv4(p, available, out);
  if (type == kEtherIpv6) return decode_ipv6(p, available, out);
  return false;
}

bool decode_raw_ip(const std::uint8_t* p, std::uint32_t available, DecodedPacket& out) {
  if (available < 1) return false;
  if ((p[0] >> 4) == 4) return decode_ipv4(p, available, out);
  if ((p[0] >> 4) == 6) return decode_ipv6(p, available, out);
  return false;
}

}  // namespace

bool linktype_supported(int linktype) {
  switch (linktype) {
    case DLT_EN10MB: case DLT_LINUX_SLL: case kLinktypeSll2: case DLT_RAW: case DLT_IPV4: case DLT_IPV6:
    case DLT_NULL: case DLT_LOOP:
      return true;
    default:
      return linktype == 101 || linktype == 12 || linktype == 14;
  }
}

bool decode_packet(int linktype, const std::uint8_t* data, std::uint32_t caplen, DecodedPacket& out) {
  out = DecodedPacket{};
  switch (linktype) {
    case DLT_EN10MB: {
      if (caplen < 14) return false;
      std::uint32_t at = 12;
      std::uint16_t type = be16(data + at);
      // Any depth of VLAN tags; each adds 4 bytes.
      while ((type == kEtherVlan || type == kEtherQinQ || type == kEtherQinQOld) && at + 6 <= caplen) {
        at += 4;
        type = be16(data + at);
      }
      at += 2;
      if (at > caplen) return false;
      return decode_by_ethertype(type, data + at, caplen - at, out);
    }
    case DLT_LINUX_SLL: {
      if (caplen < 16) return false;
      return decode_by_ethertype(be16(data + 14), data + 16, caplen - 16, out);
    }
    case kLinktypeSll2: {
      if (caplen < 20) return false;
      return decode_by_ethertype(be16(data), data + 20, caplen - 20, out);
    }
    case DLT_NULL:
    case DLT_LOOP: {
      if (caplen < 4) return false;
      return decode_raw_ip(data + 4, caplen - 4, out);
    }
    default:
      if (linktype == DLT_RAW || linktype == DLT_IPV4 || linktype == DLT_IPV6 || linktype == 101 || linktype == 12 ||
          linktype == 14)
        return decode_raw_ip(data, caplen, out);
      return false;
  }
}

}  // namespace responder::traffic
