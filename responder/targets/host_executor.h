// From a host's reach (inventory.h, or as journaled with a step) to the
// executor that runs steps there, with the configuration's `targets:`
// settings (targets_config.schema.yaml).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "responder/inventory/host_reach.h"
#include "responder/result.h"
#include "responder/targets/executor.h"

namespace responder {
struct Config;
struct Environment;
}  // namespace responder

namespace responder::targets {

struct TargetSettings {
  int forks = 20;
  std::filesystem::path ssh_config;  // empty: ssh's own (~/.ssh/config)
  std::string remote_program = "responder";
  std::chrono::milliseconds connect_timeout{10000};
};

// The `targets:` section, with its defaults; relative paths are taken from
// the configuration file's folder.
TargetSettings target_settings(const Config& config);

// How ssh host `name` is reached: its target (the remote program is the
// host's responder_program, else the settings') and the controller's own
// ssh options (-F, ConnectTimeout, ServerAliveInterval). Not checked yet:
// check_ssh_target(target, options) says whether ssh may be run with them.
struct SshReach {
  SshTarget target;
  std::vector<std::string> options;
};
SshReach ssh_reach(const std::string& name, const inventory::HostReach& reach, const TargetSettings& settings);

// Refused (naming the host and module) when `module` run on a host reached
// as `reach` would act on this machine instead: a lab host that is a
// network namespace only (responder_netns) shares this machine's files,
// services and accounts, so only modules that act on the network or only
// read (firewall.*, traffic.*, logs.analyze, note.add, wait) run there.
Status check_module_fits(const std::string& name, const inventory::HostReach& reach, std::string_view module);

// An executor for host `name` reached as `reach`. Local hosts run in this
// process (`incident_dir` is theirs); ssh hosts get one ControlMaster
// socket under `run_dir`. Bad input, naming the host, when the reach cannot
// be used (an ssh option that is not taken, a user or address ssh would
// read as an option).
Result<std::unique_ptr<Executor>> make_host_executor(const std::string& name, const inventory::HostReach& reach,
                                                     const TargetSettings& settings, const Environment& environment,
                                                     const std::filesystem::path& run_dir,
                                                     const std::filesystem::path& incident_dir);

}  // namespace responder::targets
