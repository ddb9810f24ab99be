// What traffic analysis concludes, in the shape INTERFACE.md promises
// ("What `analyze` concludes"): kind, attacks, sources, targets, ports,
// recommendation, signature; plus the capture's totals and the reasoning.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "forensics/traffic/packet_address.h"
#include "responder/json.h"

namespace responder::traffic {

struct Attack {
  std::string type;                   // tcp-port-scan, syn-flood, ... (INTERFACE.md)
  std::string protocol;               // tcp, udp, icmp, ip
  std::string technique;              // syn, fin, null, xmas, service-probe, rst, ack, ... (may be empty)
  std::vector<std::uint16_t> ports;   // for reflections the reflector's source port
  std::vector<PacketAddress> sources; // addresses worth blocking; empty when spoofed or too many
  std::vector<PacketAddress> reflectors;  // for reflection attacks: innocent servers abused
  std::vector<PacketAddress> targets;
  std::uint64_t distinct_sources = 0;
  bool distributed = false;
  bool spoofed = false;
  bool flood = false;                 // a volume attack rather than reconnaissance or guessing
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;            // on the wire; known for volume attacks only
  std::string summary;                // one sentence with the numbers
  json::object numbers;               // the figures that support the conclusion
  std::string signature;              // BPF matching this attack
};

struct Finding {
  std::string kind = "none";          // distributed | targeted | none
  std::vector<std::string> reasoning;
  std::vector<Attack> attacks;        // the primary attack first
  std::vector<PacketAddress> sources;
  std::vector<PacketAddress> targets;
  std::vector<std::uint16_t> ports;
  std::string protocol;
  std::string recommendation = "none";  // block-sources | limit-port | block-source-port | upstream | none
  std::string signature;              // BPF, compiled and checked by libpcap; empty when no attack
  std::string signature_error;        // why no signature could be given, when one was needed
  json::object capture;               // files, totals, time span, table usage

  // The object `responder analyze --json` prints and `traffic.analyze` registers.
  json::object to_json() const;
  // The readable rendering for a terminal.
  std::string to_table() const;
};

}  // namespace responder::traffic
