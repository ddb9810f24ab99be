// Amplified answers that arrive in IP fragments: the fragments after the
// first carry no UDP header, and count as their datagram's traffic only
// when the first fragment came before them, within the table's bound.
#include <doctest/doctest.h>
#include <pcap/pcap.h>

#include <cstdint>
#include <string>
#include <vector>

#include "forensics/traffic/packet_decoder.h"
#include "forensics/traffic/traffic_analysis.h"
#include "forensics/traffic/traffic_signature.h"
#include "forensics/traffic/traffic_tally.h"
#include "tests/forensics/traffic/synthetic_capture.h"

using namespace responder;
using namespace responder::traffic;
using namespace responder::traffic::lab;

namespace {

constexpr std::size_t kDnsAnswer = 4400;  // a DNSSEC answer: 3 fragments at MTU 1500
constexpr std::uint64_t kAnswerFrameBytes = 3 * 14 + 3 * 20 + 8 + kDnsAnswer;  // Ethernet + IP headers + UDP

Spec dns_answer(const std::string& reflector, const std::string& victim, std::uint16_t client_port) {
  return {reflector, victim, 17, 53, client_port, 0, kDnsAnswer};
}

// Decodes one IP packet framed in Ethernet and counts it at `time`.
void count(TrafficTally& tally, const std::vector<std::uint8_t>& ip, Micros time) {
  auto frame = ethernet(ip);
  DecodedPacket d;
  REQUIRE(decode_packet(DLT_EN10MB, frame.data(), static_cast<std::uint32_t>(frame.size()), d));
  tally.add(d, time, static_cast<std::uint32_t>(frame.size()));
}

PacketAddress address(const char* text) {
  auto ip = parse_ip(text);
  REQUIRE(ip.ok());
  return PacketAddress::from_ip(*ip);
}

PacketAddress victim() { return address("192.0.2.100"); }

std::uint64_t port_count(const TopCounter<std::uint16_t, 8>& counter, std::uint16_t port) {
  for (auto& e : counter.top())
    if (e.key == port) return e.count;
  return 0;
}

}  // namespace

TEST_CASE("fragments: DNS amplification in fragments from 4 reflectors leads over SSH guessing and a port scan beside it") {
  const std::vector<std::string> reflectors{"203.0.113.10", "203.0.113.11", "203.0.113.12", "203.0.113.13"};
  CaptureFile file("fragmented-dns");
  // 60 answers a second over 23 s: the first fragments alone (1400 packets
  // at 60/s) are below flood rate; with their later fragments (180/s) not.
  constexpr int kAnswers = 1400;
  constexpr std::int64_t kGap = 1000000 / 180;
  int logins = 0, probes = 0;
  for (int i = 0; i < kAnswers; ++i) {
    auto client_port = static_cast<std::uint16_t>(20000 + i * 7 % 40000);
    for (auto& fragment : ipv4_fragments(dns_answer(reflectors[i % 4], "192.0.2.100", client_port), static_cast<std::uint16_t>(i)))
      file.add_ip(fragment, kGap);
    if (i % 35 == 0 && logins < 40) {
      auto port = static_cast<std::uint16_t>(41000 + logins++);
      file.add({"198.51.100.14", "192.0.2.22", 6, port, 22, tcp_flag::syn}, 1000);
      file.add({"192.0.2.22", "198.51.100.14", 6, 22, port, tcp_flag::syn | tcp_flag::ack}, 1000);
      file.add({"198.51.100.14", "192.0.2.22", 6, port, 22, tcp_flag::ack}, 1000);
      file.add({"198.51.100.14", "192.0.2.22", 6, port, 22, tcp_flag::ack | tcp_flag::psh, 0, "SSH-2.0-libssh\r\n"}, 1000);
      file.add({"198.51.100.14", "192.0.2.22", 6, port, 22, tcp_flag::fin | tcp_flag::ack}, 1000);
    }
    if (i % 40 == 0 && probes < 30)
      file.add({"198.51.100.66", "192.0.2.23", 6, 55555, static_cast<std::uint16_t>(1 + probes++), tcp_flag::syn}, 1000);
  }
  Finding f = file.analyze();
  INFO(describe(f));
  // The flood is 4200 of 4430 packets.
  CHECK(f.capture.at("packets").to_number<std::uint64_t>() == 3 * kAnswers + 5 * 40 + 30);
  REQUIRE(!f.attacks.empty());
  const Attack& lead = f.attacks[0];
  CHECK(lead.type == "udp-amplification");
  CHECK(lead.ports == std::vector<std::uint16_t>{53});
  CHECK(names(lead.reflectors) == reflectors);
  CHECK(lead.packets == 3 * kAnswers);
  CHECK(lead.bytes == kAnswers * kAnswerFrameBytes);
  CHECK(lead.numbers.at("bytes").to_number<std::uint64_t>() == kAnswers * kAnswerFrameBytes);
  CHECK(lead.numbers.at("later_fragments").to_number<std::uint64_t>() == 2 * kAnswers);
  CHECK(lead.numbers.at("fragments").to_number<std::uint64_t>() == 3 * kAnswers);  // the fragment flood, folded in
  CHECK(lead.summary.find("1400 UDP answers in 4200 packets") != std::string::npos);
  CHECK(f.capture.at("fragments_attributed").to_number<std::uint64_t>() == 2 * kAnswers);
  CHECK(f.recommendation == "block-source-port");
  CHECK(f.ports == std::vector<std::uint16_t>{53});
  CHECK(f.protocol == "udp");
  CHECK_FALSE(has_attack(f, "ip-fragment-flood"));
  CHECK(has_attack(f, "brute-force"));
  CHECK(has_attack(f, "tcp-port-scan"));
  // Only the guesser and the scanner are worth blocking; reflectors are not.
  CHECK(names(f.sources) == std::vector<std::string>{"198.51.100.14", "198.51.100.66"});
  CHECK(lead.signature.find("src port 53") != std::string::npos);
  CHECK(check_filter(f.signature).ok());
}

