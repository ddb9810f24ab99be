// What the engine calls for a firewall step outside plan/apply/verify/undo:
// `responder confirm ID STEP` (disarm the dead-man switch) and
// `responder resume ID --reconcile` (re-apply what must be in force after
// someone flushed the ruleset or nftables restarted).
#pragma once

#include <string_view>

#include "responder/module.h"

namespace responder::firewall {

// True for firewall.block, firewall.isolate and firewall.limit.
bool is_firewall_module(std::string_view module_name);

// Makes the step's timed elements permanent (or leaves them only what is left
// of their `expires`), in one transaction, so the kernel will not undo the
// step by itself. Returns the receipt as it now stands (no confirm deadline);
// the engine journals it in place of the old one. Fails, changing nothing,
// when the deadline has passed (the kernel already removed the change) or the
// step's elements are gone; a receipt without a deadline is returned as is.
Result<Receipt> confirm_firewall_step(const Receipt& receipt, StepContext& context);

// Re-applies, in one transaction, what the receipt says must be in force and
// is missing: the table skeleton, the step's own chains and sets, and its
// elements with what is left of their timeouts. Elements whose `expires` has
// passed are not brought back, nor anything of a step whose confirm deadline
// passed while `confirmed` is false (the dead-man switch did its job).
// Idempotent: what is present is left as it is.
Status reconcile_firewall_step(const Receipt& receipt, bool confirmed, StepContext& context);

}  // namespace responder::firewall
