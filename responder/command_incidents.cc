// responder incidents: every incident in the home, one line each: id,
// playbook, where it stands, when it started and last wrote, changes still
// in force, whether a runner is alive. For the responder who comes back at
// 3 a.m. and must find the incident before anything else.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "responder/clock.h"
#include "responder/command.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/incident_lock.h"
#include "responder/message_text.h"
#include "responder/module.h"

namespace responder {
namespace {

struct IncidentLine {
  std::string id, playbook, state, started, last;
  std::size_t in_force = 0;
  std::optional<bool> runner_alive;
  bool drill = false;
  std::string problem;  // why its journal could not be read or trusted
};

// "2026-12-04T05:43:31.123Z" as "2026-12-04 05:43:31".
std::string short_time(const std::string& rfc3339) {
  if (rfc3339.size() < 19) return rfc3339;
  std::string out = rfc3339.substr(0, 19);
  out[10] = ' ';
  return out;
}

IncidentLine describe(const Environment& env, const std::string& id) {
  IncidentLine line;
  line.id = id;
  // Listed even when its journal fails: the listing is where one learns it.
  auto incident = load_incident(env, id, JournalTrust::forced);
  if (!incident) {
    line.state = "unreadable";
    line.problem = incident.error().message;
    return line;
  }
  const IncidentState& state = incident->state;
  line.playbook = incident->playbook.name;
  line.drill = state.drill;
  line.state = state.outcome;
  line.runner_alive = IncidentLock::runner_alive(incident->dir);
  if (line.state == "running" && line.runner_alive == false) line.state = "interrupted";
  if (incident->chain.breaks) {
    line.state = "JOURNAL BROKEN";
    line.problem = incident->chain.first_break;
  }
  if (!incident->contents.records.empty()) {
    line.started = incident->contents.records.front().time;
    line.last = incident->contents.records.back().time;
  }
  // A change that ended by its own design (expired, not confirmed) is no
  // longer in force, whatever the journal last recorded of it.
  std::int64_t now_ms = now_unix_ms();
  for (const StepState* s : state.in_force()) {
    const Module* module = ModuleRegistry::instance().find(s->module);
    if (!module || module->ended_by_itself(*s->receipt, now_ms).empty()) ++line.in_force;
  }
  return line;
}

int incidents(const GlobalOptions& globals) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  std::vector<IncidentLine> lines;
  std::error_code ec, missing;
  if (std::filesystem::is_directory(env->home, missing)) {
    for (auto& entry : std::filesystem::directory_iterator(env->home, ec)) {
      std::error_code entry_ec;
      if (!entry.is_directory(entry_ec) || !std::filesystem::exists(entry.path() / "journal.jsonl", entry_ec)) continue;
      lines.push_back(describe(*env, entry.path().filename().string()));
    }
  }
  if (ec) return report_error(failure("cannot list " + env->home.string() + ": " + ec.message()));
  std::sort(lines.begin(), lines.end(), [](const IncidentLine& a, const IncidentLine& b) {
    return a.started != b.started ? a.started < b.started : a.id < b.id;
  });
  if (globals.json) {
    for (auto& l : lines)
      std::cout << to_json_text(json::object{
                       {"incident", l.id},
                       {"playbook", l.playbook},
                       {"state", l.state},
                       {"drill", l.drill},
                       {"started", l.started},
                       {"last_record", l.last},
                       {"in_force", l.in_force},
                       {"runner_alive", l.runner_alive ? json::value(*l.runner_alive) : json::value(nullptr)},
                       {"problem", l.problem.empty() ? json::value(nullptr) : json::value(l.problem)}})
                << "\n";
    return kExitSuccess;
  }
  if (lines.empty()) {
    std::cout << "no incidents in " << env->home.string() << "\n";
    return kExitSuccess;
  }
  std::size_t id_width = 8, playbook_width = 8, state_width = 5;
  for (auto& l : lines) {
    id_width = std::max(id_width, one_line(l.id).size());
    playbook_width = std::max(playbook_width, one_line(l.playbook).size() + (l.drill ? 8 : 0));
    state_width = std::max(state_width, one_line(l.state).size());
  }
  auto pad = [](std::string text, std::size_t width) {
    if (text.size() < width) text.append(width - text.size(), ' ');
    return text;
  };
  std::cout << pad("INCIDENT", id_width) << "  " << pad("PLAYBOOK", playbook_width) << "  " << pad("STATE", state_width)
            << "  " << pad("STARTED (UTC)", 19) << "  " << pad("LAST RECORD", 19) << "  IN FORCE  RUNNER\n";
  for (auto& l : lines) {
    std::string runner = !l.runner_alive ? "?" : *l.runner_alive ? "alive" : "-";
    std::cout << pad(one_line(l.id), id_width) << "  " << pad(one_line(l.playbook) + (l.drill ? " (drill)" : ""), playbook_width)
              << "  " << pad(one_line(l.state), state_width) << "  " << pad(one_line(short_time(l.started)), 19) << "  "
              << pad(one_line(short_time(l.last)), 19) << "  " << pad(std::to_string(l.in_force), 8) << "  " << runner << "\n";
    if (!l.problem.empty()) std::cout << "  " << one_line(l.problem) << "\n";
  }
  return kExitSuccess;
}

void setup_incidents(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  command.footer("Examples:\n  responder incidents\n  responder --home /srv/ir/incidents --json incidents");
  action = [&globals] { return incidents(globals); };
}

const CommandRegistration incidents_registration{
    {"incidents", "every incident in the home: playbook, state, start, last record, changes in force, runner alive", 38,
     setup_incidents}};

}  // namespace
}  // namespace responder
