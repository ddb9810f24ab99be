// responder hosts [PATTERN]: the hosts a pattern selects from the
// inventories, and how each is reached.
// responder hosts prepare PATTERN --package FILE.deb: this build's package
// installed where this exact version is missing (targets/host_prepare.h),
// each host's outcome printed as it is done and, with --incident, journaled.
//
// `hosts` is a command with its own subcommands: setup_hosts adds them with
// command.add_subcommand("prepare"), and the action runs the one whose
// parsed() is true, else the listing.
// CLI11 takes a first word equal to a subcommand's name as that subcommand
// (options before or after it still reach `hosts`), any other word as the
// pattern; a host or group named `prepare` is then listed with
// `responder hosts prepare:` or `responder hosts -- prepare`.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "responder/command.h"
#include "responder/environment.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/inventory/host_pattern.h"
#include "responder/inventory/host_reach.h"
#include "responder/inventory/inventory_loader.h"
#include "responder/inventory/inventory_sources.h"
#include "responder/journal.h"
#include "responder/journal_record_kind.h"
#include "responder/message_text.h"
#include "responder/targets/host_executor.h"
#include "responder/targets/host_prepare.h"
#include "responder/targets/responder_package.h"
#include "responder/targets/step_protocol.h"

namespace responder {
namespace {

struct HostsOptions {
  std::string pattern = "all";
  std::vector<std::string> inventories;
};

struct PrepareOptions {
  std::string pattern;
  std::vector<std::string> inventories;  // after those given to `hosts` itself
  std::string package;
  std::string incident;
  int forks = 0;  // 0: the configuration's targets.forks
};

// The hosts a pattern selects, with how each is reached (host pointers are
// the inventory's, valid while it lives, moves included).
struct SelectedHosts {
  struct Line {
    const inventory::Host* host;
    inventory::HostReach reach;
  };
  inventory::Inventory inventory;
  std::vector<Line> lines;
};

// Reads the inventories and selects `pattern`; on failure, says why on
// stderr and sets `exit_code`.
std::optional<SelectedHosts> select_reached_hosts(const Environment& env, const std::vector<std::string>& given,
                                                  const std::string& pattern, int& exit_code) {
  exit_code = kExitBadInput;
  auto files = inventory::inventory_sources(env.config, given);
  if (files.empty()) {
    exit_code = report_error(
        bad_input("no inventory: name one with --inventory FILE, or list them under `inventories:` in the configuration"));
    return std::nullopt;
  }
  std::vector<Diagnostic> diagnostics;
  auto loaded = inventory::load_inventories(files, diagnostics);
  for (auto& d : diagnostics)
    if (d.warning) std::cerr << d.format() << "\n";
  if (!loaded) {
    // The error's message is its diagnostic line: printed once, as is.
    std::cerr << one_line(loaded.error().message) << "\n";
    return std::nullopt;
  }
  std::optional<SelectedHosts> hosts(SelectedHosts{std::move(*loaded), {}});
  auto selected = inventory::select_hosts(hosts->inventory, pattern);
  if (!selected) {
    exit_code = report_error(selected.error());
    return std::nullopt;
  }
  for (const inventory::Host* host : *selected) {
    auto reach = inventory::reach_of(*host);
    if (!reach) {
      exit_code = report_error(reach.error());
      return std::nullopt;
    }
    hosts->lines.push_back({host, std::move(*reach)});
  }
  return hosts;
}

int list_hosts(const GlobalOptions& globals, const HostsOptions& options) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  int exit_code = kExitSuccess;
  auto selected = select_reached_hosts(*env, options.inventories, options.pattern, exit_code);
  if (!selected) return exit_code;
  auto& lines = selected->lines;
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

json::value version_json(const std::optional<std::string>& version) {
  return version ? json::value(*version) : json::value(nullptr);
}

int prepare_hosts(const GlobalOptions& globals, const HostsOptions& hosts_options, const PrepareOptions& options) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  auto settings = targets::target_settings(env->config);
  // Everything that can be wrong with the input is found before any host is touched.
  std::vector<std::string> given = hosts_options.inventories;
  given.insert(given.end(), options.inventories.begin(), options.inventories.end());
  int exit_code = kExitSuccess;
  auto selected = select_reached_hosts(*env, given, options.pattern, exit_code);
  if (!selected) return exit_code;
  std::vector<targets::PrepareHost> hosts;
  for (auto& line : selected->lines) hosts.push_back({line.host->name, line.reach});
  if (auto ok = targets::check_prepare_hosts(hosts, settings); !ok) return report_error(ok.error());
  auto package = targets::read_responder_package(options.package);
  if (!package) return report_error(package.error());
  std::optional<JournalWriter> journal;
  if (!options.incident.empty()) {
    // Another process may be running the incident: records are appended
    // beside its own (JournalWriter is safe for that), as `approve` does.
    auto incident = load_incident(*env, options.incident);
    if (!incident) return report_error(incident.error());
    auto opened = JournalWriter::open(incident->dir, false);
    if (!opened) return report_error(opened.error());
    journal.emplace(std::move(*opened));
  }

