// What the ssh executor (make_ssh_executor in executor.h) accepts, so that
// an inventory can be refused before any step runs rather than host by host;
// and the ssh command line it runs, for others that reach the same hosts
// (host_prepare.h).
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

// The ssh command line for `target`, up to (not including) "-T", "--", the
// address and the remote command the caller adds: `ssh` and the options
// every connection to an incident host carries before any other, since ssh
// keeps an option's first value (StrictHostKeyChecking=yes, ForwardAgent=no,
// BatchMode=yes), then `connection_options` (the executor's ControlMaster),
// the port, user and key, the target's common_args and `ssh_options`. For a
// target check_ssh_target() accepted.
std::vector<std::string> ssh_command_prefix(const SshTarget& target, const std::vector<std::string>& ssh_options,
                                            const std::vector<std::string>& connection_options = {});

// Why ssh exiting with 255 did not run anything on `target`, from its
// standard error (`ssh_stderr`): a host key that changed or is unknown reads
// as a refusal, not as a network problem; ssh's own words are made one line.
std::string ssh_failure_reason(const std::string& ssh_stderr, const SshTarget& target);

}  // namespace responder::targets
