#include "containment/firewall/firewall_confirm.h"

#include "containment/firewall/firewall_change.h"

namespace responder::firewall {

bool is_firewall_module(std::string_view module_name) {
  return module_name == "firewall.block" || module_name == "firewall.isolate" || module_name == "firewall.limit";
}

Result<Receipt> confirm_firewall_step(const Receipt& receipt, StepContext&) {
  auto parsed = FirewallReceipt::from_json(receipt.undo);
  if (!parsed) return parsed.error();
  auto confirmed = confirm_change(*parsed);
  if (!confirmed) return confirmed.error();
  Receipt out = receipt;
  out.undo = confirmed->to_json();
  if (parsed->confirm_by_ms) out.changes.push_back("confirmed: the dead-man switch is disarmed");
  return out;
}

Status reconcile_firewall_step(const Receipt& receipt, bool confirmed, StepContext&) {
  auto parsed = FirewallReceipt::from_json(receipt.undo);
  if (!parsed) return parsed.error();
  return reconcile_change(*parsed, confirmed);
}

}  // namespace responder::firewall
