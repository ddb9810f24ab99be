// SSH signatures (SSHSIG, `ssh-keygen -Y`) over a text, through OpenSSH's own
// ssh-keygen: the keys approvers already hold, their agents and their
// security keys all work, and nothing here reimplements the format.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "responder/result.h"

namespace responder {

// Signs `message` in `name_space` with `key` (a private key file, or a .pub
// file whose private half ssh-agent holds). Returns the armored signature
// ("-----BEGIN SSH SIGNATURE-----..."). A passphrase is asked on the
// terminal by ssh-keygen itself.
Result<std::string> ssh_sign(const std::filesystem::path& key, const std::string& message, const std::string& name_space);

// Signs with whichever of `public_keys` ("TYPE BASE64") ssh-agent holds.
Result<std::string> ssh_sign_with_agent(const std::vector<std::string>& public_keys, const std::string& message,
                                        const std::string& name_space);

// Succeeds only when `signature` is a valid signature of `message` in
// `name_space` by a key that `allowed_signers` (ssh-keygen's file format)
// lists for `identity`. The allowed signers and the signature are written to
// a private temporary directory (0700, files 0600) for ssh-keygen and
// removed afterwards. A bad signature is a refusal naming ssh-keygen's reason.
Status ssh_verify(const std::string& allowed_signers, const std::string& identity, const std::string& name_space,
                  const std::string& signature, const std::string& message);

}  // namespace responder
