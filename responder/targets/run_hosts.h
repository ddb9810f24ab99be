// The hosts one command (run, resume, plan, undo) reaches: the inventories,
// read once when a step first needs them; `--limit`; and one executor per
// host for the whole command (one ssh ControlMaster each), all closed at
// its end.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "responder/incident_state.h"
#include "responder/inventory/inventory.h"
#include "responder/result.h"
#include "responder/targets/executor.h"
#include "responder/targets/host_executor.h"

namespace responder {
struct Environment;
}

namespace responder::targets {

struct RunHostsOptions {
  std::vector<std::filesystem::path> inventories;  // inventory_sources(): configuration's, then --inventory
  std::string limit;                               // --limit PATTERN; empty: every host
  int forks = 0;                                   // --forks; 0: the configuration's
  std::filesystem::path run_dir;                   // ssh control sockets (made 0700 here)
  std::filesystem::path incident_dir;              // for the local host
};

class RunHosts {
 public:
  RunHosts(const Environment& environment, RunHostsOptions options);
  ~RunHosts();
  RunHosts(const RunHosts&) = delete;
  RunHosts& operator=(const RunHosts&) = delete;

  // The hosts `patterns` select together (each an Ansible pattern; their
  // union, in order, each host once), with how each is reached. Bad input
  // naming the pattern when it selects nothing, names an unknown host or
  // group, or when there is no inventory.
  Result<std::vector<StepHost>> select(const std::vector<std::string>& patterns);

  // Whether --limit lets the command act on `host` (always without
  // --limit). The limit is matched against the inventories, or, when there
  // are none (undo, resume without -i), against the hosts `known` names.
  Result<bool> allowed(const std::string& host, const std::vector<std::string>& known);

  // The executor of `host`, made on first use and kept for the command.
  Result<Executor*> executor(const StepHost& host);

  int forks() const { return forks_; }
  const TargetSettings& settings() const { return settings_; }
  // Ends every executor's connection (ssh -O exit).
  void close();

 private:
  Result<const inventory::Inventory*> inventory();

  const Environment& environment_;
  RunHostsOptions options_;
  TargetSettings settings_;
  int forks_ = 20;
  std::optional<inventory::Inventory> inventory_;
  std::optional<std::set<std::string>> limited_to_;
  std::map<std::string, std::unique_ptr<Executor>> executors_;
};

}  // namespace responder::targets
