// Reading the parameters the firewall modules share, after the schema has
// checked them: durations, ports, protocols, the protected networks, and the
// tag that names a step's own chains and sets.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "containment/firewall/firewall_address_range.h"
#include "responder/module.h"
#include "responder/port_range.h"

namespace responder::firewall {

// A duration parameter (read by responder::duration_param), rounded up to
// whole seconds because kernel set timeouts are given in seconds, and at
// least one second; nullopt if absent.
Result<std::optional<std::chrono::seconds>> whole_seconds_param(const json::object& params, std::string_view name);
// `ports` (list of 80, "80", "1000-2000", each read by parse_port_range),
// merged and sorted.
Result<std::vector<PortRange>> ports_param(const json::value& ports);
// "tcp", "udp" or "both" as the protocol names nftables knows.
std::vector<std::string> protocols_param(const json::object& params);
// The element value of a port range: 22 or {"range": [1000, 2000]}.
json::value nft_port(const PortRange& range);

// Every network the safety rules protect (management ranges, the own SSH
// peer), as merged ranges of one family.
std::vector<AddressRange> protected_ranges(const SafetyRules* safety, int family);
// The first protection `range` touches, described for a refusal, or "".
std::string protection_touching(const SafetyRules* safety, const AddressRange& range);

// A short stable name for the step's own chains and sets: `prefix` + "_" +
// 8 hex digits of a hash of incident and step id (nft names stay short and
// free of user text).
std::string step_tag(const std::string& prefix, const StepContext& context);

}  // namespace responder::firewall
