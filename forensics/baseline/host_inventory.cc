#include "forensics/baseline/host_inventory.h"

#include <algorithm>
#include <tuple>

#include "forensics/baseline/authorized_keys.h"
#include "forensics/baseline/crontab_entries.h"
#include "forensics/baseline/kernel_modules.h"
#include "forensics/baseline/listening_sockets.h"
#include "forensics/baseline/local_accounts.h"
#include "forensics/baseline/systemd_units.h"

namespace responder::baseline {

HostInventory read_host_inventory(const InventorySources& sources) {
  HostInventory inventory;
  auto take = [&](std::vector<InventoryRecord>&& records) {
    for (auto& r : records) inventory.records.push_back(std::move(r));
  };
  take(read_listening_sockets(sources.net_dir));
  if (sources.read_units) {
    auto units = read_systemd_units();
    inventory.units_read = units.systemd_running;
    if (!units.note.empty()) inventory.notes.push_back(units.note);
    take(std::move(units.units));
  } else {
    inventory.notes.push_back("units were not read");
  }
  take(read_accounts(sources.root));
  take(read_groups(sources.root));
  take(read_authorized_keys(sources.root));
  take(read_crontab_entries(sources.root));
  auto modules = read_kernel_modules(sources.modules_file);
  if (modules.empty()) inventory.notes.push_back("no kernel modules listed in " + sources.modules_file.string());
  take(std::move(modules));
  // Names and fields come from files an intruder may have written.
  for (auto& r : inventory.records) {
    r.key = valid_utf8_text(r.key);
    json::value fields(std::move(r.fields));
    make_valid_utf8(fields);
    r.fields = std::move(fields.get_object());
  }
  std::sort(inventory.records.begin(), inventory.records.end(),
            [](const InventoryRecord& a, const InventoryRecord& b) { return std::tie(a.kind, a.key) < std::tie(b.kind, b.key); });
  // The same key twice (two identical socket lines) is one record.
  inventory.records.erase(std::unique(inventory.records.begin(), inventory.records.end(),
                                      [](const InventoryRecord& a, const InventoryRecord& b) { return a.kind == b.kind && a.key == b.key; }),
                          inventory.records.end());
  return inventory;
}

}  // namespace responder::baseline
