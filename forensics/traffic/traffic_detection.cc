#include "forensics/traffic/traffic_detection.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "forensics/traffic/traffic_signature.h"
#include "responder/clock.h"

namespace responder::traffic {
namespace {

double seconds_between(Micros a, Micros b) { return static_cast<double>(b - a) / 1e6; }

// Packets per second over the time they took; a burst shorter than a second
// counts as one second, so that a short sample is not judged a flood on a
// handful of packets.
double per_second(std::uint64_t packets, Micros first, Micros last) {
  return static_cast<double>(packets) / std::max(1.0, seconds_between(first, last));
}

double rounded(double v, int places = 1) {
  double f = std::pow(10.0, places);
  return std::round(v * f) / f;
}

std::string time_text(Micros t) {
  return format_rfc3339(SystemTime(std::chrono::duration_cast<SystemTime::duration>(std::chrono::microseconds(t))));
}

std::string fixed(double v, int places = 1) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(places);
  s << v;
  return s.str();
}

// Who sent one aggregate's traffic.
struct SourceJudgement {
  std::uint64_t distinct = 0;
  double per_source = 0;
  int slash8 = 0;
  bool distributed = false;
  bool spoofed = false;
  std::vector<PacketAddress> listed;  // the sources, when few enough to name
  std::string reason;
};

// Packets that are not the continuation of a datagram already counted: what
// a sender decided to send, however many fragments each datagram took.
std::uint64_t datagrams(const Aggregate& a) { return a.packets - a.later_fragments; }

SourceJudgement judge_sources(const Aggregate& a, const DetectionThresholds& th) {
  SourceJudgement j;
  j.distinct = std::max<std::uint64_t>(1, a.sources.estimate());
  j.per_source = static_cast<double>(a.packets) / static_cast<double>(j.distinct);
  j.slash8 = a.slash8_count();
  bool ipv6 = a.ipv6_sources * 2 > a.packets;
  j.distributed = j.distinct >= th.distributed_sources;
  // Forged sources: thousands of them, a datagram or two each, all over the
  // address space. Real botnets and reflectors repeat themselves.
  double datagrams_per_source = static_cast<double>(datagrams(a)) / static_cast<double>(j.distinct);
  j.spoofed = j.distinct >= th.spoofed_sources && datagrams_per_source <= 4.0 && (ipv6 || j.slash8 >= 64);
  std::ostringstream why;
  why << j.distinct << (a.sources.exact() ? "" : " (estimated)") << " distinct sources, " << fixed(j.per_source)
      << " packets each";
  if (!ipv6) why << ", from " << j.slash8 << " different /8 networks";
  if (j.spoofed) why << ": the sources are spoofed, blocking them is futile";
  else if (j.distinct > th.max_block_sources) why << ": too many to block one by one";
  j.reason = why.str();
  if (!j.spoofed && j.distinct <= th.max_block_sources) {
    for (auto& e : a.top_sources.top())
      if (j.distinct <= 32 || e.count * 100 >= a.packets) j.listed.push_back(e.key);
    std::sort(j.listed.begin(), j.listed.end());
  }
  return j;
}

// The ports that carry most of a flood: the heaviest one, and any other
// carrying at least a fifth; none when the traffic is spread over many.
std::vector<std::uint16_t> concentrated_ports(const TopCounter<std::uint16_t, 8>& counter, double* top_share) {
  std::vector<std::uint16_t> out;
  auto top = counter.top();
  *top_share = 0;
  if (top.empty() || counter.total() == 0) return out;
  *top_share = static_cast<double>(top[0].count - top[0].error) / static_cast<double>(counter.total());
  for (auto& e : top)
    if (static_cast<double>(e.count - e.error) >= 0.2 * static_cast<double>(counter.total())) out.push_back(e.key);
  std::sort(out.begin(), out.end());
  return out;
}

// Share of the aggregate's heaviest sources that only ever sent SYNs: they
// never completed a handshake.
double syn_only_share(const TrafficTally& tally, const Aggregate& a) {
  std::uint64_t weight = 0, syn_only = 0;
  for (auto& e : a.top_sources.top()) {
    weight += e.count;
    const SourceRecord* s = tally.source(e.key);
    // A source the full table could not hold is judged by its SYNs alone.
    if (!s || (s->syn > 0 && s->tcp_payload == 0 && s->packets <= std::uint64_t{s->syn} + s->rst)) syn_only += e.count;
  }
  return weight ? static_cast<double>(syn_only) / static_cast<double>(weight) : 0;
}

bool is_scanner(const TrafficTally& tally, const PacketAddress& a, const DetectionThresholds& th) {
  const SourceRecord* s = tally.source(a);
  const Footprint* f = s ? tally.footprint(*s) : nullptr;
  return f && (f->tcp_ports.count() >= th.scan_ports || f->udp_ports.count() >= th.scan_ports ||
               f->hosts.estimate() >= th.sweep_hosts);
}

// True when the traffic comes almost all from sources already known as
// scanners and is spread over ports: it is their scan, not a flood.
bool explained_by_scanners(const TrafficTally& tally, const Aggregate& a, double top_port_share,
                           const DetectionThresholds& th) {
  if (top_port_share >= 0.5) return false;
  std::uint64_t scanning = 0;
  for (auto& e : a.top_sources.top())
    if (is_scanner(tally, e.key, th)) scanning += e.count;
  return static_cast<double>(scanning) >= 0.9 * static_cast<double>(a.packets);
}

void add_common_numbers(Attack& attack, const Aggregate& a, const SourceJudgement& j) {
  attack.packets = a.packets;
  attack.bytes = a.bytes;
  attack.distinct_sources = j.distinct;
  attack.distributed = j.distributed;
  attack.spoofed = j.spoofed;
  attack.sources = j.listed;
  attack.flood = true;
  double span = seconds_between(a.first, a.last);
  attack.numbers["bytes"] = a.bytes;
  attack.numbers["duration_s"] = rounded(span, 3);
  attack.numbers["packets_per_second"] = rounded(per_second(a.packets, a.first, a.last));
  attack.numbers["packets_per_source"] = rounded(j.per_source, 2);
  attack.numbers["source_networks_slash8"] = j.slash8;
  attack.numbers["distinct_flows"] = a.flows.estimate();
  if (a.later_fragments) attack.numbers["later_fragments"] = a.later_fragments;
  attack.numbers["first"] = time_text(a.first);
  attack.numbers["last"] = time_text(a.last);
}

// "1400 UDP answers", or "1400 UDP answers in 4200 packets" when the
// datagrams came in fragments.
std::string udp_count_words(const Aggregate& a, const std::string& what) {
  std::string out = std::to_string(datagrams(a)) + " " + what;
  if (a.later_fragments) out += " in " + std::to_string(a.packets) + " packets (fragmented)";
  return out;
}

std::string port_words(const std::vector<std::uint16_t>& ports) {
  if (ports.empty()) return "many ports";
  std::string out = ports.size() == 1 ? "port " : "ports ";
  for (std::size_t i = 0; i < ports.size(); ++i) out += (i ? "," : "") + std::to_string(ports[i]);
  return out;
}

class Detector {
 public:
  Detector(const TrafficTally& tally, const DetectionThresholds& th) : tally_(tally), th_(th) {}

