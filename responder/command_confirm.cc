// responder confirm ID STEP: disarm the dead-man switch of a step with confirm_within.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

#include "responder/command.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/journal_record_kind.h"
#include "responder/runner.h"

namespace responder {
namespace {

int confirm(const GlobalOptions& globals, const std::string& id, const std::string& step_id) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  auto incident = load_incident(*env, id);
  if (!incident) return report_error(incident.error());
  auto in_force = incident->state.in_force();
  auto it = std::find_if(in_force.begin(), in_force.end(), [&](const StepState* s) { return s->id == step_id; });
  if (it == in_force.end()) return report_error(bad_input("step '" + step_id + "' has no change in force to confirm"));
  const StepState& step = **it;
  const Module* module = ModuleRegistry::instance().find(step.module);
  if (!module) return report_error(failure("module " + step.module + " is not in this build"));
  auto control = take_control(*env, *incident);
  if (!control) return report_error(control.error());
  RunReporter reporter(globals.json);
  RunSetup setup{&*env, id, incident->dir, &control->journal, &incident->playbook, incident->state.variables, &reporter, incident->state.drill};
  StepContext context = make_step_context(setup, step_id);
  auto receipt = module->confirm(*step.receipt, context);
  if (!receipt) return report_error(receipt.error());
  auto record = control->journal.append(record_kind::step_confirmed, env->actor, {{"step", step_id}, {"receipt", receipt_to_json(*receipt)}});
  if (!record) return report_error(record.error());
  reporter.step(step_id, "confirmed", "the change stays in force", receipt->changes);
  return kExitSuccess;
}

void setup_confirm(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto args = std::make_shared<std::array<std::string, 2>>();
  command.add_option("incident", (*args)[0], "incident id")->required()->type_name("ID");
  command.add_option("step", (*args)[1], "the step whose dead-man switch to disarm")->required()->type_name("STEP");
  action = [args, &globals] { return confirm(globals, (*args)[0], (*args)[1]); };
}

const CommandRegistration confirm_registration{{"confirm", "keep a step with confirm_within in force (disarm its dead-man switch)", 44, setup_confirm}};

}  // namespace
}  // namespace responder
