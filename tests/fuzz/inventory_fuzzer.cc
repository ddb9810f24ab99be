// An Ansible inventory, any bytes, read as INI and as YAML as `responder
// hosts` and `run --inventory` read them; when it loads, every host's reach
// and a few patterns are worked out too. Inventories come from other teams'
// repositories and may be anything.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "responder/inventory/host_pattern.h"
#include "responder/inventory/host_reach.h"
#include "responder/inventory/ini_inventory.h"
#include "responder/inventory/yaml_inventory.h"

namespace {

void exercise(responder::inventory::Inventory& inventory, std::vector<responder::Diagnostic>& diagnostics) {
  if (!inventory.finish(diagnostics)) return;
  (void)inventory.ansible_list();
  for (const char* pattern : {"all", "web*:!db", "~^w.*[0-9]$", "all:&ungrouped", "all[0:2]"}) {
    auto hosts = responder::inventory::select_hosts(inventory, pattern);
    if (!hosts) continue;
    for (auto* host : *hosts) (void)responder::inventory::reach_of(*host);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  {
    responder::inventory::Inventory inventory;
    std::vector<responder::Diagnostic> diagnostics;
    if (responder::inventory::load_ini_inventory(text, "hosts.ini", inventory, diagnostics)) exercise(inventory, diagnostics);
  }
  {
    responder::inventory::Inventory inventory;
    std::vector<responder::Diagnostic> diagnostics;
    if (responder::inventory::load_yaml_inventory(text, "hosts.yml", inventory, diagnostics)) exercise(inventory, diagnostics);
  }
  return 0;
}
