#include "responder/targets/target_options.h"

#include <CLI/CLI.hpp>

#include "responder/environment.h"
#include "responder/inventory/inventory_sources.h"

namespace responder::targets {

void add_target_options(CLI::App& command, TargetOptions& options) {
  command.add_option("--inventory,-i", options.inventories,
                     "an Ansible inventory, INI or YAML, for steps with targets: (repeatable; after the configuration's `inventories:`)")
      ->type_name("FILE");
  command.add_option("--limit,-l", options.limit, "act only on the hosts this Ansible pattern selects, in every step")
      ->type_name("PATTERN");
  command.add_option("--forks,-f", options.forks, "hosts worked on at once (default: the configuration's targets.forks, 20)")
      ->type_name("N")
      ->check(CLI::Range(1, 500));
}

RunHostsOptions run_hosts_options(const Environment& environment, const TargetOptions& options,
                                  const std::filesystem::path& incident_dir) {
  RunHostsOptions o;
  o.inventories = inventory::inventory_sources(environment.config, options.inventories);
  o.limit = options.limit;
  o.forks = options.forks;
  if (!incident_dir.empty()) {
    o.run_dir = incident_dir / "run";
    o.incident_dir = incident_dir;
  }
  return o;
}

}  // namespace responder::targets
