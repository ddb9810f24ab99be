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
//
// Each lab's systemd is started inside a control group of its own (in the
// hierarchies systemd tracks processes in: cgroup v2, or v1's name=systemd
// and unified): systemd puts its units under its own cgroup, and two labs
// sharing the root would share system.slice/<unit> — stopping a unit in one
// lab killed the other lab's process of the same name.
#pragma once

#include "tests/support/skip.h"
#include <signal.h>

#include <algorithm>
#include <cerrno>
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
    cgroup_ = "responder-lab-" + std::to_string(::getpid()) + "-" + std::to_string(next_lab()++);
    const std::string boot =
        "set -e\n"
        "for h in /sys/fs/cgroup /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do\n"
        "  if [ -w \"$h/cgroup.procs\" ]; then mkdir -p \"$h/$1\" && echo $$ > \"$h/$1/cgroup.procs\"; fi\n"
        "done\n"
        "mount --make-rprivate /\n"
        "mount -t tmpfs tmpfs /run\n"
        "mkdir -p /run/systemd/system\n"
        "mount -t tmpfs tmpfs /etc/systemd/system\n"
        "cp \"$0\"/* /run/systemd/system/\n"
        // systemd raises fs.file-max and fs.nr_open at start, which no
        // namespace holds: the machine's kernel settings stay read-only.
        "mount --bind /proc/sys /proc/sys\n"
        "mount -o remount,bind,ro /proc/sys\n"
        "mount --bind /proc/sys/net /proc/sys/net\n"
        "mount -o remount,bind,rw /proc/sys/net\n"
        "export container=responder-lab SYSTEMD_UNIT_PATH=/etc/systemd/system:/run/systemd/system\n"
        "exec /lib/systemd/systemd --system --unit=responder-lab.target --log-target=null\n";
    process_ = std::make_unique<testing::Process>(std::vector<std::string>{
        "setpriv", "--pdeathsig", "KILL", "--", "unshare", "--pid", "--fork", "--kill-child", "--mount", "--mount-proc",
        "--uts", "--net", "sh", "-c", boot, dir_.path().string(), cgroup_});
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
    process_.reset();  // waits for unshare, whose child was the lab's PID 1
    remove_cgroups();
  }
  SystemdLab(const SystemdLab&) = delete;
  SystemdLab& operator=(const SystemdLab&) = delete;

  pid_t pid() const { return pid_; }
  // systemd's private socket, reachable from the host through /proc.
  std::string socket() const { return "/proc/" + std::to_string(pid_) + "/root/run/systemd/private"; }

  // systemctl run inside the namespace: the independent reading of state.
  // `--root` keeps a chroot (a build root, a fresh test machine) as the root
  // after entering the mount namespace, whose own root is the host's.
  testing::ProcessResult systemctl(std::vector<std::string> args) const {
    args.insert(args.begin(), "systemctl");
    return inside(std::move(args));
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
    std::vector<std::string> full{"nsenter", "--target", std::to_string(pid_), "--root", "--mount", "--pid", "--net", "--"};
    full.insert(full.end(), argv.begin(), argv.end());
    return testing::run_process(full);
  }
  // A responder binary inside the lab, with incidents under `home`, no
  // configuration and no SSH session unless `env` (NAME=value) sets one.
  testing::ProcessResult responder(const std::filesystem::path& home, std::vector<std::string> args,
                                   std::vector<std::string> env = {},
                                   const std::string& binary = RESPONDER_BINARY) const {
    std::vector<std::string> argv{"env", "RESPONDER_CONFIG=", "SSH_CONNECTION=", "SSH_CLIENT="};
    argv.insert(argv.end(), env.begin(), env.end());
    argv.insert(argv.end(), {binary, "--home", home.string()});
    argv.insert(argv.end(), args.begin(), args.end());
    return inside(argv);
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

  static int& next_lab() {
    static int n = 0;
    return n;
  }
  // A cgroup directory is removed with rmdir once it has no process and no
  // child cgroup: deepest first. Killing PID 1 ended every process in them.
  void remove_cgroups() const {
    namespace fs = std::filesystem;
    std::error_code ec;
    for (auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup", ec)) {
      fs::path top = hierarchy.path() / cgroup_;
      for (fs::path root : {top, fs::path("/sys/fs/cgroup") / cgroup_}) {
        if (!fs::is_directory(root, ec)) continue;
        std::vector<fs::path> dirs{root};
        for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); it.increment(ec))
          if (it->is_directory(ec)) dirs.push_back(it->path());
        std::sort(dirs.begin(), dirs.end(), [](auto& a, auto& b) { return a.string().size() > b.string().size(); });
        for (int attempt = 0; attempt < 50 && !dirs.empty(); ++attempt) {
          std::erase_if(dirs, [](const fs::path& d) { return ::rmdir(d.c_str()) == 0 || errno == ENOENT; });
          if (!dirs.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }
    }
  }

  std::string cgroup_;
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
