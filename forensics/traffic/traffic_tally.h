// The streaming counts that traffic analysis concludes from.
//
// One pass over the packets fills three bounded tables:
//   sources     per source address: what it sent (SYNs, probes, UDP, ICMP,
//               fragments) and, for sources that probe more than one port or
//               host, the ports and hosts it probed (its footprint);
//   aggregates  per target address and traffic class (SYN, SYN-ACK, other
//               TCP, UDP, ICMP, fragments): volume, distinct sources and
//               flows (HyperLogLog), the heaviest sources and ports
//               (Space-Saving), and the spread of source /8 networks;
//   services    per (client, server, port) with repeated connections: the
//               connection count and how the server answered, for brute
//               force and service probing.
// Fragments after the first count as their datagram's traffic (its class and
// ports) when the first fragment was seen (fragmented_datagrams.h); every
// fragment also counts in the fragment class, as its own traffic.
//
// Memory is bounded by the limits, never by the number of packets: once a
// table is full, new keys are not added; their packets still count in the
// capture totals, the aggregates and the global distinct-source sketch, and
// `untracked_*` say how many packets were left out. A spoofed flood with
// millions of sources therefore fills the source table once (a 128-byte
// record and a 24-byte index slot an address, plus the index's spare slots:
// about 90 MB at the default 2^19 sources) and is then measured by the
// sketches alone.
//
// The source index maps an address to a record number, and records live in
// fixed chunks that never move: growing the index rehashes 24-byte slots
// instead of whole records, and the peak while it grows stays near the
// final size.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "forensics/traffic/fragmented_datagrams.h"
#include "forensics/traffic/packet_decoder.h"
#include "forensics/traffic/traffic_distinct_count.h"
#include "forensics/traffic/traffic_top_counter.h"

namespace responder::traffic {

struct TallyLimits {
  std::size_t max_sources = std::size_t{1} << 19;
  std::size_t max_aggregates = std::size_t{1} << 14;
  std::size_t max_footprints = std::size_t{1} << 14;
  std::size_t max_port_bitmaps = 2048;  // 8 KiB each
  std::size_t max_services = std::size_t{1} << 16;
  std::size_t max_fragmented_datagrams = FragmentedDatagrams::kDefaultCapacity;
};

// A set of 16-bit ports: a sorted list while small, an 8 KiB bitmap beyond,
// when the shared bitmap budget allows; otherwise it stops growing and says so.
class PortSet {
 public:
  static constexpr std::size_t kSmall = 32;
  void add(std::uint16_t port, std::size_t& bitmaps_left);
  std::uint32_t count() const { return count_; }
  bool saturated() const { return saturated_; }  // count is a lower bound
  std::vector<std::uint16_t> ports() const;      // ascending

