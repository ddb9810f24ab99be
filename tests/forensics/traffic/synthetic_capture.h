// Synthetic captures for the traffic tests: IPv4 packets built from a Spec,
// IPv4 and IPv6 datagrams split into fragments, framed in Ethernet
// (optionally VLAN-tagged), and written with pcap_dump to a temporary
// capture that is analysed and removed; with the helpers that read a Finding.
#pragma once

#include <doctest/doctest.h>
#include <pcap/pcap.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "forensics/traffic/packet_decoder.h"
#include "forensics/traffic/traffic_analysis.h"

namespace responder::traffic::lab {

struct Spec {
  std::string src, dst;
  std::uint8_t protocol = 6;  // 6 tcp, 17 udp, 1 icmp
  std::uint16_t sport = 40000, dport = 80;
  std::uint8_t flags = tcp_flag::syn;
  std::size_t payload = 0;
  const char* text = nullptr;  // payload bytes, when they matter
  std::uint8_t icmp_type = 8;
  std::uint16_t fragment = 0;  // IPv4 flags+offset field
  std::uint16_t ip_id = 0;
};

inline void put16(std::vector<std::uint8_t>& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

// An IPv4 packet (no link header) as the spec describes it.
inline std::vector<std::uint8_t> ipv4_packet(const Spec& s) {
  std::size_t l4 = s.protocol == 6 ? 20 : 8;
  if (s.fragment & 0x1fff) l4 = 0;
  std::size_t payload = s.text ? std::strlen(s.text) : s.payload;
  std::vector<std::uint8_t> b(20 + l4 + payload, 0);
  b[0] = 0x45;
  put16(b, 2, static_cast<std::uint16_t>(b.size()));
  put16(b, 4, s.ip_id);
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

// The datagram `s` describes (its transport header and payload), split as a
// router with this MTU would: every fragment but the last carries a multiple
// of 8 bytes, and only the first the transport header.
inline std::vector<std::vector<std::uint8_t>> ipv4_fragments(const Spec& s, std::uint16_t id, std::size_t mtu = 1500) {
  auto whole = ipv4_packet(s);
  const std::size_t data = whole.size() - 20, step = (mtu - 20) / 8 * 8;
  std::vector<std::vector<std::uint8_t>> out;
  for (std::size_t at = 0; at < data; at += step) {
    std::size_t length = std::min(step, data - at);
    std::vector<std::uint8_t> f(whole.begin(), whole.begin() + 20);
    f.insert(f.end(), whole.begin() + static_cast<std::ptrdiff_t>(20 + at), whole.begin() + static_cast<std::ptrdiff_t>(20 + at + length));
    put16(f, 2, static_cast<std::uint16_t>(f.size()));
    put16(f, 4, id);
    put16(f, 6, static_cast<std::uint16_t>((at + length < data ? 0x2000 : 0) | at / 8));
    out.push_back(std::move(f));
  }
  return out;
}

// A UDP datagram from `src` to `dst` (IPv6) with `payload` bytes, split into
// fragments with the fragment header's 32-bit `id`.
inline std::vector<std::vector<std::uint8_t>> ipv6_udp_fragments(const std::string& src, const std::string& dst,
                                                                 std::uint16_t sport, std::uint16_t dport, std::size_t payload,
                                                                 std::uint32_t id, std::size_t mtu = 1500) {
  std::vector<std::uint8_t> udp(8 + payload, 0);
  put16(udp, 0, sport);
  put16(udp, 2, dport);
  put16(udp, 4, static_cast<std::uint16_t>(udp.size()));
  const std::size_t step = (mtu - 48) / 8 * 8;
  std::vector<std::vector<std::uint8_t>> out;
  for (std::size_t at = 0; at < udp.size(); at += step) {
    std::size_t length = std::min(step, udp.size() - at);
    std::vector<std::uint8_t> f(48, 0);
    f[0] = 0x60;
    put16(f, 4, static_cast<std::uint16_t>(8 + length));
    f[6] = 44;
    f[7] = 64;
    inet_pton(AF_INET6, src.c_str(), &f[8]);
    inet_pton(AF_INET6, dst.c_str(), &f[24]);
    f[40] = 17;
    put16(f, 42, static_cast<std::uint16_t>(at | (at + length < udp.size() ? 1 : 0)));
    put16(f, 44, static_cast<std::uint16_t>(id >> 16));
    put16(f, 46, static_cast<std::uint16_t>(id));
    f.insert(f.end(), udp.begin() + static_cast<std::ptrdiff_t>(at), udp.begin() + static_cast<std::ptrdiff_t>(at + length));
    out.push_back(std::move(f));
  }
  return out;
}

inline std::vector<std::uint8_t> ethernet(const std::vector<std::uint8_t>& ip, bool vlan = false) {
  // Built byte by byte: GCC 12 at -O3 warns -Warray-bounds inside
  // libstdc++'s insert of an initializer list here (a false positive).
  std::vector<std::uint8_t> f(12, 0x02);
  f.reserve(12 + 4 + 2 + ip.size());
  if (vlan)
    for (std::uint8_t byte : {0x81, 0x00, 0x00, 0x07}) f.push_back(byte);
  bool ipv6 = !ip.empty() && (ip[0] >> 4) == 6;
  f.push_back(ipv6 ? 0x86 : 0x08);
  f.push_back(ipv6 ? 0xdd : 0x00);
  f.insert(f.end(), ip.begin(), ip.end());
  return f;
}

class CaptureFile {
 public:
  explicit CaptureFile(const std::string& name, int linktype = DLT_EN10MB) : linktype_(linktype) {
    path_ = std::filesystem::temp_directory_path() / ("responder-traffic-" + std::to_string(getpid()) + "-" + name + ".pcap");
    dead_ = pcap_open_dead(linktype_, 65535);
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
  void add(const Spec& s, std::int64_t gap_us = 100) { add_ip(ipv4_packet(s), gap_us); }
  // An IPv4 or IPv6 packet, framed in Ethernet.
  void add_ip(const std::vector<std::uint8_t>& ip, std::int64_t gap_us = 100) {
    frame(ethernet(ip));
    time_us_ += gap_us;
  }
  void close() {
    if (dumper_) pcap_dump_close(dumper_);
    if (dead_) pcap_close(dead_);
    dumper_ = nullptr;
    dead_ = nullptr;
  }
  // The file, once closed: for a capture handed to the command line.
  const std::filesystem::path& path() {
    close();
    return path_;
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

inline std::string random_ipv4(std::mt19937& rng) {
  std::uniform_int_distribution<int> octet(1, 223);
  return std::to_string(octet(rng)) + "." + std::to_string(octet(rng) % 256) + "." + std::to_string(octet(rng) % 256) + "." +
         std::to_string(octet(rng) % 254 + 1);
}

inline bool has_attack(const Finding& f, const std::string& type) {
  return std::any_of(f.attacks.begin(), f.attacks.end(), [&](const Attack& a) { return a.type == type; });
}

inline std::vector<std::string> names(const std::vector<PacketAddress>& list) {
  std::vector<std::string> out;
  for (auto& a : list) out.push_back(a.to_string());
  return out;
}

inline std::string describe(const Finding& f) { return to_json_text(f.to_json()); }

}  // namespace responder::traffic::lab
