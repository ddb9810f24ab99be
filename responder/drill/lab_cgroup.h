// The control group a lab's systemd runs in. systemd places its units under
// its own cgroup, so each lab's systemd starts inside a cgroup of its own
// (in each hierarchy systemd tracks processes in: cgroup v2, or v1's
// name=systemd and unified); two labs sharing one would share
// system.slice/<unit>, and stopping a unit in one would end the other's.
#pragma once

#include <string>

namespace responder::drill {

// The cgroup's name, under each hierarchy's root, for the lab `token`.
std::string lab_cgroup_name(const std::string& token);

// Shell lines that move the running shell ($$) into cgroup `name` in every
// writable hierarchy, for the victim's boot script.
std::string lab_cgroup_enter_script(const std::string& name);

// Removes cgroup `name` and every cgroup under it, deepest first, in every
// hierarchy; a cgroup still holding a process is waited for up to 5 s.
// Returns what could not be removed (empty: all gone, or none was there).
std::string remove_lab_cgroup(const std::string& name);

// Removes every host's cgroup of the lab `token` (lab_cgroup_name(token +
// "-" + host)), found by name in each hierarchy; what could not be removed.
std::string remove_lab_cgroups_of(const std::string& token);

}  // namespace responder::drill
