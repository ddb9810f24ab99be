// responder confirm ID STEP: disarm the dead-man switch of a step with confirm_within.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

#include "responder/command.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/journal_record_kind.h"
#include "responder/runner.h"
#include "responder/targets/run_hosts.h"
#include "responder/targets/target_options.h"

namespace responder {
namespace {

int confirm(const GlobalOptions& globals, const std::string& id, const std::string& step_id) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  auto incident = load_incident(*env, id);
  if (!incident) return report_error(incident.error());
  std::vector<const StepState*> chosen;
  for (const StepState* s : incident->state.in_force())
    if (s->id == step_id) chosen.push_back(s);
  if (chosen.empty()) return report_error(bad_input("step '" + step_id + "' has no change in force to confirm"));
  const Module* module = ModuleRegistry::instance().find(chosen.front()->module);
  if (!module) return report_error(failure("module " + chosen.front()->module + " is not in this build"));
  auto control = take_control(*env, *incident);
  if (!control) return report_error(control.error());
  RunReporter reporter(globals.json);
  targets::RunHosts hosts(*env, targets::run_hosts_options(*env, {}, incident->dir));
  RunSetup setup{&*env, id, incident->dir, &control->journal, &incident->playbook, incident->state.variables, &reporter,
                 incident->state.drill, &hosts};
  // A step with targets is confirmed on each of its hosts; one that cannot
  // be does not stop the others, and the exit code says so.
  int failed = 0;
  for (const StepState* step : chosen) {
    std::string label = step->host.empty() ? step_id : step_id + " on " + step->host;
    Result<Receipt> receipt = failure("");
    if (step->host.empty()) {
      StepContext context = make_step_context(setup, step_id);
      receipt = module->confirm(*step->receipt, context);
    } else if (auto answer = ask_host(setup, incident->state, *step, targets::Operation::confirm); !answer) {
      receipt = answer.error();
    } else if (!answer->receipt) {
      receipt = failure("host " + step->host + " answered without the confirmed receipt");
    } else {
      receipt = *answer->receipt;
    }
    if (!receipt) {
      if (chosen.size() == 1) return report_error(receipt.error());
      reporter.step(label, "confirm failed", receipt.error().message);
      ++failed;
      continue;
    }
    json::object payload{{"step", step_id}, {"receipt", receipt_to_json(*receipt)}};
    if (!step->host.empty()) payload["host"] = step->host;
    auto record = control->journal.append(record_kind::step_confirmed, env->actor, std::move(payload));
    if (!record) return report_error(record.error());
    reporter.step(label, "confirmed", "the change stays in force", receipt->changes);
  }
  hosts.close();
  return failed ? kExitStepFailed : kExitSuccess;
}

void setup_confirm(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto args = std::make_shared<std::array<std::string, 2>>();
  command.add_option("incident", (*args)[0], "incident id")->required()->type_name("ID");
  command.add_option("step", (*args)[1], "the step whose dead-man switch to disarm")->required()->type_name("STEP");
  command.footer("Example:\n  responder confirm INC-42 isolate-host   (keep the change past its confirm_within)");
  action = [args, &globals] { return confirm(globals, (*args)[0], (*args)[1]); };
}

const CommandRegistration confirm_registration{{"confirm", "keep a step with confirm_within in force (disarm its dead-man switch)", 44, setup_confirm}};

}  // namespace
}  // namespace responder
