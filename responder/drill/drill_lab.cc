#include "responder/drill/drill_lab.h"

#include <signal.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

#include "responder/child_process.h"
#include "responder/drill/lab_cgroup.h"
#include "responder/durable_file.h"
#include "responder/process_stat.h"
#include "responder/json.h"

namespace responder::drill {
namespace {

// The victim's first process: private mounts, then it waits to be killed,
// or becomes the lab's systemd. Its namespaces (and every process in them)
// end with it. $0 is the lab's token, $1 the lab folder, $2 the host's name.
std::string victim_boot_script(bool service_manager, const std::string& cgroup) {
  std::string script =
      "set -e\n"
      "hostname \"$2\"\n"
      // What this machine had mounted under /run (other network namespaces,
      // other labs) is not kept alive by the victim.
      "umount -R -l /run 2>/dev/null || true\n"
      // Room for a private copy of the dpkg database (a fleet host's).
      "mount -t tmpfs -o mode=0755,size=512m responder-lab /run\n"
      "mkdir -p /run/sshd /run/lock /run/lab\n"
      "cp -a /etc /run/lab/etc\n"
      "mount --bind /run/lab/etc /etc\n"
      // A systemd sets the hostname from it when it starts.
      "echo \"$2\" > /etc/hostname\n"
      "mount -t tmpfs -o mode=0755,size=64m responder-lab /var/log\n"
      // useradd may make a mail spool for a lab account (CREATE_MAIL_SPOOL).
      "for d in /var/mail /var/spool/mail; do if [ -d \"$d\" ] && [ ! -L \"$d\" ]; then "
      "mount -t tmpfs -o mode=1777,size=16m responder-lab \"$d\"; fi; done\n"
      // Forged sources must reach the firewall, not die in a reverse-path
      // check, and no IPv6 chatter may pass for the attack in the counters.
      "sysctl -q -w net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1\n"
      "ip link set lo up\n"
      // The lab's own mark: every command meant for the victim checks it
      // first, so none can run on this machine by any mistake of entry.
      ": > /run/lab/id-$0\n";
  // `ready` last: a host whose boot failed is never taken for started.
  if (!service_manager) return script + ": > /run/lab/ready\nexec sleep infinity\n";
  // A systemd that could see this machine's units would run its boot
  // transaction (tmpfiles emptying /tmp, mounts, services): it sees only
  // the lab's units, and /etc/systemd/system is the lab's own, empty.
  return script + lab_cgroup_enter_script(cgroup) +
         "mkdir -p /run/systemd/system\n"
         "mount -t tmpfs -o mode=0755,size=16m responder-lab /etc/systemd/system\n"
         "cp \"$1\"/units/* /run/systemd/system/\n"
         // Nothing of this machine's manager configuration (a watchdog, limits).
         ": > /etc/systemd/system.conf\n"
         "rm -rf /etc/systemd/system.conf.d\n"
         // systemd raises fs.file-max and fs.nr_open at start, which no
         // namespace holds: the kernel's settings are read-only to the lab
         // but for its own network's, as systemd-nspawn leaves them.
         "mount --bind /proc/sys /proc/sys\n"
         "mount -o remount,bind,ro /proc/sys\n"
         "mount --bind /proc/sys/net /proc/sys/net\n"
         "mount -o remount,bind,rw /proc/sys/net\n"
         ": > /run/lab/ready\n"
         "export container=responder-lab SYSTEMD_UNIT_PATH=/etc/systemd/system:/run/systemd/system\n"
         "exec /lib/systemd/systemd --system --unit=responder-lab.target --log-target=null\n";
}

std::string random_token() {
  unsigned char bytes[3] = {};
  if (::getrandom(bytes, sizeof bytes, 0) != sizeof bytes) {
    auto t = static_cast<unsigned long>(std::chrono::steady_clock::now().time_since_epoch().count()) ^ ::getpid();
    for (auto& b : bytes) b = static_cast<unsigned char>(t >>= 8);
  }
  char text[7];
  std::snprintf(text, sizeof text, "%02x%02x%02x", bytes[0], bytes[1], bytes[2]);
  return text;
}

pid_t first_child(pid_t parent) {
  std::ifstream in("/proc/" + std::to_string(parent) + "/task/" + std::to_string(parent) + "/children");
  pid_t child = 0;
  in >> child;
  return child;
}

// A fleet host's own dpkg database, /opt and release state: a patch is
// installed into the lab, never onto this machine. The far side's
// configuration (/etc/responder, the host's private /etc) keeps release
// backups in the host's /run.
constexpr const char* kPrivatePackages =
    "cp -a /var/lib/dpkg /run/lab/dpkg\n"
    "mount --bind /run/lab/dpkg /var/lib/dpkg\n"
    "[ -d /opt ] || { echo \"this machine has no /opt to mount the lab host's own on\" >&2; exit 1; }\n"
    "mount -t tmpfs -o mode=0755,size=16m responder-lab /opt\n"
    "mkdir -p /etc/responder /run/lab/release\n"
    "printf \"# the drill lab host's own configuration\\nrelease:\\n  state_dir: /run/lab/release\\n\" > /etc/responder/responder.yaml\n";

bool netns_exists(const std::string& name) { return std::filesystem::exists("/run/netns/" + name); }

// Ends the victim's namespaces: killing their first process kills every
// process in its PID namespace.
void kill_victim(pid_t pid, std::uint64_t start) {
  if (pid <= 0 || start == 0 || process_start_time(pid) != start) return;
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return;
  // Checked again through the pidfd's own process: the PID cannot change owner now.
  if (process_start_time(pid) == start) ::syscall(SYS_pidfd_send_signal, fd, SIGKILL, nullptr, 0);
  ::close(fd);
  // A loaded machine may take seconds to end a host's systemd and its services.
  for (int i = 0; i < 500 && std::filesystem::exists("/proc/" + std::to_string(pid)) && process_start_time(pid) == start; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

std::string remove_netns(const std::string& name) {
  if (name.empty() || !netns_exists(name)) return {};
  // The programs still in it (an attack's hping3s whose shell died with a
  // killed drill) end with it.
  // Each is signalled through a pidfd, and only while it is still in that
  // namespace: a listed PID that ended since may be another process's now.
  struct stat netns {};
  if (auto pids = run_program({"ip", "netns", "pids", name}, {}, std::chrono::seconds(10));
      pids && pids->exit_code == 0 && ::stat(("/run/netns/" + name).c_str(), &netns) == 0) {
    std::istringstream listed(pids->out);
    for (pid_t pid = 0; listed >> pid;) {
      if (pid <= 1) continue;
      int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
      if (fd < 0) continue;
      struct stat theirs {};
      if (::stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &theirs) == 0 && theirs.st_ino == netns.st_ino &&
          theirs.st_dev == netns.st_dev)
        ::syscall(SYS_pidfd_send_signal, fd, SIGKILL, nullptr, 0);
      ::close(fd);
    }
  }
  auto r = run_program({"ip", "netns", "delete", name}, {}, std::chrono::seconds(10));
  if (!r || r->exit_code != 0) return "network namespace " + name + " (" + (r ? describe_exit({"ip", "netns", "delete", name}, *r) : r.error().message) + ")";
  return {};
}

bool listens_on(pid_t pid, int port) {
  char hex[8];
  std::snprintf(hex, sizeof hex, ":%04X", port);
  for (const char* table : {"tcp", "tcp6"}) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/net/" + table);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      if (state == "0A" && local.size() > 5 && local.compare(local.size() - 5, 5, hex) == 0) return true;
    }
  }
  return false;
}

// The victim's /etc is a copy of this machine's, its /root and /home are
// this machine's: only the lab's own accounts may log in, never by key,
// never as root, so a guessed password of this machine opens nothing.
std::vector<std::string> lab_sshd_argv(const std::vector<std::string>& accounts, bool foreground) {
  std::string allowed;
  for (auto& a : accounts) allowed += (allowed.empty() ? "" : " ") + a;
  if (allowed.empty()) allowed = "responder-lab-nobody";
  std::vector<std::string> argv{"/usr/sbin/sshd"};
  if (foreground) argv.push_back("-D");
  argv.insert(argv.end(), {"-E", "/var/log/auth.log", "-o", "PasswordAuthentication=yes", "-o", "MaxAuthTries=10", "-o",
                           "LoginGraceTime=30", "-o", "AllowUsers=" + allowed, "-o", "PermitRootLogin=no", "-o",
                           "AuthorizedKeysFile=none",
                           // The PAM stack is this machine's (a copy of its /etc/pam.d), and a
                           // module such as pam_mkhomedir would act on this machine's /home.
                           "-o", "UsePAM=no"});
  return argv;
}

std::string lab_sshd_unit(const std::vector<std::string>& accounts) {
  std::string exec;
  for (auto& a : lab_sshd_argv(accounts, true)) {
    bool plain = a.find_first_of(" \"'\\$%") == std::string::npos;
    exec += (exec.empty() ? "" : " ") + (plain ? a : "\"" + a + "\"");
  }
  return "[Unit]\nDescription=OpenBSD Secure Shell server (the drill lab's)\nDefaultDependencies=no\n"
         "[Service]\nExecStart=" + exec + "\nExecReload=/bin/kill -HUP $MAINPID\nKillMode=process\n";
}

}  // namespace

