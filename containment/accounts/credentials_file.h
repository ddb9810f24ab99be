// The root-only file in the incident home where credential.rotate keeps the
// new passwords it sets (incidents/<id>/credentials/<step>.txt, or .p7m when
// sealed to a recipient, see credentials_envelope.h): the one place a secret
// it makes is ever written. In plain text:
//
//   # <header line>
//   alice:Jx3...
//   bob:Q-w...
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "responder/result.h"

namespace responder::accounts {

struct Credential {
  std::string user;
  std::string password;
};

// The plain-text form above.
std::string format_credentials(const std::string& header, const std::vector<Credential>& credentials);

// Creates the file's directory mode 0700 when missing (and makes an existing
// one 0700; a symlink there is refused), then the file itself with O_EXCL
// and mode 0600, owned by the calling (root) process; writes `content`;
// fsyncs the file and the directory. When this returns success the content
// survives a crash. Fails naming the file, never echoing the content, and
// refuses to overwrite an existing file (it may hold passwords in force).
Status write_credentials_file(const std::filesystem::path& path, std::string_view content);

// What write_credentials_file would say of `dir` as it stands, changing
// nothing (for plan): absent is fine, it will be made; a symlink, something
// not a directory, or a directory the responder does not own is refused.
Status check_credentials_directory(const std::filesystem::path& dir);

// The credentials in a plain-text file, in order ('#' lines skipped). Fails
// naming the file when it cannot be read.
Result<std::vector<Credential>> read_credentials_file(const std::filesystem::path& path);

}  // namespace responder::accounts
