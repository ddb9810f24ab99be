// The command-line options of every command that reaches hosts (run,
// resume, plan): -i/--inventory, -l/--limit, -f/--forks.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "responder/targets/run_hosts.h"

namespace CLI {
class App;
}

namespace responder::targets {

struct TargetOptions {
  std::vector<std::string> inventories;
  std::string limit;
  int forks = 0;
};

void add_target_options(CLI::App& command, TargetOptions& options);

// RunHosts options for an incident directory (its run/ holds the ssh
// control sockets), or for none (`plan`: a private directory under /tmp).
RunHostsOptions run_hosts_options(const Environment& environment, const TargetOptions& options,
                                  const std::filesystem::path& incident_dir);

}  // namespace responder::targets
