// Commands that read or amend an incident through its journal:
//   responder status ID
//   responder approve ID STEP --as NAME
//   responder undo ID [--step STEP]...
//   responder journal ID [--verify]
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

#include "responder/command.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/incident_lock.h"
#include "responder/interrupt.h"
#include "responder/journal_format.h"
#include "responder/runner.h"

namespace responder {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

json::array string_array(const std::vector<std::string>& items) {
  json::array out;
  for (auto& i : items) out.push_back(json::string(i));
  return out;
}

// --- status -----------------------------------------------------------------

int status(const GlobalOptions& globals, const std::string& id) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  auto incident = load_incident(*env, id);
  if (!incident) return report_error(incident.error());
  const IncidentState& state = incident->state;
  const Playbook& playbook = incident->playbook;
  json::object summary{{"incident", id}, {"playbook", playbook.name}, {"outcome", state.outcome}, {"records", state.records}};
  json::array steps;
  if (!globals.json) {
    std::cout << "incident " << id << ": " << playbook.name << " — " << state.outcome << " (" << state.records
              << " journal records)\n";
  }
  for (auto& stage : playbook.stages) {
    if (!globals.json) std::cout << "  " << stage.name << "\n";
    for (auto& step : stage.steps) {
      const StepState* s = state.find(step.id);
      std::string status_text = s ? std::string(step_status_name(s->status)) : "pending";
      std::string extra;
      json::object entry{{"stage", stage.name}, {"step", step.id}, {"module", step.module}, {"status", status_text}};
      if (step.approval > 0) {
        auto approvers = s ? s->approvers : std::vector<std::string>{};
        entry["approval"] = json::object{{"needed", step.approval}, {"approved_by", string_array(approvers)}};
        bool waiting = static_cast<int>(approvers.size()) < step.approval &&
                       (!s || s->status == StepStatus::pending || s->status == StepStatus::planned);
        if (waiting) {
          status_text = "waiting for approval";
          entry["status"] = status_text;
        }
        extra += " approvals " + std::to_string(approvers.size()) + "/" + std::to_string(step.approval) +
                 (approvers.empty() ? "" : " (" + joined(approvers) + ")");
      }
      if (s && s->status == StepStatus::failed) extra += " — " + s->error;
      if (s && s->undo_pending) extra += " — undo was started and not finished; run `responder undo` again";
      if (s && !s->undo_error.empty()) extra += " — undo failed: " + s->undo_error;
      if (!globals.json) std::cout << "    " << step.id << " [" << step.module << "] " << status_text << extra << "\n";
      steps.push_back(std::move(entry));
    }
  }
  summary["steps"] = std::move(steps);

  // Changes in force are checked against the live system, so that drift
  // (a rule removed by someone else) shows here.
  json::array in_force;
  auto actions = state.in_force();
  if (!globals.json) std::cout << (actions.empty() ? "no changes in force\n" : "changes in force (newest first):\n");
  RunReporter quiet(true);
  for (const StepState* s : actions) {
    json::object entry{{"step", s->id}, {"module", s->module}, {"changes", string_array(s->receipt->changes)}};
    std::string check;
    if (const Module* module = ModuleRegistry::instance().find(s->module)) {
      StepContext context;
      context.incident_id = id;
      context.step_id = s->id;
      context.actor = env->actor;
      context.incident_dir = incident->dir;
      context.config = &env->config;
      context.safety = &env->safety;
      auto verification = module->verify(s->params, &*s->receipt, s->planned, context);
      if (!verification) check = "could not check: " + verification.error().message;
      else check = verification->in_effect ? "in effect" : "NOT in effect (drift): " + verification->detail;
    } else {
      check = "cannot check: module not in this build";
    }
    entry["check"] = check;
    if (!globals.json) {
      std::cout << "  " << s->id << " [" << s->module << "] " << check << "\n";
      for (auto& c : s->receipt->changes) std::cout << "      · " << c << "\n";
    }
    in_force.push_back(std::move(entry));
  }
  summary["in_force"] = std::move(in_force);
  if (globals.json) std::cout << to_json_text(summary) << "\n";
  return kExitSuccess;
}

// --- approve ----------------------------------------------------------------

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
                     std::to_string(step->approval) + " (" + joined(approvers) + ")" +
                     (repeat ? "; " + name + " had already approved, so this counts once" : "");
  if (globals.json)
    std::cout << to_json_text(json::object{{"incident", id}, {"step", step_id}, {"by", name},
                                           {"approved_by", string_array(approvers)}, {"needed", step->approval}})
              << "\n";
  else
    std::cout << line << "\n";
  return kExitSuccess;
}

// --- undo -------------------------------------------------------------------

int undo(const GlobalOptions& globals, const std::string& id, const std::vector<std::string>& steps) {
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
  auto control = take_control(*env, *incident);
  if (!control) return report_error(control.error());
  RunReporter reporter(globals.json);
  if (in_force.empty()) {
    reporter.note("incident " + id + ": nothing in force to undo");
    return kExitSuccess;
  }
  RunSetup setup{&*env, id, incident->dir, &control->journal, &incident->playbook, incident->state.variables, &reporter, incident->state.drill};
  auto outcome = undo_in_force(setup, incident->state, steps, "", steps.empty() ? "responder undo" : "responder undo --step");
  reporter.note("undone " + std::to_string(outcome.undone) + ", failed " + std::to_string(outcome.failed));
  return outcome.failed ? kExitStepFailed : kExitSuccess;
}

