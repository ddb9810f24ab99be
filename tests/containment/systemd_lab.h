// A real systemd for tests: booted as PID 1 of new PID, mount, UTS and
// network namespaces, seeing only the units the test gives it.
//
// Isolation from the host matters more than anything here: a systemd that
// could see the host's units would run its boot transaction (tmpfiles
// emptying /tmp, mounts, services). So SYSTEMD_UNIT_PATH names only
// /etc/systemd/system and /run/systemd/system, both fresh tmpfs inside the
// namespace, and the default unit is the lab's own target. Killing PID 1
// ends every process in the namespace; the test's death kills it too
// (setpriv --pdeathsig, unshare --kill-child).
#pragma once

#include "tests/support/skip.h"
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>

#include "tests/support/process.h"

namespace responder::lab {

class SystemdLab {
 public:
  // `units`: file name → unit text, installed in /run/systemd/system.
  explicit SystemdLab(const std::map<std::string, std::string>& units) {
    for (auto& [name, text] : units) dir_.write(name, text);
    dir_.write("responder-lab.target", "[Unit]\nDescription=responder test lab\nDefaultDependencies=no\n");
    const std::string boot =
        "set -e\n"
        "mount --make-rprivate /\n"
        "mount -t tmpfs tmpfs /run\n"
        "mkdir -p /run/systemd/system\n"
        "mount -t tmpfs tmpfs /etc/systemd/system\n"
        "cp \"$0\"/* /run/systemd/system/\n"
        "export container=responder-lab SYSTEMD_UNIT_PATH=/etc/systemd/system:/run/systemd/system\n"
        "exec /lib/systemd/systemd --system --unit=responder-lab.target --log-target=null\n";
    process_ = std::make_unique<testing::Process>(std::vector<std::string>{
        "setpriv", "--pdeathsig", "KILL", "--", "unshare", "--pid", "--fork", "--kill-child", "--mount", "--mount-proc",
        "--uts", "--net", "sh", "-c", boot, dir_.path().string()});
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (pid_ == 0) pid_ = child_of(process_->pid());
      if (pid_ != 0 && comm(pid_) == "systemd" && std::filesystem::exists(socket())) {
        auto r = systemctl({"is-system-running", "--wait"});
        if (r.out.find("running") != std::string::npos || r.out.find("degraded") != std::string::npos) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("the lab's systemd did not come up within 30 s");
  }
  ~SystemdLab() {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
  }
  SystemdLab(const SystemdLab&) = delete;
  SystemdLab& operator=(const SystemdLab&) = delete;

  pid_t pid() const { return pid_; }
  // systemd's private socket, reachable from the host through /proc.
  std::string socket() const { return "/proc/" + std::to_string(pid_) + "/root/run/systemd/private"; }

  // systemctl run inside the namespace: the independent reading of state.
  testing::ProcessResult systemctl(std::vector<std::string> args) const {
    std::vector<std::string> argv{"nsenter", "--target", std::to_string(pid_), "--mount", "--pid", "--", "systemctl"};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::run_process(argv);
  }
  std::string property(const std::string& unit, const std::string& name) const {
    auto r = systemctl({"show", "--value", "--property=" + name, unit});
    auto v = r.out;
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
    return v;
  }
  // Runs argv inside the namespaces (a responder binary, say), network
  // included, so that firewall changes land in the lab and not on the host.
  testing::ProcessResult inside(std::vector<std::string> argv) const {
    std::vector<std::string> full{"nsenter", "--target", std::to_string(pid_), "--mount", "--pid", "--net", "--"};
    full.insert(full.end(), argv.begin(), argv.end());
    return testing::run_process(full);
  }

 private:
  static pid_t child_of(pid_t parent) {
    // setpriv execs unshare in place; unshare's one child becomes systemd.
    std::ifstream in("/proc/" + std::to_string(parent) + "/task/" + std::to_string(parent) + "/children");
    pid_t child = 0;
    in >> child;
    return child;
  }
  static std::string comm(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    std::getline(in, name);
    return name;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::Process> process_;
  pid_t pid_ = 0;
};

// A skip for machines without what the lab needs (not root, no systemd).
inline std::string systemd_lab_unavailable() {
  if (::geteuid() != 0) return "needs root to create PID and mount namespaces";
  if (!std::filesystem::exists("/lib/systemd/systemd")) return "systemd is not installed (/lib/systemd/systemd)";
  return "";
}

// Exits the test case with ctest's skip code when the lab cannot be built.
#define RESPONDER_REQUIRE_SYSTEMD_LAB() RESPONDER_SKIP_WHEN(::responder::lab::systemd_lab_unavailable())

}  // namespace responder::lab
