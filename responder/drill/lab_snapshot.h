// The victim's state that a drill's containment may change and its undo
// must give back: the firewall ruleset (less the drill's own counters), the
// private /etc (accounts, credentials, service and share configuration) and
// the mounts with their options.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "responder/drill/drill_lab.h"
#include "responder/result.h"

namespace responder::drill {

struct LabSnapshot {
  std::string ruleset;                       // `nft -s list ruleset`, without table inet responder_drill
  std::map<std::string, std::string> etc;    // path under /etc -> type, mode, owner and content hash
  std::map<std::string, std::string> mounts; // mount point -> file system type and options
};

Result<LabSnapshot> snapshot_lab(const DrillLab& lab);

// What differs, one line each ("/etc/shadow changed", "the firewall ruleset
// changed: ..."); empty when the two are the same.
std::vector<std::string> differences(const LabSnapshot& before, const LabSnapshot& after);

}  // namespace responder::drill
