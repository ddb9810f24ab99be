#include "responder/requirements.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "responder/module.h"
#include "responder/schema.h"

namespace responder {
namespace {

struct Capability {
  std::string_view name;
  int bit;  // capabilities(7)
};
constexpr std::array<Capability, 4> kCapabilities{{
    {"cap_linux_immutable", 9},
    {"cap_net_admin", 12},
    {"cap_net_raw", 13},
    {"cap_sys_admin", 21},
}};

std::uint64_t effective_capabilities() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("CapEff:", 0) == 0) {
      try {
        return std::stoull(line.substr(7), nullptr, 16);
      } catch (const std::exception&) {
        return 0;
      }
    }
  return 0;
}

bool systemd_running() {
  std::error_code ec;
  // What sd_booted() checks, plus the manager's private socket (present in
  // a systemd that runs as PID 1 of a namespace, as in drills).
  return std::filesystem::exists("/run/systemd/system", ec) || std::filesystem::exists("/run/systemd/private", ec);
}

// What is missing for `need`, or "" when the process has it.
std::string lack(const std::string& need, std::uint64_t caps) {
  if (need == "root") return ::geteuid() == 0 ? "" : "needs root (run it with sudo)";
  if (need == "systemd")
    return systemd_running() ? "" : "needs a running systemd manager, and this machine has none (/run/systemd/system is absent)";
  for (auto& c : kCapabilities)
    if (need == c.name) {
      if (caps & (std::uint64_t{1} << c.bit)) return "";
      std::string upper;
      for (char ch : need) upper += static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
      return "needs " + upper + " (run it with sudo)";
    }
  return "needs '" + need + "', which this build does not know";
}

}  // namespace

bool is_known_requirement(const std::string& need) {
  if (need == "root" || need == "systemd") return true;
  for (auto& c : kCapabilities)
    if (need == c.name) return true;
  return false;
}

std::string known_requirements() {
  std::string out = "root, systemd";
  for (auto& c : kCapabilities) out += ", " + std::string(c.name);
  return out;
}

std::vector<UnmetRequirement> unmet_requirements(const Playbook& playbook, const std::vector<std::string>& only_steps) {
  std::vector<UnmetRequirement> unmet;
  std::uint64_t caps = effective_capabilities();
  for (const Step* step : playbook.all_steps()) {
    if (!only_steps.empty() && std::find(only_steps.begin(), only_steps.end(), step->id) == only_steps.end()) continue;
    if (has_remote_targets(*step)) continue;
    const Module* module = ModuleRegistry::instance().find(step->module);
    if (!module) continue;
    for (auto& requirement : module->schema().requirements()) {
      if (!requirement.with_param.empty()) {
        auto* value = step->with.if_contains(requirement.with_param);
        if (!value || value->is_null() || (value->is_bool() && !value->get_bool())) continue;
      }
      if (auto why = lack(requirement.need, caps); !why.empty())
        unmet.push_back({step->id, step->module, requirement.need, why});
    }
  }
  return unmet;
}

std::string describe(const std::vector<UnmetRequirement>& unmet) {
  std::string out;
  for (auto& u : unmet) out += (out.empty() ? "" : "\n") + ("  step " + u.step + " (" + u.module + "): " + u.why);
  return out;
}

}  // namespace responder
