#include "release/ansible_exchange.h"

#include <iostream>

#include "release/ansible_export.h"
#include "release/ansible_import.h"
#include "release/param_values.h"
#include "responder/environment.h"
#include "responder/exit_code.h"
#include "responder/host_placeholders.h"
#include "responder/incident_home.h"
#include "responder/journal_record_kind.h"
#include "responder/module.h"
#include "responder/schema.h"
#include "responder/targets/run_hosts.h"
#include "responder/template.h"

namespace responder::release {
namespace {

// The release.push step: the one named, or the playbook's only one.
Result<const Step*> release_step(const Playbook& playbook, const std::string& named) {
  std::vector<const Step*> found;
  for (const Step* s : playbook.all_steps())
    if (s->module == "release.push" && (named.empty() || s->id == named)) found.push_back(s);
  if (found.empty())
    return bad_input(named.empty() ? "the playbook has no release.push step" : "the playbook has no release.push step " + named);
  if (found.size() > 1) return bad_input("the playbook has several release.push steps: name one with --step");
  return found.front();
}

std::filesystem::path playbook_dir(const LoadedIncident& incident) {
  std::filesystem::path file = incident.state.playbook_file.empty() ? incident.playbook.file : incident.state.playbook_file;
  return std::filesystem::absolute(file).parent_path();
}

// The step's parameters as a run resolved them (journaled with its plans),
// or resolved now from the incident's variables.
Result<json::object> step_params(const LoadedIncident& incident, const Step& step, const Module& module) {
  for (auto it = incident.contents.records.rbegin(); it != incident.contents.records.rend(); ++it)
    if (it->kind == record_kind::step_planned && it->text("step") == step.id)
      if (auto* params = it->fields.if_contains("params"); params && params->is_object()) {
        json::object p = params->get_object();
        p.erase("artifact_facts");
        return p;
      }
  json::object scope = incident.state.variables;
  scope["incident"] = json::object{{"id", incident.state.incident_id},
                                   {"home", incident.dir.parent_path().string()},
                                   {"severity", incident.playbook.severity},
                                   {"playbook", incident.playbook.name}};
  auto substituted = substitute(json::value(step.with), scope_with_host_placeholders(scope, module.schema()));
  if (!substituted)
    return bad_input("step " + step.id + ": " + substituted.error().message +
                     " (a value from an earlier step: run the incident up to this step first)");
  auto resolved = module.schema().resolve(substituted->get_object());
  if (!resolved) return bad_input("step " + step.id + " parameters: " + resolved.error().message);
  return *resolved;
}

}  // namespace

int export_release(const GlobalOptions& globals, const ExchangeOptions& options) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  auto incident = load_incident(*env, options.id);
  if (!incident) return report_error(incident.error());
  auto step = release_step(incident->playbook, options.step);
  if (!step) return report_error(step.error());
  const Module* module = ModuleRegistry::instance().find("release.push");
  if (!module) return report_error(bad_input("this build has no release.push"));
  auto params = step_params(*incident, **step, *module);
  if (!params) return report_error(params.error());

  StepContext controller;
  controller.incident_id = options.id;
  controller.step_id = (*step)->id;
  controller.actor = env->actor;
  controller.config = &env->config;
  controller.safety = &env->safety;
  controller.playbook_dir = playbook_dir(*incident);
  auto delivery = module->prepare_on_controller(*params, controller);
  if (!delivery) return report_error(delivery.error());

