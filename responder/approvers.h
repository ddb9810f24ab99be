// Who may approve a step, from the configuration's `approvers:` section:
//
//   approvers:
//     alice: {os_user: alice, ssh_key: "ssh-ed25519 AAAA... alice@laptop"}
//     bob:   {ssh_key_file: /etc/responder/approvers/bob.pub}
//     carol: {os_user: carol}
//
// An approver with an SSH key must sign each approval with it (ssh-keygen -Y
// sign -n responder-approval). An approver with only `os_user` is taken to be
// whoever runs `responder approve` as that OS user (the real uid, or
// SUDO_USER when sudo made the real uid root): weaker, because root can
// pretend to be anyone, and an edited journal record cannot be told apart.
// Without `approvers:` approvals are names typed by whoever runs approve:
// unauthenticated, and said so wherever they are counted.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "responder/result.h"

namespace responder {

struct Approver {
  std::string name;                   // the configured name: the identity that is counted
  std::string os_user;                // empty when not given
  std::vector<std::string> ssh_keys;  // "TYPE BASE64", comment dropped
};

using Approvers = std::map<std::string, Approver>;

// "  Alice   Smith " -> "alice smith": trimmed, inner whitespace collapsed to
// one space, ASCII letters lower-cased; so that one person typing their name
// twice is one person.
std::string normalise_approver_name(std::string_view name);

// True when `name` can be a configured approver name: lower-case letters,
// digits and . _ - @, starting with a letter or digit (it is also the
// principal in an allowed-signers file, where , * ? ! and spaces mean more).
bool valid_approver_name(std::string_view name);

// One OpenSSH public key line ("TYPE BASE64 [COMMENT]") as "TYPE BASE64";
// fails, saying why, for anything else (options, certificates, two keys).
Result<std::string> parse_ssh_public_key(std::string_view line);

// The lines of an ssh-keygen allowed-signers file: each key of each approver,
// limited to the responder-approval namespace.
std::string allowed_signers_text(const Approvers& approvers);

// The OS user who runs this process: the real uid's name, or SUDO_USER when
// the real uid is root (sudo set it). Unlike the journal's actor, a
// non-root user cannot choose it by setting SUDO_USER.
std::string invoking_os_user();

}  // namespace responder
