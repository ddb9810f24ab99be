// responder run PLAYBOOK --incident ID [--var K=V]... [--targets INVENTORY]
// responder resume ID
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <iostream>

#include "responder/command.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/incident_lock.h"
#include "responder/interrupt.h"
#include "responder/journal_record_kind.h"
#include "responder/playbook_loader.h"
#include "responder/requirements.h"
#include "responder/runner.h"
#include "responder/sha256.h"
#include "responder/variables.h"

namespace responder {
namespace {

// Modules the playbook names that this build lacks; remote targets.
Status check_runnable(const Playbook& playbook) {
  std::string missing, remote;
  for (const Step* step : playbook.all_steps()) {
    if (!ModuleRegistry::instance().find(step->module) && missing.find(step->module) == std::string::npos)
      missing += (missing.empty() ? "" : ", ") + step->module;
    for (auto& target : step->targets)
      if (target != "local" && target != "localhost") remote += (remote.empty() ? "" : ", ") + step->id;
  }
  if (!missing.empty()) return bad_input("this build lacks the modules " + missing + "; nothing was run");
  if (!remote.empty()) return bad_input("steps " + remote + " name remote targets, which this build cannot reach yet; nothing was run");
  if (auto unmet = unmet_requirements(playbook); !unmet.empty())
    return refusal("this playbook needs what this process lacks, so nothing was run:\n" + describe(unmet));
  return {};
}

void report_head(JournalWriter& journal, RunReporter& reporter) {
  if (auto head = journal.head()) reporter.journal_head(head->text());
}

struct RunOptions {
  std::string playbook, incident, targets;
  std::vector<std::string> vars;
};

int run(const GlobalOptions& globals, const RunOptions& options) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  if (auto s = check_incident_id(options.incident); !s) return report_error(s.error());
  auto loaded = load_playbook_file(options.playbook);
  for (auto& d : loaded.diagnostics) std::cerr << d.format() << "\n";
  if (!loaded.playbook) return kExitBadInput;
  const Playbook& playbook = *loaded.playbook;
  if (!options.targets.empty()) return report_error(bad_input("--targets: inventories are not supported by this build yet; nothing was run"));
  if (auto s = check_runnable(playbook); !s) return report_error(s.error());
  auto variables = resolve_variables(playbook, options.vars, true);
  if (!variables) return report_error(variables.error());

  auto dir = incident_dir(*env, options.incident);
  auto journal = JournalWriter::open(dir, true);
  if (!journal) return report_error(journal.error());
  auto lock = IncidentLock::acquire(dir);
  if (!lock) return report_error(lock.error());
  // Taking over an incident a dead run left without a record is decided
  // again under the lock: another run may have started it meanwhile.
  if (!journal->created_incident()) {
    auto head = journal->head();
    if (!head) return report_error(head.error());
    if (head->seq != 0)
      return report_error(bad_input("incident " + options.incident + " already exists; use `responder resume " +
                                    options.incident + "` to continue it"));
  }
  install_interrupt_handlers();

  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  json::array allow;
  for (auto& a : globals.allow) allow.push_back(json::string(a));
  json::object opened{
      {"incident", options.incident},
      // Absolute, so that files named beside the playbook (message
      // templates) are found by a `resume` run from another directory.
      {"playbook", json::object{{"file", std::filesystem::absolute(playbook.file).lexically_normal().string()},
                                {"name", playbook.name}, {"sha256", sha256_hex(playbook.text)},
                                {"text", playbook.text}}},
      {"variables", *variables},
      {"allow", allow},
      {"config", env->config.source.string()},
      {"host", host},
      {"drill", false}};
  auto first = journal->append(record_kind::incident_opened, env->actor, std::move(opened));
  if (!first) {
    // Nothing was done yet: leave no incident that `resume` could not
    // continue, so running the same command again starts it cleanly. Only
    // a directory this run created is removed; one taken over keeps the
    // torn bytes it holds, and the same command takes it over again.
    Error error = first.error();
    std::error_code ec;
    if (journal->created_incident()) std::filesystem::remove_all(dir, ec);
    error.message += ec ? "; nothing was run, but " + dir.string() + " could not be removed (" + ec.message() +
                              "): remove it before running again"
                        : "; nothing was run: run the same command again once the disk is fine";
    return report_error(error);
  }

