// BPF expressions that match an attack, for traffic.watch and for the
// responder's own tcpdump, and the check that libpcap accepts them.
#pragma once

#include <string>
#include <vector>

#include "forensics/traffic/traffic_finding.h"
#include "responder/result.h"

namespace responder::traffic {

// A BPF expression matching the packets of `attack` (by its type, targets,
// ports and, for attacks from a few real sources, those sources). Empty when
// the attack names nothing to match on.
std::string attack_signature(const Attack& attack);

// The attacks' signatures joined with "or", most important first, limited
// to what stays readable. Empty when there are none.
std::string combined_signature(const std::vector<Attack>& attacks);

// Compiles `filter` with libpcap for `linktype` (Ethernet unless given).
// The error names the filter text and libpcap's reason.
Status check_filter(const std::string& filter, int linktype = 1);

}  // namespace responder::traffic
