// note.add: a responder's note in the incident timeline. The note itself is
// the step's `applied` journal record, so it changes nothing else and cannot
// be undone; the timeline keeps it.
#include "responder/module.h"

namespace responder {
namespace {

class NoteAdd final : public Module {
 public:
  std::string_view name() const override { return "note.add"; }
  bool undoable() const override { return false; }

  Result<PlanResult> plan(const json::object& params, StepContext&) const override {
    PlanResult plan;
    plan.changes.push_back("add to the timeline: " + std::string(params.at("text").get_string()));
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    Receipt receipt;
    receipt.output["text"] = params.at("text");
    receipt.output["by"] = context.actor;
    receipt.changes.push_back("note: " + std::string(params.at("text").get_string()));
    return receipt;
  }

  // Without a receipt the note never reached the journal, so it is not in
  // effect and is written again, exactly once.
  Result<Verification> verify(const json::object&, const Receipt* receipt, const json::object&,
                              StepContext&) const override {
    Verification v;
    v.in_effect = receipt != nullptr;
    v.detail = v.in_effect ? "note is in the timeline" : "note is not in the timeline";
    return v;
  }

  Status undo(const Receipt&, StepContext&) const override { return {}; }
};

RESPONDER_MODULE(NoteAdd);

}  // namespace
}  // namespace responder