  // The hosts: as the run journaled them, else as the inventory selects them now.
  std::vector<StepHost> hosts;
  bool journal_hosts = false;
  if (auto found = incident->state.step_hosts.find((*step)->id); found != incident->state.step_hosts.end()) {
    hosts = found->second;
  } else {
    auto hosts_options = targets::run_hosts_options(*env, options.targets, {});
    targets::RunHosts reach(*env, hosts_options);
    std::vector<std::string> patterns;
    for (auto& t : (*step)->targets) {
      auto value = substitute(t, incident->state.variables);
      if (!value) return report_error(bad_input("targets: " + value.error().message));
      if (value->is_string()) patterns.emplace_back(value->get_string());
      else if (value->is_array())
        for (auto& v : value->get_array())
          if (v.is_string()) patterns.emplace_back(v.get_string());
    }
    if (patterns.empty()) return report_error(bad_input("step " + (*step)->id + " has no `targets:` to export"));
    auto selected = reach.select(patterns);
    if (!selected) return report_error(selected.error());
    hosts = *selected;
    journal_hosts = true;
  }
  if (auto halted = incident->state.halted.find((*step)->id); halted != incident->state.halted.end())
    return report_error(refusal("step " + (*step)->id + " halted at " + halted->second +
                                ": its held hosts are not handed to Ansible either (a new release patches them)"));
  std::vector<StepHost> left;
  std::vector<std::string> busy, exported_before;
  const auto with_ansible = incident->state.with_ansible.find((*step)->id);
  for (auto& h : hosts) {
    // Exported before, results not back: a second export would have two
    // Ansible runs patch the same host.
    if (with_ansible != incident->state.with_ansible.end() && with_ansible->second.count(h.name)) {
      exported_before.push_back(h.name + " (" + with_ansible->second.at(h.name) + ")");
      continue;
    }
    const StepState* s = incident->state.find((*step)->id, h.name);
    if (s && (s->status == StepStatus::verified || s->status == StepStatus::undone)) continue;
    // Begun here, outcome not yet known, or patched and then unhealthy:
    // responder finishes those (resume), never Ansible beside it.
    if (s && (change_may_exist(s) || s->receipt || (s->status == StepStatus::failed && s->final_failure))) {
      busy.push_back(h.name);
      continue;
    }
    left.push_back(h);
  }
  if (!busy.empty())
    std::cout << "left to responder (begun or finished here; `responder release resume` or status): " << comma_joined(busy)
              << "\n";
  if (!exported_before.empty())
    std::cout << "already with Ansible (not exported again; `responder release resume " << options.id
              << " --take-back` takes them back): " << comma_joined(exported_before) << "\n";
  if (left.empty()) {
    std::cout << "no host of step " << (*step)->id << " is left to export\n";
    return kExitSuccess;
  }

  AnsibleExport release;
  release.incident = options.id;
  release.instance = incident_instance(incident->dir / "journal.jsonl");
  release.step = (*step)->id;
  release.params = delivery->params;
  release.artifact = delivery->attachment;
  release.hosts = left;
  release.max_fail_percentage = (*step)->max_fail_percentage;
  if (auto* waves = release.params.if_contains("waves"); waves && waves->is_array()) release.waves = waves->get_array();
  std::vector<PlannedHost> planned;
  static const json::object no_detail;
  for (auto& h : left) planned.push_back({h.name, &h.vars, &no_detail, true});
  auto batches = module->order_hosts(release.params, planned);
  if (!batches) return report_error(batches.error());
  for (auto& b : *batches)
    if (b.label == "canary")
      for (auto i : b.hosts) release.canary.push_back(left[i].name);
  auto targets_section = env->config.section("targets");
  if (auto ssh = text_of(targets_section, "ssh_config"); !ssh.empty()) release.ssh_config = env->config.beside(ssh);
  if (auto dir = text_of(env->config.section("release"), "state_dir"); !dir.empty())
    release.state_dir = env->config.beside(dir).string();

  auto control = take_control(*env, *incident);
  if (!control) return report_error(control.error());
  if (auto head = control->journal.head()) release.journal_head = head->text();
  std::filesystem::path dir = std::filesystem::absolute(options.dir);
  if (auto written = write_ansible_export(release, dir); !written) return report_error(written.error());