TEST_CASE("fragments: the heaviest attack leads - a flood of 95% of the packets over a few dozen logins, a big scan over a small flood") {
  CaptureFile flood_and_logins("flood-and-logins");
  for (int i = 0; i < 40; ++i) {
    auto port = static_cast<std::uint16_t>(41000 + i);
    flood_and_logins.add({"198.51.100.14", "192.0.2.22", 6, port, 22, tcp_flag::syn}, 1000);
    flood_and_logins.add({"198.51.100.14", "192.0.2.22", 6, port, 22, tcp_flag::ack | tcp_flag::psh, 0, "SSH-2.0-x\r\n"}, 1000);
    for (int k = 0; k < 50; ++k)
      flood_and_logins.add({"198.51.100.13", "192.0.2.91", 17, static_cast<std::uint16_t>(20000 + i * 50 + k), 27015, 0, 512}, 100);
  }
  Finding f = flood_and_logins.analyze();
  INFO(describe(f));
  REQUIRE(f.attacks.size() == 2);
  CHECK(f.attacks[0].type == "udp-flood");
  CHECK(f.attacks[1].type == "brute-force");
  CHECK(f.ports == std::vector<std::uint16_t>{27015});

  // A scan of 3000 ports carries more than a 600-packet UDP burst.
  CaptureFile scan_and_burst("scan-and-burst");
  for (int port = 1; port <= 3000; ++port) {
    scan_and_burst.add({"198.51.100.66", "192.0.2.10", 6, 55555, static_cast<std::uint16_t>(port), tcp_flag::syn}, 1000);
    if (port % 5 == 0)
      scan_and_burst.add({"198.51.100.13", "192.0.2.91", 17, static_cast<std::uint16_t>(20000 + port), 27015, 0, 512}, 1);
  }
  Finding g = scan_and_burst.analyze();
  INFO(describe(g));
  REQUIRE(!g.attacks.empty());
  CHECK(g.attacks[0].type == "tcp-port-scan");
  CHECK(g.recommendation == "block-sources");
}

