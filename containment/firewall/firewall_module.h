// What every firewall module does the same way: plan and apply one
// transaction, verify it against the live ruleset, disarm its dead-man
// switch, reconcile drift, and undo exactly its receipt. Concrete modules say
// what the change is (describe) and what their step registers.
#pragma once

#include "containment/firewall/firewall_change.h"
#include "containment/firewall/firewall_confirm.h"
#include "containment/firewall/firewall_receipt.h"
#include "responder/module.h"

namespace responder::firewall {

// A step's change in force: what it drops or limits, and when it ends (a
// moment and the time left), in place of the "after 2h" it was planned with.
std::vector<std::string> firewall_in_force_lines(const Receipt& receipt, std::int64_t now_ms);
// What undoing the step lifted, and the entries it removed.
std::vector<std::string> firewall_undone_lines(const Receipt& receipt);
// "expired at ..." or "lifted by its dead-man switch at ..." once that moment
// passed (the kernel removed the elements); empty before.
std::string firewall_ended_by_itself(const Receipt& receipt, std::int64_t now_ms);

// One step's change, and the lines a responder reads about it.
struct FirewallDescription {
  FirewallChange change;
  std::vector<std::string> lines;
};

class FirewallModule : public Module {
 public:
  Result<PlanResult> plan(const json::object& params, StepContext& context) const override {
    auto d = describe(params, context);
    if (!d) return d.error();
    return plan_change(d->change, std::move(d->lines));
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    auto d = describe(params, context);
    if (!d) return d.error();
    auto added = apply_change(d->change);
    if (!added) return added.error();
    Receipt receipt;
    receipt.undo = added->to_json();
    receipt.output["table"] = "inet responder";
    receipt.changes = d->lines;
    add_output(*d, *added, receipt);
    return receipt;
  }

  Result<Verification> verify(const json::object&, const Receipt* receipt, const json::object& planned,
                              StepContext& context) const override {
    if (!receipt) return verify_change(nullptr, planned);
    auto r = FirewallReceipt::from_json(receipt->undo);
    if (!r) return r.error();
    return verify_change(&*r, planned, context.just_applied);
  }

  Result<Receipt> confirm(const Receipt& receipt, StepContext& context) const override {
    return confirm_firewall_step(receipt, context);
  }

  Status reconcile(const Receipt& receipt, bool confirmed, StepContext& context) const override {
    return reconcile_firewall_step(receipt, confirmed, context);
  }

  Status undo(const Receipt& receipt, StepContext&) const override {
    auto r = FirewallReceipt::from_json(receipt.undo);
    if (!r) return r.error();
    return undo_change(*r);
  }

  std::vector<std::string> in_force_lines(const Receipt& receipt, std::int64_t now_ms) const override {
    return firewall_in_force_lines(receipt, now_ms);
  }
  std::vector<std::string> undone_lines(const Receipt& receipt) const override { return firewall_undone_lines(receipt); }
  std::string ended_by_itself(const Receipt& receipt, std::int64_t now_ms) const override {
    return firewall_ended_by_itself(receipt, now_ms);
  }

 protected:
  // The change the step's parameters ask for; refusals (safety rules) here.
  virtual Result<FirewallDescription> describe(const json::object& params, const StepContext& context) const = 0;
  // What the step registers and says it changed, beyond the description.
  virtual void add_output(const FirewallDescription& d, const FirewallReceipt& added, Receipt& receipt) const = 0;
};

}  // namespace responder::firewall
