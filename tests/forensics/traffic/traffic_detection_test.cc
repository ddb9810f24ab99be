// One small synthetic capture per attack type, built packet by packet and
// written with pcap_dump, so that each detector is exercised on the nature
// of its attack, including the types the real corpus lacks; and benign
// traffic that must not be called an attack.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "forensics/traffic/traffic_analysis.h"
#include "forensics/traffic/traffic_signature.h"
#include "tests/forensics/traffic/synthetic_capture.h"

using namespace responder;
using namespace responder::traffic;
using namespace responder::traffic::lab;

TEST_CASE("synthetic: SYN, FIN, NULL and Xmas port scans name the scanner and the probe") {
  struct Case { std::uint8_t flags; const char* technique; };
  for (auto c : {Case{tcp_flag::syn, "syn"}, Case{tcp_flag::fin, "fin"}, Case{0, "null"},
                 Case{tcp_flag::fin | tcp_flag::psh | tcp_flag::urg, "xmas"}}) {
    CaptureFile file(std::string("scan-") + c.technique);
    for (int port = 1; port <= 300; ++port) file.add({"198.51.100.66", "192.0.2.10", 6, 55555, static_cast<std::uint16_t>(port), c.flags}, 500);
    Finding f = file.analyze();
    INFO(describe(f));
    CHECK(f.kind == "targeted");
    REQUIRE(!f.attacks.empty());
    CHECK(f.attacks[0].type == "tcp-port-scan");
    CHECK(f.attacks[0].technique == c.technique);
    CHECK(f.attacks[0].ports.size() == 300);
    CHECK(names(f.sources) == std::vector<std::string>{"198.51.100.66"});
    CHECK(f.recommendation == "block-sources");
    CHECK_FALSE(has_attack(f, "syn-flood"));
    CHECK(check_filter(f.signature).ok());
  }
}

TEST_CASE("synthetic: the resets a scanned host sends back are not a RST flood at the scanner") {
  CaptureFile file("scan-refused");
  for (int port = 1; port <= 1000; ++port) {
    file.add({"192.0.2.2", "192.0.2.1", 6, 58323, static_cast<std::uint16_t>(port), tcp_flag::syn}, 100);
    file.add({"192.0.2.1", "192.0.2.2", 6, static_cast<std::uint16_t>(port), 58323, tcp_flag::rst | tcp_flag::ack}, 100);
  }
  Finding f = file.analyze();
  INFO(describe(f));
  REQUIRE(!f.attacks.empty());
  CHECK(f.attacks[0].type == "tcp-port-scan");
  CHECK_FALSE(has_attack(f, "tcp-flood"));
  CHECK(names(f.sources) == std::vector<std::string>{"192.0.2.2"});

  // A busy host that opens many connections of its own still sees a RST
  // flood from hosts it never contacted as a flood.
  CaptureFile busy("busy-proxy-rst-flood");
  std::mt19937 rng(5);
  for (int i = 0; i < 3000; ++i) {
    busy.add({"192.0.2.9", "198.51.100." + std::to_string(1 + i % 20), 6, static_cast<std::uint16_t>(20000 + i), 443, tcp_flag::syn}, 100);
    busy.add({random_ipv4(rng), "192.0.2.9", 6, static_cast<std::uint16_t>(rng()), 443, tcp_flag::rst}, 100);
  }
  Finding g = busy.analyze();
  INFO(describe(g));
  CHECK(has_attack(g, "tcp-flood"));
}

TEST_CASE("synthetic: UDP port scan and host sweep") {
  CaptureFile udp("udp-scan");
  for (int port = 1; port <= 200; ++port) udp.add({"198.51.100.7", "192.0.2.20", 17, 50000, static_cast<std::uint16_t>(port), 0, 0}, 1000);
  Finding f = udp.analyze();
  INFO(describe(f));
  CHECK(has_attack(f, "udp-port-scan"));
  CHECK(f.kind == "targeted");
  CHECK(names(f.sources) == std::vector<std::string>{"198.51.100.7"});

  CaptureFile sweep("sweep");
  for (int host = 1; host <= 200; ++host) {
    Spec s{"198.51.100.8", "192.0.2." + std::to_string(host), 1};
    s.icmp_type = 8;
    sweep.add(s, 2000);
  }
  Finding g = sweep.analyze();
  INFO(describe(g));
  CHECK(has_attack(g, "host-sweep"));
  CHECK(g.recommendation == "block-sources");
}