 private:
  std::vector<std::uint16_t> small_;
  std::unique_ptr<std::array<std::uint64_t, 1024>> bitmap_;
  std::uint32_t count_ = 0;
  bool saturated_ = false;
};

// What one source probed, for scan and sweep detection.
struct Footprint {
  PortSet tcp_ports;    // destination ports of connection-initiating TCP probes
  PortSet udp_ports;    // destination ports of UDP probes (source port >= destination port)
  DistinctCount hosts{12};
  std::vector<PacketAddress> first_hosts;  // the first kListedHosts distinct hosts, exact
  static constexpr std::size_t kListedHosts = 256;
};

// 128 bytes, two cache lines: the source table holds up to max_sources of
// these, so every byte here is half a megabyte at the default limit.
struct SourceRecord {
  std::uint64_t packets = 0, bytes = 0;
  Micros first = 0, last = 0;
  std::uint32_t syn = 0;          // SYN without ACK
  std::uint32_t synack = 0;
  std::uint32_t rst = 0;
  std::uint32_t tcp_payload = 0;  // TCP segments carrying data
  std::uint32_t fin_probe = 0, null_probe = 0, xmas_probe = 0;
  std::uint32_t udp = 0, udp_probe = 0;
  std::uint32_t icmp = 0, icmp_echo = 0;
  std::uint32_t fragments = 0;
  std::uint32_t probes = 0;       // initiating TCP probes + UDP probes + ICMP echo requests
  static constexpr std::uint32_t kNoFootprint = 0xffffffffu;
  std::uint32_t footprint = kNoFootprint;
  // The first probe, kept inline so most sources never need a footprint.
  PacketAddress first_host;
  // The service of this source's previous SYN: a second SYN to it opens a
  // service record (spoofed sources send one SYN each and never do).
  PacketAddress last_syn_host;
  std::uint16_t first_tcp_port = 0, first_udp_port = 0;
  std::uint16_t last_syn_port = 0;
  bool has_first_host : 1 = false, has_first_tcp : 1 = false, has_first_udp : 1 = false, has_last_syn : 1 = false;
  // Some service record names this source as its client; while false, no
  // packet from it needs a service lookup.
  bool has_service : 1 = false;
};

enum class TrafficClass : std::uint8_t { syn = 0, synack, tcp_other, udp, icmp, fragment };
inline constexpr int kTrafficClasses = 6;
const char* traffic_class_name(TrafficClass c);

struct AggregateKey {
  PacketAddress target;
  TrafficClass traffic;
  friend bool operator==(const AggregateKey&, const AggregateKey&) = default;
};
struct AggregateKeyHash {
  std::size_t operator()(const AggregateKey& k) const { return hash_address(k.target) ^ (static_cast<std::uint64_t>(k.traffic) * 0x9e3779b97f4a7c15ull); }
};

// Traffic of one class towards one target.
struct Aggregate {
  std::uint64_t packets = 0, bytes = 0, payload_bytes = 0;
  // Of the packets, fragments after a datagram's first: packets minus these
  // counts datagrams, for comparisons with what a host asked for.
  std::uint64_t later_fragments = 0;
  Micros first = 0, last = 0;
  DistinctCount sources{10};
  DistinctCount flows{10};        // (source, source port, destination port)
  TopCounter<PacketAddress, 32> top_sources;
  TopCounter<std::uint16_t, 8> destination_ports;
  TopCounter<std::uint16_t, 8> source_ports;
  std::array<std::uint64_t, 4> source_slash8{};  // bitmap of IPv4 first octets
  std::uint64_t ipv6_sources = 0;
  // For tcp_other: RST, bare ACK, FIN, PSH, URG, anything else.
  std::array<std::uint64_t, 6> tcp_flags{};
  std::uint64_t icmp_echo = 0;
  int slash8_count() const;
};

struct ServiceKey {
  PacketAddress client, server;
  std::uint16_t port;
  friend bool operator==(const ServiceKey&, const ServiceKey&) = default;
};
struct ServiceKeyHash {
  std::size_t operator()(const ServiceKey& k) const {
    return hash_address(k.client) ^ mix64(hash_address(k.server) + k.port);
  }
};

// Repeated connections from one client to one service.
struct ServiceRecord {
  std::uint32_t connections = 0;      // SYNs from the client
  std::uint32_t client_segments = 0;  // data-carrying segments from the client
  std::uint32_t server_segments = 0;  // data-carrying segments from the server
  std::uint32_t server_resets = 0;
  std::uint32_t http_success = 0, http_errors = 0;  // HTTP status lines from the server
  std::uint32_t scanner_marks = 0;    // requests naming a scanning tool (User-Agent)
  Micros first = 0, last = 0;
};

struct CaptureTotals {
  std::uint64_t packets = 0, bytes = 0;  // every frame read
  std::uint64_t ip_packets = 0;
  std::uint64_t not_ip = 0;               // ARP, LLDP, unsupported link types
  std::array<std::uint64_t, 4> by_transport{};  // other, tcp, udp, icmp
  std::uint64_t fragments = 0;
  std::uint64_t fragments_attributed = 0;  // later fragments counted as their datagram's traffic
  Micros first = 0, last = 0;
  std::uint64_t untracked_source_packets = 0;
  std::uint64_t untracked_aggregate_packets = 0;
  std::uint64_t untracked_service_packets = 0;
  std::uint64_t footprints_refused = 0;
};

class TrafficTally {
 public:
  explicit TrafficTally(TallyLimits limits = {});

