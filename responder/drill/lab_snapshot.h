// The victim's state that a drill's containment may change and its undo
// must give back: the firewall ruleset (less the drill's own counters), the
// private /etc (accounts, credentials, service and share configuration) and
// the mounts with their options.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "responder/drill/drill_lab.h"
#include "responder/result.h"

namespace responder::drill {

struct LabSnapshot {
  std::string ruleset;                       // `nft -s list ruleset`, without table inet responder_drill
  std::map<std::string, std::string> etc;    // path under /etc -> type, mode, owner and content hash
  // /etc/shadow apart, an account a line: a rotated password is remediation
  // the drill keeps, every other change of the file is not.
  std::map<std::string, std::string> shadow; // account -> hash of its line
  // account -> hash of its line less what a rotation changes (the password
  // and the day it last changed)
  std::map<std::string, std::string> shadow_but_password;
  std::string shadow_file;                   // /etc/shadow's type, mode and owner
  // Mount id -> (mount point, file system type and options). By id, not
  // path: a folder this machine renames (a mount under it moves with it)
  // is no change of the lab's.
  std::map<std::string, std::pair<std::string, std::string>> mounts;
  std::map<std::string, std::string> units;  // the lab systemd's units -> load, active and file state
};

// Host `host`'s state now.
Result<LabSnapshot> snapshot_lab(const DrillLab& lab, std::size_t host);

// What differs, one line each ("/etc/passwd changed", "the firewall ruleset
// changed: ..."); empty when the two are the same. The passwords of
// `rotated` accounts may differ (rotated on purpose), nothing else of their
// /etc/shadow lines (their ageing, expiry).
std::vector<std::string> differences(const LabSnapshot& before, const LabSnapshot& after,
                                     const std::set<std::string>& rotated = {});

}  // namespace responder::drill
