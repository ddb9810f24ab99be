// note.add: a responder's note in the incident timeline. The note itself is
// the step's `applied` journal record, so it changes nothing else and cannot
// be undone; the timeline keeps it.
#include "responder/record_module.h"

namespace responder {
namespace {

class NoteAdd final : public RecordModule {
 public:
  NoteAdd() : RecordModule("note is in the timeline", "note is not in the timeline") {}
  std::string_view name() const override { return "note.add"; }

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

};

RESPONDER_MODULE(NoteAdd);

}  // namespace
}  // namespace responder