  // Counts one decoded frame seen at `time` with `wire_length` bytes.
  void add(const DecodedPacket& packet, Micros time, std::uint32_t wire_length);
  // Counts a frame that is not IP, or could not be decoded.
  void add_not_ip(Micros time, std::uint32_t wire_length);

  const CaptureTotals& totals() const { return totals_; }
  std::uint64_t distinct_sources() const { return all_sources_.estimate(); }
  // Address -> record number; read the record with `record`.
  const boost::unordered_flat_map<PacketAddress, std::uint32_t, PacketAddressHash>& sources() const { return sources_; }
  const SourceRecord& record(std::uint32_t number) const { return source_chunks_[number >> kChunkBits][number & kChunkMask]; }
  const SourceRecord* source(const PacketAddress& a) const;
  const Footprint* footprint(const SourceRecord& s) const;
  const boost::unordered_flat_map<AggregateKey, Aggregate, AggregateKeyHash>& aggregates() const { return aggregates_; }
  const Aggregate* aggregate(const PacketAddress& target, TrafficClass c) const;
  const boost::unordered_flat_map<ServiceKey, ServiceRecord, ServiceKeyHash>& services() const { return services_; }
  const TallyLimits& limits() const { return limits_; }
  const FragmentedDatagrams& fragmented_datagrams() const { return datagrams_; }

 private:
  void count_time(Micros time);
  SourceRecord* source_for(const PacketAddress& a, Micros time);
  Aggregate* aggregate_for(const PacketAddress& target, TrafficClass c, Micros time);
  // For a fragment after the first, the packet as its datagram's first
  // fragment showed it (ports, class), when that fragment was seen.
  const DecodedPacket* datagram_continuation(const DecodedPacket& later, Micros time, TrafficClass& traffic);
  void record_probe(SourceRecord& s, const PacketAddress& host, Transport t, std::uint16_t port);
  void record_services(const DecodedPacket& p, SourceRecord* s, Micros time);
  Footprint* ensure_footprint(SourceRecord& s);

  // Records come in chunks of 16384 (2 MiB), each one transparent huge page
  // where the kernel offers them: a spoofed flood fills the whole table at
  // once, and 4 KiB page faults would then cost more than the counting.
  // A record is constructed when its source is first seen.
  static constexpr unsigned kChunkBits = 14;
  static constexpr std::uint32_t kChunkMask = (std::uint32_t{1} << kChunkBits) - 1;
  static constexpr std::size_t kChunkBytes = (std::size_t{1} << kChunkBits) * sizeof(SourceRecord);
  struct ChunkRelease {
    void operator()(SourceRecord* chunk) const;
  };
  SourceRecord& record(std::uint32_t number) { return source_chunks_[number >> kChunkBits][number & kChunkMask]; }

  TallyLimits limits_;
  std::size_t bitmaps_left_;
  CaptureTotals totals_;
  DistinctCount all_sources_{14};
  boost::unordered_flat_map<PacketAddress, std::uint32_t, PacketAddressHash> sources_;
  std::vector<std::unique_ptr<SourceRecord[], ChunkRelease>> source_chunks_;
  std::vector<std::unique_ptr<Footprint>> footprints_;
  boost::unordered_flat_map<AggregateKey, Aggregate, AggregateKeyHash> aggregates_;
  // The aggregate each class last counted into: a flood sends packet after
  // packet to one target, so most packets skip the hash lookup. Pointers
  // into the map last until it grows, and it only grows in aggregate_for,
  // which then forgets them all.
  struct RecentAggregate {
    PacketAddress target;
    Aggregate* aggregate = nullptr;
  };
  std::array<RecentAggregate, kTrafficClasses> recent_aggregates_{};
  boost::unordered_flat_map<ServiceKey, ServiceRecord, ServiceKeyHash> services_;
  FragmentedDatagrams datagrams_;
  DecodedPacket continuation_;  // what datagram_continuation last returned
};

}  // namespace responder::traffic
