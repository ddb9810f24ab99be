#include "responder/incident_state.h"

#include <algorithm>

#include "responder/approvers.h"
#include "responder/journal_record_kind.h"

namespace responder {

bool change_may_exist(const StepState* prior) {
  return prior && (prior->status == StepStatus::started || prior->status == StepStatus::applied);
}

std::string_view step_status_name(StepStatus status) {
  switch (status) {
    case StepStatus::pending: return "pending";
    case StepStatus::planned: return "planned";
    case StepStatus::started: return "started";
    case StepStatus::applied: return "applied";
    case StepStatus::verified: return "verified";
    case StepStatus::failed: return "failed";
    case StepStatus::skipped: return "skipped";
    case StepStatus::undone: return "undone";
  }
  return "?";
}

StepState& IncidentState::step(const std::string& id) {
  auto [it, fresh] = steps.try_emplace(id);
  if (fresh) {
    it->second.id = id;
    // Listed already only when a host of it came first (a search of the
    // list here would make a long journal quadratic to read).
    if (on_hosts.find(id) == on_hosts.end()) step_order.push_back(id);
  }
  return it->second;
}

const StepState* IncidentState::find(const std::string& id) const {
  auto it = steps.find(id);
  return it == steps.end() ? nullptr : &it->second;
}

StepState& IncidentState::host_step(const std::string& id, const std::string& host) {
  auto& hosts = on_hosts[id];
  bool listed = !hosts.empty() || steps.find(id) != steps.end();
  auto [it, fresh] = hosts.try_emplace(host);
  if (fresh) {
    it->second.id = id;
    it->second.host = host;
    if (!listed) step_order.push_back(id);
  }
  return it->second;
}

const StepState* IncidentState::find(const std::string& id, const std::string& host) const {
  if (host.empty()) return find(id);
  auto step = on_hosts.find(id);
  if (step == on_hosts.end()) return nullptr;
  auto it = step->second.find(host);
  return it == step->second.end() ? nullptr : &it->second;
}

std::vector<const StepState*> IncidentState::in_force() const {
  std::vector<const StepState*> out;
  auto take = [&](const StepState& s) {
    if ((s.status == StepStatus::applied || s.status == StepStatus::verified ||
         (s.status == StepStatus::failed && s.receipt)) &&
        s.receipt && !s.receipt->undo.empty())
      out.push_back(&s);
  };
  for (auto& [id, s] : steps) take(s);
  for (auto& [id, hosts] : on_hosts)
    for (auto& [host, s] : hosts) take(s);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->applied_seq > b->applied_seq; });
  return out;
}

json::value receipt_to_json(const Receipt& receipt) {
  json::array changes;
  for (auto& c : receipt.changes) changes.push_back(json::string(c));
  return json::object{{"undo", receipt.undo}, {"output", receipt.output}, {"changes", changes}};
}

Receipt receipt_from_json(const json::value& value) {
  Receipt receipt;
  if (!value.is_object()) return receipt;
  auto& o = value.get_object();
  if (auto* u = o.if_contains("undo"); u && u->is_object()) receipt.undo = u->get_object();
  if (auto* out = o.if_contains("output"); out && out->is_object()) receipt.output = out->get_object();
  if (auto* c = o.if_contains("changes"); c && c->is_array())
    for (auto& line : c->get_array())
      if (line.is_string()) receipt.changes.emplace_back(line.get_string());
  return receipt;
}

namespace {
json::object object_field(const JournalRecord& r, const char* key) {
  if (auto* v = r.fields.if_contains(key); v && v->is_object()) return v->get_object();
  return {};
}
}  // namespace

std::string first_started_step(const IncidentState& state) {
  auto started = [](const StepState& s) {
    return s.attempt > 0 || s.receipt.has_value() || s.status == StepStatus::started || s.status == StepStatus::applied ||
           s.status == StepStatus::verified || s.status == StepStatus::undone;
  };
  for (auto& [id, hosts] : state.with_ansible)
    if (!hosts.empty()) return id + " (handed to Ansible by release export)";
  for (auto& id : state.step_order) {
    if (auto found = state.steps.find(id); found != state.steps.end() && started(found->second)) return id;
    if (auto hosts = state.on_hosts.find(id); hosts != state.on_hosts.end())
      for (auto& [host, s] : hosts->second)
        if (started(s)) return id + " on " + host;
  }
  return "";
}

