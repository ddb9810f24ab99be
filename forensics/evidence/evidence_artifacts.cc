#include "forensics/evidence/evidence_artifacts.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace responder::evidence {

const std::vector<ArtifactReader>& artifact_readers() {
  static const std::vector<ArtifactReader> readers = {
      {"sockets", "/proc/net/{tcp,tcp6,udp,udp6,unix} and /proc/<pid>/fd", read_sockets},
      {"processes", "/proc/<pid>/{stat,status,cmdline,exe,cwd}", read_processes},
      {"open_files", "/proc/<pid>/fd and fdinfo", read_open_files},
      {"maps", "/proc/<pid>/maps", read_maps},
      {"arp", "/proc/net/arp", read_arp},
      {"routes", "/proc/net/route, /proc/net/ipv6_route", read_routes},
      {"users", "/etc/passwd, /etc/group, utmp", read_users},
      {"services", "systemd over D-Bus (ListUnits)", read_services},
      {"firewall", "nftables ruleset (libnftables, JSON)", read_firewall},
      {"mounts", "/proc/self/mountinfo", read_mounts},
      {"modules", "/proc/modules", read_modules},
  };
  return readers;
}

std::vector<int> live_pids() {
  std::vector<int> pids;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    auto name = it->path().filename().string();
    if (!name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }))
      pids.push_back(std::stoi(name));
  }
  std::sort(pids.begin(), pids.end());
  return pids;
}

std::vector<std::string> file_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace responder::evidence