std::filesystem::path lab_records_dir() { return "/run/responder/drills"; }

Result<DrillLab> DrillLab::build(const LabOptions& options, const std::function<void(const std::string&)>& progress) {
  DrillLab lab;
  lab.options_ = options;
  lab.token_ = random_token();
  lab.attacker_netns_ = "rdrill-" + lab.token_ + "-attacker";
  lab.management_netns_ = "rdrill-" + lab.token_ + "-mgmt";
  if (auto built = lab.build_parts(progress); !built) {
    Error error = built.error();
    if (auto down = lab.teardown(); !down) error.message += "; and tearing the half-built lab down failed: " + down.error().message;
    return error;
  }
  return lab;
}

Status DrillLab::write_record() const {
  json::array hosts;
  for (auto& h : hosts_) hosts.push_back(json::object{{"name", h.name}, {"pid", h.pid}, {"start", h.start}});
  json::object record{{"id", options_.id},
                      {"token", token_},
                      {"dir", options_.dir.string()},
                      {"attacker_netns", attacker_netns_},
                      {"management_netns", management_netns_},
                      {"hosts", std::move(hosts)},
                      // So that --clean leaves alone the lab of a drill still running.
                      {"drill_pid", ::getpid()},
                      {"drill_start", process_start_time(::getpid())},
                      {"kept", kept_}};
  std::error_code ec;
  std::filesystem::create_directories(lab_records_dir(), ec);
  return write_file_atomically(lab_records_dir() / (token_ + ".json"), to_json_text(record) + "\n", 0600);
}

