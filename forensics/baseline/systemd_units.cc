#include "forensics/baseline/systemd_units.h"

#include <unistd.h>

#include <map>
#include <sstream>

#include "responder/child_process.h"

namespace responder::baseline {

std::vector<InventoryRecord> units_from_listings(std::string_view enabled, std::string_view running) {
  std::map<std::string, std::pair<bool, bool>> units;
  auto first_words = [](std::string_view text, auto&& take) {
    std::istringstream in{std::string(text)};
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream words(line);
      std::string name;
      if ((words >> name) && name.find('.') != std::string::npos) take(name);
    }
  };
  first_words(enabled, [&](const std::string& name) { units[name].first = true; });
  first_words(running, [&](const std::string& name) { units[name].second = true; });
  std::vector<InventoryRecord> out;
  for (auto& [name, state] : units) {
    InventoryRecord r;
    r.kind = "unit";
    r.key = name;
    r.fields["enabled"] = state.first;
    r.fields["running"] = state.second;
    out.push_back(std::move(r));
  }
  return out;
}

UnitInventory read_systemd_units() {
  UnitInventory inventory;
  // sd_booted(3)'s test: this directory exists only while systemd is PID 1.
  if (::access("/run/systemd/system", F_OK) != 0) {
    inventory.note = "systemd is not running on this host: units were not read";
    return inventory;
  }
  std::vector<std::string> enabled{"systemctl", "list-unit-files", "--state=enabled", "--plain", "--no-legend", "--no-pager"};
  std::vector<std::string> running{"systemctl", "list-units", "--state=running", "--plain", "--no-legend", "--no-pager"};
  auto e = run_program(enabled, {}, std::chrono::seconds(30));
  auto r = run_program(running, {}, std::chrono::seconds(30));
  if (!e || !r || e->exit_code != 0 || r->exit_code != 0) {
    // "units were not read" is what a comparison looks for in the header's notes.
    inventory.note = "units were not read: systemctl could not list them: " +
                     (!e ? e.error().message : !r ? r.error().message : e->exit_code != 0 ? describe_exit(enabled, *e) : describe_exit(running, *r));
    return inventory;
  }
  inventory.systemd_running = true;
  inventory.units = units_from_listings(e->out, r->out);
  return inventory;
}

}  // namespace responder::baseline
