// responder run PLAYBOOK --incident ID [--var K=V]... [-i INVENTORY]... [--limit PATTERN] [--forks N]
// responder resume ID [-i INVENTORY]... [--limit PATTERN] [--forks N] [--reconcile]
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <iostream>

#include "responder/clock.h"
#include "responder/command.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/incident_lock.h"
#include "responder/incident_resume.h"
#include "responder/interrupt.h"
#include "responder/inventory/host_pattern.h"
#include "responder/inventory/inventory_sources.h"
#include "responder/journal_record_kind.h"
#include "responder/playbook_loader.h"
#include "responder/requirements.h"
#include "responder/runner.h"
#include "responder/schema.h"
#include "responder/sha256.h"
#include "responder/inventory/host_reach.h"
#include "responder/targets/host_executor.h"
#include "responder/targets/run_hosts.h"
#include "responder/targets/target_options.h"
#include "responder/variable_change.h"
#include "responder/variables.h"

namespace responder {
namespace {

// Modules the playbook names that this build lacks.
Status check_runnable(const Playbook& playbook) {
  std::string missing;
  for (const Step* step : playbook.all_steps())
    if (!ModuleRegistry::instance().find(step->module) && missing.find(step->module) == std::string::npos)
      missing += (missing.empty() ? "" : ", ") + step->module;
  if (!missing.empty()) return bad_input("this build lacks the modules " + missing + "; nothing was run");
  if (auto unmet = unmet_requirements(playbook); !unmet.empty())
    return refusal("this playbook needs what this process lacks, so nothing was run:\n" + describe(unmet));
  return {};
}

void report_head(JournalWriter& journal, RunReporter& reporter) {
  if (auto head = journal.head()) reporter.journal_head(head->text());
}

json::array inventories_json(const targets::RunHostsOptions& options) {
  json::array out;
  for (auto& file : options.inventories) out.push_back(json::string(std::filesystem::absolute(file).lexically_normal().string()));
  return out;
}

// Before anything is created: every step's targets that need no template
// select hosts from the inventories, and --limit parses, so that a typo in
// a host or group is bad input with its place in the playbook, not a step
// that fails half-way through a run.
Status check_targets(const Playbook& playbook, targets::RunHosts& hosts, const targets::TargetOptions& options) {
  if (!options.limit.empty()) {
    if (auto ok = inventory::check_pattern(options.limit); !ok) return bad_input("--limit: " + ok.error().message);
    if (auto selects = hosts.allowed("", {}); !selects) return bad_input(selects.error().message + "; nothing was run");
  }
  for (const Step* step : playbook.all_steps()) {
    if (!has_remote_targets(*step)) continue;
    // Evidence collected on other hosts streams into this incident's one
    // bundle, which only this host seals.
    if (step->module == "evidence.seal") {
      Diagnostic d{playbook.file, step->targets_position.line, step->targets_position.column,
                   "step " + step->id + ": evidence.seal seals this incident's one bundle, kept on this host (items "
                   "collected on other hosts stream into it); remove its targets; nothing was run"};
      return bad_input(d.format());
    }
    std::vector<std::string> patterns;
    bool templated = false;
    for (auto& t : step->targets) {
      if (!t.is_string() || has_template(t.get_string())) templated = true;
      else patterns.emplace_back(t.get_string());
    }
    if (templated) continue;
    auto selected = hosts.select(patterns);
    if (!selected) {
      Diagnostic d{playbook.file, step->targets_position.line, step->targets_position.column,
                   "step " + step->id + ": targets: " + selected.error().message + "; nothing was run"};
      return bad_input(d.format());
    }
    for (auto& host : *selected)
      if (auto reach = inventory::reach_from_json(host.reach); reach)
        if (auto fits = targets::check_module_fits(host.name, *reach, step->module); !fits) {
          Diagnostic d{playbook.file, step->targets_position.line, step->targets_position.column,
                       "step " + step->id + ": " + fits.error().message + "; nothing was run"};
          return refusal(d.format());
        }
  }
  return {};
}

struct RunOptions {
  std::string playbook, incident;
  std::vector<std::string> vars;
  targets::TargetOptions targets;
  bool drill = false;
};

int run(const GlobalOptions& globals, const RunOptions& options) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  if (auto s = check_incident_id(options.incident); !s) return report_error(s.error());
  auto loaded = load_playbook_file(options.playbook);
  for (auto& d : loaded.diagnostics) std::cerr << d.format() << "\n";
  if (!loaded.playbook) return kExitBadInput;
  const Playbook& playbook = *loaded.playbook;
  if (auto s = check_runnable(playbook); !s) return report_error(s.error());
  auto variables = resolve_variables(playbook, options.vars, true);
  if (!variables) return report_error(variables.error());