  RunReporter reporter(globals.json);
  reporter.note("incident " + options.incident + ": running " + playbook.name + " (journal " + journal->file().string() + ")");
  // The run acts only on a journal that still holds what it just wrote.
  auto contents = read_verified_journal(journal->file(), {*journal->last_appended()});
  if (!contents) return report_error(contents.error());
  auto state = derive_state(options.incident, *contents);
  if (!state) return report_error(state.error());
  RunSetup setup{&*env, options.incident, dir, &*journal, &playbook, *variables, &reporter, false};
  int code = drive_playbook(setup, *state);
  report_head(*journal, reporter);
  return code;
}

// Re-applies what the journal says is in force and someone removed; true
// when every step reconciled.
bool reconcile_in_force(const RunSetup& setup, const IncidentState& state) {
  bool all = true;
  for (const StepState* s : state.in_force()) {
    const Module* module = ModuleRegistry::instance().find(s->module);
    if (!module) continue;
    StepContext context = make_step_context(setup, s->id);
    context.planned = &s->planned;
    auto status = module->reconcile(*s->receipt, s->confirmed, context);
    json::object payload{{"step", s->id}};
    if (!status) payload["error"] = status.error().message;
    if (!setup.journal->append(record_kind::step_reconciled, setup.environment->actor, std::move(payload))) return false;
    setup.reporter->step(s->id, status ? "reconciled" : "reconcile failed", status ? "in force as the journal says" : status.error().message);
    all = all && status.ok();
  }
  return all;
}

int resume(const GlobalOptions& globals, const std::string& id, bool reconcile) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  auto incident = load_incident(*env, id);
  if (!incident) return report_error(incident.error());
  if (auto s = check_runnable(incident->playbook); !s) return report_error(s.error());
  auto control = take_control(*env, *incident);
  if (!control) return report_error(control.error());
  RunReporter reporter(globals.json);
  RunSetup setup{&*env, id, incident->dir, &control->journal, &incident->playbook, incident->state.variables, &reporter, incident->state.drill};
  if (reconcile && !reconcile_in_force(setup, incident->state)) {
    reporter.finished("reconcile failed; the journal says which steps", kExitStepFailed);
    return kExitStepFailed;
  }
  if (incident->state.outcome == "completed") {
    reporter.note("incident " + id + " already completed; nothing to resume");
    return kExitSuccess;
  }
  reporter.note("incident " + id + ": resuming " + incident->playbook.name + " after record " +
                std::to_string(incident->state.records));
  int code = drive_playbook(setup, incident->state);
  report_head(control->journal, reporter);
  return code;
}

void setup_run(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto options = std::make_shared<RunOptions>();
  command.add_option("playbook", options->playbook, "the playbook to run")->required()->type_name("PLAYBOOK");
  command.add_option("--incident", options->incident, "incident id; its journal goes to HOME/ID/")->required()->type_name("ID");
  command.add_option("--var", options->vars, "set a playbook variable (repeatable)")->type_name("K=V");
  command.add_option("--targets", options->targets, "an inventory of remote hosts")->type_name("INVENTORY");
  action = [options, &globals] { return run(globals, *options); };
}

void setup_resume(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto id = std::make_shared<std::string>();
  auto reconcile = std::make_shared<bool>(false);
  command.add_option("incident", *id, "incident id")->required()->type_name("ID");
  command.add_flag("--reconcile", *reconcile,
                   "first re-apply changes the journal says are in force and someone removed (e.g. a flushed firewall)");
  action = [id, reconcile, &globals] { return resume(globals, *id, *reconcile); };
}

const CommandRegistration run_registration{{"run", "run a playbook for an incident, journaling every step", 30, setup_run}};
const CommandRegistration resume_registration{{"resume", "continue an interrupted run from its journal", 31, setup_resume}};

}  // namespace
}  // namespace responder