  std::vector<JournalEntry> records;
  if (journal_hosts) {
    json::array list;
    for (auto& h : hosts) {
      json::object entry{{"name", h.name}, {"reach", h.reach}};
      if (!h.vars.empty()) entry["vars"] = h.vars;
      list.push_back(std::move(entry));
    }
    records.push_back({std::string(record_kind::step_hosts),
                       json::object{{"step", (*step)->id}, {"stage", (*step)->stage}, {"module", (*step)->module}, {"hosts", list}}});
  }
  json::array names, canary;
  for (auto& h : left) names.push_back(json::string(h.name));
  for (auto& c : release.canary) canary.push_back(json::string(c));
  const json::object& facts = release.params.at("artifact_facts").as_object();
  records.push_back({std::string(record_kind::release_exported), json::object{{"step", (*step)->id},
                                                          {"stage", (*step)->stage},
                                                          {"module", "release.push"},
                                                          {"dir", dir.string()},
                                                          {"artifact_sha256", text_of(facts, "sha256")},
                                                          {"params", release.params},
                                                          {"hosts", names},
                                                          {"canary", canary},
                                                          {"backup_dir", exported_backup_dir(release)}}});
  if (auto appended = control->journal.append_together(env->actor, std::move(records)); !appended)
    return report_error(appended.error());
  std::cout << "exported step " << (*step)->id << " of " << options.id << " for " << left.size() << " host(s) ("
            << release.canary.size() << " canary) to " << dir.string() << "\n"
            << "run:   cd " << dir.string() << " && ansible-playbook -i inventory.yml release.yml\n"
            << "then:  responder release import " << options.id << " " << (dir / "results").string() << "\n";
  return kExitSuccess;
}

Status take_back_from_ansible(const GlobalOptions& globals, const std::string& id) {
  auto env = open_environment(globals);
  if (!env) return env.error();
  auto found = load_incident(*env, id);
  if (!found) return found.error();
  auto control = take_control(*env, *found);
  if (!control) return control.error();
  // Read again under control: an import that landed meanwhile brought its
  // hosts back already.
  auto incident = load_incident(*env, id);
  if (!incident) return incident.error();
  std::vector<JournalEntry> records;
  std::string said;
  for (auto& [step, hosts] : incident->state.with_ansible) {
    if (hosts.empty()) continue;
    json::array names;
    for (auto& [host, dir] : hosts) {
      names.push_back(json::string(host));
      said += (said.empty() ? "" : ", ") + host;
    }
    records.push_back({std::string(record_kind::release_taken_back), json::object{{"step", step}, {"hosts", names}}});
  }
  if (records.empty()) return {};
  if (auto appended = control->journal.append_together(env->actor, std::move(records)); !appended) return appended.error();
  std::cout << "taken back from Ansible: " << said << "\n";
  return {};
}