TEST_CASE("fragments: later fragments that arrive before their first are held and counted with it") {
  TrafficTally in_between;
  TrafficTally reversed;
  TrafficTally orphans;
  Micros t = 1'700'000'000'000'000;
  for (int i = 0; i < 100; ++i) {
    auto pieces = ipv4_fragments(dns_answer("203.0.113.10", "192.0.2.100", static_cast<std::uint16_t>(30000 + i)),
                                 static_cast<std::uint16_t>(i));
    REQUIRE(pieces.size() == 3);
    count(in_between, pieces[1], t++);  // before its first: held until it comes
    count(in_between, pieces[0], t++);
    count(in_between, pieces[2], t++);
    for (int k = 2; k >= 0; --k) count(reversed, pieces[static_cast<std::size_t>(k)], t++);
    // A first fragment that never comes: its later ones stay fragments.
    count(orphans, pieces[1], t++);
    count(orphans, pieces[2], t++);
  }
  for (TrafficTally* tally : {&in_between, &reversed}) {
    const Aggregate* udp = tally->aggregate(victim(), TrafficClass::udp);
    REQUIRE(udp != nullptr);
    CHECK(udp->packets == 300);
    CHECK(udp->later_fragments == 200);
    CHECK(tally->totals().fragments_attributed == 200);
    CHECK(tally->aggregate(victim(), TrafficClass::fragment)->packets == 300);
  }
  CHECK(orphans.aggregate(victim(), TrafficClass::udp) == nullptr);
  CHECK(orphans.totals().fragments_attributed == 0);
  CHECK(orphans.aggregate(victim(), TrafficClass::fragment)->packets == 200);
}

TEST_CASE("fragments: answers sent last fragment first are still one amplification, not a fragment flood of the reflectors") {
  // 4 fragments an answer, all before their first: held, they join their
  // answers when the first fragments come.
  const std::vector<std::string> reflectors{"203.0.113.20", "203.0.113.21", "203.0.113.22"};
  CaptureFile file("reversed-fragments");
  for (int i = 0; i < 1500; ++i) {
    Spec answer{reflectors[static_cast<std::size_t>(i % 3)], "192.0.2.101", 17, 389, static_cast<std::uint16_t>(10000 + i), 0, 5000};
    auto pieces = ipv4_fragments(answer, static_cast<std::uint16_t>(i));
    REQUIRE(pieces.size() == 4);
    for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) file.add_ip(*it, 50);
  }
  Finding f = file.analyze();
  INFO(describe(f));
  REQUIRE(f.attacks.size() == 1);
  CHECK(f.attacks[0].type == "udp-amplification");
  CHECK(f.attacks[0].ports == std::vector<std::uint16_t>{389});
  CHECK(f.attacks[0].packets == 6000);
  CHECK(names(f.attacks[0].reflectors) == reflectors);
  CHECK(f.recommendation == "block-source-port");
}

TEST_CASE("fragments: a datagram is forgotten 30 s after its first fragment") {
  TrafficTally tally;
  const Micros t = 1'700'000'000'000'000;
  auto early = ipv4_fragments(dns_answer("203.0.113.10", "192.0.2.100", 30000), 7);
  auto late = ipv4_fragments(dns_answer("203.0.113.10", "192.0.2.100", 30001), 8);
  count(tally, early[0], t);
  count(tally, late[0], t);
  count(tally, early[1], t + 29'000'000);
  count(tally, late[1], t + 31'000'000);
  CHECK(tally.totals().fragments_attributed == 1);
  CHECK(tally.aggregate(victim(), TrafficClass::udp)->packets == 3);
}

