// systemd's manager, reached over D-Bus with sd-bus: the unit states and the
// few jobs host containment needs (stop, start, mask, unmask), each waited
// for until systemd reports the unit settled.
//
// Where systemd is: as root, its private socket /run/systemd/private, the
// way systemctl reaches it without a bus daemon; else the system bus. A
// systemd in another PID namespace drops connections from outside it, so
// tests run the responder inside the namespace (tests/containment/systemd_lab.h).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "responder/result.h"

struct sd_bus;

namespace responder::systemd {

struct UnitState {
  std::string name;
  std::string load_state;       // loaded, not-found, masked, error, ...
  std::string active_state;     // active, inactive, failed, activating, deactivating, reloading
  std::string unit_file_state;  // enabled, disabled, static, masked, "" for units without a file
  std::vector<std::string> triggered_by;  // e.g. ssh.socket for ssh.service

  bool exists() const { return load_state != "not-found"; }
  bool running() const { return active_state == "active" || active_state == "activating" || active_state == "reloading"; }
  bool masked() const { return unit_file_state == "masked" || unit_file_state == "masked-runtime"; }
};

// A unit name as systemctl reads it: "ssh" means ssh.service. Errors name
// what is wrong with an invalid name.
Result<std::string> canonical_unit_name(const std::string& name);

class SystemdManager {
 public:
  static Result<SystemdManager> connect();
  SystemdManager(SystemdManager&&) noexcept;
  SystemdManager& operator=(SystemdManager&&) noexcept;
  ~SystemdManager();

  Result<UnitState> state(const std::string& unit);
  // Loaded units whose names match the shell-style patterns (wg-quick@*).
  Result<std::vector<UnitState>> matching(const std::vector<std::string>& patterns);

  // Each returns once systemd reports the unit settled in the wanted state,
  // or fails naming the state it was left in; `deadline` bounds the wait.
  Status stop(const std::string& unit, std::chrono::steady_clock::time_point deadline);
  Status start(const std::string& unit, std::chrono::steady_clock::time_point deadline);
  // Persistent (under /etc/systemd/system), followed by a daemon reload, as
  // `systemctl mask` does.
  Status mask(const std::string& unit);
  Status unmask(const std::string& unit);

  std::string where() const { return where_; }

 private:
  SystemdManager(sd_bus* bus, std::string where) : bus_(bus), where_(std::move(where)) {}
  Status run_job(const char* method, const std::string& unit, bool want_running,
                 std::chrono::steady_clock::time_point deadline);
  Status reload();
  std::string unit_path(const std::string& unit);  // "" when not loaded

  sd_bus* bus_ = nullptr;
  std::string where_;
};

}  // namespace responder::systemd