// --- confirm ----------------------------------------------------------------

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
  auto record = control->journal.append("step.confirmed", env->actor, {{"step", step_id}, {"receipt", receipt_to_json(*receipt)}});
  if (!record) return report_error(record.error());
  reporter.step(step_id, "confirmed", "the change stays in force", receipt->changes);
  return kExitSuccess;
}

// --- journal ----------------------------------------------------------------

std::string summary_of(const JournalRecord& r) {
  std::string out;
  for (const char* key : {"step", "stage", "outcome", "by", "error", "detail", "reason", "when"})
    if (auto text = r.text(key); !text.empty()) out += std::string(out.empty() ? "" : " ") + key + "=" + text;
  if (r.kind == "incident.opened")
    if (auto* p = r.fields.if_contains("playbook"); p && p->is_object())
      if (auto* n = p->get_object().if_contains("name"); n && n->is_string()) out = "playbook=" + std::string(n->get_string());
  if (auto* receipt = r.fields.if_contains("receipt"); receipt && receipt->is_object())
    if (auto* changes = receipt->get_object().if_contains("changes"); changes && changes->is_array())
      for (auto& c : changes->get_array()) out += " | " + display(c);
  return out;
}

int journal(const GlobalOptions& globals, const std::string& id, bool verify) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  if (auto s = check_incident_id(id); !s) return report_error(s.error());
  auto file = incident_dir(*env, id) / kJournalFileName;
  if (!std::filesystem::exists(file)) return report_error(bad_input("no incident '" + id + "' under " + env->home.string()));
  if (verify) {
    auto chain = verify_journal(file);
    if (globals.json) {
      std::cout << to_json_text(json::object{{"incident", id}, {"intact", chain.intact}, {"records", chain.records},
                                             {"head", chain.head}, {"problems", string_array(chain.problems)}})
                << "\n";
    } else if (chain.intact) {
      std::cout << "journal of " << id << " is intact: " << chain.records << " records, head " << chain.head << "\n";
    } else {
      std::cout << "journal of " << id << " is BROKEN:\n";
      for (auto& p : chain.problems) std::cout << "  " << p << "\n";
    }
    return chain.intact ? kExitSuccess : kExitStepFailed;
  }
  auto contents = read_journal(file);
  if (!contents) return report_error(contents.error());
  for (auto& r : contents->records) {
    if (globals.json) std::cout << to_json_text(r.fields) << "\n";
    else std::cout << r.seq << "  " << r.time << "  " << r.actor << "  " << r.kind << "  " << summary_of(r) << "\n";
  }
  if (contents->torn_tail)
    std::cerr << "responder: the last line is torn (" << contents->torn_tail->second << " bytes, a write cut short by a crash)\n";
  return kExitSuccess;
}

// --- registration -----------------------------------------------------------

void setup_status(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto id = std::make_shared<std::string>();
  command.add_option("incident", *id, "incident id")->required()->type_name("ID");
  action = [id, &globals] { return status(globals, *id); };
}

void setup_approve(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto args = std::make_shared<std::array<std::string, 3>>();
  command.add_option("incident", (*args)[0], "incident id")->required()->type_name("ID");
  command.add_option("step", (*args)[1], "the step to approve")->required()->type_name("STEP");
  command.add_option("--as", (*args)[2], "who approves (recorded in the journal)")->required()->type_name("NAME");
  action = [args, &globals] { return approve(globals, (*args)[0], (*args)[1], (*args)[2]); };
}

void setup_undo(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto id = std::make_shared<std::string>();
  auto steps = std::make_shared<std::vector<std::string>>();
  command.add_option("incident", *id, "incident id")->required()->type_name("ID");
  command.add_option("--step", *steps, "undo only this step (repeatable); default all")->type_name("STEP");
  action = [id, steps, &globals] { return undo(globals, *id, *steps); };
}

void setup_journal(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto id = std::make_shared<std::string>();
  auto verify = std::make_shared<bool>(false);
  command.add_option("incident", *id, "incident id")->required()->type_name("ID");
  command.add_flag("--verify", *verify, "check the hash chain; exit 0 only when intact");
  action = [id, verify, &globals] { return journal(globals, *id, *verify); };
}

void setup_confirm(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto args = std::make_shared<std::array<std::string, 2>>();
  command.add_option("incident", (*args)[0], "incident id")->required()->type_name("ID");
  command.add_option("step", (*args)[1], "the step whose dead-man switch to disarm")->required()->type_name("STEP");
  action = [args, &globals] { return confirm(globals, (*args)[0], (*args)[1]); };
}

const CommandRegistration confirm_registration{{"confirm", "keep a step with confirm_within in force (disarm its dead-man switch)", 44, setup_confirm}};
const CommandRegistration status_registration{{"status", "where the run stands: stages, steps, approvals, changes in force", 40, setup_status}};
const CommandRegistration approve_registration{{"approve", "record one person's approval of a step", 41, setup_approve}};
const CommandRegistration undo_registration{{"undo", "undo applied changes, newest first (all, or the named steps)", 42, setup_undo}};
const CommandRegistration journal_registration{{"journal", "print the incident journal; --verify checks the hash chain", 43, setup_journal}};

}  // namespace
}  // namespace responder
