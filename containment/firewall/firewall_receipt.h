// What one firewall step put into table `inet responder`, as kept in its
// receipt: exactly the elements it added (not those an earlier step had
// already added), the chains and sets it created, and the deadlines its
// elements carry. Undo, verify, confirm and reconcile all work from this.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "responder/json.h"
#include "responder/result.h"

namespace responder::firewall {

struct ElementBatch {
  std::string set;
  json::array keys;        // element keys as nftables JSON, without timeouts
  bool own_set = false;    // in a set this step created: goes with the set
  bool timed = false;      // carries the step's kernel timeout
};

struct OwnObject {
  std::string name;
  json::array commands;    // the `add` commands that (re)create it
};

struct FirewallReceipt {
  std::string module;                       // firewall.block, ...
  std::vector<ElementBatch> batches;        // exactly what this step added
  std::vector<OwnObject> own_sets;          // created by this step, in creation order
  std::vector<OwnObject> own_chains;
  std::optional<std::int64_t> timeout_s;    // the timeout the timed elements got
  std::optional<std::int64_t> expires_at_ms;  // `expires`: gone by itself then (Unix ms)
  std::optional<std::int64_t> confirm_by_ms;  // `confirm_within`: undone then unless confirmed

  std::size_t element_count() const;
  json::object to_json() const;
  static Result<FirewallReceipt> from_json(const json::object& undo);
};

}  // namespace responder::firewall