int import_release(const GlobalOptions& globals, const ExchangeOptions& options) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  auto incident = load_incident(*env, options.id);
  if (!incident) return report_error(incident.error());
  // The last export (of the named step): what every result is checked against.
  const JournalRecord* exported = nullptr;
  for (auto& r : incident->contents.records)
    if (r.kind == record_kind::release_exported && (options.step.empty() || r.text("step") == options.step)) exported = &r;
  if (!exported) return report_error(bad_input("incident " + options.id + " has no exported release" +
                                               (options.step.empty() ? "" : " of step " + options.step) +
                                               ": `responder release export` first"));
  ExportCheck check{options.id, exported->text("step"), exported->text("artifact_sha256"), {}};
  if (auto* hosts = exported->fields.if_contains("hosts"); hosts && hosts->is_array())
    for (auto& h : hosts->get_array())
      if (h.is_string()) check.hosts.insert(std::string(h.get_string()));
  auto results = read_ansible_results(options.dir, check);
  if (!results) return report_error(results.error());

  json::object params;
  if (auto* p = exported->fields.if_contains("params"); p && p->is_object()) params = p->get_object();
  const json::object facts = params.contains("artifact_facts") && params.at("artifact_facts").is_object()
                                 ? params.at("artifact_facts").as_object()
                                 : json::object{};
  std::string what = text_of(facts, "kind") == "deb" ? text_of(facts, "package") + " " + text_of(facts, "version")
                                                     : text_of(facts, "name") + " " + text_of(facts, "version");
  auto control = take_control(*env, *incident);
  if (!control) return report_error(control.error());

  const std::string& step = check.step;
  std::vector<JournalEntry> records;
  int taken = 0, already = 0, pending = 0;
  for (auto& r : *results) {
    const StepState* s = incident->state.find(step, r.host);
    if (s && (s->status == StepStatus::verified || s->status == StepStatus::undone ||
              (s->status == StepStatus::failed && s->final_failure))) {
      ++already;
      continue;
    }
    if (r.state == "pending") {
      ++pending;
      continue;
    }
    ++taken;
    int attempt = (s ? s->attempt : 0) + 1;
    // As a run journals it: the plan (module, parameters, what the host
    // had), then the outcome; status, undo and the report read these.
    records.push_back({std::string(record_kind::step_planned),
                       json::object{{"step", step},
                                    {"host", r.host},
                                    {"stage", exported->text("stage")},
                                    {"module", "release.push"},
                                    {"attempt", attempt},
                                    {"params", params},
                                    {"changes", json::array{}},
                                    {"detail", json::object{{"state", r.state}, {"installed", r.version_before},
                                                            {"fixed", text_of(facts, "version")},
                                                            {"package", text_of(facts, "package")},
                                                            {"artifact_sha256", check.sha256}}},
                                    {"imported", true}}});
    if (r.state == "failed" || r.state == "rolled-back") {
      std::string error = "Ansible: " + (r.detail.empty() ? r.state : r.detail) + (r.state == "rolled-back" ? "; rolled back" : "");
      records.push_back({std::string(record_kind::step_failed), json::object{{"step", step},
                                                                             {"host", r.host},
                                                                             {"attempt", attempt},
                                                                             {"error", error},
                                                                             {"error_kind", "failed"},
                                                                             {"final", true},
                                                                             {"imported", true}}});
      continue;
    }
    Receipt receipt;
    receipt.output = json::object{{"state", r.state}, {"package", text_of(facts, "package")}, {"version_before", r.version_before},
                                  {"version", r.version}};
    if (r.state == "patched") {
      std::vector<std::string> rollback;
      if (auto* argv = params.if_contains("rollback"); argv && argv->is_array())
        for (auto& w : argv->get_array())
          if (w.is_string()) rollback.emplace_back(w.get_string());
      // Only what the export itself decided fills the rollback `responder
      // undo` runs as root: never a path or text from the results file.
      std::string backup_dir = exported->text("backup_dir");
      rollback = fill_host_placeholders(rollback, {{"backup_dir", backup_dir},
                                                   {"version", text_of(facts, "version")},
                                                   {"package", text_of(facts, "package")},
                                                   {"previous_version", r.version_before}});
      receipt.undo = json::object{{"rollback", string_array(rollback)}, {"package", text_of(facts, "package")},
                                  {"version_before", r.version_before}, {"version", r.version}, {"what", what}};
      receipt.changes.push_back("installed " + what + (r.version_before.empty() ? "" : " (was " + r.version_before + ")") +
                                ", by Ansible");
    }
    records.push_back({std::string(record_kind::step_applied), json::object{{"step", step},
                                                                            {"host", r.host},
                                                                            {"attempt", attempt},
                                                                            {"receipt", receipt_to_json(receipt)},
                                                                            {"imported", true}}});
    records.push_back({std::string(record_kind::step_verified),
                       json::object{{"step", step}, {"host", r.host}, {"detail", r.state + " (Ansible)"}, {"imported", true}}});
  }
  if (taken > 0) {
    records.insert(records.begin(), {std::string(record_kind::release_imported), json::object{{"step", step},
                                                                           {"module", "release.push"},
                                                                           {"from", std::filesystem::absolute(options.dir).string()},
                                                                           {"hosts", taken}}});
    if (auto appended = control->journal.append_together(env->actor, std::move(records)); !appended)
      return report_error(appended.error());
  }
  std::cout << "imported " << taken << " host result(s) of step " << step << " into " << options.id;
  if (already) std::cout << "; " << already << " already in the journal";
  if (pending) std::cout << "; " << pending << " still pending";
  std::cout << "\n";
  return kExitSuccess;
}

}  // namespace responder::release