  std::size_t width = 0;
  for (auto& host : hosts) width = std::max(width, one_line(host.name).size());
  bool journal_failed = false;
  auto finished = [&](const targets::HostPreparation& p) {
    json::object payload{{"host", p.host},
                         {"transport", p.transport},
                         {"version_before", version_json(p.version_before)},
                         {"version_after", version_json(p.version_after)},
                         {"package_sha256", package->sha256},
                         {"outcome", targets::outcome_name(p.outcome)},
                         {"detail", p.detail}};
    std::optional<std::uint64_t> seq;
    if (journal) {
      auto record = journal->append(record_kind::host_prepared, env->actor, payload);
      if (record) seq = record->seq;
      else {
        journal_failed = true;
        std::cerr << "responder: " << one_line(p.host) << " was not journaled: " << one_line(record.error().message) << "\n";
      }
    }
    if (globals.json) {
      if (seq) payload["seq"] = *seq;
      std::cout << to_json_text(payload) << std::endl;
      return;
    }
    std::string name = one_line(p.host);
    std::string outcome(targets::outcome_name(p.outcome));
    std::cout << name << std::string(width - name.size() + 2, ' ') << outcome << std::string(13 - outcome.size(), ' ')
              << one_line(p.detail) << std::endl;
  };
  int forks = options.forks > 0 ? options.forks : settings.forks;
  auto results = targets::prepare_hosts(hosts, *package, settings, forks, finished);

  std::map<targets::PrepareOutcome, int> counts;
  for (auto& p : results) ++counts[p.outcome];
  int ready = counts[targets::PrepareOutcome::current] + counts[targets::PrepareOutcome::installed];
  if (!globals.json)
    std::cout << ready << " of " << results.size() << " hosts have responder " << package->version << " ("
              << counts[targets::PrepareOutcome::installed] << " installed, " << counts[targets::PrepareOutcome::current]
              << " already current, " << counts[targets::PrepareOutcome::failed] << " failed, "
              << counts[targets::PrepareOutcome::unreachable] << " unreachable)\n";
  bool all_ready = ready == static_cast<int>(results.size());
  return all_ready && !journal_failed ? kExitSuccess : kExitStepFailed;
}

void setup_hosts(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto options = std::make_shared<HostsOptions>();
  command.add_option("pattern", options->pattern, "an Ansible host pattern (default: all)")->type_name("PATTERN");
  command.add_option("--inventory,-i", options->inventories,
                     "an Ansible inventory, INI or YAML (repeatable; after the configuration's `inventories:`)")
      ->type_name("FILE");

  auto prepare_options = std::make_shared<PrepareOptions>();
  CLI::App* prepare = command.add_subcommand(
      "prepare", "install this build's package (dpkg -i, as root over ssh) on hosts that lack this exact version");
  prepare->add_option("pattern", prepare_options->pattern, "an Ansible host pattern")->required()->type_name("PATTERN");
  prepare->add_option("--inventory,-i", prepare_options->inventories,
                      "an Ansible inventory, INI or YAML (repeatable; after the configuration's `inventories:`)")
      ->type_name("FILE");
  prepare->add_option("--package", prepare_options->package, "this build's Debian package (`cpack -G DEB` makes it)")
      ->required()
      ->type_name("FILE.deb");
  prepare->add_option("--incident", prepare_options->incident,
                      "journal what was done to each host (host.prepared) in this existing incident")
      ->type_name("ID");
  prepare->add_option("--forks", prepare_options->forks, "hosts worked on at once (default: the configuration's targets.forks)")
      ->check(CLI::Range(1, 500))
      ->type_name("N");
  prepare->footer(
      "Each host is asked `responder --version`; one without this exact version gets the package copied over ssh\n"
      "into a private directory, checked by SHA-256 there, installed with dpkg -i and asked again. The ssh user\n"
      "must be root (ansible_become is not honoured yet). Local and namespace hosts run this very program.\n"
      "Exit 0 when every host has this version, 1 when any has not, 2 for bad input.\n\n"
      "Example:\n  responder hosts prepare 'web*' -i hosts.ini --package build/responder_" +
      std::string(targets::responder_version()) + "_amd64.deb --incident INC-7");
  command.footer("Examples:\n  responder hosts 'web*:!web03' -i hosts.ini\n"
                 "  responder hosts prepare web -i hosts.ini --package build/responder_0.1.0_amd64.deb");
  action = [options, prepare_options, prepare, &globals] {
    if (prepare->parsed()) return prepare_hosts(globals, *options, *prepare_options);
    return list_hosts(globals, *options);
  };
}

const CommandRegistration hosts_registration{
    {"hosts", "list the hosts a pattern selects from the inventories, and how each is reached", 45, setup_hosts}};

}  // namespace
}  // namespace responder
