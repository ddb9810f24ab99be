// A lab of ssh hosts for the ssh executor's tests: network namespaces on a
// bridge, each running a real sshd (Debian's openssh-server) on its own
// address with its own ed25519 host key, reached with a test-only client
// configuration and known_hosts. Host keys are checked as always: the lab
// records each host's key in its known_hosts, it never turns checking off.
//
//   controller namespace: bridge br0 198.51.100.1/24
//     host 1 namespace: eth0 198.51.100.11/24 (veth, other end on br0), sshd :22
//     host 2 namespace: eth0 198.51.100.12/24 ...
//
// The controller side is itself a namespace, not this machine's root
// namespace: the test enters it (ScopedNetns) around each executor call, so
// ssh and its ControlMaster start there, and this machine's addresses and
// routes are never touched. Everything is removed by the destructor, also
// when a test fails half-way (sshd is killed, the namespaces deleted).
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "responder/targets/executor.h"
#include "tests/containment/netns_lab.h"
#include "tests/support/process.h"

namespace responder::lab {

// Why this lab cannot be built here, or "".
inline std::string sshd_lab_unavailable() {
  if (auto why = lab_unavailable(); !why.empty()) return why;
  if (access("/usr/sbin/sshd", X_OK) != 0) return "/usr/sbin/sshd is missing (Debian package openssh-server)";
  if (run({"ssh", "-V"}).status != 0) return "the ssh client is missing (Debian package openssh-client)";
  if (run({"ssh-keygen", "-?"}).status == 127) return "ssh-keygen is missing (Debian package openssh-client)";
  return "";
}

class SshdLab {
 public:
  static constexpr const char* kController = "198.51.100.1";

  struct Host {
    std::string ns;
    std::string address;
    std::filesystem::path config, log, host_key;
    std::unique_ptr<testing::Process> sshd;
  };

  // `sshd_config_extra[i]`, when given, is appended to host i's
  // sshd_config (e.g. `SetEnv PATH=...` for what its sessions run).
  explicit SshdLab(int count, std::vector<std::string> sshd_config_extra = {})
      : sshd_config_extra_(std::move(sshd_config_extra)) {
    static int counter = 0;
    std::string base = "rsh" + std::to_string(getpid()) + "n" + std::to_string(counter++);
    controller = base + "c";
    try {
      must({"ip", "netns", "add", controller});
      made_.push_back(controller);
      must({"ip", "-n", controller, "link", "set", "lo", "up"});
      must({"ip", "-n", controller, "link", "add", "br0", "type", "bridge"});
      must({"ip", "-n", controller, "addr", "add", std::string(kController) + "/24", "dev", "br0"});
      must({"ip", "-n", controller, "link", "set", "br0", "up"});
      // /run/sshd is sshd's privilege separation directory, which Debian's
      // service unit makes at start; a test host has no such unit.
      ::mkdir("/run/sshd", 0755);
      keygen(dir / "client_key");
      std::ofstream(dir / "known_hosts");
      std::ofstream(dir / "ssh_config") << "Host *\n"
                                        << "  UserKnownHostsFile " << (dir / "known_hosts").string() << "\n"
                                        << "  IdentityFile " << (dir / "client_key").string() << "\n"
                                        << "  IdentitiesOnly yes\n"
                                        << "  ConnectTimeout 5\n";
      for (int i = 0; i < count; ++i) add_host(base, i);
      for (auto& h : hosts) wait_for_sshd(h);
    } catch (...) {
      remove();
      throw;
    }
  }
  ~SshdLab() { remove(); }
  SshdLab(const SshdLab&) = delete;
  SshdLab& operator=(const SshdLab&) = delete;

  // Host i as an inventory would give it; its far side runs the freshly
  // built responder.
  targets::SshTarget target(std::size_t i) const {
    targets::SshTarget t;
    t.name = "lab" + std::to_string(i + 1);
    t.address = hosts.at(i).address;
    t.user = "root";
    t.remote_program = RESPONDER_BINARY;
    return t;
  }
  // The run directory and the test's own client configuration (-F).
  targets::ExecutorOptions options() const {
    targets::ExecutorOptions o;
    o.run_dir = run_dir();
    o.ssh_options = {"-F", (dir / "ssh_config").string()};
    return o;
  }
  std::filesystem::path run_dir() const { return dir / "run"; }

  // A controller configuration (this lab's ssh client configuration, this
  // build as the far side) and an inventory naming its hosts lab1.. in group
  // `web`, logged in as root: what a `responder run` through the command
  // line needs to reach the lab.
  void write_run_files(const std::filesystem::path& config, const std::filesystem::path& inventory) const {
    std::ofstream(config) << "targets:\n"
                          << "  ssh_config: " << (dir / "ssh_config").string() << "\n"
                          << "  remote_program: " << RESPONDER_BINARY << "\n"
                          << "  connect_timeout: 2s\n";
    std::ofstream ini(inventory);
    ini << "[web]\n";
    for (std::size_t i = 0; i < hosts.size(); ++i) ini << "lab" << i + 1 << " ansible_host=" << hosts[i].address << "\n";
    ini << "[all:vars]\nansible_user=root\n";
  }