  Finding run() {
    for (auto& [key, a] : tally_.aggregates()) floods_at(key.target, key.traffic, a);
    fold_fragments();
    scans();
    services();
    return finish();
  }

 private:
  bool flood_volume(const Aggregate& a) const {
    return a.packets >= th_.flood_packets && per_second(a.packets, a.first, a.last) >= th_.flood_rate;
  }

  // Packets the target itself sent of a class, for "was it asked for?".
  const SourceRecord* target_record(const PacketAddress& target) const { return tally_.source(target); }

  void floods_at(const PacketAddress& target, TrafficClass traffic, const Aggregate& a) {
    if (!flood_volume(a)) return;
    SourceJudgement j = judge_sources(a, th_);
    const SourceRecord* own = target_record(target);
    Attack attack;
    attack.targets = {target};
    double rate = per_second(a.packets, a.first, a.last);
    switch (traffic) {
      case TrafficClass::syn: {
        double share = 0;
        auto ports = concentrated_ports(a.destination_ports, &share);
        if (explained_by_scanners(tally_, a, share, th_)) return;
        double half_open = syn_only_share(tally_, a);
        bool spread_single = share < 0.5 && !j.distributed && a.packets < 20000;
        if (spread_single) return;  // a few sources over many ports: the scan detector's case
        if (half_open < 0.7 && !j.spoofed) return;  // handshakes complete: busy, not flooded
        attack.type = "syn-flood";
        attack.protocol = "tcp";
        attack.technique = "syn";
        attack.ports = ports;
        add_common_numbers(attack, a, j);
        attack.numbers["half_open_share"] = rounded(half_open, 2);
        attack.numbers["top_port_share"] = rounded(share, 2);
        if (own) attack.numbers["synack_sent_by_target"] = own->synack;
        attack.summary = std::to_string(a.packets) + " SYNs to " + target.to_string() + " " + port_words(ports) + " at " +
                         fixed(rate) + "/s, " + fixed(half_open * 100, 0) + "% from sources that never completed a handshake; " +
                         j.reason;
        break;
      }
      case TrafficClass::synack: {
        std::uint32_t asked = own ? own->syn : 0;
        if (static_cast<double>(asked) >= 0.1 * static_cast<double>(a.packets)) return;
        double share = 0;
        auto ports = concentrated_ports(a.source_ports, &share);
        attack.type = "synack-reflection";
        attack.protocol = "tcp";
        attack.ports = ports;
        add_common_numbers(attack, a, j);
        attack.reflectors = attack.sources;
        attack.sources.clear();
        attack.numbers["syns_sent_by_target"] = asked;
        attack.summary = std::to_string(a.packets) + " SYN-ACKs to " + target.to_string() + " from reflector " +
                         port_words(ports) + " while it sent " + std::to_string(asked) +
                         " SYNs: answers to connections it never opened (spoofed in its name); " + j.reason;
        break;
      }
      case TrafficClass::tcp_other: {
        double flows_per_packet = static_cast<double>(a.flows.estimate()) / static_cast<double>(a.packets);
        if (flows_per_packet < 0.3 && !j.distributed) return;  // a few long connections: a transfer, not a flood
        std::uint64_t no_data = a.tcp_flags[0] + a.tcp_flags[1] + a.tcp_flags[2] + a.tcp_flags[4] + a.tcp_flags[5];
        if (static_cast<double>(no_data) < 0.5 * static_cast<double>(a.packets) && !j.spoofed) return;
        static const char* names[] = {"rst", "ack", "fin", "psh", "urg", "other"};
        int heaviest = static_cast<int>(std::max_element(a.tcp_flags.begin(), a.tcp_flags.end()) - a.tcp_flags.begin());
        // Resets to an address that sent at least half as many probes
        // itself, mostly from hosts it probed, are the refusals of its own
        // scan (closed ports answer a SYN with a RST): the scanner is the
        // attacker here, not the target. Resets from hosts it never probed
        // (a spoofed RST flood at a busy proxy) still count.
        if (heaviest == 0 && own && static_cast<double>(own->syn + own->fin_probe + own->null_probe + own->xmas_probe) >=
                                        0.5 * static_cast<double>(a.packets)) {
          const Footprint* probed = tally_.footprint(*own);
          auto was_probed = [&](const PacketAddress& host) {
            if (own->has_first_host && own->first_host == host) return true;
            return probed && std::find(probed->first_hosts.begin(), probed->first_hosts.end(), host) != probed->first_hosts.end();
          };
          std::uint64_t answered = 0;
          for (auto& e : a.top_sources.top())
            if (was_probed(e.key)) answered += e.count;
          if (static_cast<double>(answered) >= 0.5 * static_cast<double>(a.packets)) return;
        }
        double share = 0;
        auto ports = concentrated_ports(a.destination_ports, &share);
        if (explained_by_scanners(tally_, a, share, th_)) return;
        attack.type = "tcp-flood";
        attack.protocol = "tcp";
        attack.technique = names[heaviest];
        attack.ports = ports;
        add_common_numbers(attack, a, j);
        json::object flags;
        for (int i = 0; i < 6; ++i) flags[names[i]] = a.tcp_flags[static_cast<std::size_t>(i)];
        attack.numbers["flags"] = std::move(flags);
        attack.numbers["flows_per_packet"] = rounded(flows_per_packet, 2);
        attack.summary = std::to_string(a.packets) + " out-of-connection TCP " + names[heaviest] + " packets to " +
                         target.to_string() + " " + port_words(ports) + " at " + fixed(rate) + "/s, " +
                         fixed(flows_per_packet, 2) + " new flows per packet; " + j.reason;
        break;
      }
      case TrafficClass::udp: {
        // Datagrams against datagrams: a small question may fetch an answer
        // of many fragments.
        std::uint32_t answered = own ? own->udp : 0;
        bool unanswered = static_cast<double>(answered) < 0.1 * static_cast<double>(datagrams(a));
        double source_share = 0, dest_share = 0;
        auto source_ports = concentrated_ports(a.source_ports, &source_share);
        auto dest_ports = concentrated_ports(a.destination_ports, &dest_share);
        std::vector<std::uint16_t> reflector_ports;
        for (auto p : source_ports)
          if (!reflector_service(p).empty() || p < 1024) reflector_ports.push_back(p);
        if (unanswered && source_share >= 0.5 && !reflector_ports.empty()) {
          attack.type = "udp-amplification";
          attack.protocol = "udp";
          attack.ports = reflector_ports;
          add_common_numbers(attack, a, j);
          attack.reflectors = attack.sources;
          attack.sources.clear();
          std::string services;
          for (auto p : reflector_ports) {
            std::string name = reflector_service(p);
            services += (services.empty() ? "" : ", ") + (name.empty() ? "port " + std::to_string(p) : name + " (" + std::to_string(p) + ")");
          }
          attack.technique = services;
          attack.numbers["source_port_share"] = rounded(source_share, 2);
          attack.numbers["bytes_per_packet"] = rounded(static_cast<double>(a.bytes) / static_cast<double>(a.packets));
          attack.numbers["udp_sent_by_target"] = answered;
          attack.summary = udp_count_words(a, "UDP answers") + " to " + target.to_string() + ", " +
                           fixed(source_share * 100, 0) + "% from source " + port_words(reflector_ports) + " [" + services +
                           "] that it did not ask for (it sent " + std::to_string(answered) +
                           " UDP packets): reflection/amplification; " + j.reason;
          break;
        }
        if (!unanswered) return;
        if (explained_by_scanners(tally_, a, dest_share, th_)) return;
        attack.type = "udp-flood";
        attack.protocol = "udp";
        attack.ports = dest_ports;
        add_common_numbers(attack, a, j);
        attack.numbers["top_port_share"] = rounded(dest_share, 2);
        attack.numbers["bytes_per_packet"] = rounded(static_cast<double>(a.bytes) / static_cast<double>(a.packets));
        attack.summary = udp_count_words(a, "unanswered UDP datagrams") + " to " + target.to_string() + " " +
                         port_words(dest_ports) + " at " + fixed(rate) + "/s; " + j.reason;
        break;
      }
      case TrafficClass::icmp: {
        bool echoes = a.icmp_echo * 2 >= a.packets;
        if (!echoes && !j.distributed) return;  // error reports to our own traffic
        attack.type = "icmp-flood";
        attack.protocol = "icmp";
        attack.technique = echoes ? "echo-request" : "other";
        add_common_numbers(attack, a, j);
        attack.numbers["echo_requests"] = a.icmp_echo;
        attack.summary = std::to_string(a.packets) + " ICMP packets (" + std::to_string(a.icmp_echo) + " echo requests) to " +
                         target.to_string() + " at " + fixed(rate) + "/s; " + j.reason;
        break;
      }
      case TrafficClass::fragment: {
        attack.type = "ip-fragment-flood";
        attack.protocol = "ip";
        add_common_numbers(attack, a, j);
        attack.summary = std::to_string(a.packets) + " IP fragments to " + target.to_string() + " at " + fixed(rate) +
                         "/s: reassembly buffers fill; " + j.reason;
        break;
      }
    }
    attacks_.push_back(std::move(attack));
  }

