// From the counts to conclusions: which attacks the traffic shows, from
// where, against what, and what to do about it.
//
// Every detector looks at the nature of an attack, not at a known capture:
//   scans        one source probing many ports of a host (SYN, FIN, NULL,
//                Xmas probes; UDP requests) or many hosts of a network,
//                mostly without data; or many short connections to one
//                service answered with errors (version and script probing);
//   floods       one class of traffic to one target at flood volume whose
//                flows do not complete (half-open SYNs, unanswered UDP,
//                RST/ACK storms, ICMP, fragments);
//   reflections  answers nobody asked for: UDP from one service port
//                (amplification) or SYN-ACKs to a host that sent no SYNs;
//   guessing     repeated connections to an authentication port.
// Sources are judged spoofed when there are thousands of them, each sending
// a packet or two, spread over much of the IPv4 space: blocking them is
// futile and the recommendation is by port instead.
#pragma once

#include "forensics/traffic/traffic_finding.h"
#include "forensics/traffic/traffic_tally.h"

namespace responder::traffic {

// Thresholds; the defaults are what an incident responder would call an
// attack rather than noise. Tests may lower them for small synthetic captures.
struct DetectionThresholds {
  std::uint64_t flood_packets = 500;       // at least this many packets ...
  double flood_rate = 100;                 // ... at this many per second (span at least 1 s)
  std::uint64_t distributed_sources = 50;  // this many sources make an attack distributed
  std::uint64_t spoofed_sources = 1000;    // thousands of one-packet sources are forged
  std::size_t max_block_sources = 256;     // more than this is not a block list
  std::uint32_t scan_ports = 20;           // distinct ports probed by one source
  std::uint64_t sweep_hosts = 20;          // distinct hosts probed by one source
  std::uint32_t brute_force_connections = 10;
  std::uint32_t service_probe_connections = 20;
};

// Concludes from a finished tally. Fills everything in Finding but `capture`
// (the caller knows the files), and checks the signature with pcap_compile.
Finding conclude(const TrafficTally& tally, const DetectionThresholds& thresholds = {});

// The reflector service behind a UDP source port ("DNS", "NTP", ...), or
// empty when the port is not a known reflector.
std::string reflector_service(std::uint16_t port);

// True for ports where a login is attempted (SSH, RDP, SMB, ...).
bool authentication_port(std::uint16_t port);

}  // namespace responder::traffic
