// The root-only file in the incident home where credential.rotate keeps the
// new passwords it sets (incidents/<id>/credentials/<step>.txt): the one
// place a secret it makes is ever written.
//
//   # <header line>
//   alice:Jx3...
//   bob:Q-w...
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "responder/result.h"

namespace responder {

struct Credential {
  std::string user;
  std::string password;
};

// Creates the file's directory mode 0700 when missing (and makes an existing
// one 0700; a symlink there is refused), then the file itself with O_EXCL
// and mode 0600, owned by the calling (root) process; writes `# header` and
// one "user:password" line per credential; fsyncs the file and the directory.
// When this returns success the passwords survive a crash. Fails naming the
// file, never a password, and refuses to overwrite an existing file (it may
// hold passwords already in force).
Status write_credentials_file(const std::filesystem::path& path, const std::string& header,
                              const std::vector<Credential>& credentials);

// The credentials in the file, in order ('#' lines skipped). Fails naming
// the file when it cannot be read.
Result<std::vector<Credential>> read_credentials_file(const std::filesystem::path& path);

}  // namespace responder
