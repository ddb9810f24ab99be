// What the ssh executor (make_ssh_executor in executor.h) accepts, so that
// an inventory can be refused before any step runs rather than host by host.
#pragma once

#include <string>
#include <vector>

#include "responder/result.h"
#include "responder/targets/executor.h"

namespace responder::targets {

// Ok when `target` can be handed to ssh as an argv vector without any part
// of it being read as an option or as shell syntax: the address and user do
// not start with '-' and hold no whitespace or control characters (nor '@'
// in the address), the port is 0..65535, and the remote program is a plain
// path (letters, digits, "/._+-"), since ssh passes the remote command to the
// far side's shell. Refused (kind refused), naming the option and the host:
// any ssh option in the target's common_args or in `ssh_options` that
// switches host key checking off (StrictHostKeyChecking no/off,
// UserKnownHostsFile /dev/null). Everything else is bad input.
Status check_ssh_target(const SshTarget& target, const std::vector<std::string>& ssh_options = {});

}  // namespace responder::targets
