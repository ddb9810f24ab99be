// What a playbook needs of the process that runs it, checked before
// anything runs: a run that would fail at its first firewall step with
// "Operation not permitted" after an approval wait instead refuses up front
// with the whole list.
//
// Modules declare their needs in their schema (`requires:`); the names:
//   root                  effective uid 0 (writes /etc/shadow, mounts, systemd's private socket)
//   cap_net_admin         nftables changes
//   cap_net_raw           live packet capture
//   cap_linux_immutable   the immutable attribute (evidence falls back to a warning without it)
//   cap_sys_admin         mount(2)
//   systemd               a running systemd manager to talk to
#pragma once

#include <string>
#include <vector>

#include "responder/playbook.h"

namespace responder {

bool is_known_requirement(const std::string& need);
std::string known_requirements();  // for error messages

struct UnmetRequirement {
  std::string step;
  std::string module;
  std::string need;
  std::string why;  // what is missing and how to get it
};

// Every requirement of every step (skipped or not: `when:` is decided at
// run time) that this process does not meet, in playbook order.
// With `only_steps`, just those steps (what undo will touch).
std::vector<UnmetRequirement> unmet_requirements(const Playbook& playbook, const std::vector<std::string>& only_steps = {});

// One line per unmet need: "step block-attacker (firewall.block): needs CAP_NET_ADMIN (...)".
std::string describe(const std::vector<UnmetRequirement>& unmet);

}  // namespace responder
