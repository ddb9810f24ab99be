// systemd units that are enabled or running on the live host, read with
// systemctl (an argv vector). A host where systemd is not running (a
// container, a chroot) has no units to read: that is said, not a failure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "forensics/baseline/baseline_file_format.h"

namespace responder::baseline {

struct UnitInventory {
  bool systemd_running = false;
  std::string note;  // why there are no units, when there are none
  std::vector<InventoryRecord> units;  // keyed by unit name; fields enabled, running
};

UnitInventory read_systemd_units();

// From `systemctl list-unit-files --state=enabled --plain --no-legend` and
// `systemctl list-units --state=running --plain --no-legend` (for tests).
std::vector<InventoryRecord> units_from_listings(std::string_view enabled, std::string_view running);

}  // namespace responder::baseline