TEST_CASE("synthetic: SYN flood, spoofed and from one source") {
  std::mt19937 rng(7);
  CaptureFile spoofed("synflood-spoofed");
  for (int i = 0; i < 20000; ++i)
    spoofed.add({random_ipv4(rng), "192.0.2.80", 6, static_cast<std::uint16_t>(1024 + rng() % 60000), 443, tcp_flag::syn}, 100);
  Finding f = spoofed.analyze();
  INFO(describe(f));
  CHECK(f.kind == "distributed");
  REQUIRE(!f.attacks.empty());
  CHECK(f.attacks[0].type == "syn-flood");
  CHECK(f.attacks[0].spoofed);
  CHECK(f.sources.empty());
  CHECK(f.ports == std::vector<std::uint16_t>{443});
  CHECK(f.recommendation == "limit-port");

  CaptureFile single("synflood-single");
  for (int i = 0; i < 5000; ++i)
    single.add({"198.51.100.9", "192.0.2.80", 6, static_cast<std::uint16_t>(1024 + i), 80, tcp_flag::syn}, 50);
  Finding g = single.analyze();
  INFO(describe(g));
  CHECK(g.kind == "targeted");
  CHECK(has_attack(g, "syn-flood"));
  CHECK(names(g.sources) == std::vector<std::string>{"198.51.100.9"});
  CHECK(g.recommendation == "block-sources");
}

TEST_CASE("synthetic: TCP RST flood, SYN-ACK reflection, ICMP flood, fragment flood") {
  std::mt19937 rng(11);
  CaptureFile rst("rst-flood");
  for (int i = 0; i < 3000; ++i)
    rst.add({random_ipv4(rng), "192.0.2.81", 6, static_cast<std::uint16_t>(rng()), 80, tcp_flag::rst}, 100);
  Finding f = rst.analyze();
  INFO(describe(f));
  REQUIRE(!f.attacks.empty());
  CHECK(f.attacks[0].type == "tcp-flood");
  CHECK(f.attacks[0].technique == "rst");

  CaptureFile synack("synack");
  for (int i = 0; i < 3000; ++i)
    synack.add({"203.0.113." + std::to_string(1 + i % 200), "192.0.2.82", 6, 443, static_cast<std::uint16_t>(rng()),
                tcp_flag::syn | tcp_flag::ack}, 100);
  Finding g = synack.analyze();
  INFO(describe(g));
  REQUIRE(!g.attacks.empty());
  CHECK(g.attacks[0].type == "synack-reflection");
  CHECK(g.attacks[0].ports == std::vector<std::uint16_t>{443});
  CHECK(g.recommendation == "block-source-port");

  CaptureFile icmp("icmp-flood");
  for (int i = 0; i < 3000; ++i) icmp.add({"198.51.100.12", "192.0.2.83", 1, 0, 0, 0, 56, nullptr, 8}, 100);
  Finding h = icmp.analyze();
  INFO(describe(h));
  REQUIRE(!h.attacks.empty());
  CHECK(h.attacks[0].type == "icmp-flood");
  CHECK(h.kind == "targeted");

  CaptureFile fragments("fragment-flood");
  for (int i = 0; i < 3000; ++i)
    fragments.add({random_ipv4(rng), "192.0.2.84", 17, 0, 0, 0, 400, nullptr, 0, static_cast<std::uint16_t>(0x2000 | (1 + i % 100))}, 100);
  Finding k = fragments.analyze();
  INFO(describe(k));
  REQUIRE(!k.attacks.empty());
  CHECK(k.attacks[0].type == "ip-fragment-flood");
  CHECK(check_filter(k.signature).ok());
  // Forged sources and no port a limit could hold it at: only the provider
  // can filter it, and the finding says so rather than naming no port.
  CHECK(k.recommendation == "upstream");
  CHECK(k.ports.empty());

  CaptureFile spoofed_icmp("icmp-flood-spoofed");
  for (int i = 0; i < 3000; ++i) spoofed_icmp.add({random_ipv4(rng), "192.0.2.85", 1, 0, 0, 0, 56, nullptr, 8}, 100);
  Finding m = spoofed_icmp.analyze();
  INFO(describe(m));
  REQUIRE(!m.attacks.empty());
  CHECK(m.attacks[0].type == "icmp-flood");
  CHECK(m.recommendation == "upstream");
}

