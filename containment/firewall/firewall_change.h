// One firewall step's change to table `inet responder`, and the four things
// done with it: plan, apply, verify, undo; plus confirm (the dead-man switch)
// and reconcile (re-apply after drift). firewall.block, firewall.isolate and
// firewall.limit each describe their change as a FirewallChange and leave
// the kernel work to these functions.
//
// Guarantees:
//  - apply is one kernel transaction; on any error nothing was changed.
//  - the receipt names exactly the elements this step added: elements that
//    were already there (an earlier step's) are left out, so this step's
//    undo cannot remove them.
//  - undo removes exactly what the receipt names and is still there; when no
//    element, chain or set of any step remains, it removes the whole table
//    instead, so the ruleset is what it was before responder touched it.
//  - nothing outside table `inet responder` is ever read for change,
//    flushed, or reordered.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "containment/firewall/firewall_receipt.h"
#include "containment/firewall/nft_layout.h"
#include "responder/module.h"

namespace responder::firewall {

struct FirewallChange {
  std::string module;
  std::vector<nft_layout::SetDecl> own_sets;      // created by this step (isolate, limit)
  std::vector<nft_layout::ChainDecl> own_chains;  // created by this step
  // Elements to add. Batches in shared sets are reduced to what is absent;
  // batches in own sets go in whole.
  std::vector<ElementBatch> batches;
  // Protective elements (the exempt sets): added where absent, never undone,
  // never counted as keeping the table alive.
  std::vector<ElementBatch> protective;
  std::optional<std::chrono::seconds> expires;         // timed elements vanish then
  std::optional<std::chrono::seconds> confirm_within;  // ...or then, unless confirmed
};

// The exact transaction apply would commit now, rendered one command per
// line, with the would-be receipt in `detail["receipt"]` (for crash recovery)
// and the whole JSON document in `detail["transaction"]`.
Result<PlanResult> plan_change(const FirewallChange& change, std::vector<std::string> preface);
Result<FirewallReceipt> apply_change(const FirewallChange& change);
// Reads the live table back. With no receipt, the planned detail stands in:
// when everything planned is present, `recovered` holds the receipt.
//
// `just_applied`: `receipt` is what apply_change of this process committed a
// moment ago. The kernel accepted that transaction whole, which proves every
// element in it was in force then; what could have taken them out since
// (table deleted, ruleset flushed, a chain flushed or a set deleted) shows in
// the table's shape, so only the shape is read: milliseconds, where reading
// 100,000 elements back costs more than adding them. Otherwise (status,
// resume) every element is read back and compared, exactly.
Result<Verification> verify_change(const FirewallReceipt* receipt, const json::object& planned, bool just_applied = false);
Status undo_change(const FirewallReceipt& receipt);
// Makes the timed elements permanent (or leaves them only their `expires`
// timeout): the dead-man switch is disarmed. Returns the receipt as it now
// stands (no confirm deadline). Fails, changing nothing, when the deadline
// has passed or the elements are gone.
Result<FirewallReceipt> confirm_change(const FirewallReceipt& receipt);
// Re-applies what the receipt says must be in force: missing chains, sets and
// elements, with what is left of their timeouts. Elements whose `expires` has
// passed, and steps whose confirm deadline passed unconfirmed, are not
// brought back.
Status reconcile_change(const FirewallReceipt& receipt, bool confirmed);

}  // namespace responder::firewall