  auto dir = incident_dir(*env, options.incident);
  auto hosts_options = targets::run_hosts_options(*env, options.targets, dir);
  targets::RunHosts hosts(*env, hosts_options);
  if (auto s = check_targets(playbook, hosts, options.targets); !s) return report_error(s.error());
  auto journal = JournalWriter::open(dir, true);
  // An incident of this id exists: run again only if none of its attempts
  // started a step (decided below, under its lock).
  if (!journal && journal.error().kind == ErrorKind::bad_input && std::filesystem::is_directory(dir))
    journal = JournalWriter::open(dir, false);
  if (!journal) return report_error(journal.error());
  auto lock = IncidentLock::acquire(dir);
  if (!lock) return report_error(lock.error());
  // Taking over an incident a dead run left without a record is decided
  // again under the lock: another run may have started it meanwhile. One
  // whose attempts never started a step (bad input found on the way) is
  // run again under the same id, as its next attempt.
  int attempt = 1;
  if (!journal->created_incident()) {
    auto head = journal->head();
    if (!head) return report_error(head.error());
    if (head->seq != 0) {
      auto before = read_verified_journal(journal->file(), {});
      if (!before) return report_error(before.error());
      auto was = derive_state(options.incident, *before);
      if (!was) return report_error(was.error());
      if (auto started = first_started_step(*was); !started.empty())
        return report_error(bad_input("incident " + options.incident + " already exists and its step " + started +
                                      " has started; use `responder resume " + options.incident + "` to continue it"));
      // A run that finished is a record of what was decided, even when it
      // changed nothing (every step skipped): it is not run over.
      if (was->outcome == "completed" || was->outcome == "partial")
        return report_error(bad_input("incident " + options.incident + " already exists and its run " + was->outcome +
                                      "; choose a new incident id"));
      for (auto& r : before->records)
        attempt += r.kind == record_kind::incident_opened || r.kind == record_kind::incident_reopened;
    }
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
      // So that resume reads the same inventories without -i.
      {"inventories", inventories_json(hosts_options)},
      {"host", host},
      {"drill", options.drill}};
  if (attempt > 1) opened["attempt"] = attempt;
  auto first = journal->append(attempt > 1 ? record_kind::incident_reopened : record_kind::incident_opened, env->actor,
                               std::move(opened));
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
  reporter.note("incident " + options.incident + ": running " + playbook.name +
                (attempt > 1 ? " again, attempt " + std::to_string(attempt) + " (the earlier ones started no step)" : "") +
                " (journal " + journal->file().string() + ")");
  // The run acts only on a journal that still holds what it just wrote.
  auto contents = read_verified_journal(journal->file(), {*journal->last_appended()});
  if (!contents) return report_error(contents.error());
  auto state = derive_state(options.incident, *contents);
  if (!state) return report_error(state.error());
  RunSetup setup{&*env, options.incident, dir, &*journal, &playbook, *variables, &reporter, options.drill, &hosts};
  int code = drive_playbook(setup, *state);
  hosts.close();
  report_head(*journal, reporter);
  return code;
}

// Re-applies what the journal says is in force and someone removed; true
// when every step reconciled.
bool reconcile_in_force(const RunSetup& setup, const IncidentState& state) {
  bool all = true;
  const std::int64_t now_ms = now_unix_ms();
  for (const StepState* s : state.in_force()) {
    const Module* module = ModuleRegistry::instance().find(s->module);
    if (!module) continue;
    // A change over by its own design (expired, not confirmed) is not drift:
    // journaled as left alone, with why.
    if (std::string ended = module->ended_by_itself(*s->receipt, now_ms); !ended.empty()) {
      json::object payload{{"step", s->id}, {"ended", ended}};
      if (!s->host.empty()) payload["host"] = s->host;
      if (!setup.journal->append(record_kind::step_reconciled, setup.environment->actor, std::move(payload))) return false;
      setup.reporter->step(s->host.empty() ? s->id : s->id + " on " + s->host, "not reconciled", "ended by itself: " + ended);
      continue;
    }
    Status status;
    if (s->host.empty()) {
      StepContext context = make_step_context(setup, s->id);
      context.planned = &s->planned;
      status = module->reconcile(*s->receipt, s->confirmed, context);
    } else if (auto answer = ask_host(setup, state, *s, targets::Operation::reconcile); !answer) {
      status = answer.error();
    }
    json::object payload{{"step", s->id}};
    if (!s->host.empty()) payload["host"] = s->host;
    if (!status) payload["error"] = status.error().message;
    if (!setup.journal->append(record_kind::step_reconciled, setup.environment->actor, std::move(payload))) return false;
    setup.reporter->step(s->host.empty() ? s->id : s->id + " on " + s->host, status ? "reconciled" : "reconcile failed", status ? "in force as the journal says" : status.error().message);
    all = all && status.ok();
  }
  return all;
}

// Journals the corrected variables and applies them to `incident`'s state,
// which was read under the incident's control.
Status change_variables(const Environment& env, LoadedIncident& incident, IncidentControl& control,
                        const std::vector<std::string>& vars, RunReporter& reporter) {
  IncidentState* now = &incident.state;
  if (now->outcome == "completed")
    return bad_input("incident " + now->incident_id + " already completed; its variables cannot change");
  auto changes = check_variable_changes(incident.playbook, *now, vars);
  if (!changes) return changes.error();
  if (changes->empty()) return Status::success();
  json::object previous;
  for (auto& [name, value] : *changes)
    previous[name] = now->variables.contains(name) ? now->variables.at(name) : json::value(nullptr);
  if (auto appended = control.journal.append(record_kind::variables_changed, env.actor,
                                             {{"variables", *changes}, {"previous", previous}});
      !appended)
    return appended.error();
  for (auto& [name, value] : *changes) {
    incident.state.variables[name] = value;
    reporter.note("variable " + std::string(name) + " corrected: " + to_json_text(previous.at(name)) + " -> " +
                  to_json_text(value) + " (journaled)");
  }
  return Status::success();
}

}  // namespace

