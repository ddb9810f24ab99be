// responder status ID: where the run stands: steps, approvals, changes in force checked against the live system.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <map>
#include <optional>

#include "responder/approval_tally.h"
#include "responder/clock.h"
#include "responder/command.h"
#include "responder/status_section.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/incident_lock.h"
#include "responder/message_text.h"
#include "responder/runner.h"
#include "responder/unverified_output.h"

namespace responder {
namespace {

int status(const GlobalOptions& globals, const std::string& id, bool force) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  auto incident = load_incident(*env, id, force ? JournalTrust::forced : JournalTrust::required);
  if (!incident) return report_error(incident.error());
  std::optional<UnverifiedOutput> unverified;
  if (incident->chain.breaks) unverified.emplace(globals.json, incident->chain.first_break);
  const IncidentState& state = incident->state;
  const Playbook& playbook = incident->playbook;
  std::string outcome = state.outcome;
  auto alive = IncidentLock::runner_alive(incident->dir);
  bool orphaned = outcome == "running" && alive == false;
  if (orphaned) outcome = "interrupted";
  std::string witness = incident->chain.head_witness().text();
  json::object summary{{"incident", id},      {"playbook", playbook.name}, {"outcome", outcome},
                       {"records", state.records}, {"journal_head", witness}, {"runner_alive", alive ? json::value(*alive) : json::value(nullptr)}};
  json::array steps;
  bool any_unauthenticated = false;
  if (!globals.json) {
    std::cout << "incident " << id << ": " << playbook.name << " — " << outcome << " (" << state.records
              << " journal records)\n";
    if (orphaned)
      std::cout << "interrupted: no runner is alive (killed, or the machine restarted); responder resume " << id << "\n";
    else if (!alive && outcome == "running")
      std::cout << "cannot tell whether a runner is alive: " << (incident->dir / "runner.lock").string()
                << " is not readable for this user\n";
  }
  for (auto& stage : playbook.stages) {
    if (!globals.json) std::cout << "  " << stage.name << "\n";
    for (auto& step : stage.steps) {
      const StepState* s = state.find(step.id);
      std::string status_text = s ? std::string(step_status_name(s->status)) : "pending";
      std::string extra;
      json::object entry{{"stage", stage.name}, {"step", step.id}, {"module", step.module}, {"status", status_text}};
      std::vector<std::string> approval_notes;
      // A skipped step never asked for its approvals.
      if (step.approval > 0 && !(s && s->status == StepStatus::skipped)) {
        // Counted as the runner counts them: each approval checked again.
        auto tally = tally_approvals(env->config.approvers, id, incident->contents, step.id);
        const auto& approvers = tally.approvers;
        json::array refused;
        for (auto& r : tally.refused) {
          refused.push_back(json::object{{"seq", r.seq}, {"by", r.by}, {"reason", r.reason}});
          approval_notes.push_back("approval by " + r.by + " (record " + std::to_string(r.seq) + ") does not count: " + r.reason);
        }
        json::object approval{{"needed", step.approval},
                              {"approved_by", string_array(approvers)},
                              {"authenticated", tally.authenticated},
                              {"refused", std::move(refused)}};
        if (!tally.plan_sha256.empty()) approval["plan_sha256"] = tally.plan_sha256;
        entry["approval"] = std::move(approval);
        // Only a step the run reached waits; one after where a run stopped
        // has not asked anybody yet.
        bool waiting = static_cast<int>(approvers.size()) < step.approval && s &&
                       (s->status == StepStatus::planned || s->waiting_for_approval);
        if (waiting) {
          status_text = "waiting for approval";
          entry["status"] = status_text;
          if (s && s->status == StepStatus::planned) {
            for (auto& c : s->changes) approval_notes.push_back("would change: " + c);
            if (tally.authenticated)
              approval_notes.push_back("to approve this plan (" + tally.plan_sha256.substr(0, 12) +
                                       "): responder approve " + id + " " + step.id +
                                       " --as NAME --key ~/.ssh/id_ed25519, or --print-request to sign elsewhere");
          }
        }
        extra += " — approvals " + std::to_string(approvers.size()) + "/" + std::to_string(step.approval) +
                 (approvers.empty() ? "" : " (" + comma_joined(approvers) + ")") +
                 (tally.authenticated ? "" : " unauthenticated");
        any_unauthenticated = any_unauthenticated || !tally.authenticated;
      }
      // A step with targets: one line per host under it (step × host).
      std::vector<std::string> host_lines;
      if (auto on = state.on_hosts.find(step.id); on != state.on_hosts.end() && !on->second.empty()) {
        std::map<std::string, int> counts;
        json::array hosts;
        std::size_t width = 0;
        for (auto& [host, hs] : on->second) width = std::max(width, one_line(host).size());
        auto recorded = state.step_hosts.find(step.id);
        std::vector<std::string> order;
        if (recorded != state.step_hosts.end())
          for (auto& h : recorded->second) order.push_back(h.name);
        for (auto& [host, hs] : on->second)
          if (std::find(order.begin(), order.end(), host) == order.end()) order.push_back(host);
        for (auto& host : order) {
          const StepState* hs = state.find(step.id, host);
          if (!hs) continue;
          std::string word = hs->unreachable ? "unreachable" : std::string(step_status_name(hs->status));
          ++counts[word];
          std::string detail = hs->unreachable ? hs->unreachable_why : hs->status == StepStatus::failed ? hs->error : "";
          if (!hs->undo_error.empty()) detail += (detail.empty() ? "" : "; ") + std::string("undo failed: ") + hs->undo_error;
          json::object h{{"host", host}, {"status", word}};
          if (!detail.empty()) h["detail"] = detail;
          hosts.push_back(std::move(h));
          std::string name = one_line(host);
          host_lines.push_back(name + std::string(width - name.size() + 2, ' ') + word + (detail.empty() ? "" : " — " + one_line(detail)));
        }
        entry["hosts"] = std::move(hosts);
        std::string tally;
        for (auto& [word, n] : counts) tally += (tally.empty() ? "" : ", ") + std::to_string(n) + " " + word;
        bool waiting = status_text == "waiting for approval";
        if (!waiting && (!s || s->status == StepStatus::pending || s->status == StepStatus::planned)) {
          status_text = "on " + std::to_string(host_lines.size()) + " hosts: " + tally;
          entry["status"] = counts.size() == 1 ? counts.begin()->first : "mixed";
        }
      }
      if (s && s->status == StepStatus::failed) extra += " — " + one_line(s->error);
      if (s && s->undo_pending) extra += " — undo was started and not finished; run `responder undo` again";
      if (s && !s->undo_error.empty()) extra += " — undo failed: " + one_line(s->undo_error);
      if (!globals.json) {
        std::cout << "    " << step.id << " [" << step.module << "] " << status_text << extra << "\n";
        for (auto& note : approval_notes) std::cout << "      " << note << "\n";
        for (auto& line : host_lines) std::cout << "      " << line << "\n";
      }
      steps.push_back(std::move(entry));
    }
  }
  summary["steps"] = std::move(steps);
  if (any_unauthenticated) {
    summary["warning"] = kUnauthenticatedWarning;
    if (!globals.json) std::cout << "warning: " << kUnauthenticatedWarning << "\n";
  }

