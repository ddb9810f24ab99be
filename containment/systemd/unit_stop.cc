#include "containment/systemd/unit_stop.h"

#include <algorithm>

namespace responder::systemd {

json::object UnitChange::to_json() const {
  return json::object{{"unit", unit},           {"prior_active", prior_active}, {"prior_file_state", prior_file_state},
                      {"stop", stop},           {"mask", mask},                 {"because", because}};
}

Result<UnitChange> UnitChange::from_json(const json::value& v) {
  try {
    auto& o = v.as_object();
    UnitChange c;
    c.unit = o.at("unit").as_string();
    c.prior_active = o.at("prior_active").as_string();
    c.prior_file_state = o.at("prior_file_state").as_string();
    c.stop = o.at("stop").as_bool();
    c.mask = o.at("mask").as_bool();
    c.because = o.at("because").as_string();
    return c;
  } catch (const std::exception& e) {
    return failure(std::string("receipt: malformed unit change: ") + e.what());
  }
}

std::string UnitChange::describe() const {
  std::string state = "(" + prior_active + (prior_file_state.empty() ? "" : ", " + prior_file_state) + ")";
  std::string why = because == "requested" ? "" : " — it " + because;
  if (stop && mask) return "stop and mask " + unit + " " + state + why;
  if (stop) return "stop " + unit + " " + state + why;
  if (mask) return unit + " is already stopped " + state + "; mask it" + why;
  return unit + " is already stopped " + state + (prior_file_state == "masked" ? " and masked" : "") + "; nothing to do";
}

std::string UnitChange::describe_undone() const {
  if (stop && mask) return "unmasked " + unit + " and started it again (" + prior_active + " before)";
  if (stop) return "started " + unit + " again (" + prior_active + " before)";
  if (mask) return "unmasked " + unit + " (still stopped, as before)";
  return "";
}

std::vector<std::string> undone_lines_of_units(const json::object& undo) {
  std::vector<std::string> lines;
  auto* units = undo.if_contains("units");
  if (!units) return lines;
  auto changes = unit_changes_from_json(*units);
  if (!changes) return lines;
  for (auto& c : *changes)
    if (auto line = c.describe_undone(); !line.empty()) lines.push_back(std::move(line));
  return lines;
}

json::array to_json(const std::vector<UnitChange>& changes) {
  json::array a;
  for (auto& c : changes) a.push_back(c.to_json());
  return a;
}

Result<std::vector<UnitChange>> unit_changes_from_json(const json::value& v) {
  std::vector<UnitChange> out;
  if (!v.is_array()) return failure("receipt: units is not a list");
  for (auto& item : v.as_array()) {
    auto c = UnitChange::from_json(item);
    if (!c) return c.error();
    out.push_back(std::move(*c));
  }
  return out;
}

std::chrono::steady_clock::time_point job_deadline(const StepContext& context) {
  return std::min(context.deadline, std::chrono::steady_clock::now() + std::chrono::seconds(100));
}

Result<std::vector<UnitChange>> plan_unit_stops(SystemdManager& systemd, const std::vector<std::string>& units, bool mask) {
  std::vector<UnitChange> changes;
  auto add = [&](const UnitState& s, const std::string& because) {
    if (std::any_of(changes.begin(), changes.end(), [&](auto& c) { return c.unit == s.name; })) return;
    UnitChange c;
    c.unit = s.name;
    c.prior_active = s.active_state;
    c.prior_file_state = s.unit_file_state;
    c.stop = s.running();
    c.mask = mask && !s.masked();
    c.because = because;
    changes.push_back(std::move(c));
  };
  for (auto& unit : units) {
    auto s = systemd.state(unit);
    if (!s) return s.error();
    if (!s->exists()) return bad_input("systemd has no unit named " + unit + " (at " + systemd.where() + ")");
    // A running socket, path or timer would start the unit again on the next
    // connection or tick: it is stopped first, and put back by undo.
    for (auto& trigger : s->triggered_by) {
      auto t = systemd.state(trigger);
      if (!t) return t.error();
      if (t->running()) add(*t, "triggers " + unit);
    }
    add(*s, "requested");
  }
  return changes;
}

Status apply_unit_stops(SystemdManager& systemd, const std::vector<UnitChange>& changes, const StepContext& context) {
  std::vector<UnitChange> done;
  for (auto& c : changes) {
    Status s;
    if (c.mask) s = systemd.mask(c.unit);
    if (s && c.stop) s = systemd.stop(c.unit, job_deadline(context));
    // A failed step is put back whole as well: unmasking a unit that was not
    // masked and starting one still running are both no-ops for systemd.
    done.push_back(c);
    if (!s) {
      auto put_back = undo_unit_stops(systemd, done, context);
      std::string tail = put_back ? " (what this step had already stopped was put back)"
                                  : "; putting back what was done failed too: " + put_back.error().message;
      return Error{s.error().kind, s.error().message + tail};
    }
  }
  return Status::success();
}

Status undo_unit_stops(SystemdManager& systemd, const std::vector<UnitChange>& changes, const StepContext& context) {
  std::vector<std::string> problems;
  for (auto it = changes.rbegin(); it != changes.rend(); ++it)
    if (it->mask)
      if (auto s = systemd.unmask(it->unit); !s) problems.push_back(s.error().message);
  for (auto it = changes.rbegin(); it != changes.rend(); ++it) {
    if (!it->stop) continue;
    // Only a unit that was running is started again; one that was
    // activating is started too, since that is where it was heading.
    if (auto s = systemd.start(it->unit, job_deadline(context)); !s) problems.push_back(s.error().message);
  }
  if (problems.empty()) return Status::success();
  std::string text;
  for (auto& p : problems) text += (text.empty() ? "" : "; ") + p;
  return failure(text);
}

Result<Verification> verify_unit_stops(SystemdManager& systemd, const std::vector<UnitChange>& changes,
                                       std::vector<std::string>* drifted) {
  Verification v;
  v.in_effect = true;
  for (auto& c : changes) {
    auto s = systemd.state(c.unit);
    if (!s) return s.error();
    bool stopped = !c.stop || !s->running();
    bool masked = !c.mask || s->masked();
    if (!stopped || !masked) {
      v.in_effect = false;
      if (drifted) drifted->push_back(c.unit);
    }
    v.detail += (v.detail.empty() ? "" : "; ") + c.unit + " " + s->active_state +
                (s->unit_file_state.empty() ? "" : ", " + s->unit_file_state);
  }
  return v;
}

}  // namespace responder::systemd
