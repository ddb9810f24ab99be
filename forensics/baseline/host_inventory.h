// Everything a baseline holds besides files: listening sockets, systemd
// units and kernel modules from the live host; accounts, groups, authorized
// keys and crontabs from the root's files.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "forensics/baseline/baseline_file_format.h"

namespace responder::baseline {

// Where each part is read. The defaults read the real host; a test points
// them at a tree it built and at /proc/PID/net of a process in its own
// network namespace.
struct InventorySources {
  std::filesystem::path root = "/";
  std::filesystem::path net_dir = "/proc/net";
  std::filesystem::path modules_file = "/proc/modules";
  bool read_units = true;  // false: units are not read (said in notes)
};

struct HostInventory {
  std::vector<InventoryRecord> records;  // sorted by kind, then key
  std::vector<std::string> notes;        // parts that could not be read, and why
  bool units_read = false;
};

HostInventory read_host_inventory(const InventorySources& sources);

}  // namespace responder::baseline
