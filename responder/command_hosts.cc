// responder hosts [PATTERN]: the hosts a pattern selects from the
// inventories, and how each is reached.
//
// `hosts` is a command with its own subcommands to come (`hosts prepare
// PATTERN`): setup_hosts adds them with command.add_subcommand("prepare"),
// and the action runs the one whose parsed() is true, else the listing.
// CLI11 takes a first word equal to a subcommand's name as that subcommand
// (options before or after it still reach `hosts`), any other word as the
// pattern; a host or group named `prepare` is then listed with
// `responder hosts prepare:` or `responder hosts -- prepare`.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <memory>

#include "responder/command.h"
#include "responder/environment.h"
#include "responder/exit_code.h"
#include "responder/inventory/host_pattern.h"
#include "responder/inventory/host_reach.h"
#include "responder/inventory/inventory_loader.h"
#include "responder/inventory/inventory_sources.h"
#include "responder/message_text.h"

namespace responder {
namespace {

struct HostsOptions {
  std::string pattern = "all";
  std::vector<std::string> inventories;
};

int list_hosts(const GlobalOptions& globals, const HostsOptions& options) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  auto files = inventory::inventory_sources(env->config, options.inventories);
  if (files.empty())
    return report_error(bad_input("no inventory: name one with --inventory FILE, or list them under `inventories:` in the configuration"));
  std::vector<Diagnostic> diagnostics;
  auto loaded = inventory::load_inventories(files, diagnostics);
  for (auto& d : diagnostics)
    if (d.warning) std::cerr << d.format() << "\n";
  if (!loaded) {
    // The error's message is its diagnostic line: printed once, as is.
    std::cerr << one_line(loaded.error().message) << "\n";
    return kExitBadInput;
  }
  auto selected = inventory::select_hosts(*loaded, options.pattern);
  if (!selected) return report_error(selected.error());

  struct Line {
    const inventory::Host* host;
    inventory::HostReach reach;
  };
  std::vector<Line> lines;
  for (const inventory::Host* host : *selected) {
    auto reach = inventory::reach_of(*host);
    if (!reach) return report_error(reach.error());
    lines.push_back({host, std::move(*reach)});
  }
  if (globals.json) {
    for (auto& line : lines) {
      json::object out{{"name", line.host->name},
                       {"groups", string_array(line.host->groups)},
                       {"reach", inventory::reach_to_json(line.reach)},
                       {"vars", line.host->vars}};
      std::cout << to_json_text(out) << "\n";
    }
    return kExitSuccess;
  }
  std::size_t width = 0;
  for (auto& line : lines) width = std::max(width, one_line(line.host->name).size());
  for (auto& line : lines) {
    std::string name = one_line(line.host->name);
    std::cout << name << std::string(width - name.size() + 2, ' ') << one_line(inventory::describe(line.reach)) << "\n";
  }
  return kExitSuccess;
}

void setup_hosts(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto options = std::make_shared<HostsOptions>();
  command.add_option("pattern", options->pattern, "an Ansible host pattern (default: all)")->type_name("PATTERN");
  command.add_option("--inventory,-i", options->inventories,
                     "an Ansible inventory, INI or YAML (repeatable; after the configuration's `inventories:`)")
      ->type_name("FILE");
  action = [options, &globals] { return list_hosts(globals, *options); };
}

const CommandRegistration hosts_registration{
    {"hosts", "list the hosts a pattern selects from the inventories, and how each is reached", 45, setup_hosts}};

}  // namespace
}  // namespace responder