TEST_CASE("synthetic: UDP amplification is named by the reflector's source port - a UDP flood by its target port") {
  std::mt19937 rng(13);
  for (std::uint16_t port : {53, 123, 1900, 11211, 47808}) {
    CaptureFile amp("amp-" + std::to_string(port));
    for (int i = 0; i < 2000; ++i)
      amp.add({random_ipv4(rng), "192.0.2.90", 17, port, static_cast<std::uint16_t>(1024 + rng() % 60000), 0, 1200}, 100);
    Finding f = amp.analyze();
    INFO(describe(f));
    REQUIRE(!f.attacks.empty());
    CHECK(f.attacks[0].type == "udp-amplification");
    CHECK(f.attacks[0].ports == std::vector<std::uint16_t>{port});
    CHECK(f.recommendation == "block-source-port");
    CHECK(f.kind == "distributed");
  }
  CaptureFile flood("udp-flood");
  for (int i = 0; i < 3000; ++i)
    flood.add({"198.51.100.13", "192.0.2.91", 17, static_cast<std::uint16_t>(20000 + rng() % 40000), 27015, 0, 512}, 100);
  Finding g = flood.analyze();
  INFO(describe(g));
  REQUIRE(!g.attacks.empty());
  CHECK(g.attacks[0].type == "udp-flood");
  CHECK(g.ports == std::vector<std::uint16_t>{27015});
  CHECK(names(g.sources) == std::vector<std::string>{"198.51.100.13"});
}

TEST_CASE("synthetic: SSH brute force") {
  CaptureFile ssh("brute");
  for (int i = 0; i < 40; ++i) {
    auto port = static_cast<std::uint16_t>(41000 + i);
    ssh.add({"198.51.100.14", "192.0.2.22", 6, port, 22, tcp_flag::syn}, 1000);
    ssh.add({"192.0.2.22", "198.51.100.14", 6, 22, port, tcp_flag::syn | tcp_flag::ack}, 1000);
    ssh.add({"198.51.100.14", "192.0.2.22", 6, port, 22, tcp_flag::ack}, 1000);
    ssh.add({"198.51.100.14", "192.0.2.22", 6, port, 22, tcp_flag::ack | tcp_flag::psh, 0, "SSH-2.0-libssh\r\n"}, 200000);
    ssh.add({"198.51.100.14", "192.0.2.22", 6, port, 22, tcp_flag::fin | tcp_flag::ack}, 1000);
  }
  Finding f = ssh.analyze();
  INFO(describe(f));
  REQUIRE(!f.attacks.empty());
  CHECK(f.attacks[0].type == "brute-force");
  CHECK(f.attacks[0].ports == std::vector<std::uint16_t>{22});
  CHECK(names(f.sources) == std::vector<std::string>{"198.51.100.14"});
  CHECK(f.kind == "targeted");
}

TEST_CASE("synthetic: benign traffic is no attack") {
  CaptureFile benign("benign");
  // A bulk download on one connection and a few clients browsing.
  benign.add({"192.0.2.50", "198.51.100.80", 6, 50000, 443, tcp_flag::syn});
  benign.add({"198.51.100.80", "192.0.2.50", 6, 443, 50000, tcp_flag::syn | tcp_flag::ack});
  for (int i = 0; i < 5000; ++i) {
    benign.add({"198.51.100.80", "192.0.2.50", 6, 443, 50000, tcp_flag::ack | tcp_flag::psh, 1400}, 50);
    if (i % 2) benign.add({"192.0.2.50", "198.51.100.80", 6, 50000, 443, tcp_flag::ack}, 50);
  }
  for (int c = 0; c < 10; ++c)
    for (int i = 0; i < 3; ++i) {
      auto port = static_cast<std::uint16_t>(52000 + c * 10 + i);
      std::string client = "192.0.2." + std::to_string(100 + c);
      benign.add({client, "198.51.100.81", 6, port, 443, tcp_flag::syn}, 10000);
      benign.add({client, "198.51.100.81", 6, port, 443, tcp_flag::ack | tcp_flag::psh, 300}, 10000);
    }
  Finding f = benign.analyze();
  INFO(describe(f));
  CHECK(f.kind == "none");
  CHECK(f.attacks.empty());
  CHECK(f.recommendation == "none");
  CHECK(f.sources.empty());
}
