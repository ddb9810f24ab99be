// One small synthetic capture per attack type, built packet by packet and
// written with pcap_dump, so that each detector is exercised on the nature
// of its attack, including the types the real corpus lacks; and benign
// traffic that must not be called an attack.
#include <doctest/doctest.h>
#include <pcap/pcap.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "forensics/traffic/packet_decoder.h"
#include "forensics/traffic/traffic_analysis.h"
#include "forensics/traffic/traffic_signature.h"

using namespace responder;
using namespace responder::traffic;

namespace {

struct Spec {
  std::string src, dst;
  std::uint8_t protocol = 6;  // 6 tcp, 17 udp, 1 icmp
  std::uint16_t sport = 40000, dport = 80;
  std::uint8_t flags = tcp_flag::syn;
  std::size_t payload = 0;
  const char* text = nullptr;  // payload bytes, when they matter
  std::uint8_t icmp_type = 8;
  std::uint16_t fragment = 0;  // IPv4 flags+offset field
};

void put16(std::vector<std::uint8_t>& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

// An IPv4 packet (no link header) as the spec describes it.
std::vector<std::uint8_t> ipv4_packet(const Spec& s) {
  std::size_t l4 = s.protocol == 6 ? 20 : 8;
  if (s.fragment & 0x1fff) l4 = 0;
  std::size_t payload = s.text ? std::strlen(s.text) : s.payload;
  std::vector<std::uint8_t> b(20 + l4 + payload, 0);
  b[0] = 0x45;
  put16(b, 2, static_cast<std::uint16_t>(b.size()));
  put16(b, 6, s.fragment);
  b[8] = 64;
  b[9] = s.protocol;
  inet_pton(AF_INET, s.src.c_str(), &b[12]);
  inet_pton(AF_INET, s.dst.c_str(), &b[16]);
  if (l4 && s.protocol == 6) {
    put16(b, 20, s.sport);
    put16(b, 22, s.dport);
    b[32] = 0x50;
    b[33] = s.flags;
  } else if (l4 && s.protocol == 17) {
    put16(b, 20, s.sport);
    put16(b, 22, s.dport);
    put16(b, 24, static_cast<std::uint16_t>(8 + payload));
  } else if (l4) {
    b[20] = s.icmp_type;
  }
  if (s.text) std::memcpy(&b[20 + l4], s.text, payload);
  return b;
}

std::vector<std::uint8_t> ethernet(const std::vector<std::uint8_t>& ip, bool vlan = false) {
  // Built byte by byte: GCC 12 at -O3 warns -Warray-bounds inside
  // libstdc++'s insert of an initializer list here (a false positive).
  std::vector<std::uint8_t> f(12, 0x02);
  f.reserve(12 + 4 + 2 + ip.size());
  if (vlan)
    for (std::uint8_t byte : {0x81, 0x00, 0x00, 0x07}) f.push_back(byte);
  f.push_back(0x08);
  f.push_back(0x00);
  f.insert(f.end(), ip.begin(), ip.end());
  return f;
}

class CaptureFile {
 public:
  explicit CaptureFile(const std::string& name, int linktype = DLT_EN10MB) : linktype_(linktype) {
    path_ = std::filesystem::temp_directory_path() / ("responder-traffic-" + std::to_string(getpid()) + "-" + name + ".pcap");
    dead_ = pcap_open_dead(linktype, 65535);
    dumper_ = pcap_dump_open(dead_, path_.c_str());
    REQUIRE(dumper_ != nullptr);
  }
  ~CaptureFile() {
    close();
    std::filesystem::remove(path_);
  }
  void frame(const std::vector<std::uint8_t>& bytes) {
    pcap_pkthdr h{};
    h.ts.tv_sec = 1700000000 + time_us_ / 1000000;
    h.ts.tv_usec = time_us_ % 1000000;
    h.caplen = h.len = static_cast<bpf_u_int32>(bytes.size());
    pcap_dump(reinterpret_cast<u_char*>(dumper_), &h, bytes.data());
  }
  void add(const Spec& s, std::int64_t gap_us = 100) {
    frame(ethernet(ipv4_packet(s)));
    time_us_ += gap_us;
  }
  void close() {
    if (dumper_) pcap_dump_close(dumper_);
    if (dead_) pcap_close(dead_);
    dumper_ = nullptr;
    dead_ = nullptr;
  }
  Finding analyze() {
    close();
    auto f = analyze_captures({path_});
    REQUIRE_MESSAGE(f.ok(), (f.ok() ? "" : f.error().message));
    return *f;
  }
  std::int64_t time_us_ = 0;

 private:
  int linktype_;
  std::filesystem::path path_;
  pcap_t* dead_ = nullptr;
  pcap_dumper_t* dumper_ = nullptr;
};

std::string random_ipv4(std::mt19937& rng) {
  std::uniform_int_distribution<int> octet(1, 223);
  return std::to_string(octet(rng)) + "." + std::to_string(octet(rng) % 256) + "." + std::to_string(octet(rng) % 256) + "." +
         std::to_string(octet(rng) % 254 + 1);
}

bool has_attack(const Finding& f, const std::string& type) {
  return std::any_of(f.attacks.begin(), f.attacks.end(), [&](const Attack& a) { return a.type == type; });
}

std::vector<std::string> names(const std::vector<PacketAddress>& list) {
  std::vector<std::string> out;
  for (auto& a : list) out.push_back(a.to_string());
  return out;
}

std::string describe(const Finding& f) { return to_json_text(f.to_json()); }

}  // namespace

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
