// The throw-away lab a drill runs in: hosts made of Linux namespaces on this
// machine, addressed only from the documentation ranges, with no route out.
//
//   attacker    192.0.2.2/24     (network namespace)  --veth--  victim 192.0.2.1/24     (eth0)
//   management  198.51.100.2/24  (network namespace)  --veth--  victim 198.51.100.1/24  (eth1)
//
// The victim is a process tree in its own PID, mount, UTS, IPC and network
// namespaces, with a private /etc (a copy: its accounts, credentials and
// configuration are the lab's own), and private /run (no bus or daemon of
// this machine is reachable from it) and /var/log. What a shipped playbook
// changes there (firewall, accounts, the logs it reads) never reaches this
// machine; the rest of the file system (/usr, /var/lib, /home, /tmp, the
// incident home) is this machine's, seen through the victim's mount
// namespace, so a playbook of one's own that writes files there writes
// them on this machine. The victim's namespaces die with its first process, which dies
// with the drill (even by kill -9); the attacker and management namespaces
// are named in /run/netns and a lab file in /run/responder/drills, so
// `responder drill --clean` finds and removes what a killed drill left.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "responder/drill/lab_process.h"
#include "responder/result.h"

namespace responder::drill {

inline constexpr const char* kAttacker4 = "192.0.2.2";
inline constexpr const char* kVictimAttackSide4 = "192.0.2.1";
inline constexpr const char* kManagement4 = "198.51.100.2";
inline constexpr const char* kVictimManagementSide4 = "198.51.100.1";
inline constexpr const char* kManagementRange = "198.51.100.0/24";
// The victim's interface on the attacker's link.
inline constexpr const char* kVictimAttackInterface = "eth0";

// Where the lab files of running drills are: one JSON file per lab.
std::filesystem::path lab_records_dir();

struct LabOptions {
  std::string id;              // the drill's incident id; names the lab
  std::filesystem::path dir;   // the lab's working folder (made, and removed by teardown)
  bool keep = false;           // --keep: the lab outlives the drill
  bool sshd = false;           // an sshd on the victim, logging to /var/log/auth.log
  std::vector<std::string> accounts;  // lab accounts made on the victim (no home folder)
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

  pid_t victim_pid() const { return victim_pid_; }
  const std::string& attacker_netns() const { return attacker_netns_; }
  const std::string& management_netns() const { return management_netns_; }
  const std::filesystem::path& dir() const { return options_.dir; }

  // argv run inside the victim (all its namespaces), from folder `cwd`. The
  // namespaces are entered through descriptors this object holds, never
  // by PID, so a PID reused after the victim's death never leads to this
  // machine's own.
  std::vector<std::string> in_victim(const std::vector<std::string>& argv, const std::filesystem::path& cwd = "/") const;
  // argv run in the victim's network namespace only.
  std::vector<std::string> in_victim_network(const std::vector<std::string>& argv) const;
  // The victim's first process still runs (checked by its start time).
  bool victim_alive() const;
  // The victim's network namespace, held open by this object.
  int victim_netns_fd() const { return ns_net_; }
  // argv run inside the attacker's or the management's network namespace.
  std::vector<std::string> in_attacker(const std::vector<std::string>& argv) const;
  std::vector<std::string> in_management(const std::vector<std::string>& argv) const;

  // Removes everything the lab made; what could not be removed is named.
  // Called again it does nothing.
  Status teardown();
  // Leaves the lab running past this object and the drill (--keep).
  void keep();

 private:
  DrillLab() = default;
  Status build_parts(const std::function<void(const std::string&)>& progress);
  Status write_record() const;

  LabOptions options_;
  std::string token_;  // short, unique: names the veth pairs
  std::string attacker_netns_, management_netns_;
  LabProcess victim_;
  pid_t victim_pid_ = 0;
  std::uint64_t victim_start_ = 0;
  int ns_net_ = -1, ns_mnt_ = -1, ns_uts_ = -1, ns_ipc_ = -1, ns_pid_ = -1, ns_root_ = -1;
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
