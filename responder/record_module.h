// A module whose effect is a record (an analysis, a note, evidence), not a
// change to the host: nothing to undo, and in effect once its receipt
// exists. Without a receipt (a crash before it was journaled) it is not in
// effect, so a resumed run applies it again: records are added, never
// replaced, so that is safe.
#pragma once

#include <string>
#include <string_view>

#include "responder/module.h"

namespace responder {

class RecordModule : public Module {
 public:
  // `recorded` and `not_recorded` are what verify says in either case
  // ("the files are in the evidence", "no record of the collection").
  RecordModule(std::string_view recorded, std::string_view not_recorded)
      : recorded_(recorded), not_recorded_(not_recorded) {}

  bool undoable() const final { return false; }
  Result<Verification> verify(const json::object&, const Receipt* receipt, const json::object&,
                              StepContext&) const override {
    Verification v;
    v.in_effect = receipt != nullptr;
    v.detail = v.in_effect ? recorded_ : not_recorded_;
    return v;
  }
  Status undo(const Receipt&, StepContext&) const final { return {}; }

 protected:
  // Only for a module that overrides verify (says for itself whether it is
  // in effect): the messages above are left empty.
  RecordModule() = default;

 private:
  std::string recorded_, not_recorded_;
};

}  // namespace responder
