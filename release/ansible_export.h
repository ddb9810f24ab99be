// A release.push step written as an Ansible playbook and inventory, for
// fleets where one control host's ssh fan-out is not the right engine: AWX
// or Ansible Automation Platform runs it as is, and `responder release
// import` brings each host's outcome back into the journal.
//
// DIR/inventory.yml      groups responder_release and responder_canary, every
//                        value `!unsafe`
// DIR/release.yml        the canary play, then the waves (serial) with
//                        max_fail_percentage; gather_facts off
// DIR/release-tasks.yml  on each host, as release.push does it: ask dpkg (or
//                        `check`), copy the artifact and check its SHA-256,
//                        back up once, install, restart, health with
//                        retries; rescue: rollback; always: the host's
//                        result in DIR/results/HOST.json (and set_stats, which
//                        AWX keeps as the job's artifacts)
// DIR/files/NAME         the artifact whose signature verified
// DIR/responder-export.json  what was exported, for the import's checks
//
// Every text from the playbook reaches Ansible as `!unsafe`, so Jinja never
// reads it; host placeholders become Ansible variables.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "responder/incident_state.h"
#include "responder/json.h"
#include "responder/result.h"

namespace responder::release {

struct AnsibleExport {
  std::string incident, step;
  std::string instance;  // incident_instance() of the incident's journal
  json::object params;  // release.push parameters, artifact_facts included
  std::shared_ptr<const std::string> artifact;
  std::vector<StepHost> hosts;
  std::vector<std::string> canary;  // host names
  json::array waves;                // serial: counts or "NN%"
  int max_fail_percentage = 0;
  std::filesystem::path ssh_config;  // the controller's targets.ssh_config, if any
  std::string state_dir = "/var/lib/responder/release";  // on each host
  std::string journal_head;
};

// Writes the export into `dir` (created; must be empty or absent). Bad
// input names a host that Ansible cannot reach as responder would (a
// namespace host).
Status write_ansible_export(const AnsibleExport& release, const std::filesystem::path& dir);

// Where a host keeps this release's state and backup, as the native far
// side does.
std::string exported_release_dir(const AnsibleExport& release);
std::string exported_backup_dir(const AnsibleExport& release);

}  // namespace responder::release
