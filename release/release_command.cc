// responder release status ID: the patch-compliance table of an incident.
// responder release export ID --ansible DIR / import ID RESULTS: the same
// release run by Ansible (ansible_exchange.h).
// responder release resume ID [--watch [--every 60s] [--until 12h]]: retries
// the hosts a release could not reach, as `responder resume` does, and with
// --watch keeps trying until none is pending, so machines that were offline
// get the patch when they come back.
#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <thread>

#include "release/ansible_exchange.h"
#include "release/compliance_table.h"
#include "responder/command.h"
#include "responder/duration.h"
#include "responder/environment.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/incident_resume.h"
#include "responder/interrupt.h"
#include "responder/message_text.h"
#include "responder/report/patch_compliance.h"

namespace responder::release {
namespace {

struct ReleaseOptions {
  std::string id;
  bool watch = false, take_back = false;
  std::string every = "60s", until = "12h";
  targets::TargetOptions targets;
};

Result<json::array> compliance_of(const GlobalOptions& globals, const std::string& id, bool* halted = nullptr) {
  auto env = open_environment(globals);
  if (!env) return env.error();
  auto incident = load_incident(*env, id);
  if (!incident) return incident.error();
  if (halted) *halted = !incident->state.halted.empty();
  return patch_compliance_rows(incident->contents);
}

int show_status(const GlobalOptions& globals, const std::string& id) {
  auto rows = compliance_of(globals, id);
  if (!rows) return report_error(rows.error());
  if (globals.json) {
    std::cout << to_json_text(json::object{{"incident", id}, {"patch_compliance", *rows}}) << "\n";
    return kExitSuccess;
  }
  if (rows->empty()) {
    std::cout << "incident " << id << " has no release.push step yet\n";
    return kExitSuccess;
  }
  for (auto& line : compliance_lines(*rows)) std::cout << one_line(line) << "\n";
  return kExitSuccess;
}

int resume_release(const GlobalOptions& globals, const ReleaseOptions& options) {
  auto every = parse_duration(options.every);
  if (!every || every->count() <= 0) return report_error(bad_input("--every: a duration such as 60s or 5m"));
  auto until = parse_duration(options.until);
  if (!until) return report_error(bad_input("--until: a duration such as 2h"));
  auto stop_at = std::chrono::steady_clock::now() + *until;
  install_interrupt_handlers();
  if (options.take_back && !options.targets.limit.empty())
    return report_error(bad_input("--take-back takes back every host still with Ansible; it does not combine with --limit"));
  if (options.take_back)
    if (auto taken = take_back_from_ansible(globals, options.id); !taken) return report_error(taken.error());
  for (int pass = 1;; ++pass) {
    int code = resume_incident(globals, options.id, false, options.targets);
    if (!options.watch || code == kExitBadInput || code == kExitRefused || code == kExitInterrupted) return code;
    bool halted = false;
    auto rows = compliance_of(globals, options.id, &halted);
    if (!rows) return report_error(rows.error());
    std::size_t waiting = hosts_waiting(*rows);
    if (waiting == 0 || halted) {
      if (globals.json)
        std::cout << to_json_text(json::object{{"incident", options.id}, {"watch", halted ? "halted" : "done"}, {"pass", pass},
                                               {"pending", static_cast<std::int64_t>(waiting)}})
                  << "\n";
      else
        std::cout << (halted ? "the release halted; watching stops (held hosts need a new release)\n"
                             : "no host is pending any more\n");
      if (std::size_t ansible = hosts_in(*rows, "with-ansible"); ansible > 0 && !globals.json)
        std::cout << ansible << " host(s) are with Ansible: `responder release import " << options.id
                  << " RESULTS` brings their outcome back\n";
      return code;
    }
    bool last = std::chrono::steady_clock::now() + *every > stop_at;
    if (globals.json)
      std::cout << to_json_text(json::object{{"incident", options.id},
                                             {"watch", last ? "stopped" : "waiting"},
                                             {"pass", pass},
                                             {"pending", static_cast<std::int64_t>(waiting)},
                                             {"next_in", last ? std::string() : options.every}})
                << "\n"
                << std::flush;
    if (last) {
      if (!globals.json)
        std::cout << waiting << " host(s) still pending after --until " << options.until << "; `responder release resume "
                  << options.id << " --watch` tries again\n";
      return code;
    }
    if (!globals.json)
      std::cout << waiting << " host(s) pending after pass " << pass << "; trying again in " << options.every
                << " (Ctrl-C stops; nothing is left half-done)\n"
                << std::flush;
    auto wake = std::chrono::steady_clock::now() + *every;
    while (std::chrono::steady_clock::now() < wake) {
      if (interrupt_requested().load()) return kExitInterrupted;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

void setup_release(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto options = std::make_shared<ReleaseOptions>();
  CLI::App* status = command.add_subcommand("status", "the patch-compliance table: each host's state, version and time");
  status->add_option("id", options->id, "the incident")->required()->type_name("ID");
  status->footer("Example:\n  responder release status INC-42");
  CLI::App* resume = command.add_subcommand(
      "resume", "retry the hosts a release could not reach (as `responder resume`), and with --watch until none is pending");
  resume->add_option("id", options->id, "the incident")->required()->type_name("ID");
  resume->add_flag("--watch", options->watch, "keep trying, every --every, until no host is pending or --until passes");
  resume->add_option("--every", options->every, "the pause between passes (default 60s)")->type_name("DURATION");
  resume->add_option("--until", options->until, "stop watching after this long (default 12h)")->type_name("DURATION");
  resume->add_flag("--take-back", options->take_back,
                   "first take back the hosts handed to Ansible by `release export` whose results never came");
  targets::add_target_options(*resume, options->targets);
  resume->footer("Examples:\n  responder release resume INC-42\n  responder release resume INC-42 --watch --every 5m --until 24h");
  auto exchange = std::make_shared<ExchangeOptions>();
  CLI::App* to_ansible = command.add_subcommand(
      "export", "write the release as an Ansible playbook and inventory (canary, waves as serial, rollback in rescue)");
  to_ansible->add_option("id", exchange->id, "the incident")->required()->type_name("ID");
  to_ansible->add_option("--ansible", exchange->dir, "a new directory for the playbook, inventory and artifact")
      ->required()
      ->type_name("DIR");
  to_ansible->add_option("--step", exchange->step, "the release.push step (when the playbook has several)")->type_name("STEP");
  targets::add_target_options(*to_ansible, exchange->targets);
  to_ansible->footer("Examples:\n  responder release export INC-42 --ansible /srv/awx/inc-42 -i fleet.ini\n"
                     "  (cd /srv/awx/inc-42 && ansible-playbook -i inventory.yml release.yml)");
  CLI::App* from_ansible =
      command.add_subcommand("import", "bring the hosts' results of an exported release back into the journal");
  from_ansible->add_option("id", exchange->id, "the incident")->required()->type_name("ID");
  from_ansible->add_option("results", exchange->dir, "the export's results/ directory, or AWX's artifacts JSON")
      ->required()
      ->type_name("RESULTS");
  from_ansible->add_option("--step", exchange->step, "the release.push step (when several were exported)")->type_name("STEP");
  from_ansible->footer("Example:\n  responder release import INC-42 /srv/awx/inc-42/results");
  command.require_subcommand(1);
  command.footer("Examples:\n  responder release status INC-42\n  responder release resume INC-42 --watch\n"
                 "  responder release export INC-42 --ansible /srv/awx/inc-42");
  action = [options, exchange, status, to_ansible, from_ansible, &globals] {
    if (status->parsed()) return show_status(globals, options->id);
    if (to_ansible->parsed()) return export_release(globals, *exchange);
    if (from_ansible->parsed()) return import_release(globals, *exchange);
    return resume_release(globals, *options);
  };
}

const CommandRegistration release_registration{
    {"release", "the accelerated release of an incident: its compliance table, and catching up hosts that were offline", 46,
     setup_release}};

}  // namespace
}  // namespace responder::release
