#include "forensics/traffic/traffic_tally.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

namespace responder::traffic {

static_assert(sizeof(SourceRecord) == 128, "the source table's memory bound in traffic_tally.h assumes 128-byte records");
// Chunks are freed without running destructors.
static_assert(std::is_trivially_destructible_v<SourceRecord>);

namespace {

// Traceroute's UDP probes walk these ports one hop at a time; they are not a scan.
bool traceroute_port(std::uint16_t port) { return port >= 33434 && port <= 33534; }

// Request text by which common scanning tools name themselves; supporting
// evidence only, never the reason on its own.
constexpr std::string_view kScannerMarks[] = {"Nmap Scripting Engine", "masscan", "zgrab", "Nikto", "sqlmap",
                                               "Nuclei", "ZmEu", "WPScan"};

bool names_scanner(const std::uint8_t* data, std::uint32_t length) {
  if (!data || length == 0) return false;
  std::string_view text(reinterpret_cast<const char*>(data), length);
  for (auto mark : kScannerMarks)
    if (text.find(mark) != std::string_view::npos) return true;
  return false;
}

// The class a packet counts in by its transport header; false when it has
// none (other protocols, a truncated header). A fragment after the first
// shows no header of its own: it comes here only with its datagram's.
bool traffic_class_of(const DecodedPacket& p, TrafficClass& c) {
  switch (p.transport) {
    case Transport::tcp: {
      if (!p.has_ports) return false;
      const std::uint8_t handshake = p.tcp_flags & (tcp_flag::syn | tcp_flag::ack);
      c = handshake == tcp_flag::syn                     ? TrafficClass::syn
          : handshake == (tcp_flag::syn | tcp_flag::ack) ? TrafficClass::synack
                                                         : TrafficClass::tcp_other;
      return true;
    }
    case Transport::udp:
      if (!p.has_ports) return false;
      c = TrafficClass::udp;
      return true;
    case Transport::icmp:
      c = TrafficClass::icmp;
      return true;
    case Transport::other:
      return false;
  }
  return false;
}

std::uint64_t flow_hash(const DecodedPacket& p) {
  return mix64(hash_address(p.source) ^ (std::uint64_t{p.source_port} << 16 | p.destination_port) * 0xff51afd7ed558ccdull);
}

}  // namespace

const char* traffic_class_name(TrafficClass c) {
  switch (c) {
    case TrafficClass::syn: return "tcp-syn";
    case TrafficClass::synack: return "tcp-synack";
    case TrafficClass::tcp_other: return "tcp-other";
    case TrafficClass::udp: return "udp";
    case TrafficClass::icmp: return "icmp";
    case TrafficClass::fragment: return "ip-fragment";
  }
  return "?";
}

void PortSet::add(std::uint16_t port, std::size_t& bitmaps_left) {
  if (bitmap_) {
    std::uint64_t& word = (*bitmap_)[port >> 6];
    std::uint64_t bit = std::uint64_t{1} << (port & 63);
    if (!(word & bit)) {
      word |= bit;
      ++count_;
    }
    return;
  }
  auto at = std::lower_bound(small_.begin(), small_.end(), port);
  if (at != small_.end() && *at == port) return;
  if (small_.size() < kSmall) {
    small_.insert(at, port);
    ++count_;
    return;
  }
  if (bitmaps_left == 0) {
    saturated_ = true;
    return;
  }
  --bitmaps_left;
  bitmap_ = std::make_unique<std::array<std::uint64_t, 1024>>();
  bitmap_->fill(0);
  for (auto p : small_) (*bitmap_)[p >> 6] |= std::uint64_t{1} << (p & 63);
  small_.clear();
  small_.shrink_to_fit();
  (*bitmap_)[port >> 6] |= std::uint64_t{1} << (port & 63);
  ++count_;
}

std::vector<std::uint16_t> PortSet::ports() const {
  if (!bitmap_) return small_;
  std::vector<std::uint16_t> out;
  out.reserve(count_);
  for (std::uint32_t w = 0; w < 1024; ++w) {
    std::uint64_t word = (*bitmap_)[w];
    while (word) {
      int b = std::countr_zero(word);
      out.push_back(static_cast<std::uint16_t>(w * 64 + static_cast<std::uint32_t>(b)));
      word &= word - 1;
    }
  }
  return out;
}

int Aggregate::slash8_count() const {
  int n = 0;
  for (auto w : source_slash8) n += std::popcount(w);
  return n;
}

TrafficTally::TrafficTally(TallyLimits limits)
    : limits_(limits), bitmaps_left_(limits.max_port_bitmaps), datagrams_(limits.max_fragmented_datagrams) {}

const SourceRecord* TrafficTally::source(const PacketAddress& a) const {
  auto it = sources_.find(a);
  return it == sources_.end() ? nullptr : &record(it->second);
}

const Footprint* TrafficTally::footprint(const SourceRecord& s) const {
  return s.footprint == SourceRecord::kNoFootprint ? nullptr : footprints_[s.footprint].get();
}

const Aggregate* TrafficTally::aggregate(const PacketAddress& target, TrafficClass c) const {
  auto it = aggregates_.find(AggregateKey{target, c});
  return it == aggregates_.end() ? nullptr : &it->second;
}

void TrafficTally::count_time(Micros time) {
  if (totals_.packets == 0 || time < totals_.first) totals_.first = time;
  if (time > totals_.last) totals_.last = time;
}

void TrafficTally::add_not_ip(Micros time, std::uint32_t wire_length) {
  count_time(time);
  ++totals_.packets;
  totals_.bytes += wire_length;
  ++totals_.not_ip;
}

SourceRecord* TrafficTally::source_for(const PacketAddress& a, Micros time) {
  if (sources_.size() >= limits_.max_sources) {
    auto it = sources_.find(a);
    return it == sources_.end() ? nullptr : &record(it->second);
  }
  // One probe finds the address or places it.
  auto number = static_cast<std::uint32_t>(sources_.size());
  auto [it, added] = sources_.try_emplace(a, number);
  if (!added) return &record(it->second);
  if ((number & kChunkMask) == 0) {
    void* chunk = std::aligned_alloc(kChunkBytes, kChunkBytes);
    if (!chunk) throw std::bad_alloc();
    ::madvise(chunk, kChunkBytes, MADV_HUGEPAGE);  // a hint; without THP, ordinary pages
    source_chunks_.emplace_back(static_cast<SourceRecord*>(chunk));
  }
  SourceRecord& s = *new (source_chunks_.back().get() + (number & kChunkMask)) SourceRecord{};
  s.first = time;
  return &s;
}

void TrafficTally::ChunkRelease::operator()(SourceRecord* chunk) const { std::free(chunk); }

Aggregate* TrafficTally::aggregate_for(const PacketAddress& target, TrafficClass c, Micros time) {
  RecentAggregate& recent = recent_aggregates_[static_cast<std::size_t>(c)];
  if (recent.aggregate && recent.target == target) return recent.aggregate;
  AggregateKey key{target, c};
  auto it = aggregates_.find(key);
  if (it == aggregates_.end()) {
    if (aggregates_.size() >= limits_.max_aggregates) return nullptr;
    it = aggregates_.emplace(key, Aggregate{}).first;
    it->second.first = time;
    recent_aggregates_.fill(RecentAggregate{});
  }
  recent = RecentAggregate{target, &it->second};
  return recent.aggregate;
}

Footprint* TrafficTally::ensure_footprint(SourceRecord& s) {
  if (s.footprint != SourceRecord::kNoFootprint) return footprints_[s.footprint].get();
  if (footprints_.size() >= limits_.max_footprints) {
    ++totals_.footprints_refused;
    return nullptr;
  }
  auto f = std::make_unique<Footprint>();
  if (s.has_first_host) {
    f->hosts.add(hash_address(s.first_host));
    f->first_hosts.push_back(s.first_host);
  }
  if (s.has_first_tcp) f->tcp_ports.add(s.first_tcp_port, bitmaps_left_);
  if (s.has_first_udp) f->udp_ports.add(s.first_udp_port, bitmaps_left_);
  s.footprint = static_cast<std::uint32_t>(footprints_.size());
  footprints_.push_back(std::move(f));
  return footprints_.back().get();
}

void TrafficTally::record_probe(SourceRecord& s, const PacketAddress& host, Transport t, std::uint16_t port) {
  ++s.probes;
  if (s.footprint == SourceRecord::kNoFootprint) {
    bool same = true;
    if (!s.has_first_host) {
      s.first_host = host;
      s.has_first_host = true;
    } else if (s.first_host != host) {
      same = false;
    }
    if (t == Transport::tcp) {
      if (!s.has_first_tcp) {
        s.first_tcp_port = port;
        s.has_first_tcp = true;
      } else if (s.first_tcp_port != port) {
        same = false;
      }
    } else if (t == Transport::udp) {
      if (!s.has_first_udp) {
        s.first_udp_port = port;
        s.has_first_udp = true;
      } else if (s.first_udp_port != port) {
        same = false;
      }
    }
    if (same) return;
  }
  Footprint* f = ensure_footprint(s);
  if (!f) return;
  f->hosts.add(hash_address(host));
  if (f->first_hosts.size() < Footprint::kListedHosts &&
      std::find(f->first_hosts.begin(), f->first_hosts.end(), host) == f->first_hosts.end())
    f->first_hosts.push_back(host);
  if (t == Transport::tcp) f->tcp_ports.add(port, bitmaps_left_);
  else if (t == Transport::udp) f->udp_ports.add(port, bitmaps_left_);
}

void TrafficTally::record_services(const DecodedPacket& p, SourceRecord* s, Micros time) {
  const std::uint8_t flags = p.tcp_flags;
  if ((flags & (tcp_flag::syn | tcp_flag::ack)) == tcp_flag::syn) {
    if (!s) return;
    ServiceKey key{p.source, p.destination, p.destination_port};
    bool repeat = s->has_last_syn && s->last_syn_host == p.destination && s->last_syn_port == p.destination_port;
    s->last_syn_host = p.destination;
    s->last_syn_port = p.destination_port;
    s->has_last_syn = true;
    if (!repeat && !s->has_service) return;  // no record to count into, none to open
    auto it = services_.find(key);
    if (it == services_.end()) {
      if (!repeat) return;
      if (services_.size() >= limits_.max_services) {
        ++totals_.untracked_service_packets;
        return;
      }
      it = services_.emplace(key, ServiceRecord{}).first;
      s->has_service = true;
      it->second.first = time;
      it->second.connections = 1;  // the SYN that came before this one
    }
    ++it->second.connections;
    it->second.last = time;
    return;
  }
  bool data = p.payload_length > 0;
  bool reset = (flags & tcp_flag::rst) != 0;
  if ((!data && !reset) || services_.empty()) return;
  // Only a tracked source that opened a service record can be its client.
  if (s && s->has_service) {
    auto client = services_.find(ServiceKey{p.source, p.destination, p.destination_port});
    if (client != services_.end()) {
      auto& r = client->second;
      r.last = time;
      if (data) {
        ++r.client_segments;
        if (names_scanner(p.payload, p.captured_payload)) ++r.scanner_marks;
      }
      return;
    }
  }
  auto server = services_.find(ServiceKey{p.destination, p.source, p.source_port});
  if (server == services_.end()) return;
  auto& r = server->second;
  r.last = time;
  if (reset) ++r.server_resets;
  if (data) {
    ++r.server_segments;
    if (p.captured_payload >= 12 && std::memcmp(p.payload, "HTTP/1.", 7) == 0) {
      char status = static_cast<char>(p.payload[9]);
      if (status == '2' || status == '3') ++r.http_success;
      else if (status == '4' || status == '5') ++r.http_errors;
    }
  }
}

const DecodedPacket* TrafficTally::datagram_continuation(const DecodedPacket& later, Micros time, TrafficClass& traffic) {
  const DatagramHeader* header = datagrams_.find(later, time);
  if (!header) return nullptr;
  // The volume is the datagram's; the source's own counts (probes,
  // connections, requests) took the datagram once, at its first fragment.
  continuation_ = later;
  continuation_.transport = header->transport;
  continuation_.has_ports = header->has_ports;
  continuation_.source_port = header->source_port;
  continuation_.destination_port = header->destination_port;
  continuation_.tcp_flags = header->tcp_flags;
  continuation_.icmp_type = header->icmp_type;
  continuation_.icmp_code = header->icmp_code;
  if (!traffic_class_of(continuation_, traffic)) return nullptr;
  ++totals_.fragments_attributed;
  return &continuation_;
}

void TrafficTally::add(const DecodedPacket& p, Micros time, std::uint32_t wire_length) {
  if (!p.is_ip) {
    add_not_ip(time, wire_length);
    return;
  }
  count_time(time);
  ++totals_.packets;
  totals_.bytes += wire_length;
  ++totals_.ip_packets;
  ++totals_.by_transport[static_cast<int>(p.transport)];
  if (p.fragment) ++totals_.fragments;
  const std::uint64_t source_hash = hash_address(p.source);
  all_sources_.add(source_hash);

  SourceRecord* s = source_for(p.source, time);
  if (s) {
    ++s->packets;
    s->bytes += wire_length;
    s->last = time;
    if (p.fragment) ++s->fragments;
  } else {
    ++totals_.untracked_source_packets;
  }

  TrafficClass traffic = TrafficClass::fragment;
  bool has_class = false;
  // What the aggregates count: the packet itself, or for a later fragment
  // of a datagram whose first was seen, the packet with that first
  // fragment's transport header.
  const DecodedPacket* counted = &p;
  FragmentedDatagrams::Held held;
  if (!p.later_fragment && traffic_class_of(p, traffic)) {
    has_class = true;
    const std::uint8_t f = p.tcp_flags;
    switch (traffic) {
      case TrafficClass::syn:
        if (s) {
          ++s->syn;
          record_probe(*s, p.destination, Transport::tcp, p.destination_port);
        }
        break;
      case TrafficClass::synack:
        if (s) ++s->synack;
        break;
      case TrafficClass::tcp_other:
        if (s) {
          if (f & tcp_flag::rst) ++s->rst;
          // Stealth probes: only a scanner sends these without ACK.
          else if (!(f & tcp_flag::ack)) {
            if (f == 0) ++s->null_probe;
            else if ((f & (tcp_flag::fin | tcp_flag::psh | tcp_flag::urg)) == (tcp_flag::fin | tcp_flag::psh | tcp_flag::urg)) ++s->xmas_probe;
            else if (f & tcp_flag::fin) ++s->fin_probe;
            if (f == 0 || (f & tcp_flag::fin)) record_probe(*s, p.destination, Transport::tcp, p.destination_port);
          }
        }
        break;
      case TrafficClass::udp:
        if (s) {
          ++s->udp;
          // Requests go from a higher (ephemeral) port to a lower (service)
          // port; answers the other way round, so servers and reflectors,
          // whose answers fan out over client ports, are not scanners.
          if (p.source_port >= p.destination_port && !traceroute_port(p.destination_port)) {
            ++s->udp_probe;
            record_probe(*s, p.destination, Transport::udp, p.destination_port);
          }
        }
        break;
      case TrafficClass::icmp:
        if (s) {
          ++s->icmp;
          bool echo = p.icmp_type == (p.ip_protocol == 58 ? 128 : 8);
          if (echo) {
            ++s->icmp_echo;
            record_probe(*s, p.destination, Transport::icmp, 0);
          }
        }
        break;
      case TrafficClass::fragment:
        break;
    }
    if (p.transport == Transport::tcp) {
      if (s && p.payload_length > 0) ++s->tcp_payload;
      record_services(p, s, time);
    }
    if (p.fragment) held = datagrams_.remember(p, time);
  } else if (p.later_fragment) {
    if (const DecodedPacket* continuation = datagram_continuation(p, time, traffic)) {
      counted = continuation;
      has_class = true;
    } else {
      datagrams_.hold(p, time, wire_length);
    }
  }

  auto count_into = [&](const DecodedPacket& packet, TrafficClass c) {
    Aggregate* a = aggregate_for(packet.destination, c, time);
    if (!a) {
      ++totals_.untracked_aggregate_packets;
      return;
    }
    ++a->packets;
    if (packet.later_fragment && c != TrafficClass::fragment) ++a->later_fragments;
    a->bytes += wire_length;
    a->payload_bytes += packet.payload_length;
    a->last = time;
    a->sources.add(source_hash);
    a->top_sources.add(packet.source);
    if (packet.source.is_ipv4()) {
      std::uint32_t octet = packet.source.ipv4() >> 24;
      a->source_slash8[octet >> 6] |= std::uint64_t{1} << (octet & 63);
    } else {
      ++a->ipv6_sources;
    }
    if (packet.has_ports) {
      a->flows.add(flow_hash(packet));
      a->destination_ports.add(packet.destination_port);
      a->source_ports.add(packet.source_port);
    } else {
      a->flows.add(mix64(source_hash + packet.ip_protocol));
    }
    if (c == TrafficClass::tcp_other) {
      const std::uint8_t f = packet.tcp_flags;
      int slot = (f & tcp_flag::rst)                                  ? 0
                 : (f == tcp_flag::ack && packet.payload_length == 0) ? 1
                 : (f & tcp_flag::fin)                                ? 2
                 : (f & tcp_flag::psh)                                ? 3
                 : (f & tcp_flag::urg)                                ? 4
                                                                      : 5;
      ++a->tcp_flags[slot];
    }
    if (c == TrafficClass::icmp && packet.icmp_type == (packet.ip_protocol == 58 ? 128 : 8)) ++a->icmp_echo;
  };
  if (has_class) count_into(*counted, traffic);
  if (p.fragment) count_into(p, TrafficClass::fragment);
  // The later fragments that came first join their datagram's volume now;
  // they were counted as fragments when they came.
  if (held.packets > 0 && has_class) {
    if (Aggregate* a = aggregate_for(p.destination, traffic, time)) {
      a->packets += held.packets;
      a->later_fragments += held.packets;
      a->bytes += held.bytes;
      totals_.fragments_attributed += held.packets;
    }
  }
}

}  // namespace responder::traffic
