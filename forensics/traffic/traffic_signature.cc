#include "forensics/traffic/traffic_signature.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <memory>

namespace responder::traffic {
namespace {

constexpr std::size_t kMaxHostsInSignature = 8;

std::string hosts_clause(const char* direction, const std::vector<PacketAddress>& hosts) {
  if (hosts.empty() || hosts.size() > kMaxHostsInSignature) return "";
  std::string out;
  for (std::size_t i = 0; i < hosts.size(); ++i)
    out += (i ? " or " : "") + std::string(direction) + " host " + hosts[i].to_string();
  return hosts.size() > 1 ? "(" + out + ")" : out;
}

std::string ports_clause(const char* direction, const std::vector<std::uint16_t>& ports) {
  if (ports.empty() || ports.size() > kMaxHostsInSignature) return "";
  std::string out;
  for (std::size_t i = 0; i < ports.size(); ++i)
    out += (i ? " or " : "") + std::string(direction) + " port " + std::to_string(ports[i]);
  return ports.size() > 1 ? "(" + out + ")" : out;
}

bool all_ipv6(const std::vector<PacketAddress>& hosts) {
  if (hosts.empty()) return false;
  for (auto& h : hosts)
    if (h.is_ipv4()) return false;
  return true;
}

// libpcap cannot index tcp[] over IPv6; byte 53 of an IPv6 packet without
// extension headers is the TCP flags byte.
std::string tcp_flags_test(const std::string& mask, const std::string& value, bool ipv6, int mask_bits, int value_bits) {
  if (ipv6) return "ip6[53] & " + std::to_string(mask_bits) + " == " + std::to_string(value_bits);
  return "tcp[tcpflags] & (" + mask + ") == " + value;
}

std::string join_and(const std::vector<std::string>& parts) {
  std::string out;
  for (auto& p : parts) {
    if (p.empty()) continue;
    out += (out.empty() ? "" : " and ") + p;
  }
  return out;
}

}  // namespace

std::string attack_signature(const Attack& a) {
  bool v6 = all_ipv6(a.targets);
  std::string dst = hosts_clause("dst", a.targets);
  std::string src = hosts_clause("src", a.sources);
  const std::string& t = a.type;
  if (t == "syn-flood")
    return join_and({"tcp", dst, ports_clause("dst", a.ports), src, tcp_flags_test("tcp-syn|tcp-ack", "tcp-syn", v6, 0x12, 0x02)});
  if (t == "synack-reflection")
    return join_and({"tcp", dst, ports_clause("src", a.ports),
                     tcp_flags_test("tcp-syn|tcp-ack", "(tcp-syn|tcp-ack)", v6, 0x12, 0x12)});
  if (t == "tcp-flood") {
    std::string flags;
    if (a.technique == "rst") flags = tcp_flags_test("tcp-rst", "tcp-rst", v6, 0x04, 0x04);
    else if (a.technique == "ack") flags = v6 ? "ip6[53] == 16" : "tcp[tcpflags] == tcp-ack";
    else if (a.technique == "fin") flags = tcp_flags_test("tcp-fin", "tcp-fin", v6, 0x01, 0x01);
    else if (a.technique == "psh") flags = tcp_flags_test("tcp-push", "tcp-push", v6, 0x08, 0x08);
    else if (a.technique == "urg") flags = tcp_flags_test("tcp-urg", "tcp-urg", v6, 0x20, 0x20);
    return join_and({"tcp", dst, ports_clause("dst", a.ports), src, flags});
  }
  if (t == "udp-amplification") return join_and({"udp", ports_clause("src", a.ports), dst});
  if (t == "udp-flood") return join_and({"udp", dst, ports_clause("dst", a.ports), src});
  if (t == "icmp-flood") return join_and({v6 ? "icmp6" : "icmp", dst, src});
  if (t == "ip-fragment-flood")
    return join_and({v6 ? "ip6 and ip6[6] == 44" : "ip[6:2] & 0x3fff != 0", dst, src});
  if (t == "brute-force") return join_and({"tcp", src, dst, ports_clause("dst", a.ports)});
  // Reconnaissance: whatever the scanner sends next, it comes from the same place.
  if (src.empty()) return "";
  return join_and({src, dst});
}

std::string combined_signature(const std::vector<Attack>& attacks) {
  std::vector<std::string> parts;
  for (auto& a : attacks) {
    if (a.signature.empty()) continue;
    if (std::find(parts.begin(), parts.end(), a.signature) != parts.end()) continue;
    parts.push_back(a.signature);
    if (parts.size() == 4) break;
  }
  if (parts.size() == 1) return parts[0];
  std::string out;
  for (auto& p : parts) out += (out.empty() ? "(" : " or (") + p + ")";
  return out;
}

Status check_filter(const std::string& filter, int linktype) {
  std::unique_ptr<pcap_t, decltype(&pcap_close)> dead(pcap_open_dead(linktype, 65535), &pcap_close);
  if (!dead) return failure("libpcap could not open a dead handle to compile the filter");
  bpf_program program{};
  if (pcap_compile(dead.get(), &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
    return bad_input("BPF filter \"" + filter + "\" does not compile: " + pcap_geterr(dead.get()));
  pcap_freecode(&program);
  return {};
}

}  // namespace responder::traffic