int resume_incident(const GlobalOptions& globals, const std::string& id, bool reconcile,
                    const targets::TargetOptions& target_options, const std::vector<std::string>& vars) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  auto incident = load_incident(*env, id);
  if (!incident) return report_error(incident.error());
  if (auto s = check_runnable(incident->playbook); !s) return report_error(s.error());
  auto control = take_control(*env, *incident);
  if (!control) return report_error(control.error());
  // What a runner appended between the load and the lock counts: the state
  // is read again, verified, under the lock.
  {
    auto contents = read_verified_journal(control->journal.file(), {});
    if (!contents) return report_error(contents.error());
    auto now = derive_state(id, *contents);
    if (!now) return report_error(now.error());
    incident->state = std::move(*now);
  }
  if (!target_options.limit.empty())
    if (auto ok = inventory::check_pattern(target_options.limit); !ok)
      return report_error(bad_input("--limit: " + ok.error().message));
  RunReporter reporter(globals.json);
  auto hosts_options = targets::run_hosts_options(*env, target_options, incident->dir);
  // Without -i, the inventories the run read (when the configuration names
  // none itself).
  if (hosts_options.inventories.empty())
    if (auto* used = incident->state.opened.if_contains("inventories"); used && used->is_array())
      for (auto& file : used->get_array())
        if (file.is_string()) hosts_options.inventories.emplace_back(std::string(file.get_string()));
  targets::RunHosts hosts(*env, hosts_options);
  if (!target_options.limit.empty()) {
    // Checked before anything runs: against the inventories, or else every
    // host the journal names.
    std::vector<std::string> known;
    for (auto& [step, on] : incident->state.step_hosts)
      for (auto& h : on) known.push_back(h.name);
    if (auto selects = hosts.allowed("", known); !selects) return report_error(bad_input(selects.error().message + "; nothing was run"));
  }
  if (!vars.empty())
    if (auto changed = change_variables(*env, *incident, *control, vars, reporter); !changed) return report_error(changed.error());
  RunSetup setup{&*env, id, incident->dir, &control->journal, &incident->playbook, incident->state.variables, &reporter,
                 incident->state.drill, &hosts};
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
  hosts.close();
  report_head(control->journal, reporter);
  return code;
}

namespace {

void setup_run(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto options = std::make_shared<RunOptions>();
  command.add_option("playbook", options->playbook, "the playbook to run")->required()->type_name("PLAYBOOK");
  command.add_option("--incident", options->incident, "incident id; its journal goes to HOME/ID/")->required()->type_name("ID");
  command.add_option("--var", options->vars, "set a playbook variable (repeatable)")->type_name("K=V");
  targets::add_target_options(command, options->targets);
  command.add_flag("--drill", options->drill,
                   "mark the incident as a rehearsal: its report and `incidents` say DRILL (`responder drill` sets it)");
  command.footer("Examples:\n"
                 "  responder run playbooks/targeted-intrusion.yaml --incident INC-42 --var attacker=203.0.113.7 "
                 "--var capture=attack.pcap\n"
                 "  responder run fleet.yaml --incident INC-43 -i hosts.ini --limit 'web:!web03' --var attacker=203.0.113.7");
  action = [options, &globals] { return run(globals, *options); };
}

void setup_resume(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto id = std::make_shared<std::string>();
  auto reconcile = std::make_shared<bool>(false);
  auto target_options = std::make_shared<targets::TargetOptions>();
  command.add_option("incident", *id, "incident id")->required()->type_name("ID");
  command.add_flag("--reconcile", *reconcile,
                   "first re-apply changes the journal says are in force and someone removed (e.g. a flushed firewall)");
  auto vars = std::make_shared<std::vector<std::string>>();
  command.add_option("--var", *vars,
                     "correct a playbook variable before any step has acted on it (repeatable; journaled)")
      ->type_name("K=V");
  targets::add_target_options(command, *target_options);
  command.footer("Examples:\n  responder resume INC-42              (after Ctrl-C, exit 4, or a crash)\n"
                 "  responder resume INC-42 --reconcile  (check every change in force against the system first)\n"
                 "  responder resume INC-42 --var capture=/evidence/attack.pcap  (the step reading it failed on a wrong path)");
  action = [id, reconcile, target_options, vars, &globals] {
    return resume_incident(globals, *id, *reconcile, *target_options, *vars);
  };
}

const CommandRegistration run_registration{{"run", "run a playbook for an incident, journaling every step", 30, setup_run}};
const CommandRegistration resume_registration{{"resume", "continue an interrupted run from its journal", 31, setup_resume}};

}  // namespace
}  // namespace responder
