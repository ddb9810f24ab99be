// Decoding one captured frame into the fields traffic analysis counts.
//
// Link types: Ethernet (with any stack of 802.1Q/802.1ad VLAN tags), Linux
// cooked capture v1 and v2 (SLL, SLL2), raw IP (DLT_RAW, DLT_IPV4,
// DLT_IPV6) and BSD loopback (DLT_NULL, DLT_LOOP). Network: IPv4 with
// fragments, IPv6 with its extension headers and fragment header.
// Transport: TCP (ports, flags, payload), UDP, ICMP and ICMPv6.
//
// The decoder never reads past `caplen`: a truncated header leaves the
// deeper fields unset (`has_ports` false) rather than guessing.
#pragma once

#include <cstdint>
#include <string>

#include "forensics/traffic/packet_address.h"

namespace responder::traffic {

// TCP flag bits as they sit in byte 13 of the TCP header.
namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10, urg = 0x20, ece = 0x40,
                              cwr = 0x80;
}

enum class Transport : std::uint8_t { other = 0, tcp, udp, icmp };

struct DecodedPacket {
  bool is_ip = false;          // an IPv4 or IPv6 header was decoded
  PacketAddress source, destination;
  std::uint8_t ip_protocol = 0;  // IPv4 protocol / IPv6 upper-layer header
  Transport transport = Transport::other;
  std::uint8_t ttl = 0;          // IPv4 TTL or IPv6 hop limit
  std::uint32_t ip_length = 0;   // the IP packet's length on the wire
  // The identification the fragments of one datagram share (with source,
  // destination and protocol): IPv4's 16 bits, the IPv6 fragment header's
  // 32; 0 when the packet is not a fragment.
  std::uint32_t fragment_id = 0;
  // Part of a fragmented datagram (MF set or a non-zero offset).
  bool fragment = false;
  // A fragment other than the first: it carries no transport header.
  bool later_fragment = false;
  bool has_ports = false;        // TCP/UDP header present
  std::uint16_t source_port = 0, destination_port = 0;
  std::uint8_t tcp_flags = 0;
  std::uint8_t icmp_type = 0, icmp_code = 0;  // valid when transport == icmp
  std::uint32_t payload_length = 0;  // transport payload, from the headers' lengths
  std::uint32_t captured_payload = 0;
  const std::uint8_t* payload = nullptr;  // the captured part of the payload
};

// Decodes `caplen` bytes of a frame of pcap link type `linktype`. Returns
// false (with `out.is_ip` false) for frames that are not IP (ARP, LLDP, ...)
// or are too short to hold an IP header.
bool decode_packet(int linktype, const std::uint8_t* data, std::uint32_t caplen, DecodedPacket& out);

// True when this build decodes frames of `linktype`.
bool linktype_supported(int linktype);

}  // namespace responder::traffic
