// Accounts and groups from the root's /etc/passwd, /etc/shadow and
// /etc/group. Of the shadow file only whether a password is set, locked or
// empty is kept: never a hash, which must not leave the host in a baseline.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "forensics/baseline/baseline_file_format.h"

namespace responder::baseline {

// Account records keyed by name: uid, gid, gecos, home, shell, password
// ("set", "locked", "empty", "no shadow entry", or "unknown (shadow
// unreadable)" when not run as root).
std::vector<InventoryRecord> read_accounts(const std::filesystem::path& root);
// Group records keyed by name: gid, members (sorted).
std::vector<InventoryRecord> read_groups(const std::filesystem::path& root);

// The password field's state, never its value (exposed for tests).
std::string_view password_state(std::string_view shadow_field);

// Groups whose members are root in all but name.
bool is_administrative_group(std::string_view name);

}  // namespace responder::baseline
