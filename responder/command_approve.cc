// responder approve ID STEP --as NAME: one person's approval of a step, appended to the journal.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

#include "responder/command.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/incident_lock.h"

namespace responder {
namespace {

int approve(const GlobalOptions& globals, const std::string& id, const std::string& step_id, const std::string& name) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  if (name.empty() || name.size() > 128) return report_error(bad_input("--as NAME: give the approver's name"));
  auto incident = load_incident(*env, id);
  if (!incident) return report_error(incident.error());
  const Step* step = incident->playbook.find_step(step_id);
  if (!step) return report_error(bad_input("incident " + id + " has no step '" + step_id + "'"));
  if (step->approval == 0) return report_error(bad_input("step '" + step_id + "' does not need approval"));
  const StepState* s = incident->state.find(step_id);
  if (s && (s->status == StepStatus::applied || s->status == StepStatus::verified || s->status == StepStatus::undone))
    return report_error(bad_input("step '" + step_id + "' has already been applied; an approval now would change nothing"));
  auto journal = JournalWriter::open(incident->dir, false);
  if (!journal) return report_error(journal.error());
  std::vector<std::string> approvers = s ? s->approvers : std::vector<std::string>{};
  bool repeat = std::find(approvers.begin(), approvers.end(), name) != approvers.end();
  auto record = journal->append("approval", name, {{"step", step_id}, {"by", name}, {"os_user", env->actor}});
  if (!record) return report_error(record.error());
  if (!repeat) approvers.push_back(name);
  std::string line = name + " approved " + step_id + ": " + std::to_string(approvers.size()) + " of " +
                     std::to_string(step->approval) + " (" + comma_joined(approvers) + ")" +
                     (repeat ? "; " + name + " had already approved, so this counts once" : "");
  // An approval journaled while no runner waits acts only once someone
  // resumes; saying "2 of 2" and nothing else would leave people waiting.
  bool alive = IncidentLock::runner_alive(incident->dir);
  std::string nobody = "no runner is alive for " + id + ", so nothing acts on this approval until `responder resume " + id + "`";
  if (globals.json)
    std::cout << to_json_text(json::object{{"incident", id}, {"step", step_id}, {"by", name},
                                           {"approved_by", string_array(approvers)}, {"needed", step->approval},
                                           {"runner_alive", alive}})
              << "\n";
  else
    std::cout << line << "\n" << (alive ? "" : "interrupted: " + nobody + "\n");
  return kExitSuccess;
}

void setup_approve(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto args = std::make_shared<std::array<std::string, 3>>();
  command.add_option("incident", (*args)[0], "incident id")->required()->type_name("ID");
  command.add_option("step", (*args)[1], "the step to approve")->required()->type_name("STEP");
  command.add_option("--as", (*args)[2], "who approves (recorded in the journal)")->required()->type_name("NAME");
  action = [args, &globals] { return approve(globals, (*args)[0], (*args)[1], (*args)[2]); };
}

const CommandRegistration approve_registration{{"approve", "record one person's approval of a step", 41, setup_approve}};

}  // namespace
}  // namespace responder
