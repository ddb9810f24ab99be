// The throw-away lab a drill runs in: hosts made of Linux namespaces on this
// machine, addressed only from the documentation ranges, with no route out.
//
//   attacker    192.0.2.2/24     (network namespace, bridge br0)  --veth--  each host's eth0
//   management  198.51.100.2/24  (network namespace, bridge br0)  --veth--  each host's eth1
//
// One host, `victim` (192.0.2.1, 198.51.100.1), for a playbook that acts on
// the machine it runs on; a fleet (web1, web2, ... at 192.0.2.11, .12, ...
// and 198.51.100.11, ...) for one that acts through `targets:`. Each host is
// a process tree in its own PID, mount, UTS, IPC and network namespaces,
// with a private /etc (a copy: its accounts, credentials and configuration
// are the lab's own), and private /run (no bus or daemon of this machine is
// reachable from it) and /var/log. What a shipped playbook changes there
// (firewall, accounts, services, shares, the logs it reads) never reaches
// this machine; the rest of the file system (/usr, /var/lib, /home, /tmp,
// the incident home) is this machine's, seen through the host's mount
// namespace, unless the scenario mounts a private copy over it (a fleet
// host's dpkg database), so a playbook of one's own that writes files
// there writes them on this machine. A host's namespaces die with its first
// process, which dies with the drill (even by kill -9); the attacker and
// management namespaces are named in /run/netns and a lab file in
// /run/responder/drills, so `responder drill --clean` finds and removes
// what a killed drill left.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "responder/drill/lab_process.h"
#include "responder/result.h"

namespace responder::drill {

inline constexpr const char* kAttacker4 = "192.0.2.2";
// The victim, or the first host of a fleet (whose traffic the drill captures).
inline constexpr const char* kVictimAttackSide4 = "192.0.2.1";
inline constexpr const char* kManagement4 = "198.51.100.2";
inline constexpr const char* kManagementRange = "198.51.100.0/24";
// The victim's interface on the attacker's link.
inline constexpr const char* kVictimAttackInterface = "eth0";
// The hosts of a fleet: web1 at 192.0.2.11 and 198.51.100.11, web2 at .12, ...
inline constexpr int kFleetFirstOctet = 11;
inline constexpr std::size_t kFleetMaxHosts = 6;  // each host a veth letter in the attacker and one in the management namespace
// Fleet host i's address on the attacker's link (web1: 192.0.2.11).
inline std::string fleet_attack_address(std::size_t i) { return "192.0.2." + std::to_string(kFleetFirstOctet + i); }

// Where the lab files of running drills are: one JSON file per lab.
std::filesystem::path lab_records_dir();

struct LabOptions {
  std::string id;              // the drill's incident id; names the lab
  std::filesystem::path dir;   // the lab's working folder (made, and removed by teardown)
  bool keep = false;           // --keep: the lab outlives the drill
  bool sshd = false;           // an sshd on the victim, logging to /var/log/auth.log
  std::vector<std::string> accounts;  // lab accounts made on the victim (no home folder)
  // A service manager on the victim: when any unit is given, the victim's
  // first process is a real systemd that sees only these units (file name,
  // unit text) and the lab's empty target, so service.stop and
  // access.disable act on the lab's units. The sshd then runs as the lab's
  // ssh.service.
  std::vector<std::pair<std::string, std::string>> units;
  // Run in the victim with `sh -c` once its accounts exist and before
  // `start`: the scenario's files, mounts and service configuration. $0 is
  // the lab folder.
  std::string setup;
  std::vector<std::string> start;  // units started after `setup`
  // The hosts: empty for the one victim; else a fleet of these names (at
  // most kFleetMaxHosts), each set up alike.
  std::vector<std::string> fleet;
  // Each host gets its own dpkg database (a copy), /opt and release state,
  // before `setup`: a patch installs into the lab, never onto this machine.
  bool private_packages = false;
};

// One host of the lab.
struct LabHost {
  std::string name;                 // its hostname: victim, web1, ...
  std::string attack_address;       // on the attacker's link (eth0)
  std::string management_address;   // on the management link (eth1)
  LabProcess process;               // unshare, whose child is the host's first process
  pid_t pid = 0;                    // the host's first process, as this machine sees it
  std::uint64_t start = 0;          // its start time, against PID reuse
  int ns_net = -1, ns_mnt = -1, ns_uts = -1, ns_ipc = -1, ns_pid = -1, ns_root = -1;
};

class DrillLab {
 public:
  // Builds the whole lab or nothing: on failure, whatever was made is
  // removed before the error returns. `progress` hears each part as it is made.
  static Result<DrillLab> build(const LabOptions& options, const std::function<void(const std::string&)>& progress);

