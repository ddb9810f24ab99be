#include "responder/variable_change.h"

#include <algorithm>
#include <set>

#include "responder/message_text.h"
#include "responder/template.h"
#include "responder/variables.h"

namespace responder {
namespace {

void collect_template_roots(const json::value& value, std::set<std::string>& roots) {
  if (value.is_string()) {
    for (auto& use : find_templates(value.get_string()))
      if (auto* ref = std::get_if<NameReference>(&use.reference); ref && !ref->path.empty()) roots.insert(ref->path.front());
  } else if (value.is_array()) {
    for (auto& item : value.get_array()) collect_template_roots(item, roots);
  } else if (value.is_object()) {
    for (auto& [key, item] : value.get_object()) collect_template_roots(item, roots);
  }
}

std::set<std::string> when_roots(const Step& step) {
  std::set<std::string> roots;
  if (step.when)
    for (auto& ref : step.when->names())
      if (!ref.path.empty()) roots.insert(ref.path.front());
  return roots;
}

std::set<std::string> targets_roots(const Step& step) {
  std::set<std::string> roots;
  collect_template_roots(json::value(step.targets), roots);
  return roots;
}

// What the step's plans (local, or on any host) say their templates read.
std::set<std::string> planned_reads(const IncidentState& state, const Step& step) {
  std::set<std::string> roots;
  auto add = [&](const StepState& s) {
    if (auto* reads = s.planned.if_contains("reads"); reads && reads->is_array())
      for (auto& r : reads->get_array())
        if (r.is_string()) roots.emplace(r.get_string());
  };
  if (const StepState* s = state.find(step.id)) add(*s);
  if (auto on = state.on_hosts.find(step.id); on != state.on_hosts.end())
    for (auto& [host, s] : on->second) add(s);
  return roots;
}

std::set<std::string> all_roots(const IncidentState& state, const Step& step) {
  std::set<std::string> roots;
  collect_template_roots(json::value(step.with), roots);
  roots.merge(when_roots(step));
  roots.merge(targets_roots(step));
  roots.merge(planned_reads(state, step));
  return roots;
}

bool intersects(const std::set<std::string>& a, const std::set<std::string>& b) {
  return std::any_of(a.begin(), a.end(), [&](const std::string& n) { return b.count(n) > 0; });
}

// Why `s` (the step on this host, or on one of its hosts) means the old
// value was acted on; empty when it was not.
std::string acted(const StepState& s, const Step& step, bool when_reads) {
  std::string where = s.host.empty() ? "" : " on " + s.host;
  switch (s.status) {
    case StepStatus::started: return "started" + where;
    case StepStatus::applied:
    case StepStatus::verified: return "applied" + where;
    case StepStatus::undone: return "applied and was undone" + where;
    case StepStatus::failed:
      if (s.receipt) return "failed after applying" + where;
      // An apply that started may have acted in part (messages queued, some
      // sent) before it failed; one refused as bad input changed nothing
      // (result.h), as when it found no file where the old value pointed.
      if (s.attempt > 0 && s.error_kind != "bad_input") return "started applying before it failed" + where;
      // A failure the playbook continues past is final: the step would not
      // run again with the new value.
      if (s.final_failure && step.on_failure == OnFailure::continue_run) return "failed, and the run went on past it" + where;
      break;
    case StepStatus::pending:
    case StepStatus::planned:
    case StepStatus::skipped: break;
  }
  // People agreed to the plan made with the old value: a new value would
  // run on their word without their having seen it.
  if (!s.approvers.empty()) return "was approved (by " + comma_joined(s.approvers) + ")" + where;
  // Its `when:` was decided on the old value and is not decided again.
  if (when_reads && s.status != StepStatus::pending)
    return (s.status == StepStatus::skipped ? "was skipped by when: " : "was decided by when: ") +
           (step.when ? step.when->text() : std::string("...")) + where;
  return "";
}

}  // namespace

std::vector<const Step*> steps_using(const Playbook& playbook, const IncidentState& state, const std::string& name) {
  std::set<std::string> names{name};
  std::vector<const Step*> using_steps;
  // Steps register outputs for the steps after them, so one pass in order
  // follows every chain.
  for (const Step* step : playbook.all_steps()) {
    if (!intersects(all_roots(state, *step), names)) continue;
    using_steps.push_back(step);
    if (!step->register_as.empty()) names.insert(step->register_as);
  }
  return using_steps;
}

Result<json::object> check_variable_changes(const Playbook& playbook, const IncidentState& state,
                                            const std::vector<std::string>& assignments) {
  auto resolved = resolve_variables(playbook, assignments, false);
  if (!resolved) return resolved.error();
  json::object changes;
  std::vector<std::string> problems;
  for (auto& assignment : assignments) {
    std::string name = assignment.substr(0, assignment.find('='));
    const json::value* now = resolved->if_contains(name);
    if (!now) continue;
    const json::value* before = state.variables.if_contains(name);
    if (before && *before == *now) continue;
    std::string refused;
    std::set<std::string> names{name};
    for (const Step* step : steps_using(playbook, state, name)) {
      bool when_reads = intersects(when_roots(*step), names) || intersects(planned_reads(state, *step), names);
      if (!step->register_as.empty()) names.insert(step->register_as);
      std::string what;
      if (const StepState* s = state.find(step->id)) what = acted(*s, *step, when_reads);
      if (auto on = state.on_hosts.find(step->id); what.empty() && on != state.on_hosts.end())
        for (auto& [host, s] : on->second)
          if (what.empty()) what = acted(s, *step, when_reads);
      if (what.empty() && intersects(targets_roots(*step), names) && state.step_hosts.count(step->id))
        what = "chose its hosts";
      // Hosts handed to Ansible apply the parameters exported with them.
      if (auto exported = state.with_ansible.find(step->id); what.empty() && exported != state.with_ansible.end() &&
                                                             !exported->second.empty())
        what = "was exported to Ansible";
      if (!what.empty()) {
        refused = "step " + step->id + " " + what;
        break;
      }
    }
    if (!refused.empty()) {
      std::string old = before ? to_json_text(*before) : "(unset)";
      problems.push_back("--var " + name + ": " + refused + " with " + name + "=" + one_line(old) +
                         ", so it cannot change now (what was done would no longer match the journal); "
                         "start a new incident for the new value");
      continue;
    }
    changes[name] = *now;
  }
  if (!problems.empty()) {
    std::string message;
    for (auto& p : problems) message += (message.empty() ? "" : "\n") + p;
    return bad_input(message);
  }
  return changes;
}

}  // namespace responder
