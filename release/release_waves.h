// The order a release reaches its hosts: hosts that need nothing first (no
// install, nothing to halt), then a canary (for each group of alike hosts,
// the N seen most recently: the reference computers of patch-management
// guidance), then waves of counts or percentages of the hosts left, the
// last size repeating, as Ansible's `serial` does.
#pragma once

#include <vector>

#include "responder/json.h"
#include "responder/module.h"
#include "responder/result.h"

namespace responder::release {

// `canary`: a whole number per group (0: no canary) or a list of host
// names; `waves`: a list of counts (5) or percentages ("25%"), default
// ["100%"]. A host's group is its `release_group` inventory variable, else
// the OS its plan found (`os` in the detail); its `last_seen` is RFC 3339
// or seconds since the epoch (hosts without one come last, in inventory
// order). Bad input names a malformed `canary` or `waves`.
Result<std::vector<HostBatch>> release_waves(const json::value* canary, const json::value* waves,
                                             const std::vector<PlannedHost>& hosts);

}  // namespace responder::release
