// service.stop: stops systemd units over D-Bus (never by parsing systemctl
// output), optionally masking them. The receipt holds each unit's prior
// ActiveState and UnitFileState; undo starts only what was running and
// unmasks only what this step masked, so a unit that was already stopped
// stays stopped.
#include <algorithm>

#include "containment/systemd/unit_stop.h"

namespace responder::systemd {
namespace {

Result<std::vector<std::string>> requested_units(const json::object& params) {
  std::vector<std::string> units;
  for (auto& u : params.at("units").as_array()) {
    auto name = canonical_unit_name(std::string(u.as_string()));
    if (!name) return name.error();
    units.push_back(std::move(*name));
  }
  if (units.empty()) return bad_input("units: name at least one systemd unit");
  return units;
}

bool mask_requested(const json::object& params) {
  auto* m = params.if_contains("mask");
  return m && m->is_bool() && m->as_bool();
}

// Names are checked before systemd is asked anything: a bad name is the
// playbook's error wherever it runs.
Result<std::vector<UnitChange>> planned_changes(const json::object& params) {
  auto units = requested_units(params);
  if (!units) return units.error();
  auto systemd = SystemdManager::connect();
  if (!systemd) return systemd.error();
  return plan_unit_stops(*systemd, *units, mask_requested(params));
}

class ServiceStop final : public Module {
 public:
  std::string_view name() const override { return "service.stop"; }

  Result<PlanResult> plan(const json::object& params, StepContext&) const override {
    auto changes = planned_changes(params);
    if (!changes) return changes.error();
    PlanResult plan;
    for (auto& c : *changes) plan.changes.push_back(c.describe());
    plan.detail["units"] = to_json(*changes);
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    // Decided on the state found now; after a resume the journaled plan's
    // prior states stand, because the first attempt may already have
    // stopped the units.
    std::vector<UnitChange> changes;
    if (context.planned && context.planned->if_contains("units")) {
      auto planned = unit_changes_from_json(context.planned->at("units"));
      if (!planned) return planned.error();
      changes = std::move(*planned);
    } else {
      auto fresh = planned_changes(params);
      if (!fresh) return fresh.error();
      changes = std::move(*fresh);
    }
    auto systemd = SystemdManager::connect();
    if (!systemd) return systemd.error();
    if (auto s = apply_unit_stops(*systemd, changes, context); !s) return s.error();
    Receipt receipt;
    receipt.undo["units"] = to_json(changes);
    json::array stopped, already;
    for (auto& c : changes) {
      (c.stop ? stopped : already).emplace_back(c.unit);
      receipt.changes.push_back(c.describe());
    }
    receipt.output["stopped"] = stopped;
    receipt.output["already_stopped"] = already;
    return receipt;
  }

  Result<Verification> verify(const json::object&, const Receipt* receipt, const json::object& planned,
                              StepContext&) const override {
    auto systemd = SystemdManager::connect();
    if (!systemd) return systemd.error();
    const json::value* units = receipt ? receipt->undo.if_contains("units") : planned.if_contains("units");
    if (!units) return Verification{false, "nothing was planned", std::nullopt};
    auto changes = unit_changes_from_json(*units);
    if (!changes) return changes.error();
    auto v = verify_unit_stops(*systemd, *changes);
    if (!v) return v.error();
    if (!receipt && v->in_effect) {
      Receipt recovered;
      recovered.undo["units"] = *units;
      for (auto& c : *changes) recovered.changes.push_back(c.describe());
      v->recovered = std::move(recovered);
    }
    return v;
  }

  Status undo(const Receipt& receipt, StepContext& context) const override {
    auto changes = unit_changes_from_json(receipt.undo.at("units"));
    if (!changes) return changes.error();
    auto systemd = SystemdManager::connect();
    if (!systemd) return systemd.error();
    return undo_unit_stops(*systemd, *changes, context);
  }

  std::vector<std::string> undone_lines(const Receipt& receipt) const override {
    auto lines = undone_lines_of_units(receipt.undo);
    if (lines.empty()) lines.push_back("nothing to give back: every unit was already stopped");
    return lines;
  }

  // Someone started a stopped unit again: stop it again.
  Status reconcile(const Receipt& receipt, bool, StepContext& context) const override {
    auto changes = unit_changes_from_json(receipt.undo.at("units"));
    if (!changes) return changes.error();
    auto systemd = SystemdManager::connect();
    if (!systemd) return systemd.error();
    std::vector<std::string> drifted;
    auto v = verify_unit_stops(*systemd, *changes, &drifted);
    if (!v) return v.error();
    for (auto& c : *changes) {
      if (std::find(drifted.begin(), drifted.end(), c.unit) == drifted.end()) continue;
      if (c.mask)
        if (auto s = systemd->mask(c.unit); !s) return s;
      if (c.stop)
        if (auto s = systemd->stop(c.unit, job_deadline(context)); !s) return s;
    }
    return Status::success();
  }
};

RESPONDER_MODULE(ServiceStop);

}  // namespace
}  // namespace responder::systemd