  // Big amplified answers arrive fragmented; those fragments are part of the
  // amplification or UDP flood on the same target, not a separate attack:
  // when they are not many more than its packets, or come from its senders
  // (fragments that arrived before their first could not be counted with it).
  void fold_fragments() {
    for (auto it = attacks_.begin(); it != attacks_.end();) {
      if (it->type != "ip-fragment-flood") {
        ++it;
        continue;
      }
      auto same_senders = [&](const Attack& other) {
        if (it->sources.empty()) return false;
        for (auto& s : it->sources)
          if (std::find(other.reflectors.begin(), other.reflectors.end(), s) == other.reflectors.end() &&
              std::find(other.sources.begin(), other.sources.end(), s) == other.sources.end())
            return false;
        return true;
      };
      auto host = std::find_if(attacks_.begin(), attacks_.end(), [&](const Attack& other) {
        return (other.type == "udp-amplification" || other.type == "udp-flood") && other.targets == it->targets &&
               (it->packets <= 3 * other.packets || same_senders(other));
      });
      if (host == attacks_.end()) {
        ++it;
        continue;
      }
      host->numbers["fragments"] = it->packets;
      it = attacks_.erase(it);
    }
  }

  void scans() {
    struct Scan {
      Attack attack;
      std::set<std::uint16_t> ports;
      std::set<PacketAddress> targets;
      std::uint64_t probes = 0, max_ports = 0, max_hosts = 0;
      json::array per_source;
    };
    std::map<std::string, Scan> found;
    for (auto& entry : tally_.sources()) {
      // A named reference, not a structured binding: clang before 16 cannot
      // capture bindings in the lambda below.
      const auto& address = entry.first;
      const SourceRecord& s = tally_.record(entry.second);
      const Footprint* f = tally_.footprint(s);
      if (!f) continue;
      std::uint32_t tcp_probes = s.syn + s.fin_probe + s.null_probe + s.xmas_probe;
      auto note = [&](const char* type, const char* protocol, std::string technique, const PortSet* ports,
                      std::uint64_t probes, const std::string& summary) {
        Scan& scan = found[type];
        scan.attack.type = type;
        scan.attack.protocol = protocol;
        if (scan.attack.technique.empty()) scan.attack.technique = technique;
        scan.attack.sources.push_back(address);
        scan.attack.packets += probes;
        scan.probes += probes;
        if (ports) {
          for (auto p : ports->ports()) scan.ports.insert(p);
          scan.max_ports = std::max<std::uint64_t>(scan.max_ports, ports->count());
        }
        for (auto& h : f->first_hosts) scan.targets.insert(h);
        scan.max_hosts = std::max<std::uint64_t>(scan.max_hosts, f->hosts.estimate());
        json::object one;
        one["source"] = address.to_string();
        one["probes"] = probes;
        if (ports) one["distinct_ports"] = ports->count();
        one["distinct_hosts"] = f->hosts.estimate();
        one["first"] = time_text(s.first);
        one["last"] = time_text(s.last);
        one["summary"] = summary;
        scan.per_source.push_back(std::move(one));
      };
      // Scanners send bare probes; a peer-to-peer client reaching many
      // ports exchanges data on them.
      if (f->tcp_ports.count() >= th_.scan_ports && s.tcp_payload * 5 <= tcp_probes) {
        const char* technique = "syn";
        std::uint32_t most = s.syn;
        if (s.fin_probe > most) technique = "fin", most = s.fin_probe;
        if (s.null_probe > most) technique = "null", most = s.null_probe;
        if (s.xmas_probe > most) technique = "xmas", most = s.xmas_probe;
        note("tcp-port-scan", "tcp", technique, &f->tcp_ports, tcp_probes,
             address.to_string() + " sent " + std::to_string(tcp_probes) + " " + technique + " probes to " +
                 std::to_string(f->tcp_ports.count()) + (f->tcp_ports.saturated() ? "+" : "") + " distinct TCP ports on " +
                 std::to_string(f->hosts.estimate()) + " host(s) in " + fixed(seconds_between(s.first, s.last)) +
                 " s, carrying data in " + std::to_string(s.tcp_payload) + " segments");
      }
      if (f->udp_ports.count() >= th_.scan_ports && s.udp_probe <= 5 * f->udp_ports.count()) {
        note("udp-port-scan", "udp", "udp", &f->udp_ports, s.udp_probe,
             address.to_string() + " sent " + std::to_string(s.udp_probe) + " UDP requests to " +
                 std::to_string(f->udp_ports.count()) + " distinct ports, a few each");
      }
      std::uint64_t hosts = f->hosts.estimate();
      if (hosts >= th_.sweep_hosts && s.probes <= 10 * hosts) {
        // A sweep walks a network; a busy client reaches hosts all over the Internet.
        std::map<std::uint64_t, int> per_network;
        int densest = 0;
        for (auto& h : f->first_hosts) {
          std::uint64_t net = h.is_ipv4() ? (h.ipv4() >> 8) : (h.high);
          densest = std::max(densest, ++per_network[net]);
        }
        if (densest >= 16 || hosts >= 256) {
          const char* technique = s.icmp_echo * 2 >= s.probes ? "icmp-echo" : s.udp_probe * 2 >= s.probes ? "udp" : "tcp";
          note("host-sweep", "ip", technique, nullptr, s.probes,
               address.to_string() + " probed " + std::to_string(hosts) + " hosts (" + std::to_string(densest) +
                   " in one network) with " + std::to_string(s.probes) + " " + technique + " probes");
        }
      }
    }
    for (auto& [type, scan] : found) {
      Attack& a = scan.attack;
      std::sort(a.sources.begin(), a.sources.end());
      a.distinct_sources = a.sources.size();
      a.distributed = a.distinct_sources >= th_.distributed_sources;
      a.ports.assign(scan.ports.begin(), scan.ports.end());
      a.targets.assign(scan.targets.begin(), scan.targets.end());
      if (a.targets.size() > 64) a.targets.resize(64);
      if (a.sources.size() > th_.max_block_sources) a.sources.clear();
      a.numbers["probes"] = scan.probes;
      if (type != "host-sweep") a.numbers["distinct_ports"] = scan.max_ports;
      a.numbers["distinct_hosts"] = scan.max_hosts;
      a.numbers["by_source"] = std::move(scan.per_source);
      a.summary = a.numbers["by_source"].as_array().size() == 1
                      ? std::string(a.numbers["by_source"].as_array()[0].as_object().at("summary").as_string())
                      : std::to_string(a.distinct_sources) + " sources scanning, " + std::to_string(scan.probes) + " probes";
      attacks_.push_back(std::move(a));
    }
  }

