#include "responder/targets/host_executor.h"

#include "responder/config.h"
#include "responder/duration.h"
#include "responder/environment.h"
#include "responder/interrupt.h"
#include "responder/targets/local_executor.h"
#include "responder/targets/ssh_executor.h"

namespace responder::targets {

TargetSettings target_settings(const Config& config) {
  TargetSettings settings;
  json::object section = config.section("targets");
  if (auto* v = section.if_contains("forks"); v && v->is_int64()) settings.forks = static_cast<int>(v->get_int64());
  if (auto* v = section.if_contains("ssh_config"); v && v->is_string())
    settings.ssh_config = config.beside(std::string(v->get_string()));
  if (auto* v = section.if_contains("remote_program"); v && v->is_string()) settings.remote_program = v->get_string();
  if (auto* v = section.if_contains("connect_timeout"))
    if (auto d = duration_from_json(*v)) settings.connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  return settings;
}

SshReach ssh_reach(const std::string& name, const inventory::HostReach& reach, const TargetSettings& settings) {
  SshReach ssh;
  ssh.target.name = name;
  ssh.target.address = reach.address;
  ssh.target.port = reach.port;
  ssh.target.user = reach.user;
  ssh.target.private_key_file = reach.private_key_file;
  ssh.target.common_args = reach.ssh_common_args;
  ssh.target.remote_program = reach.program.empty() ? settings.remote_program : reach.program;
  if (!settings.ssh_config.empty()) ssh.options = {"-F", settings.ssh_config.string()};
  auto seconds = std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(settings.connect_timeout).count());
  // A host that stops answering (cut off, crashed) is seen within a minute
  // rather than holding its fork until the step's deadline.
  ssh.options.insert(ssh.options.end(), {"-o", "ConnectTimeout=" + std::to_string(seconds), "-o", "ServerAliveInterval=15",
                                         "-o", "ServerAliveCountMax=4"});
  return ssh;
}

Status check_module_fits(const std::string& name, const inventory::HostReach& reach, std::string_view module) {
  if (reach.transport != "namespace" || reach.netns.empty() || reach.netns_pid != 0) return {};
  bool network_only = module.starts_with("firewall.") || module.starts_with("traffic.") || module == "logs.analyze" ||
                      module == "note.add" || module == "wait";
  if (network_only) return {};
  return refusal("host " + name + " is a network namespace only (responder_netns " + reach.netns +
                 "): it shares this machine's files, services and accounts, so " + std::string(module) +
                 " would act on this machine; name a process of the host with responder_netns_pid instead");
}

Result<std::unique_ptr<Executor>> make_host_executor(const std::string& name, const inventory::HostReach& reach,
                                                     const TargetSettings& settings, const Environment& environment,
                                                     const std::filesystem::path& run_dir,
                                                     const std::filesystem::path& incident_dir) {
  ExecutorOptions options;
  options.run_dir = run_dir;
  options.stop = &interrupt_requested();
  if (reach.transport == "local") return make_local_executor(environment, incident_dir);
  if (reach.transport == "namespace") {
    NamespaceTarget target{name, reach.netns, reach.netns_pid};
    return make_namespace_executor(target, options);
  }
  auto ssh = ssh_reach(name, reach, settings);
  options.ssh_options = std::move(ssh.options);
  if (auto ok = check_ssh_target(ssh.target, options.ssh_options); !ok) return ok.error();
  return make_ssh_executor(ssh.target, options);
}

}  // namespace responder::targets