Status DrillLab::build_parts(const std::function<void(const std::string&)>& progress) {
  // The lab folder is taken exclusively: two drills of one incident id
  // never share (or tear down) one lab.
  std::error_code ec;
  std::filesystem::create_directories(options_.dir.parent_path(), ec);
  bool made = !ec && std::filesystem::create_directory(options_.dir, ec);
  if (!made) {
    auto dir = options_.dir;
    options_.dir.clear();  // not ours: teardown leaves it alone
    return bad_input("the lab folder " + dir.string() + (ec ? " cannot be made: " + ec.message()
                                                            : " exists: a drill of this incident id runs or left it; choose another --incident, or run `responder drill --clean`"));
  }
  if (options_.fleet.size() > kFleetMaxHosts) return bad_input("a drill's fleet has at most " + std::to_string(kFleetMaxHosts) + " hosts");
  // Recorded before anything else exists, so that a drill killed from here
  // on leaves a lab --clean can find.
  if (auto s = write_record(); !s) return failure("cannot write the lab file: " + s.error().message);

  progress("attacker and management hosts (network namespaces " + attacker_netns_ + ", " + management_netns_ + ")");
  for (auto [name, address] : {std::pair{attacker_netns_, std::string(kAttacker4) + "/24"}, {management_netns_, std::string(kManagement4) + "/24"}}) {
    std::vector<std::vector<std::string>> steps = {
        {"ip", "netns", "add", name},
        {"ip", "netns", "exec", name, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"},
        // Each host's link ends on this bridge: the hosts share one network, as a fleet does.
        {"ip", "-n", name, "link", "add", "br0", "type", "bridge"},
        {"ip", "-n", name, "addr", "add", address, "dev", "br0"},
        {"ip", "-n", name, "link", "set", "dev", "br0", "up"},
        {"ip", "-n", name, "link", "set", "dev", "lo", "up"}};
    for (auto& argv : steps)
      if (auto s = run_program_checked(argv, "making network namespace " + name); !s) return s;
  }

  const bool service_manager = has_service_manager();
  if (service_manager) {
    std::filesystem::create_directories(options_.dir / "units", ec);
    auto units = options_.units;
    if (options_.sshd) units.emplace_back("ssh.service", lab_sshd_unit(options_.accounts));
    units.emplace_back("responder-lab.target", "[Unit]\nDescription=the responder drill's lab\nDefaultDependencies=no\n");
    for (auto& [name, text] : units)
      if (auto s = write_file_atomically(options_.dir / "units" / name, text, 0644); !s) return s;
  }
  const auto names = options_.fleet.empty() ? std::vector<std::string>{"victim"} : options_.fleet;
  for (std::size_t i = 0; i < names.size(); ++i) {
    LabHost host;
    host.name = names[i];
    const std::string last = options_.fleet.empty() ? "1" : std::to_string(kFleetFirstOctet + i);
    host.attack_address = options_.fleet.empty() ? std::string(kVictimAttackSide4) : fleet_attack_address(i);
    host.management_address = "198.51.100." + last;
    progress((options_.fleet.empty() ? std::string("victim host") : "host " + host.name + " at " + host.attack_address) +
             " (its own PID, mount, UTS, IPC and network namespaces; private /etc, /run and /var/log" +
             (service_manager ? "; its own systemd)" : ")"));
    hosts_.push_back(std::move(host));
    if (auto s = start_host(hosts_.back(), progress); !s) return s;
    if (auto s = write_record(); !s) return failure("cannot write the lab file: " + s.error().message);
    if (auto s = link_host(i); !s) return s;
  }
  progress("links: attacker 192.0.2.2 and management 198.51.100.2 reach " +
           (options_.fleet.empty() ? std::string("the victim at 192.0.2.1 and 198.51.100.1")
                                   : std::to_string(hosts_.size()) + " hosts at 192.0.2." + std::to_string(kFleetFirstOctet) + "-" +
                                         std::to_string(kFleetFirstOctet + hosts_.size() - 1)));
  for (std::size_t i = 0; i < hosts_.size(); ++i)
    if (auto s = set_up_host(i, progress); !s) return s;
  return {};
}

Status DrillLab::start_host(LabHost& host, const std::function<void(const std::string&)>&) {
  auto process = LabProcess::start({"unshare", "--pid", "--fork", "--kill-child", "--mount", "--mount-proc", "--uts", "--net",
                                    "--ipc", "--propagation", "private", "sh", "-c",
                                    victim_boot_script(has_service_manager(), lab_cgroup_name(token_ + "-" + host.name)), token_,
                                    options_.dir.string(), host.name},
                                   options_.dir / (host.name + ".log"), !options_.keep);
  if (!process) return process.error();
  host.process = std::move(*process);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (true) {
    if (host.pid == 0) host.pid = first_child(host.process.pid());
    if (host.pid != 0 && std::filesystem::exists("/proc/" + std::to_string(host.pid) + "/root/run/lab/ready")) break;
    if (auto ended = host.process.poll()) {
      auto log = read_text_file(options_.dir / (host.name + ".log"), 4096);
      return failure("host " + host.name + " did not start (exit " + std::to_string(*ended) + "): " + (log ? *log : std::string()));
    }
    if (std::chrono::steady_clock::now() > until) return failure("host " + host.name + " did not start within 20 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  host.start = process_start_time(host.pid);
  // Everything later enters the host through these descriptors, never by
  // its PID: were the host to die and its PID go to a process of this
  // machine, nothing could be run in this machine's namespaces by mistake.
  const std::string base = "/proc/" + std::to_string(host.pid);
  for (auto [name, fd] : {std::pair{"net", &host.ns_net}, {"mnt", &host.ns_mnt}, {"uts", &host.ns_uts}, {"ipc", &host.ns_ipc}, {"pid", &host.ns_pid}}) {
    *fd = ::open((base + "/ns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    if (*fd < 0) return failure("cannot hold host " + host.name + "'s " + name + " namespace: " + std::strerror(errno));
  }
  // The host's root as its processes see it: on a machine where responder
  // itself runs in a chroot (a build root, a container) the mount
  // namespace's own root is the whole machine's, and joining the namespace
  // alone would land there, outside the chroot and outside the lab.
  host.ns_root = ::open((base + "/root").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (host.ns_root < 0) return failure("cannot hold host " + host.name + "'s root folder: " + std::strerror(errno));
  struct stat theirs {}, ours {};
  if (process_start_time(host.pid) != host.start || ::fstat(host.ns_net, &theirs) != 0 || ::stat("/proc/self/ns/net", &ours) != 0 ||
      (theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev))
    return failure("host " + host.name + " ended while it was being built");
  return {};
}

Status DrillLab::link_host(std::size_t i) {
  const LabHost& host = hosts_[i];
  struct Link {
    std::string netns, host_address, name;
  };
  const Link links[] = {{attacker_netns_, host.attack_address + "/24", "eth0"}, {management_netns_, host.management_address + "/24", "eth1"}};
  // Both ends are made where they belong, in one request: a veth never
  // exists in this machine's namespace, so a drill killed at any instant
  // leaves no link here. The host's end is named by the namespace this
  // process holds open, never by its PID.
  const std::string host_netns = "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(host.ns_net);
  char side = static_cast<char>('a' + 2 * i);
  for (auto& link : links) {
    std::string ours = "rd" + token_ + side++;
    std::vector<std::vector<std::string>> steps = {
        {"ip", "link", "add", ours, "netns", link.netns, "type", "veth", "peer", "name", link.name, "netns", host_netns},
        {"ip", "-n", link.netns, "link", "set", "dev", ours, "master", "br0"},
        {"ip", "-n", link.netns, "link", "set", "dev", ours, "up"},
        in_host_network(i, {"ip", "addr", "add", link.host_address, "dev", link.name}),
        in_host_network(i, {"ip", "link", "set", "dev", link.name, "up"})};
    for (auto& argv : steps)
      if (auto s = run_program_checked(argv, "linking host " + host.name); !s) return s;
  }
  return {};
}

Status DrillLab::set_up_host(std::size_t i, const std::function<void(const std::string&)>& progress) {
  const LabHost& host = hosts_[i];
  const std::string on = options_.fleet.empty() ? "the victim" : host.name;
  const bool service_manager = has_service_manager();
  if (service_manager) {
    progress(on + ": its systemd (only the lab's units)");
    auto until_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (true) {
      auto argv = in_host(i, {"systemctl", "is-system-running"});
      auto r = run_program(argv, {}, std::chrono::seconds(10));
      if (r && (r->out.find("running") == 0 || r->out.find("degraded") == 0)) break;
      if (std::chrono::steady_clock::now() > until_up)
        return failure(on + "'s systemd did not come up within 30 s" + (r ? ": " + describe_exit(argv, *r) : ": " + r.error().message));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  for (auto& account : options_.accounts) {
    progress(on + ": lab account " + account + " (its private /etc)");
    if (auto s = run_program_checked(in_host(i, {"useradd", "-M", "-N", "-s", "/bin/sh", account}), "adding lab account " + account + " on " + on); !s)
      return s;
  }
  // A host's own responder configuration (its private /etc), never a copy
  // of this machine's: a far side in the host reads it.
  std::string own_config = "mkdir -p /etc/responder && printf \"# the drill lab host's own configuration\\n\" > /etc/responder/responder.yaml\n";
  if (options_.private_packages) {
    progress(on + ": its own dpkg database, /opt and release state");
    own_config = std::string(kPrivatePackages);
  }
  if (auto s = run_program_checked(in_host(i, {"sh", "-c", "set -e\n" + own_config}), "giving " + on + " its own configuration"); !s) return s;
  if (!options_.setup.empty()) {
    progress(on + ": the scenario's setup");
    if (auto s = run_program_checked(in_host(i, {"sh", "-c", options_.setup, options_.dir.string()}), "setting " + on + " up"); !s) return s;
  }
  if (options_.sshd) {
    progress(on + ": sshd" + (service_manager ? " (its ssh.service)" : "") + ", logging to its /var/log/auth.log");
    if (auto s = run_program_checked(in_host(i, {"ssh-keygen", "-A"}), "making the lab's ssh host keys on " + on); !s) return s;
  }
  if (service_manager && (options_.sshd || !options_.start.empty())) {
    std::vector<std::string> argv{"systemctl", "start"};
    argv.insert(argv.end(), options_.start.begin(), options_.start.end());
    if (options_.sshd) argv.push_back("ssh.service");
    progress(on + ": starting the lab's units " + comma_joined(std::vector<std::string>(argv.begin() + 2, argv.end())));
    if (auto s = run_program_checked(in_host(i, argv), "starting the lab's units on " + on); !s) return s;
  }
  if (options_.sshd) {
    if (!service_manager)
      if (auto s = run_program_checked(in_host(i, lab_sshd_argv(options_.accounts, false)), "starting the lab's sshd on " + on); !s) return s;
    auto until_listening = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!listens_on(host.pid, 22)) {
      if (std::chrono::steady_clock::now() > until_listening) return failure("the lab's sshd on " + on + " is not listening on port 22 after 10 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return {};
}

std::vector<std::string> DrillLab::in_host(std::size_t i, const std::vector<std::string>& argv, const std::filesystem::path& cwd) const {
  const LabHost& host = hosts_.at(i);
  const std::string self = "/proc/" + std::to_string(::getpid()) + "/fd/";
  std::vector<std::string> out{"nsenter",
                               "--net=" + self + std::to_string(host.ns_net),
                               "--mount=" + self + std::to_string(host.ns_mnt),
                               "--uts=" + self + std::to_string(host.ns_uts),
                               "--ipc=" + self + std::to_string(host.ns_ipc),
                               "--pid=" + self + std::to_string(host.ns_pid),
                               "--root=" + self + std::to_string(host.ns_root),
                               "--wd=" + cwd.string(),
                               "--",
                               "sh",
                               "-c",
                               "if [ ! -e \"/run/lab/id-$0\" ] || [ \"$(hostname)\" != \"$1\" ]; then "
                               "echo \"responder drill: not inside the lab's host $1; refusing to run $2\" >&2; exit 125; fi; "
                               "shift; exec \"$@\"",
                               token_,
                               host.name};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::vector<std::string> DrillLab::in_host_network(std::size_t i, const std::vector<std::string>& argv) const {
  std::vector<std::string> out{"nsenter", "--net=/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(hosts_.at(i).ns_net), "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

bool DrillLab::host_alive(std::size_t i) const {
  if (i >= hosts_.size()) return false;
  auto& h = hosts_[i];
  return h.pid > 0 && h.start != 0 && process_start_time(h.pid) == h.start;
}

std::vector<std::string> DrillLab::watched_units() const {
  std::vector<std::string> out;
  if (!has_service_manager()) return out;
  for (auto& [name, text] : options_.units)
    if (text.find("Type=oneshot") == std::string::npos) out.push_back(name);
  if (options_.sshd) out.push_back("ssh.service");
  return out;
}

void DrillLab::keep() {
  kept_ = true;
  // The hosts' first processes must outlive this object, so they are not ended with it.
  for (auto& h : hosts_) h.process.release();
  (void)write_record();
}

DrillLab::DrillLab(DrillLab&& other) noexcept
    : options_(std::move(other.options_)),
      token_(std::exchange(other.token_, {})),
      attacker_netns_(std::move(other.attacker_netns_)),
      management_netns_(std::move(other.management_netns_)),
      hosts_(std::exchange(other.hosts_, {})),
      kept_(other.kept_),
      torn_down_(other.torn_down_) {}

std::vector<std::string> DrillLab::in_attacker(const std::vector<std::string>& argv) const {
  std::vector<std::string> out{"ip", "netns", "exec", attacker_netns_};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::vector<std::string> DrillLab::in_management(const std::vector<std::string>& argv) const {
  std::vector<std::string> out{"ip", "netns", "exec", management_netns_};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

DrillLab::~DrillLab() {
  if (!kept_ && !token_.empty()) (void)teardown();
  for (auto& h : hosts_)
    for (int fd : {h.ns_net, h.ns_mnt, h.ns_uts, h.ns_ipc, h.ns_pid, h.ns_root})
      if (fd >= 0) ::close(fd);
}

Status DrillLab::teardown() {
  if (torn_down_ || token_.empty()) return {};
  std::vector<std::string> left;
  for (auto& h : hosts_) {
    kill_victim(h.pid, h.start);
    h.process.stop(std::chrono::milliseconds(0));
  }
  for (auto& name : {attacker_netns_, management_netns_})
    if (auto e = remove_netns(name); !e.empty()) left.push_back(e);
  if (auto e = remove_lab_cgroups_of(token_); !e.empty()) left.push_back("control group " + e);
  std::error_code ec;
  if (!options_.dir.empty()) std::filesystem::remove_all(options_.dir, ec);
  if (ec) left.push_back("folder " + options_.dir.string() + " (" + ec.message() + ")");
  // The labs' common folder goes with the last lab in it (remove fails, harmlessly, while others remain).
  else if (!options_.dir.empty()) std::filesystem::remove(options_.dir.parent_path(), ec);
  if (left.empty()) {
    std::filesystem::remove(lab_records_dir() / (token_ + ".json"), ec);
    std::filesystem::remove(lab_records_dir(), ec);  // fails, harmlessly, while other labs run
  }
  torn_down_ = left.empty();
  if (!left.empty()) return failure("the lab was not wholly removed; left: " + comma_joined(left) + "; run `responder drill --clean`");
  return {};
}

Result<std::vector<std::string>> clean_leftover_labs() {
  std::vector<std::string> removed, left, skipped, in_use;
  std::error_code ec;
  if (std::filesystem::is_directory(lab_records_dir(), ec))
    for (auto& entry : std::filesystem::directory_iterator(lab_records_dir(), ec)) {
      if (entry.path().extension() != ".json") continue;
      auto text = read_text_file(entry.path(), 64 * 1024);
      json::object record;
      try {
        if (text) record = parse_json(*text).as_object();
      } catch (const std::exception&) {
      }
      auto str = [&](const char* key) {
        auto* v = record.if_contains(key);
        return v && v->is_string() ? std::string(v->get_string()) : std::string();
      };
      auto num = [&](const char* key) -> long long {
        auto* v = record.if_contains(key);
        if (!v) return 0;
        if (v->is_int64()) return v->get_int64();
        if (v->is_uint64()) return static_cast<long long>(v->get_uint64());
        return 0;
      };
      if (auto drill = static_cast<pid_t>(num("drill_pid")); drill > 0 && drill != ::getpid() &&
          process_start_time(drill) == static_cast<std::uint64_t>(num("drill_start")) && process_running(drill)) {
        skipped.push_back("lab of drill " + str("id") + " (its drill, pid " + std::to_string(drill) + ", is still running)");
        continue;
      }
      // A lab file of an earlier version names its one victim apart.
      kill_victim(static_cast<pid_t>(num("victim_pid")), static_cast<std::uint64_t>(num("victim_start")));
      if (auto* hosts = record.if_contains("hosts"); hosts && hosts->is_array())
        for (auto& h : hosts->get_array()) {
          if (!h.is_object()) continue;
          auto& o = h.get_object();
          auto number = [&](const char* key) -> long long {
            auto* v = o.if_contains(key);
            return v && v->is_int64() ? v->get_int64() : v && v->is_uint64() ? static_cast<long long>(v->get_uint64()) : 0;
          };
          if (auto pid = number("pid"); pid > 0 && pid <= std::numeric_limits<pid_t>::max())
            kill_victim(static_cast<pid_t>(pid), static_cast<std::uint64_t>(number("start")));
        }
      std::vector<std::string> failed;
      for (auto& name : {str("attacker_netns"), str("management_netns")})
        if (name.starts_with("rdrill-"))
          if (auto e = remove_netns(name); !e.empty()) failed.push_back(e);
      // Every host's control group, by the lab's token: a host killed
      // before the lab file named it has one too.
      if (auto token = str("token"); token.size() == 6 && std::all_of(token.begin(), token.end(), [](unsigned char c) { return std::isxdigit(c); }))
        if (auto e = remove_lab_cgroups_of(token); !e.empty()) failed.push_back("control group " + e);
      if (auto dir = std::filesystem::path(str("dir")).lexically_normal();
          dir.is_absolute() && !str("id").empty() && dir.filename() == str("id") && dir.parent_path().filename() == ".labs") {
        // The record stays while its folder does, so a later --clean still finds it.
        if (std::filesystem::remove_all(dir, ec); ec) failed.push_back("folder " + dir.string() + " (" + ec.message() + ")");
        else std::filesystem::remove(dir.parent_path(), ec);
      }
      if (failed.empty()) {
        std::filesystem::remove(entry.path(), ec);
        removed.push_back("lab of drill " + (str("id").empty() ? entry.path().stem().string() : str("id")));
      } else {
        left.insert(left.end(), failed.begin(), failed.end());
      }
    }
  // Namespaces of a lab whose file is gone; never those of a lab still in use.
  for (auto& line : skipped) removed.push_back("left alone: the " + line);
  if (std::filesystem::is_directory(lab_records_dir(), ec))
    for (auto& entry : std::filesystem::directory_iterator(lab_records_dir(), ec))
      if (entry.path().extension() == ".json") in_use.push_back("rdrill-" + entry.path().stem().string() + "-");
  if (std::filesystem::is_directory("/run/netns", ec))
    for (auto& entry : std::filesystem::directory_iterator("/run/netns", ec)) {
      auto name = entry.path().filename().string();
      if (!name.starts_with("rdrill-")) continue;
      if (std::any_of(in_use.begin(), in_use.end(), [&](const std::string& prefix) { return name.starts_with(prefix); })) continue;
      // A drill starting now writes its lab file before its namespaces.
      if (name.size() > 13 && std::filesystem::exists(lab_records_dir() / (name.substr(7, 6) + ".json"), ec)) continue;
      if (auto e = remove_netns(name); !e.empty()) left.push_back(e);
      else removed.push_back("network namespace " + name);
    }
  if (!left.empty()) return failure("could not remove: " + comma_joined(left));
  return removed;
}

std::vector<std::string> missing_for_drill(const std::vector<std::string>& programs) {
  std::vector<std::string> missing;
  if (::geteuid() != 0) missing.push_back("root (namespaces, firewall and mounts need it; run with sudo)");
  if (!std::filesystem::exists("/proc/self/ns/net") || !std::filesystem::exists("/proc/self/ns/pid"))
    missing.push_back("network and PID namespaces (this kernel has none)");
  for (auto& p : programs)
    if (resolve_in_path(p).empty()) missing.push_back(p + " (Debian package " + (p == "nmap" ? "nmap" : p == "hping3" ? "hping3" : p == "unshare" || p == "nsenter" ? "util-linux" : p == "ip" ? "iproute2" : p == "nft" ? "nftables" : p == "sshd" ? "openssh-server" : p == "smbd" || p == "smbpasswd" ? "samba" : p == "systemctl" ? "systemd" : p == "timeout" ? "coreutils" : p) + ")");
  return missing;
}

}  // namespace responder::drill