  DrillLab(DrillLab&& other) noexcept;
  DrillLab& operator=(DrillLab&&) = delete;
  DrillLab(const DrillLab&) = delete;
  // Tears the lab down unless it is kept.
  ~DrillLab();

  std::size_t host_count() const { return hosts_.size(); }
  const LabHost& host(std::size_t i) const { return hosts_.at(i); }
  bool is_fleet() const { return !options_.fleet.empty(); }
  bool has_private_packages() const { return options_.private_packages; }
  const std::string& attacker_netns() const { return attacker_netns_; }
  const std::string& management_netns() const { return management_netns_; }
  const std::filesystem::path& dir() const { return options_.dir; }

  // argv run inside host `i` (all its namespaces), from folder `cwd`. The
  // namespaces are entered through descriptors this object holds, never
  // by PID, so a PID reused after the host's death never leads to this
  // machine's own; and the host's own mark is checked before argv runs.
  std::vector<std::string> in_host(std::size_t i, const std::vector<std::string>& argv, const std::filesystem::path& cwd = "/") const;
  // argv run in host `i`'s network namespace only.
  std::vector<std::string> in_host_network(std::size_t i, const std::vector<std::string>& argv) const;
  // Host `i`'s first process still runs (checked by its start time).
  bool host_alive(std::size_t i) const;
  // The one victim, or a fleet's first host.
  pid_t victim_pid() const { return host(0).pid; }
  int victim_netns_fd() const { return host(0).ns_net; }
  std::vector<std::string> in_victim(const std::vector<std::string>& argv, const std::filesystem::path& cwd = "/") const {
    return in_host(0, argv, cwd);
  }
  // argv run inside the attacker's or the management's network namespace.
  std::vector<std::string> in_attacker(const std::vector<std::string>& argv) const;
  std::vector<std::string> in_management(const std::vector<std::string>& argv) const;
  // Where the playbook's controller runs: the management host for a fleet,
  // else the victim itself (from `cwd`).
  std::vector<std::string> in_controller(const std::vector<std::string>& argv, const std::filesystem::path& cwd = "/") const {
    return is_fleet() ? in_management(argv) : in_victim(argv, cwd);
  }

  // The hosts run the lab's own systemd.
  bool has_service_manager() const { return !options_.units.empty(); }
  // The lab's long-running units (not the jobs a timer starts, which come
  // and go by themselves): their states are what a containment changes.
  std::vector<std::string> watched_units() const;

  // Removes everything the lab made; what could not be removed is named.
  // Called again it does nothing.
  Status teardown();
  // Leaves the lab running past this object and the drill (--keep).
  void keep();

 private:
  DrillLab() = default;
  Status build_parts(const std::function<void(const std::string&)>& progress);
  Status start_host(LabHost& host, const std::function<void(const std::string&)>& progress);
  Status link_host(std::size_t i);
  Status set_up_host(std::size_t i, const std::function<void(const std::string&)>& progress);
  Status write_record() const;

  LabOptions options_;
  std::string token_;  // short, unique: names the veth pairs
  std::string attacker_netns_, management_netns_;
  std::vector<LabHost> hosts_;
  bool kept_ = false;
  bool torn_down_ = false;
};

// `responder drill --clean`: removes every lab a drill left (killed with -9,
// or kept with --keep), from the lab files and the namespace names. Returns
// what it removed, one line each; an error names what it could not remove.
Result<std::vector<std::string>> clean_leftover_labs();

// What this machine lacks for a drill ("root", "network namespaces",
// programs), empty when nothing is missing.
std::vector<std::string> missing_for_drill(const std::vector<std::string>& programs);

}  // namespace responder::drill