  // Changes in force are checked against the live system, so that drift
  // (a rule removed by someone else) shows here.
  json::array in_force;
  auto actions = state.in_force();
  if (!globals.json) std::cout << (actions.empty() ? "no changes in force\n" : "changes in force (newest first):\n");
  RunReporter quiet(true);
  std::int64_t now_ms = now_unix_ms();
  for (const StepState* s : actions) {
    const Module* module = ModuleRegistry::instance().find(s->module);
    std::vector<std::string> lines = module ? module->in_force_lines(*s->receipt, now_ms) : s->receipt->changes;
    json::object entry{{"step", s->id}, {"module", s->module}, {"changes", string_array(s->receipt->changes)},
                       {"in_force", string_array(lines)}};
    if (!s->host.empty()) entry["host"] = s->host;
    std::string check;
    std::string ended = module ? module->ended_by_itself(*s->receipt, now_ms) : "";
    if (!ended.empty()) {
      check = "ended by itself: " + ended;
      entry["ended"] = ended;
    } else if (!s->host.empty()) {
      // Its system is that host's: status reads the journal only and does
      // not log in to hosts (`responder resume ID --reconcile` does).
      check = "on host " + s->host + " (not checked from here)";
    } else if (module) {
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
      std::cout << "  " << s->id << (s->host.empty() ? "" : " on " + one_line(s->host)) << " [" << s->module << "] "
                << one_line(check) << "\n";
      for (auto& c : lines) std::cout << "      · " << one_line(c) << "\n";
    }
    in_force.push_back(std::move(entry));
  }
  summary["in_force"] = std::move(in_force);
  for (auto& section : registered_status_sections()) {
    std::vector<std::string> lines;
    json::value value = section.describe(*incident, lines);
    if (value.is_null() && lines.empty()) continue;
    summary[section.key] = std::move(value);
    if (!globals.json)
      for (auto& line : lines) std::cout << one_line(line) << "\n";
  }
  if (globals.json) std::cout << to_json_text(summary) << "\n";
  else
    std::cout << "journal head " << witness << " (keep a copy elsewhere: `responder journal " << id
              << " --verify --witness " << witness << "` later proves the journal still holds it)\n";
  return kExitSuccess;
}

void setup_status(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto id = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  command.add_option("incident", *id, "incident id")->required()->type_name("ID");
  command.add_flag("--force", *force, "show a journal that fails verification anyway; every line says so");
  command.footer("Examples:\n  responder status INC-42\n  responder --json status INC-42");
  action = [id, force, &globals] { return status(globals, *id, *force); };
}

const CommandRegistration status_registration{{"status", "where the run stands: stages, steps, approvals, changes in force", 40, setup_status}};

}  // namespace
}  // namespace responder