  void services() {
    struct Guessing {
      std::set<PacketAddress> clients, servers;
      std::uint64_t connections = 0;
      json::array detail;
    };
    std::map<std::uint16_t, Guessing> brute;
    for (auto& [key, r] : tally_.services()) {
      double span = std::max(1.0, seconds_between(r.first, r.last));
      double per_minute = 60.0 * r.connections / span;
      if (authentication_port(key.port)) {
        // Repeated logins at machine speed, or spread over many clients.
        if (r.connections >= 3 && per_minute >= 3.0) {
          Guessing& g = brute[key.port];
          g.clients.insert(key.client);
          g.servers.insert(key.server);
          g.connections += r.connections;
          json::object one;
          one["source"] = key.client.to_string();
          one["target"] = key.server.to_string();
          one["connections"] = r.connections;
          one["connections_per_minute"] = rounded(per_minute);
          one["first"] = time_text(r.first);
          one["last"] = time_text(r.last);
          g.detail.push_back(std::move(one));
        }
        continue;
      }
      // Version and script probing: many short connections to one service,
      // answered with errors, or carrying a scanning tool's name.
      bool errors = r.http_errors >= 10 && r.http_errors >= r.http_success;
      if (r.connections >= th_.service_probe_connections && per_minute >= 30.0 && (errors || r.scanner_marks > 0)) {
        Attack* scan = nullptr;
        for (auto& a : attacks_)
          if (a.type == "tcp-port-scan") scan = &a;
        if (!scan) {
          attacks_.push_back(Attack{});
          scan = &attacks_.back();
          scan->type = "tcp-port-scan";
          scan->protocol = "tcp";
          scan->technique = "service-probe";
          scan->numbers["probes"] = 0;
          scan->numbers["by_source"] = json::array{};
        }
        if (std::find(scan->sources.begin(), scan->sources.end(), key.client) == scan->sources.end()) scan->sources.push_back(key.client);
        scan->distinct_sources = scan->sources.size();
        if (std::find(scan->targets.begin(), scan->targets.end(), key.server) == scan->targets.end()) scan->targets.push_back(key.server);
        // The ports this client probed on the server, as its footprint saw them.
        const SourceRecord* s = tally_.source(key.client);
        const Footprint* f = s ? tally_.footprint(*s) : nullptr;
        std::set<std::uint16_t> ports(scan->ports.begin(), scan->ports.end());
        ports.insert(key.port);
        if (f && f->tcp_ports.count() < th_.scan_ports)
          for (auto p : f->tcp_ports.ports()) ports.insert(p);
        scan->ports.assign(ports.begin(), ports.end());
        scan->packets += r.connections + r.client_segments;
        scan->numbers["probes"] = scan->numbers["probes"].to_number<std::uint64_t>() + r.connections;
        std::string summary = key.client.to_string() + " opened " + std::to_string(r.connections) + " connections to " +
                              key.server.to_string() + " port " + std::to_string(key.port) + " in " + fixed(span) + " s (" +
                              fixed(per_minute, 0) + "/min); the server answered " + std::to_string(r.http_errors) +
                              " requests with HTTP errors and " + std::to_string(r.http_success) + " with success" +
                              (r.scanner_marks ? "; " + std::to_string(r.scanner_marks) + " requests name a scanning tool" : "") +
                              ": version and script probing";
        json::object one;
        one["source"] = key.client.to_string();
        one["target"] = key.server.to_string();
        one["port"] = key.port;
        one["connections"] = r.connections;
        one["http_errors"] = r.http_errors;
        one["http_success"] = r.http_success;
        one["scanner_marks"] = r.scanner_marks;
        one["summary"] = summary;
        scan->numbers["by_source"].as_array().push_back(std::move(one));
        if (scan->technique != "service-probe" && scan->technique.find("service-probe") == std::string::npos)
          scan->technique += "+service-probe";
        if (scan->summary.empty()) scan->summary = summary;
        else if (scan->summary.find(summary) == std::string::npos && scan->technique != "service-probe")
          scan->summary += "; " + summary;
      }
    }
    for (auto& [port, g] : brute) {
      bool one_heavy = false;
      for (auto& d : g.detail)
        if (d.as_object().at("connections").to_number<std::uint64_t>() >= th_.brute_force_connections) one_heavy = true;
      // Distributed guessing: many clients each trying a few times.
      bool many = g.clients.size() >= 5 && g.connections >= 3 * th_.brute_force_connections;
      if (!one_heavy && !many) continue;
      Attack a;
      a.type = "brute-force";
      a.protocol = "tcp";
      a.ports = {port};
      a.sources.assign(g.clients.begin(), g.clients.end());
      a.targets.assign(g.servers.begin(), g.servers.end());
      a.distinct_sources = a.sources.size();
      a.distributed = a.distinct_sources >= th_.distributed_sources;
      if (a.sources.size() > th_.max_block_sources) a.sources.clear();
      a.packets = g.connections;
      a.numbers["connections"] = g.connections;
      a.numbers["by_source"] = std::move(g.detail);
      a.summary = std::to_string(g.connections) + " connections to authentication port " + std::to_string(port) + " from " +
                  std::to_string(a.distinct_sources) + " source(s), repeated at machine speed: password guessing";
      attacks_.push_back(std::move(a));
    }
  }