Result<IncidentState> derive_state(const std::string& incident_id, const JournalContents& contents) {
  IncidentState state;
  state.incident_id = incident_id;
  state.records = contents.records.size();
  if (contents.records.empty())
    return bad_input("incident " + incident_id + " has no record yet: its run stopped before its first record reached the disk; "
                     "start it again with `responder run PLAYBOOK --incident " + incident_id + "`");
  if (contents.records.front().kind != record_kind::incident_opened)
    return failure("journal of " + incident_id + " does not start with incident.opened");
  for (auto& r : contents.records) {
    const std::string& kind = r.kind;
    if (kind == record_kind::incident_opened || kind == record_kind::incident_reopened) {
      if (kind == record_kind::incident_reopened) {
        // The attempts before it changed nothing: the incident starts again.
        // A journal that reopens after a change would forget that change.
        if (auto started = first_started_step(state); !started.empty())
          return failure("journal of " + incident_id + " reopens the incident (record " + std::to_string(r.seq) +
                         ") after step " + started + " had started; it is not a journal responder writes");
        IncidentState fresh;
        fresh.incident_id = state.incident_id;
        fresh.records = state.records;
        state = std::move(fresh);
      }
      state.opened = r.fields;
      auto playbook = object_field(r, "playbook");
      if (auto* f = playbook.if_contains("file"); f && f->is_string()) state.playbook_file = f->get_string();
      if (auto* t = playbook.if_contains("text"); t && t->is_string()) state.playbook_text = t->get_string();
      state.variables = object_field(r, "variables");
      if (auto* a = r.fields.if_contains("allow"); a && a->is_array())
        for (auto& c : a->get_array())
          if (c.is_string()) state.allow.emplace_back(c.get_string());
      if (auto* d = r.fields.if_contains("drill"); d && d->is_bool()) state.drill = d->get_bool();
      state.outcome = "running";
      continue;
    }
    if (kind == record_kind::variables_changed) {
      for (auto& [name, value] : object_field(r, "variables")) state.variables[name] = value;
      continue;
    }
    if (kind == record_kind::run_started) state.outcome = "running";
    if (kind == record_kind::run_finished) state.outcome = r.text("outcome");
    if (kind == record_kind::run_interrupted) state.outcome = "interrupted";
    std::string id = r.text("step");
    if (id.empty()) continue;
    if (kind == record_kind::step_wave) {
      if (r.text("outcome") == "halted") state.halted[id] = r.text("wave");
      continue;
    }
    if (kind == record_kind::release_exported || kind == record_kind::release_taken_back) {
      if (auto* hosts = r.fields.if_contains("hosts"); hosts && hosts->is_array())
        for (auto& h : hosts->get_array()) {
          if (!h.is_string()) continue;
          std::string name(h.get_string());
          if (kind == record_kind::release_exported) state.with_ansible[id][name] = r.text("dir");
          else state.with_ansible[id].erase(name);
        }
      continue;
    }
    if (auto* imported = r.fields.if_contains("imported"); imported && imported->is_bool() && imported->get_bool()) {
      if (auto found = state.with_ansible.find(id); found != state.with_ansible.end()) found->second.erase(r.text("host"));
    }
    if (kind == record_kind::step_hosts) {
      auto& hosts = state.step_hosts[id];
      hosts.clear();
      if (auto* list = r.fields.if_contains("hosts"); list && list->is_array())
        for (auto& h : list->get_array()) {
          if (!h.is_object()) continue;
          auto* name = h.get_object().if_contains("name");
          auto* reach = h.get_object().if_contains("reach");
          if (!name || !name->is_string() || name->get_string().empty()) continue;
          auto* vars = h.get_object().if_contains("vars");
          hosts.push_back({std::string(name->get_string()), reach && reach->is_object() ? reach->get_object() : json::object{},
                           vars && vars->is_object() ? vars->get_object() : json::object{}});
          state.host_step(id, hosts.back().name);
        }
      continue;
    }
    std::string host = r.text("host");
    StepState& s = host.empty() ? state.step(id) : state.host_step(id, host);
    if (kind == record_kind::host_unreachable) {
      s.unreachable = true;
      s.unreachable_why = r.text("why");
      continue;
    }
    if (kind == record_kind::step_planned || kind == record_kind::step_started || kind == record_kind::step_applied ||
        kind == record_kind::step_verified || kind == record_kind::step_failed) {
      s.unreachable = false;
      s.unreachable_why.clear();
    }
    if (kind == record_kind::step_planned) {
      s.status = StepStatus::planned;
      s.stage = r.text("stage");
      s.module = r.text("module");
      s.params = object_field(r, "params");
      s.planned = object_field(r, "detail");
      s.changes.clear();
      if (auto* c = r.fields.if_contains("changes"); c && c->is_array())
        for (auto& line : c->get_array())
          if (line.is_string()) s.changes.emplace_back(line.get_string());
      s.waiting_for_approval = false;
    } else if (kind == record_kind::step_skipped) {
      s.status = StepStatus::skipped;
      s.stage = r.text("stage");
    } else if (kind == record_kind::approval_waiting) {
      s.waiting_for_approval = true;
      s.stage = r.text("stage");
    } else if (kind == record_kind::approval) {
      // Normalised, so that "alice" and "Alice " are one person in journals
      // written before names were normalised too.
      std::string by = normalise_approver_name(r.text("by"));
      if (std::find(s.approvers.begin(), s.approvers.end(), by) == s.approvers.end()) s.approvers.push_back(by);
    } else if (kind == record_kind::step_started) {
      s.status = StepStatus::started;
      if (auto* a = r.fields.if_contains("attempt"); a && a->is_int64()) s.attempt = static_cast<int>(a->get_int64());
      s.final_failure = false;
      s.waiting_for_approval = false;
    } else if (kind == record_kind::step_applied) {
      s.status = StepStatus::applied;
      s.receipt = receipt_from_json(r.fields.contains("receipt") ? r.fields.at("receipt") : json::value());
      s.applied_seq = r.seq;
      s.undo_pending = false;
    } else if (kind == record_kind::step_confirmed) {
      s.receipt = receipt_from_json(r.fields.contains("receipt") ? r.fields.at("receipt") : json::value());
      s.confirmed = true;
    } else if (kind == record_kind::step_verified) {
      s.status = StepStatus::verified;
      s.verify_detail = r.text("detail");
    } else if (kind == record_kind::step_failed) {
      s.status = StepStatus::failed;
      s.error = r.text("error");
      s.error_kind = r.text("error_kind");
      if (auto* f = r.fields.if_contains("final"); f && f->is_bool()) s.final_failure = f->get_bool();
    } else if (kind == record_kind::undo_started) {
      s.undo_pending = true;
    } else if (kind == record_kind::step_undone) {
      s.status = StepStatus::undone;
      s.undo_pending = false;
      s.undo_error.clear();
    } else if (kind == record_kind::undo_failed) {
      s.undo_error = r.text("error");
    }
  }
  return state;
}

}  // namespace responder
