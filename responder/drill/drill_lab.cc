#include "responder/drill/drill_lab.h"

#include <signal.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <fstream>
#include <sstream>
#include <thread>

#include "responder/child_process.h"
#include "responder/durable_file.h"
#include "responder/process_stat.h"
#include "responder/json.h"

namespace responder::drill {
namespace {

// The victim's first process: private mounts, then it waits to be killed.
// Its namespaces (and every process in them) end with it.
constexpr const char* kVictimBoot =
    "set -e\n"
    "hostname victim\n"
    // What this machine had mounted under /run (other network namespaces,
    // other labs) is not kept alive by the victim.
    "umount -R -l /run 2>/dev/null || true\n"
    "mount -t tmpfs -o mode=0755,size=64m responder-lab /run\n"
    "mkdir -p /run/sshd /run/lock /run/lab\n"
    "cp -a /etc /run/lab/etc\n"
    "mount --bind /run/lab/etc /etc\n"
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
    ": > /run/lab/id-$0\n"
    ": > /run/lab/ready\n"
    "exec sleep infinity\n";

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

Status run_checked(const std::vector<std::string>& argv, const std::string& what) {
  auto r = run_program(argv, {}, std::chrono::seconds(30));
  if (!r) return failure(what + ": " + r.error().message);
  if (r->exit_code != 0) return failure(what + ": " + describe_exit(argv, *r));
  return {};
}

pid_t first_child(pid_t parent) {
  std::ifstream in("/proc/" + std::to_string(parent) + "/task/" + std::to_string(parent) + "/children");
  pid_t child = 0;
  in >> child;
  return child;
}

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
  for (int i = 0; i < 100 && std::filesystem::exists("/proc/" + std::to_string(pid)) && process_start_time(pid) == start; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

std::string remove_netns(const std::string& name) {
  if (name.empty() || !netns_exists(name)) return {};
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
  json::object record{{"id", options_.id},
                      {"token", token_},
                      {"dir", options_.dir.string()},
                      {"attacker_netns", attacker_netns_},
                      {"management_netns", management_netns_},
                      {"victim_pid", victim_pid_},
                      {"victim_start", victim_start_},
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
  // Recorded before anything else exists, so that a drill killed from here
  // on leaves a lab --clean can find.
  if (auto s = write_record(); !s) return failure("cannot write the lab file: " + s.error().message);

  progress("attacker and management hosts (network namespaces " + attacker_netns_ + ", " + management_netns_ + ")");
  for (auto& name : {attacker_netns_, management_netns_}) {
    if (auto s = run_checked({"ip", "netns", "add", name}, "making network namespace " + name); !s) return s;
    if (auto s = run_checked({"ip", "netns", "exec", name, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                              "net.ipv6.conf.default.disable_ipv6=1"},
                             "quieting IPv6 in " + name);
        !s)
      return s;
  }

  progress("victim host (its own PID, mount, UTS, IPC and network namespaces; private /etc, /run and /var/log)");
  auto victim = LabProcess::start({"unshare", "--pid", "--fork", "--kill-child", "--mount", "--mount-proc", "--uts", "--net",
                                   "--ipc", "--propagation", "private", "sh", "-c", kVictimBoot, token_},
                                  options_.dir / "victim.log", !options_.keep);
  if (!victim) return victim.error();
  victim_ = std::move(*victim);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (true) {
    if (victim_pid_ == 0) victim_pid_ = first_child(victim_.pid());
    if (victim_pid_ != 0 && std::filesystem::exists("/proc/" + std::to_string(victim_pid_) + "/root/run/lab/ready")) break;
    if (auto ended = victim_.poll()) {
      auto log = read_text_file(options_.dir / "victim.log", 4096);
      return failure("the victim host did not start (exit " + std::to_string(*ended) + "): " + (log ? *log : std::string()));
    }
    if (std::chrono::steady_clock::now() > until) return failure("the victim host did not start within 20 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  victim_start_ = process_start_time(victim_pid_);
  if (auto s = write_record(); !s) return failure("cannot write the lab file: " + s.error().message);
  // Everything later enters the victim through these descriptors, never by
  // its PID: were the victim to die and its PID go to a process of this
  // machine, nothing could be run in this machine's namespaces by mistake.
  for (auto [name, fd] : {std::pair{"net", &ns_net_}, {"mnt", &ns_mnt_}, {"uts", &ns_uts_}, {"ipc", &ns_ipc_}, {"pid", &ns_pid_}}) {
    *fd = ::open(("/proc/" + std::to_string(victim_pid_) + "/ns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    if (*fd < 0) return failure(std::string("cannot hold the victim's ") + name + " namespace: " + std::strerror(errno));
  }
  // The victim's root as its processes see it: on a machine where responder
  // itself runs in a chroot (a build root, a container) the mount
  // namespace's own root is the whole machine's, and joining the namespace
  // alone would land there, outside the chroot and outside the lab.
  ns_root_ = ::open(("/proc/" + std::to_string(victim_pid_) + "/root").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (ns_root_ < 0) return failure(std::string("cannot hold the victim's root folder: ") + std::strerror(errno));
  struct stat theirs {}, ours {};
  if (process_start_time(victim_pid_) != victim_start_ || ::fstat(ns_net_, &theirs) != 0 || ::stat("/proc/self/ns/net", &ours) != 0 ||
      (theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev))
    return failure("the victim host ended while it was being built");

  progress("links attacker 192.0.2.2 <-> victim 192.0.2.1 and management 198.51.100.2 <-> victim 198.51.100.1");
  const std::string pid = std::to_string(victim_pid_);
  struct Link {
    std::string netns, host_address, victim_address, victim_name;
  };
  const Link links[] = {{attacker_netns_, std::string(kAttacker4) + "/24", std::string(kVictimAttackSide4) + "/24", "eth0"},
                        {management_netns_, std::string(kManagement4) + "/24", std::string(kVictimManagementSide4) + "/24", "eth1"}};
  char side = 'a';
  for (auto& link : links) {
    std::string ours = "rd" + token_ + side++, theirs = "rd" + token_ + side++;
    std::vector<std::vector<std::string>> steps = {
        {"ip", "link", "add", ours, "type", "veth", "peer", "name", theirs},
        {"ip", "link", "set", "dev", ours, "netns", link.netns},
        {"ip", "link", "set", "dev", theirs, "netns", pid},
        {"ip", "-n", link.netns, "link", "set", "dev", ours, "name", "eth0"},
        {"ip", "-n", link.netns, "addr", "add", link.host_address, "dev", "eth0"},
        {"ip", "-n", link.netns, "link", "set", "dev", "eth0", "up"},
        {"ip", "-n", link.netns, "link", "set", "dev", "lo", "up"},
        in_victim_network({"ip", "link", "set", "dev", theirs, "name", link.victim_name}),
        in_victim_network({"ip", "addr", "add", link.victim_address, "dev", link.victim_name}),
        in_victim_network({"ip", "link", "set", "dev", link.victim_name, "up"})};
    for (auto& argv : steps)
      if (auto s = run_checked(argv, "linking the lab"); !s) return s;
  }

  for (auto& account : options_.accounts) {
    progress("lab account " + account + " on the victim (its private /etc)");
    if (auto s = run_checked(in_victim({"useradd", "-M", "-N", "-s", "/bin/sh", account}), "adding lab account " + account); !s)
      return s;
  }
  if (options_.sshd) {
    progress("sshd on the victim, logging to the victim's /var/log/auth.log");
    if (auto s = run_checked(in_victim({"ssh-keygen", "-A"}), "making the lab's ssh host keys"); !s) return s;
    // The victim's /etc is a copy of this machine's, its /root and /home are
    // this machine's: only the lab's own accounts may log in, never by key,
    // never as root, so a guessed password of this machine opens nothing.
    std::string allowed;
    for (auto& a : options_.accounts) allowed += (allowed.empty() ? "" : " ") + a;
    if (allowed.empty()) allowed = "responder-lab-nobody";
    if (auto s = run_checked(in_victim({"/usr/sbin/sshd", "-E", "/var/log/auth.log", "-o", "PasswordAuthentication=yes",
                                        "-o", "MaxAuthTries=10", "-o", "LoginGraceTime=30", "-o", "AllowUsers=" + allowed,
                                        "-o", "PermitRootLogin=no", "-o", "AuthorizedKeysFile=none"}),
                             "starting the lab's sshd");
        !s)
      return s;
    auto until_listening = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!listens_on(victim_pid_, 22)) {
      if (std::chrono::steady_clock::now() > until_listening) return failure("the lab's sshd is not listening on port 22 after 10 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return {};
}

std::vector<std::string> DrillLab::in_victim(const std::vector<std::string>& argv, const std::filesystem::path& cwd) const {
  const std::string self = "/proc/" + std::to_string(::getpid()) + "/fd/";
  std::vector<std::string> out{"nsenter",
                               "--net=" + self + std::to_string(ns_net_),
                               "--mount=" + self + std::to_string(ns_mnt_),
                               "--uts=" + self + std::to_string(ns_uts_),
                               "--ipc=" + self + std::to_string(ns_ipc_),
                               "--pid=" + self + std::to_string(ns_pid_),
                               "--root=" + self + std::to_string(ns_root_),
                               "--wd=" + cwd.string(),
                               "--",
                               "sh",
                               "-c",
                               "if [ ! -e \"/run/lab/id-$0\" ] || [ \"$(hostname)\" != victim ]; then "
                               "echo \"responder drill: not inside the lab's victim host; refusing to run $1\" >&2; exit 125; fi; "
                               "exec \"$@\"",
                               token_};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::vector<std::string> DrillLab::in_victim_network(const std::vector<std::string>& argv) const {
  std::vector<std::string> out{"nsenter", "--net=/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(ns_net_), "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

bool DrillLab::victim_alive() const {
  return victim_pid_ > 0 && victim_start_ != 0 && process_start_time(victim_pid_) == victim_start_;
}

void DrillLab::keep() {
  kept_ = true;
  // The victim's first process must outlive this object, so it is not ended with it.
  victim_.release();
  (void)write_record();
}

DrillLab::DrillLab(DrillLab&& other) noexcept
    : options_(std::move(other.options_)),
      token_(std::exchange(other.token_, {})),
      attacker_netns_(std::move(other.attacker_netns_)),
      management_netns_(std::move(other.management_netns_)),
      victim_(std::move(other.victim_)),
      victim_pid_(std::exchange(other.victim_pid_, 0)),
      victim_start_(std::exchange(other.victim_start_, 0)),
      ns_net_(std::exchange(other.ns_net_, -1)),
      ns_mnt_(std::exchange(other.ns_mnt_, -1)),
      ns_uts_(std::exchange(other.ns_uts_, -1)),
      ns_ipc_(std::exchange(other.ns_ipc_, -1)),
      ns_pid_(std::exchange(other.ns_pid_, -1)),
      ns_root_(std::exchange(other.ns_root_, -1)),
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
  for (int fd : {ns_net_, ns_mnt_, ns_uts_, ns_ipc_, ns_pid_, ns_root_})
    if (fd >= 0) ::close(fd);
}

Status DrillLab::teardown() {
  if (torn_down_ || token_.empty()) return {};
  std::vector<std::string> left;
  kill_victim(victim_pid_, victim_start_);
  victim_.stop(std::chrono::milliseconds(0));
  for (auto& name : {attacker_netns_, management_netns_})
    if (auto e = remove_netns(name); !e.empty()) left.push_back(e);
  std::error_code ec;
  if (!options_.dir.empty()) std::filesystem::remove_all(options_.dir, ec);
  if (ec) left.push_back("folder " + options_.dir.string() + " (" + ec.message() + ")");
  // The labs' common folder goes with the last lab in it (remove fails, harmlessly, while others remain).
  else if (!options_.dir.empty()) std::filesystem::remove(options_.dir.parent_path(), ec);
  if (left.empty()) std::filesystem::remove(lab_records_dir() / (token_ + ".json"), ec);
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
          process_start_time(drill) == static_cast<std::uint64_t>(num("drill_start"))) {
        skipped.push_back("lab of drill " + str("id") + " (its drill, pid " + std::to_string(drill) + ", is still running)");
        continue;
      }
      kill_victim(static_cast<pid_t>(num("victim_pid")), static_cast<std::uint64_t>(num("victim_start")));
      std::vector<std::string> failed;
      for (auto& name : {str("attacker_netns"), str("management_netns")})
        if (auto e = remove_netns(name); !e.empty()) failed.push_back(e);
      if (auto dir = std::filesystem::path(str("dir")).lexically_normal();
          dir.is_absolute() && !str("id").empty() && dir.filename() == str("id") && dir.parent_path().filename() == ".labs") {
        std::filesystem::remove_all(dir, ec);
        std::filesystem::remove(dir.parent_path(), ec);
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
    if (resolve_in_path(p).empty()) missing.push_back(p + " (Debian package " + (p == "nmap" ? "nmap" : p == "hping3" ? "hping3" : p == "unshare" || p == "nsenter" ? "util-linux" : p == "ip" ? "iproute2" : p == "nft" ? "nftables" : p == "sshd" ? "openssh-server" : p) + ")");
  return missing;
}

}  // namespace responder::drill