  // How many ssh logins host i has accepted so far (from its sshd's log).
  int logins(std::size_t i) const {
    std::string log = testing::slurp(hosts.at(i).log);
    int n = 0;
    for (std::size_t at = 0; (at = log.find("Accepted publickey", at)) != std::string::npos; ++at) ++n;
    return n;
  }
  std::string log(std::size_t i) const { return testing::slurp(hosts.at(i).log); }

  // known_hosts now holds another key for host i, as after a reinstall or
  // an attack.
  void change_recorded_key(std::size_t i) {
    keygen(dir / ("other_key" + std::to_string(i)));
    std::string text;
    for (auto& h : hosts) {
      auto key = &h == &hosts.at(i) ? dir / ("other_key" + std::to_string(i) + ".pub") : std::filesystem::path(h.host_key.string() + ".pub");
      text += h.address + " " + testing::slurp(key);
    }
    std::ofstream(dir / "known_hosts", std::ios::trunc) << text;
  }

  std::string controller;
  std::vector<Host> hosts;
  testing::TempDir temp;
  std::filesystem::path dir = temp.path();

 private:
  static std::string must(const std::vector<std::string>& argv) { return run_for_setup(argv, "ssh lab"); }
  static void keygen(const std::filesystem::path& key) {
    must({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "responder-lab", "-f", key.string()});
  }

  void add_host(const std::string& base, int i) {
    Host h;
    h.ns = base + "h" + std::to_string(i + 1);
    h.address = "198.51.100." + std::to_string(11 + i);
    std::string port = "h" + std::to_string(i + 1);
    must({"ip", "netns", "add", h.ns});
    made_.push_back(h.ns);
    must({"ip", "-n", h.ns, "link", "set", "lo", "up"});
    must({"ip", "-n", h.ns, "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns", controller});
    must({"ip", "-n", h.ns, "addr", "add", h.address + "/24", "dev", "eth0"});
    must({"ip", "-n", h.ns, "link", "set", "eth0", "up"});
    must({"ip", "-n", controller, "link", "set", port, "master", "br0"});
    must({"ip", "-n", controller, "link", "set", port, "up"});

    h.host_key = dir / ("host_key" + std::to_string(i + 1));
    keygen(h.host_key);
    std::ofstream(dir / "known_hosts", std::ios::app) << h.address << " " << testing::slurp(h.host_key.string() + ".pub");
    std::filesystem::copy_file(dir / "client_key.pub", dir / ("authorized_keys" + std::to_string(i + 1)),
                               std::filesystem::copy_options::overwrite_existing);
    h.config = dir / ("sshd_config" + std::to_string(i + 1));
    h.log = dir / ("sshd" + std::to_string(i + 1) + ".log");
    std::ofstream(h.config) << "ListenAddress " << h.address << ":22\n"
                            << "HostKey " << h.host_key.string() << "\n"
                            << "AuthorizedKeysFile " << (dir / ("authorized_keys" + std::to_string(i + 1))).string() << "\n"
                            << "PermitRootLogin prohibit-password\n"
                            << "PasswordAuthentication no\n"
                            << "KbdInteractiveAuthentication no\n"
                            << "UsePAM no\n"
                            << "StrictModes no\n"  // the lab's files live under /tmp
                            << "PidFile none\n"
                            << "LogLevel VERBOSE\n"
                            << (static_cast<std::size_t>(i) < sshd_config_extra_.size() ? sshd_config_extra_[i] + "\n" : "");
    h.sshd = std::make_unique<testing::Process>(std::vector<std::string>{
        "ip", "netns", "exec", h.ns, "/usr/sbin/sshd", "-D", "-f", h.config.string(), "-E", h.log.string()});
    hosts.push_back(std::move(h));
  }

  void wait_for_sshd(const Host& h) const {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!tcp_connects(controller, h.address, 22, std::chrono::milliseconds(200))) {
      if (std::chrono::steady_clock::now() > until)
        throw std::runtime_error("sshd in " + h.ns + " did not start: " + testing::slurp(h.log));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  void remove() {
    for (auto& h : hosts) h.sshd.reset();  // kills sshd and its sessions (process group)
    hosts.clear();
    for (auto& ns : made_) run({"ip", "netns", "del", ns});
    made_.clear();
  }
  std::vector<std::string> sshd_config_extra_;
  std::vector<std::string> made_;
};

}  // namespace responder::lab