  // Same attack on several targets (carpet bombing) reads better as one.
  void merge_same_attacks() {
    std::vector<Attack> merged;
    for (auto& a : attacks_) {
      auto same = std::find_if(merged.begin(), merged.end(), [&](const Attack& m) {
        return m.flood && a.flood && m.type == a.type && m.ports == a.ports && m.spoofed == a.spoofed && m.technique == a.technique;
      });
      if (same == merged.end()) {
        merged.push_back(std::move(a));
        continue;
      }
      same->targets.insert(same->targets.end(), a.targets.begin(), a.targets.end());
      same->packets += a.packets;
      same->bytes += a.bytes;
      same->distinct_sources = std::max(same->distinct_sources, a.distinct_sources);
      for (auto& s : a.sources)
        if (std::find(same->sources.begin(), same->sources.end(), s) == same->sources.end()) same->sources.push_back(s);
      same->numbers["targets_merged"] = static_cast<std::uint64_t>(same->targets.size());
    }
    attacks_ = std::move(merged);
  }

  Finding finish() {
    merge_same_attacks();
    // The attack carrying most of the traffic leads and decides the
    // response: a flood that makes up most of the capture, not the few
    // dozen logins beside it; a scan of thousands of ports, not a short
    // burst. Packets first, then bytes (known for floods); at a tie, a
    // volume attack first.
    std::stable_sort(attacks_.begin(), attacks_.end(), [](const Attack& a, const Attack& b) {
      if (a.packets != b.packets) return a.packets > b.packets;
      if (a.bytes != b.bytes) return a.bytes > b.bytes;
      return a.flood && !b.flood;
    });
    Finding f;
    for (auto& a : attacks_) {
      a.signature = attack_signature(a);
      if (!a.signature.empty()) {
        Status compiled = check_filter(a.signature);
        if (!compiled) {
          f.reasoning.push_back("signature for " + a.type + " dropped: " + compiled.error().message);
          a.signature.clear();
        }
      }
    }
    if (attacks_.empty()) {
      f.kind = "none";
      f.recommendation = "none";
      f.reasoning.push_back(none_reason());
      return f;
    }
    const Attack& primary = attacks_.front();
    f.kind = primary.distributed || primary.spoofed ? "distributed" : "targeted";
    f.ports = primary.ports;
    f.protocol = primary.protocol;
    bool reflection = primary.type == "udp-amplification" || primary.type == "synack-reflection";
    if (reflection) f.recommendation = "block-source-port";
    // A flood from forged or countless sources is held at one port; with no
    // port to hold it at (ICMP, random ports, fragments), this host can do
    // nothing that helps: the provider filters it upstream.
    else if (primary.flood && (primary.sources.empty() || primary.spoofed))
      f.recommendation = primary.ports.empty() ? "upstream" : "limit-port";
    else f.recommendation = "block-sources";
    std::set<PacketAddress> sources, targets;
    for (auto& a : attacks_) {
      for (auto& s : a.sources) sources.insert(s);
      for (auto& t : a.targets) targets.insert(t);
    }
    f.sources.assign(sources.begin(), sources.end());
    f.targets.assign(targets.begin(), targets.end());

    std::ostringstream why;
    why << "primary attack: " << primary.type << " against " << (primary.targets.empty() ? std::string("?") : primary.targets[0].to_string())
        << (primary.targets.size() > 1 ? " and " + std::to_string(primary.targets.size() - 1) + " more" : "") << " from "
        << primary.distinct_sources << " source(s)";
    f.reasoning.push_back(why.str());
    if (f.kind == "distributed")
      f.reasoning.push_back(primary.spoofed ? "distributed: the sources are forged (thousands, a packet or two each, spread over the address space)"
                                            : "distributed: " + std::to_string(primary.distinct_sources) + " sources (at least " +
                                                  std::to_string(th_.distributed_sources) + " make an attack distributed)");
    else
      f.reasoning.push_back("targeted: " + std::to_string(primary.distinct_sources) +
                            " real source(s) aimed at our host(s); they can be named and blocked");
    if (f.recommendation == "block-source-port")
      f.reasoning.push_back("recommend blocking UDP/TCP from the reflector's source " + port_words(f.ports) +
                            " towards the targets: the reflectors are innocent servers, too many to block, and the port names them all");
    else if (f.recommendation == "limit-port")
      f.reasoning.push_back("recommend rate-limiting " + primary.protocol + " " + port_words(f.ports) +
                            " on the targets: blocking the sources is futile");
    else if (f.recommendation == "upstream")
      f.reasoning.push_back("recommend asking the network provider to filter it upstream: the sources are forged or too many "
                            "to block, and it has no port a limit could hold it at");
    else
      f.reasoning.push_back("recommend blocking the " + std::to_string(f.sources.size()) + " source address(es)");
    if (tally_.totals().untracked_source_packets)
      f.reasoning.push_back("source table full (" + std::to_string(tally_.limits().max_sources) + " addresses): " +
                            std::to_string(tally_.totals().untracked_source_packets) +
                            " packets from further sources were counted only in the totals and sketches");
    f.attacks = std::move(attacks_);
    f.signature = combined_signature(f.attacks);
    if (!f.signature.empty()) {
      Status compiled = check_filter(f.signature);
      if (!compiled) {
        f.signature = f.attacks.front().signature;
        f.reasoning.push_back("combined signature did not compile, using the primary attack's: " + compiled.error().message);
      }
    }
    if (f.signature.empty()) f.signature_error = "the attack names no address, port or flag to match on";
    return f;
  }

