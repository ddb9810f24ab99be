// The packet decoder: the link layers and headers a capture may hold, and
// nothing read past what was captured.
#include <doctest/doctest.h>
#include <pcap/pcap.h>
#include <arpa/inet.h>

#include <cstdint>
#include <vector>

#include "forensics/traffic/packet_decoder.h"
#include "tests/forensics/traffic/synthetic_capture.h"

using namespace responder;
using namespace responder::traffic;
using namespace responder::traffic::lab;

TEST_CASE("decoder: VLAN, Linux cooked SLL and SLL2, raw IP, IPv6 with a fragment header") {
  Spec s{"198.51.100.1", "192.0.2.1", 6, 1234, 80, tcp_flag::syn};
  auto ip = ipv4_packet(s);
  DecodedPacket d;
  REQUIRE(decode_packet(DLT_EN10MB, ethernet(ip, true).data(), static_cast<std::uint32_t>(ethernet(ip, true).size()), d));
  CHECK(d.destination_port == 80);
  CHECK(d.source.to_string() == "198.51.100.1");

  std::vector<std::uint8_t> sll(16, 0);
  sll[14] = 0x08;
  sll.insert(sll.end(), ip.begin(), ip.end());
  REQUIRE(decode_packet(DLT_LINUX_SLL, sll.data(), static_cast<std::uint32_t>(sll.size()), d));
  CHECK(d.tcp_flags == tcp_flag::syn);

  std::vector<std::uint8_t> sll2(20, 0);
  sll2[0] = 0x08;
  sll2.insert(sll2.end(), ip.begin(), ip.end());
  REQUIRE(decode_packet(276, sll2.data(), static_cast<std::uint32_t>(sll2.size()), d));
  CHECK(d.destination.to_string() == "192.0.2.1");

  REQUIRE(decode_packet(DLT_RAW, ip.data(), static_cast<std::uint32_t>(ip.size()), d));
  CHECK(d.transport == Transport::tcp);

  // IPv6, fragment header, then UDP 53 -> 5353.
  std::vector<std::uint8_t> v6(40 + 8 + 8, 0);
  v6[0] = 0x60;
  v6[5] = 16;
  v6[6] = 44;
  v6[7] = 64;
  inet_pton(AF_INET6, "2001:db8::1", &v6[8]);
  inet_pton(AF_INET6, "2001:db8::2", &v6[24]);
  v6[40] = 17;   // next header after the fragment header
  v6[43] = 1;    // offset 0, more fragments
  v6[48] = 0; v6[49] = 53; v6[50] = 0x14; v6[51] = 0xe9;
  REQUIRE(decode_packet(DLT_RAW, v6.data(), static_cast<std::uint32_t>(v6.size()), d));
  CHECK(d.fragment);
  CHECK_FALSE(d.later_fragment);
  CHECK(d.transport == Transport::udp);
  CHECK(d.source_port == 53);
  CHECK(d.destination_port == 5353);
  CHECK(d.source.to_string() == "2001:db8::1");

  // Truncated: nothing past caplen is read.
  CHECK_FALSE(decode_packet(DLT_EN10MB, ip.data(), 10, d));
}

TEST_CASE("decoder: fragment ids - IPv4's 16 bits, the IPv6 fragment header's 32 - and an IPv6 atomic fragment is whole") {
  Spec answer{"203.0.113.10", "192.0.2.100", 17, 53, 40000, 0, 3000};
  auto pieces = ipv4_fragments(answer, 0xbeef);
  REQUIRE(pieces.size() == 3);
  DecodedPacket d;
  REQUIRE(decode_packet(DLT_RAW, pieces[0].data(), static_cast<std::uint32_t>(pieces[0].size()), d));
  CHECK(d.fragment);
  CHECK_FALSE(d.later_fragment);
  CHECK(d.fragment_id == 0xbeef);
  CHECK(d.source_port == 53);
  REQUIRE(decode_packet(DLT_RAW, pieces[2].data(), static_cast<std::uint32_t>(pieces[2].size()), d));
  CHECK(d.later_fragment);
  CHECK(d.fragment_id == 0xbeef);
  CHECK_FALSE(d.has_ports);

  auto v6 = ipv6_udp_fragments("2001:db8::1", "2001:db8::2", 53, 5353, 3000, 0x12345678);
  REQUIRE(v6.size() == 3);
  REQUIRE(decode_packet(DLT_RAW, v6[0].data(), static_cast<std::uint32_t>(v6[0].size()), d));
  CHECK(d.fragment_id == 0x12345678);
  CHECK(d.destination_port == 5353);
  REQUIRE(decode_packet(DLT_RAW, v6[1].data(), static_cast<std::uint32_t>(v6[1].size()), d));
  CHECK(d.later_fragment);
  CHECK(d.fragment_id == 0x12345678);
  CHECK(d.ip_protocol == 17);

  // Offset 0 and no more fragments: RFC 6946's atomic fragment.
  auto atomic = ipv6_udp_fragments("2001:db8::1", "2001:db8::2", 53, 5353, 100, 9);
  REQUIRE(atomic.size() == 1);
  REQUIRE(decode_packet(DLT_RAW, atomic[0].data(), static_cast<std::uint32_t>(atomic[0].size()), d));
  CHECK_FALSE(d.fragment);
  CHECK(d.fragment_id == 0);
  CHECK(d.source_port == 53);
}
