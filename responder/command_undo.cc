// responder undo ID [--step STEP]... [--host HOST]: undo applied changes,
// newest first; on other hosts, each host with its own receipt.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

#include "responder/command.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/requirements.h"
#include "responder/runner.h"
#include "responder/targets/run_hosts.h"
#include "responder/targets/target_options.h"

namespace responder {
namespace {

int undo(const GlobalOptions& globals, const std::string& id, const std::vector<std::string>& steps, const std::string& host) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  auto incident = load_incident(*env, id);
  if (!incident) return report_error(incident.error());
  auto in_force = incident->state.in_force();
  for (auto& step : steps) {
    if (!incident->playbook.find_step(step)) return report_error(bad_input("incident " + id + " has no step '" + step + "'"));
    if (std::none_of(in_force.begin(), in_force.end(), [&](const StepState* s) { return s->id == step; }))
      return report_error(bad_input("step '" + step + "' has no change in force to undo"));
  }
  if (!host.empty() && std::none_of(in_force.begin(), in_force.end(), [&](const StepState* s) { return s->host == host; }))
    return report_error(bad_input("host '" + host + "' has no change of incident " + id + " in force to undo"));
  std::vector<std::string> touched = steps;
  if (touched.empty())
    for (const StepState* s : in_force) touched.push_back(s->id);
  if (!touched.empty())
    if (auto unmet = unmet_requirements(incident->playbook, touched); !unmet.empty())
      return report_error(refusal("undoing these steps needs what this process lacks, so nothing was undone:\n" + describe(unmet)));
  auto control = take_control(*env, *incident);
  if (!control) return report_error(control.error());
  RunReporter reporter(globals.json);
  if (in_force.empty()) {
    reporter.note("incident " + id + ": nothing in force to undo");
    return kExitSuccess;
  }
  // Each host is reached as the run reached it (journaled with its step).
  targets::RunHosts hosts(*env, targets::run_hosts_options(*env, {}, incident->dir));
  RunSetup setup{&*env, id, incident->dir, &control->journal, &incident->playbook, incident->state.variables, &reporter,
                 incident->state.drill, &hosts};
  auto outcome = undo_in_force(setup, incident->state, steps, "", steps.empty() ? "responder undo" : "responder undo --step", host);
  hosts.close();
  reporter.note("undone " + std::to_string(outcome.undone) + ", failed " + std::to_string(outcome.failed));
  return outcome.failed ? kExitStepFailed : kExitSuccess;
}

void setup_undo(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto id = std::make_shared<std::string>();
  auto steps = std::make_shared<std::vector<std::string>>();
  command.add_option("incident", *id, "incident id")->required()->type_name("ID");
  auto host = std::make_shared<std::string>();
  command.add_option("--step", *steps, "undo only this step (repeatable); default all")->type_name("STEP");
  command.add_option("--host", *host, "undo only on this host (of steps with targets:)")->type_name("HOST");
  command.footer("Examples:\n  responder undo INC-42                        (everything in force, newest first)\n"
                 "  responder undo INC-42 --step block-attacker --host web02");
  action = [id, steps, host, &globals] { return undo(globals, *id, *steps, *host); };
}

const CommandRegistration undo_registration{{"undo", "undo applied changes, newest first (all, or the named steps)", 42, setup_undo}};

}  // namespace
}  // namespace responder
