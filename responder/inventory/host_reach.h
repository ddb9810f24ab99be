// How the controller reaches a host, from its Ansible connection variables.
#pragma once

#include <string>
#include <vector>

#include "responder/inventory/inventory.h"
#include "responder/result.h"

namespace responder::inventory {

struct HostReach {
  std::string transport;  // "local", "ssh" or "namespace"
  std::string address;    // ssh: ansible_host, else the host's name
  int port = 0;           // ssh: ansible_port; 0 = ssh's own default (its config, else 22)
  std::string user;       // ssh: ansible_user; empty = ssh's own default
  std::string private_key_file;              // ssh: ansible_ssh_private_key_file
  std::vector<std::string> ssh_common_args;  // ssh: ansible_ssh_common_args, split as shlex does
  std::string program;    // ssh: responder_program, the far side's responder; empty = the configuration's
  std::string netns;      // namespace: responder_netns, a name under /run/netns
  int netns_pid = 0;      // namespace: responder_netns_pid, a process whose namespaces to join
};

// The reach of `host`:
// - local when ansible_connection is `local`, or the host is named
//   localhost/127.0.0.1/::1 and has no ansible_host;
// - namespace when ansible_connection is `namespace`, with responder_netns
//   (a name) or responder_netns_pid (a positive number);
// - ssh otherwise (ansible_connection `ssh`, `smart`, `paramiko` or
//   absent), from ansible_host (else ansible_ssh_host, else the name),
//   ansible_port (else ansible_ssh_port), ansible_user (else
//   ansible_ssh_user), ansible_ssh_private_key_file (else
//   ansible_private_key_file) and ansible_ssh_common_args.
// Bad input naming the host and variable for another connection type, a
// port that is not 1-65535, a namespace host without its namespace, common
// arguments with an unclosed quote, or a value of the wrong type. Nothing
// is run: the arguments are only split.
Result<HostReach> reach_of(const Host& host);

// One line for people: "ssh admin@192.0.2.11:2222 key ~/.ssh/ir",
// "local", "namespace netns lab1".
std::string describe(const HostReach& reach);

// The same as JSON: {"transport": "ssh", "address": ..., ...}, only the
// fields that apply; journaled with a step's hosts, so that resume and undo
// reach each host as the run did without the inventory.
json::object reach_to_json(const HostReach& reach);
// Back from reach_to_json; bad input naming the field that is wrong.
Result<HostReach> reach_from_json(const json::value& value);

}  // namespace responder::inventory