TEST_CASE("fragments: IPv6 amplification in fragments, attributed by the fragment header's 32-bit id") {
  const std::vector<std::string> reflectors{"2001:db8:53::1", "2001:db8:53::2", "2001:db8:53::3"};
  CaptureFile file("fragmented-dns-v6");
  for (int i = 0; i < 1000; ++i)
    for (auto& fragment : ipv6_udp_fragments(reflectors[static_cast<std::size_t>(i % 3)], "2001:db8:1::100", 53,
                                             static_cast<std::uint16_t>(20000 + i), kDnsAnswer, 0x10000u + static_cast<std::uint32_t>(i)))
      file.add_ip(fragment, 200);
  Finding f = file.analyze();
  INFO(describe(f));
  REQUIRE(!f.attacks.empty());
  CHECK(f.attacks[0].type == "udp-amplification");
  CHECK(f.attacks[0].ports == std::vector<std::uint16_t>{53});
  CHECK(f.attacks[0].packets == 4000);  // 4404 bytes at 1448 a fragment: 4 fragments each
  CHECK(names(f.attacks[0].reflectors) == reflectors);
  CHECK(names(f.attacks[0].targets) == std::vector<std::string>{"2001:db8:1::100"});
  CHECK(f.recommendation == "block-source-port");
  CHECK_FALSE(has_attack(f, "ip-fragment-flood"));

  // Two datagrams whose ids differ only above the low 16 bits stay apart.
  TrafficTally tally;
  const Micros t = 1'700'000'000'000'000;
  auto one = ipv6_udp_fragments(reflectors[0], "2001:db8:1::100", 53, 1111, kDnsAnswer, 0x00010005);
  auto two = ipv6_udp_fragments(reflectors[0], "2001:db8:1::100", 53, 2222, kDnsAnswer, 0x00020005);
  count(tally, one[0], t);
  count(tally, two[0], t + 1);
  for (std::size_t k = 1; k < one.size(); ++k) {
    count(tally, two[k], t + 2);
    count(tally, one[k], t + 3);
  }
  const Aggregate* udp = tally.aggregate(address("2001:db8:1::100"), TrafficClass::udp);
  REQUIRE(udp != nullptr);
  CHECK(udp->packets == 2 * one.size());
  CHECK(port_count(udp->destination_ports, 1111) == one.size());
  CHECK(port_count(udp->destination_ports, 2222) == two.size());
}

TEST_CASE("fragments: the datagram table stays within its capacity however many first fragments arrive") {
  DecodedPacket first;
  first.is_ip = true;
  first.ip_protocol = 17;
  first.transport = Transport::udp;
  first.fragment = true;
  first.has_ports = true;
  first.source_port = 53;
  first.ip_length = 1500;
  first.destination = victim();
  DecodedPacket later = first;
  later.later_fragment = true;
  later.has_ports = false;
  later.source_port = 0;

  // The default table, against a spoofed flood of first fragments.
  TrafficTally tally;
  Micros t = 1'700'000'000'000'000;
  for (std::uint32_t i = 0; i < 200'000; ++i) {
    first.source = PacketAddress{0, 0xffff00000000ull | (0x0a000000u + i)};  // 10.0.0.0 onwards
    first.fragment_id = static_cast<std::uint16_t>(i);
    first.destination_port = static_cast<std::uint16_t>(i);
    tally.add(first, t++, 1514);
  }
  const FragmentedDatagrams& table = tally.fragmented_datagrams();
  CHECK(table.capacity() == FragmentedDatagrams::kDefaultCapacity);
  CHECK(table.size() <= table.capacity());
  CHECK(table.size() >= table.capacity() * 9 / 10);
  CHECK(table.displaced() >= 200'000 - table.capacity());

  // A small table remembers only the newest datagrams; the others' later
  // fragments count as plain fragments.
  TallyLimits limits;
  limits.max_fragmented_datagrams = 64;
  TrafficTally small(limits);
  first.source = later.source = address("203.0.113.10");
  for (std::uint32_t i = 0; i < 1000; ++i) {
    first.fragment_id = static_cast<std::uint16_t>(i);
    small.add(first, t + i, 1514);
  }
  for (std::uint32_t i = 0; i < 1000; ++i) {
    later.fragment_id = static_cast<std::uint16_t>(i);
    small.add(later, t + 1000 + i, 1514);
  }
  CHECK(small.fragmented_datagrams().capacity() == 64);
  CHECK(small.fragmented_datagrams().size() <= 64);
  CHECK(small.totals().fragments_attributed > 0);
  CHECK(small.totals().fragments_attributed <= 64);
  CHECK(small.totals().fragments == 2000);

  // No table at all: fragments count as before it existed.
  limits.max_fragmented_datagrams = 0;
  TrafficTally none(limits);
  none.add(first, t, 1514);
  none.add(later, t + 1, 1514);
  CHECK(none.fragmented_datagrams().capacity() == 0);
  CHECK(none.totals().fragments_attributed == 0);
}
