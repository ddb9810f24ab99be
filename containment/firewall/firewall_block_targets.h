// The addresses one firewall.block step is asked to block, read from
// `addresses` and `addresses_file`, checked against the safety rules, and
// split the way the sets want them: single addresses for the hash sets,
// prefixes and ranges (merged) for the interval sets.
#pragma once

#include <filesystem>
#include <vector>

#include "containment/firewall/firewall_address_range.h"
#include "responder/module.h"

namespace responder::firewall {

struct BlockTargets {
  std::vector<IpAddress> hosts4, hosts6;          // sorted, no duplicates
  std::vector<AddressRange> nets4, nets6;         // merged, sorted
  std::size_t count() const { return hosts4.size() + hosts6.size() + nets4.size() + nets6.size(); }
};

// Parses the parameters. A line or item that is not an address, prefix or
// range is bad input naming it (file:line for the file). A target that is the
// whole address space (0.0.0.0/0, ::/0), or that touches a management range
// or the responder's own SSH peer, is refused with a message naming the
// conflict. Either way nothing has been changed.
Result<BlockTargets> read_block_targets(const json::object& params, const SafetyRules* safety);

}  // namespace responder::firewall
