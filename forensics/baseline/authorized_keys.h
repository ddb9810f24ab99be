// The SSH keys that may log in: every authorized_keys (and
// authorized_keys2) of /root and of each account's home, by fingerprint
// as `ssh-keygen -lf` prints it ("SHA256:" + unpadded base64).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "forensics/baseline/baseline_file_format.h"

namespace responder::baseline {

// Records keyed "USER SHA256:…": user, uid (-1 when no account has that
// home), type, comment, options, file.
std::vector<InventoryRecord> read_authorized_keys(const std::filesystem::path& root);

struct AuthorizedKeyLine {
  std::string options, type, fingerprint, comment;
};
// One line of an authorized_keys file; false for comments, blank lines and
// lines without a key.
bool parse_authorized_key_line(std::string_view line, AuthorizedKeyLine& key);

}  // namespace responder::baseline
