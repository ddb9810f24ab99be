// containment.undo: de-escalation inside the playbook. Undoes, newest first,
// the changes of this incident still in force when the step runs (all, or
// those of `steps`), exactly as `responder undo` does: each undo journaled
// (undo.started, step.undone or undo.failed), each checked against the real
// component. It changes nothing of its own, so it has nothing to undo: the
// containment it lifted is put back by running those steps again.
//
// A change whose undo fails stays in force and the step fails, naming each
// one with why; a resumed run tries only what is still in force.
#include <algorithm>

#include "responder/incident_state.h"
#include "responder/journal.h"
#include "responder/module.h"

namespace responder {
namespace {

std::vector<std::string> steps_of(const json::object& params) {
  std::vector<std::string> out;
  if (auto* v = params.if_contains("steps"); v && v->is_array())
    for (auto& s : v->as_array())
      if (s.is_string()) out.emplace_back(s.as_string());
  return out;
}

std::string label_of(const StepState& s) { return s.host.empty() ? s.id : s.id + " on " + s.host; }

class ContainmentUndo final : public Module {
 public:
  std::string_view name() const override { return "containment.undo"; }
  bool undoable() const override { return false; }

  Result<PlanResult> plan(const json::object& params, StepContext& context) const override {
    auto steps = steps_of(params);
    PlanResult plan;
    if (!context.incident) {
      plan.changes.push_back(steps.empty() ? "undo every change of the incident still in force, newest first"
                                           : "undo the changes of " + comma_joined(steps) + " still in force");
      return plan;
    }
    for (auto& id : steps)
      if (!context.incident->has_step(id)) return bad_input("steps: this playbook has no step '" + id + "'");
    auto in_force = now_in_force(context, steps);
    if (!in_force) return in_force.error();
    if (in_force->empty()) plan.changes.push_back("nothing is in force to undo");
    for (auto& [label, changes] : *in_force)
      plan.changes.push_back("undo " + label + ": " + (changes.empty() ? std::string("its change") : changes.front()));
    json::array listed;
    for (auto& [label, changes] : *in_force) listed.push_back(json::string(label));
    plan.detail["in_force"] = std::move(listed);
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    if (!context.incident) return bad_input("containment.undo runs inside an incident's run (responder undo ID does the same)");
    auto steps = steps_of(params);
    auto done = context.incident->undo_changes(steps, "containment.undo step " + context.step_id);
    if (!done) return done.error();
    if (!done->still_in_force.empty()) {
      std::string list;
      for (auto& [label, why] : done->still_in_force) list += (list.empty() ? "" : "; ") + label + " (" + why + ")";
      return failure("still in force after undo: " + list + "; undone: " +
                     (done->undone.empty() ? std::string("nothing") : comma_joined(done->undone)));
    }
    Receipt receipt;
    receipt.output = json::object{{"undone", string_array(done->undone)}, {"still_in_force", json::array{}}};
    if (done->undone.empty()) receipt.changes.push_back("nothing was in force to undo");
    for (auto& label : done->undone) receipt.changes.push_back("undid " + label + ", checked against the live system");
    return receipt;
  }

  // In effect when none of the steps it undid has a change in force again
  // in the journal (a later step may have contained again: that is a new
  // change, not this undo failing).
  Result<Verification> verify(const json::object& params, const Receipt* receipt, const json::object&,
                              StepContext& context) const override {
    Verification v;
    if (!receipt) {
      v.detail = "no record of the undo";
      return v;
    }
    if (!context.incident) {
      v.in_effect = true;
      v.detail = "undone as recorded";
      return v;
    }
    auto in_force = now_in_force(context, steps_of(params));
    if (!in_force) return in_force.error();
    std::vector<std::string> back;
    if (auto* undone = receipt->output.if_contains("undone"); undone && undone->is_array())
      for (auto& u : undone->as_array())
        for (auto& [label, changes] : *in_force)
          if (u.is_string() && label == u.as_string()) back.push_back(label);
    v.in_effect = back.empty();
    v.detail = back.empty() ? "every change it undid is out of force" : "in force again: " + comma_joined(back);
    return v;
  }

  Status undo(const Receipt&, StepContext&) const override { return {}; }

 private:
  // The changes in force now, newest first, as (label, changes).
  static Result<std::vector<std::pair<std::string, std::vector<std::string>>>> now_in_force(
      StepContext& context, const std::vector<std::string>& steps) {
    auto contents = context.incident->journal();
    if (!contents) return contents.error();
    auto state = derive_state(context.incident_id, *contents);
    if (!state) return state.error();
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    for (const StepState* s : state->in_force())
      if (steps.empty() || std::find(steps.begin(), steps.end(), s->id) != steps.end())
        out.emplace_back(label_of(*s), s->receipt->changes);
    return out;
  }
};

RESPONDER_MODULE(ContainmentUndo);

}  // namespace
}  // namespace responder
