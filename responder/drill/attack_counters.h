// Counters in the victim's own firewall that say whether the attacker's
// packets are dropped there, measured by the kernel rather than taken from
// the journal: one chain counts what comes in over the attacker's link (hook
// prerouting, before any filter), another those that got through every
// filter (hook input, after responder's chains). Arrived minus passed is
// what containment dropped. They live in a table of their own,
// `inet responder_drill`, which no playbook touches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "responder/drill/drill_lab.h"
#include "responder/result.h"

namespace responder::drill {

struct AttackCount {
  std::uint64_t arrived = 0;  // the attacker's packets that reached the victim
  std::uint64_t passed = 0;   // of those, what every filter let through to the victim itself
};

// Adds the counting table in host `host`'s network namespace, for IPv4
// packets to its address on the attacker's link that come in through that
// link (eth0), whatever their source.
Status install_attack_counters(const DrillLab& lab, std::size_t host);
// Host `host`'s counters now.
Result<AttackCount> read_attack_counters(const DrillLab& lab, std::size_t host);

}  // namespace responder::drill
