// The accounts the responder is working through right now. Locking one of
// them would cut the responder off the host in the middle of an incident.
#pragma once

#include <string>
#include <vector>

namespace responder::accounts {

// The account of the process's real uid, and SUDO_USER when set (the person
// behind sudo). root (uid 0) is not listed: the responder nearly always runs
// as root, and whether root may be locked is the playbook's explicit choice
// (account.lock `allow_root`).
std::vector<std::string> responder_own_accounts();

}  // namespace responder::accounts