  std::string none_reason() const {
    const CaptureTotals& t = tally_.totals();
    std::uint64_t heaviest = 0;
    for (auto& [key, a] : tally_.aggregates()) heaviest = std::max(heaviest, a.packets);
    return "no attack: " + std::to_string(t.packets) + " packets; no source probed " + std::to_string(th_.scan_ports) +
           " ports or " + std::to_string(th_.sweep_hosts) + " hosts, no target received a flood (heaviest class to one host: " +
           std::to_string(heaviest) + " packets, threshold " + std::to_string(th_.flood_packets) + " at " +
           fixed(th_.flood_rate, 0) + "/s), no unsolicited answers, no repeated logins";
  }

  const TrafficTally& tally_;
  const DetectionThresholds& th_;
  std::vector<Attack> attacks_;
};

}  // namespace

std::string reflector_service(std::uint16_t port) {
  switch (port) {
    case 17: return "QOTD";
    case 19: return "CharGEN";
    case 53: return "DNS";
    case 69: return "TFTP";
    case 111: return "Portmap";
    case 123: return "NTP";
    case 137: return "NetBIOS";
    case 161: return "SNMP";
    case 389: return "CLDAP";
    case 427: return "SLP";
    case 500: return "IKE";
    case 520: return "RIP";
    case 623: return "IPMI";
    case 1434: return "MS-SQL";
    case 1900: return "SSDP";
    case 3283: return "ARD";
    case 3702: return "WS-Discovery";
    case 4500: return "IKE NAT-T";
    case 5060: return "SIP";
    case 5351: return "NAT-PMP";
    case 5353: return "mDNS";
    case 5683: return "CoAP";
    case 10001: return "Ubiquiti";
    case 11211: return "memcached";
    case 27015: return "Steam";
    case 32414: return "Plex";
    case 33848: return "Jenkins";
    case 37810: return "DVR";
    case 47808: return "BACnet";
    default: return "";
  }
}

bool authentication_port(std::uint16_t port) {
  switch (port) {
    case 21: case 22: case 23: case 110: case 139: case 143: case 389: case 445: case 465: case 587: case 636:
    case 993: case 995: case 1433: case 1521: case 3306: case 3389: case 5432: case 5900: case 5985: case 5986:
    case 6379: case 27017:
      return true;
    default:
      return false;
  }
}

Finding conclude(const TrafficTally& tally, const DetectionThresholds& thresholds) {
  return Detector(tally, thresholds).run();
}

}  // namespace responder::traffic
