// The shipped ransomware-outbreak playbook end to end, run by the real
// responder binary on playbooks/ransomware-outbreak.yaml itself, inside a
// lab that never reaches this machine's own /etc, services, firewall, shares
// or mounts:
//
//  - a private copy of /etc (private_etc.h): /etc/shadow, and
//    /etc/samba/smb.conf, the configuration share.readonly uses by default
//    (the playbook names no samba_config), are the copy's;
//  - a tmpfs data volume, and a tmpfs over /var/log with the auth.log the
//    playbook reads, mounted in the test's private mount namespace;
//  - a real systemd as PID 1 of its own PID, mount and network namespaces
//    (systemd_lab.h), seeing only the lab's units: a scheduler the attacker
//    could use, stand-ins for sshd and an OpenVPN server. The responder, the
//    encryptor and smbd all run inside it, so that processes, units, mounts
//    and any firewall change are the lab's;
//  - a real smbd serving the volume as [finance] on 127.0.0.1:4450 of the
//    lab's own network namespace, checked with smbclient.
//
// The encryptor is a process of the compromised account holding a file on
// the volume open for writing; a second account's process writes there too
// (what kill_writers is for). Three steps wait for approvals, given from the
// side while the run waits; then `responder undo` gives everything back.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "forensics/evidence/immutable_file.h"
#include "tests/containment/private_etc.h"
#include "tests/containment/smbd_lab.h"
#include "tests/containment/systemd_lab.h"
#include "tests/support/process.h"

using namespace responder;
using namespace responder::lab;
using namespace responder::testing;

namespace {

constexpr const char* kIncident = "RW-1";
constexpr const char* kShare = "finance";
constexpr int kSmbPort = 4450;  // in the lab's own network namespace, not this machine's

const std::string kDaemon = "[Service]\nExecStart=/bin/sleep infinity\n";
const std::map<std::string, std::string> kUnits{
    {"lab-scheduler.service", "[Unit]\nDescription=stand-in scheduler\nDefaultDependencies=no\n"
     "StartLimitIntervalSec=0\n" + kDaemon + "[Install]\nWantedBy=responder-lab.target\n"},
    {"ssh.service", "[Unit]\nDescription=stand-in sshd\nDefaultDependencies=no\n"
     "StartLimitIntervalSec=0\n" + kDaemon},
    {"openvpn-server@.service", "[Unit]\nDescription=stand-in OpenVPN %i\nDefaultDependencies=no\n"
     "StartLimitIntervalSec=0\n" + kDaemon},
};

std::string samba_unavailable() {
  for (auto* tool : {"/usr/sbin/smbd", "/usr/bin/smbclient", "/usr/bin/smbcontrol", "/usr/bin/testparm"})
    if (::access(tool, X_OK) != 0) return std::string(tool) + " is not installed (apt-get install samba smbclient)";
  return {};
}

// The data volume behind the share: a tmpfs with nosuid,nodev,noexec.
struct DataVolume {
  TempDir dir;
  std::filesystem::path path = dir / "volume";
  DataVolume() {
    // The lab's accounts reach it (mkdtemp made its directory 0700).
    std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                                 std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                                 std::filesystem::perms::others_exec);
    std::filesystem::create_directories(path);
    REQUIRE(::mount("tmpfs", path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4m,mode=0777") == 0);
  }
  ~DataVolume() { ::umount2(path.c_str(), MNT_DETACH); }
};

// The lab's /var/log: a tmpfs over /var/log in the test's private mount
// namespace (and so in the lab's), holding an auth.log of password guessing
// that ends in the compromised account's login, for the failed-logins step;
// this machine's own /var/log is neither read nor written.
struct LabLogs {
  LabLogs() {
    REQUIRE(::mount("tmpfs", "/var/log", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m,mode=0755") == 0);
    mounted = true;
    std::string log;
    for (int i = 0; i < 6; ++i)
      log += "Dec  4 03:1" + std::to_string(i) + ":0" + std::to_string(i) + " files sshd[51" + std::to_string(i) +
             "]: Failed password for jdoe from 203.0.113.50 port " + std::to_string(50100 + i) + " ssh2\n";
    log += "Dec  4 03:17:00 files sshd[520]: Accepted password for jdoe from 203.0.113.50 port 50200 ssh2\n";
    std::ofstream("/var/log/auth.log", std::ios::binary) << log;
  }
  ~LabLogs() {
    if (mounted) ::umount2("/var/log", MNT_DETACH);
  }
  bool mounted = false;
};

// The incident home, on the machine's disk where evidence.seal's write-once
// attributes work; cleared of them and removed at the end, also on failure.
struct IncidentHome {
  std::filesystem::path root;
  IncidentHome() {
    std::string templ = "/var/tmp/responder-ransomware-test-XXXXXX";
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    root = templ;
  }
  ~IncidentHome() { evidence::remove_write_once_tree(root); }
  std::filesystem::path incidents() const { return root / "incidents"; }
  std::filesystem::path incident() const { return incidents() / kIncident; }
  std::string journal() const { return slurp(incident() / "journal.jsonl"); }
};

// argv run inside the lab's namespaces (mount, PID, network), asynchronously.
std::vector<std::string> in_lab(const SystemdLab& lab, std::vector<std::string> argv) {
  std::vector<std::string> full{"nsenter", "--target", std::to_string(lab.pid()), "--root", "--mount", "--pid", "--net", "--"};
  full.insert(full.end(), argv.begin(), argv.end());
  return full;
}

// A path as the lab's mount namespace resolves it.
std::filesystem::path seen_in_lab(const SystemdLab& lab, const std::filesystem::path& path) {
  return "/proc/" + std::to_string(lab.pid()) + "/root" + path.string();
}

// errno of creating a file in `dir` (0 when it could be written).
int write_errno(const std::filesystem::path& dir) {
  int fd = ::open((dir / "probe").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  ::close(fd);
  ::unlink((dir / "probe").c_str());
  return 0;
}

// The per-mount options of the topmost mount at `path` in the lab's mount
// namespace, or "<not a mount point>".
std::string lab_mount_options(const SystemdLab& lab, const std::filesystem::path& path) {
  std::ifstream in("/proc/" + std::to_string(lab.pid()) + "/mountinfo");
  std::string options = "<not a mount point>";
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string id, parent, device, root, mount_point, opts;
    fields >> id >> parent >> device >> root >> mount_point >> opts;
    if (mount_point == path.string()) options = opts;
  }
  return options;
}

// The one child of `parent` (nsenter forks the program into the lab's PID
// namespace), once it runs `command`; 0 after 10 s.
pid_t child_running(pid_t parent, const std::string& command) {
  for (int i = 0; i < 500; ++i) {
    std::ifstream children("/proc/" + std::to_string(parent) + "/task/" + std::to_string(parent) + "/children");
    pid_t child = 0;
    if (children >> child) {
      std::ifstream comm("/proc/" + std::to_string(child) + "/comm");
      std::string name;
      std::getline(comm, name);
      if (name == command) return child;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

bool exited(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  auto close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() || line[close + 2] == 'Z';
}

std::string smb_conf(const TempDir& state, const std::filesystem::path& volume) {
  auto d = state.path().string();
  return "# smb.conf of the ransomware-outbreak lab (a private /etc)\n" + smbd_lab_global_section(kSmbPort, d) +
         "\n[" + kShare + "]\n"
         "\tpath = " + volume.string() + "\n"
         "\tguest ok = yes\n"
         "\tread only = no\n"
         "\tforce user = root\n";
}

struct RansomwareLab {
  PrivateEtc etc;  // first: the lab's namespaces are copies of this one
  TestUser account = etc.add_user("jdoe", "Jdoe-Old-1", 64511);
  TestUser other = etc.add_user("svc-sync", "Sync-Old-2", 64512);
  TestUser admin = etc.add_user("labadmin", "Admin-Old-3");
  DataVolume volume;
  LabLogs logs;
  TempDir samba;
  IncidentHome home;
  std::string playbook = std::string(RESPONDER_SOURCE_DIR) + "/playbooks/ransomware-outbreak.yaml";
  std::string config_before;
  SystemdLab systemd{kUnits};  // sees the private /etc and the volume, as they are now
  std::unique_ptr<Process> smbd;

  RansomwareLab() {
    for (auto* sub : {"lock", "state", "cache", "pid", "private", "ncalrpc"})
      std::filesystem::create_directories(samba / sub);
    std::filesystem::create_directories("/etc/samba");  // the private copy's
    std::ofstream("/etc/samba/smb.conf", std::ios::binary | std::ios::trunc) << smb_conf(samba, volume.path);
    config_before = slurp("/etc/samba/smb.conf");
  }

  // The lab's loopback up and smbd on it; false when smbd does not answer in 15 s.
  bool start_smbd() {
    if (systemd.inside({"ip", "link", "set", "lo", "up"}).exit_code != 0) return false;
    smbd = std::make_unique<Process>(in_lab(systemd, {"smbd", "--foreground", "--no-process-group", "--debug-stdout",
                                                      "-s", "/etc/samba/smb.conf"}));
    for (int i = 0; i < 75; ++i) {
      if (smbclient("ls").exit_code == 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }
  ProcessResult smbclient(const std::string& command) const {
    return systemd.inside({"smbclient", std::string("//127.0.0.1/") + kShare, "-p", std::to_string(kSmbPort), "-N", "-s",
                           "/etc/samba/smb.conf", "-c", command});
  }
  // `smbclient put` of a small file as NAME: what a client of the share does.
  ProcessResult put(const std::string& name) const {
    auto local = samba.write("local.txt", "a client's document\n");
    return smbclient("put " + local.string() + " " + name);
  }

  // A process of `user` in the lab holding `file` open for writing (on fd 3), then sleeping.
  std::unique_ptr<Process> writer(const TestUser& user, const std::filesystem::path& file) const {
    return std::make_unique<Process>(in_lab(systemd, {"setpriv", "--reuid=" + std::to_string(user.uid),
                                                      "--regid=" + std::to_string(user.gid), "--clear-groups", "sh",
                                                      "-c", "exec 3>>\"$0\"; exec sleep 120", file.string()}));
  }

  std::vector<std::string> responder_argv(std::vector<std::string> args) const {
    std::vector<std::string> argv{"env",  "RESPONDER_CONFIG=", "SSH_CONNECTION=", "SSH_CLIENT=", "SUDO_USER=",
                                  RESPONDER_BINARY, "--home", home.incidents().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return in_lab(systemd, argv);
  }
  ProcessResult responder(std::vector<std::string> args) const { return run_process(responder_argv(std::move(args))); }

  std::string states(const std::string& unit) const {
    return systemd.property(unit, "ActiveState") + "/" + systemd.property(unit, "UnitFileState");
  }
  // The share's effective `read only` ("Yes", "No") as testparm reads the lab's smb.conf.
  std::string share_read_only() const {
    auto r = systemd.inside({"testparm", "-s", "--section-name=" + std::string(kShare), "--parameter-name=read only",
                             "/etc/samba/smb.conf"});
    auto v = r.out;
    while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
    return v;
  }
};

// True once the run waits for approval of `step` (the journal says so);
// false when the run ended first or 60 s passed.
bool run_waits_for(const RansomwareLab& lab, pid_t run, const std::string& step) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < until && !exited(run)) {
    std::istringstream lines(lab.home.journal());
    for (std::string line; std::getline(lines, line);)
      if (line.find("\"kind\":\"approval.waiting\"") != std::string::npos &&
          line.find("\"step\":\"" + step + "\"") != std::string::npos)
        return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace

TEST_CASE("ransomware-outbreak in a lab ends the encryptor, locks the account, freezes share and volume, stops services and remote logins, rotates the admin password, and undo gives it all back") {
  RESPONDER_REQUIRE_ROOT_FOR_PRIVATE_ETC();
  RESPONDER_REQUIRE_SYSTEMD_LAB();
  RESPONDER_SKIP_WHEN(samba_unavailable());
  RansomwareLab lab;
  REQUIRE_MESSAGE(lab.start_smbd(), (lab.smbd ? lab.smbd->wait(std::chrono::seconds(1)).out : std::string("smbd")));
  for (auto* unit : {"ssh.service", "openvpn-server@office.service"})
    REQUIRE(lab.systemd.systemctl({"start", unit}).exit_code == 0);
  REQUIRE(lab.systemd.systemctl({"enable", "--now", "lab-scheduler.service"}).exit_code == 0);
  const std::map<std::string, std::string> units_before{
      {"lab-scheduler.service", lab.states("lab-scheduler.service")},
      {"ssh.service", lab.states("ssh.service")},
      {"openvpn-server@office.service", lab.states("openvpn-server@office.service")}};
  REQUIRE(units_before.at("lab-scheduler.service") == "active/enabled");

  // The share takes writes; the volume is writable in the lab.
  const auto volume = lab.volume.path;
  auto put = lab.put("before.txt");
  REQUIRE_MESSAGE(put.exit_code == 0, put.out << put.err);
  REQUIRE(std::filesystem::exists(volume / "before.txt"));
  REQUIRE(write_errno(seen_in_lab(lab.systemd, volume)) == 0);
  const std::string options_before = lab_mount_options(lab.systemd, volume);
  REQUIRE(options_before.find("rw") == 0);
  REQUIRE(lab.share_read_only() == "No");

  // The encryptor, as the compromised account, and a second account's writer.
  auto encryptor = lab.writer(lab.account, volume / "q3-forecast.xlsx.locked");
  auto second = lab.writer(lab.other, volume / "payroll.ods.locked");
  REQUIRE(child_running(encryptor->pid(), "sleep") != 0);
  REQUIRE(child_running(second->pid(), "sleep") != 0);

  // This machine's own files, as its PID 1 sees them (never printed).
  const std::string host_shadow = slurp("/proc/1/root/etc/shadow");
  const std::string host_smb_conf = slurp("/proc/1/root/etc/samba/smb.conf");

  const std::string shadow_before = PrivateEtc::shadow();
  const std::string account_hash = PrivateEtc::shadow_field("jdoe", 1);
  const std::string admin_hash = PrivateEtc::shadow_field("labadmin", 1);

  Process run(lab.responder_argv({"run", lab.playbook, "--incident", kIncident, "--var", std::string("share=") + kShare,
                                  "--var", "volume=" + volume.string(), "--var", "account=jdoe", "--var",
                                  "services=lab-scheduler", "--var", "admin=labadmin", "--var",
                                  "sources=203.0.113.50"}));

  auto waits_for = [&](const std::string& step) {
    if (run_waits_for(lab, run.pid(), step)) return true;
    auto ended = run.wait(std::chrono::seconds(5));
    MESSAGE("the run did not wait for approval of " << step << "; it printed:\n" << ended.out << ended.err);
    return false;
  };
  auto approve = [&](const std::string& step, const std::string& who) {
    auto approved = lab.responder({"approve", kIncident, step, "--as", who});
    CHECK_MESSAGE(approved.exit_code == 0, approved.out << approved.err);
    return approved.exit_code == 0;
  };

  // freeze-share waits for one person: by then the account is locked and
  // the encryptor ended; the other writer still runs and nothing is frozen.
  REQUIRE(waits_for("freeze-share"));
  CHECK(PrivateEtc::shadow_field("jdoe", 1) == "!" + account_hash);
  CHECK(encryptor->wait(std::chrono::seconds(10)).signal == SIGTERM);
  CHECK_FALSE(exited(second->pid()));
  CHECK(write_errno(seen_in_lab(lab.systemd, volume)) == 0);
  CHECK(slurp("/etc/samba/smb.conf") == lab.config_before);
  REQUIRE(approve("freeze-share", "alice"));

  REQUIRE(waits_for("no-remote-logins"));
  CHECK(lab.states("lab-scheduler.service") == "inactive/masked");  // stop-services came first
  CHECK(lab.systemd.property("ssh.service", "ActiveState") == "active");
  REQUIRE(approve("no-remote-logins", "alice"));

  // rotate-admin-password waits for two different people.
  const auto credentials = lab.home.incident() / "credentials" / "rotate-admin-password.txt";
  REQUIRE(waits_for("rotate-admin-password"));
  REQUIRE(approve("rotate-admin-password", "alice"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK_FALSE(std::filesystem::exists(credentials));
  CHECK(PrivateEtc::shadow_field("labadmin", 1) == admin_hash);
  REQUIRE(approve("rotate-admin-password", "bob"));

  auto done = run.wait(std::chrono::seconds(120));
  INFO(done.out << done.err);
  REQUIRE(done.exit_code == 0);

  // The volatile evidence came before any change.
  auto evidence_at = done.out.find("keep-volatile-evidence: applied");
  auto lock_at = done.out.find("lock-account: applied");
  REQUIRE(evidence_at != std::string::npos);
  REQUIRE(lock_at != std::string::npos);
  CHECK(evidence_at < lock_at);
  CHECK(done.out.find("ended 1 process(es) of jdoe") != std::string::npos);
  CHECK(done.out.find("rotate-admin-password: approved — by alice, bob") != std::string::npos);
  CHECK(done.out.find("failed-logins: applied") != std::string::npos);
  CHECK(done.out.find("logs: 6 failed logins and blocked probes from 1 address(es); 1 with at least 5") != std::string::npos);

  // The other writer was named and ended; the share and its volume are frozen.
  CHECK(second->wait(std::chrono::seconds(10)).signal == SIGKILL);
  CHECK(done.out.find("(sleep, user svc-sync)") != std::string::npos);
  CHECK(write_errno(seen_in_lab(lab.systemd, volume)) == EROFS);
  const std::string options_during = lab_mount_options(lab.systemd, volume);
  CHECK_MESSAGE(options_during.find("ro") == 0, options_during);
  for (auto* kept : {"nosuid", "nodev", "noexec"}) CHECK_MESSAGE(options_during.find(kept) != std::string::npos, options_during);
  CHECK(slurp("/etc/samba/smb.conf").find(std::string("incident ") + kIncident + " step freeze-share") != std::string::npos);
  CHECK(lab.share_read_only() == "Yes");
  CHECK(done.out.find("smbd reloaded it and closed its open connections") != std::string::npos);
  CHECK(lab.put("during.txt").exit_code != 0);
  CHECK_FALSE(std::filesystem::exists(volume / "during.txt"));

  // The account stays locked; services and remote logins are stopped.
  CHECK(PrivateEtc::shadow_field("jdoe", 1) == "!" + account_hash);
  CHECK(lab.states("lab-scheduler.service") == "inactive/masked");
  CHECK(lab.systemd.systemctl({"start", "lab-scheduler.service"}).exit_code != 0);
  CHECK(lab.systemd.property("ssh.service", "ActiveState") == "inactive");
  CHECK(lab.systemd.property("openvpn-server@office.service", "ActiveState") == "inactive");

  // The admin's new password is in the root-only file, and nowhere in the record.
  const std::string admin_now = PrivateEtc::shadow_field("labadmin", 1);
  CHECK(admin_now != admin_hash);
  std::string password;
  std::istringstream lines(slurp(credentials));
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("labadmin:", 0) == 0) password = line.substr(9);
  REQUIRE(password.size() == 24);
  CHECK((std::filesystem::status(credentials).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  const std::string journal = lab.home.journal();
  CHECK(journal.find(password) == std::string::npos);
  CHECK(journal.find(admin_hash) == std::string::npos);
  CHECK(journal.find(admin_now) == std::string::npos);
  CHECK(done.out.find(password) == std::string::npos);

  // Evidence sealed, report written, journal intact.
  auto verified = lab.responder({"evidence", "verify", kIncident});
  INFO(verified.out << verified.err);
  CHECK(verified.exit_code == 0);
  CHECK(lab.responder({"journal", kIncident, "--verify"}).exit_code == 0);
  std::size_t reports = 0;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(lab.home.incident() / "reports", ec)) {
    ++reports;
    CHECK(slurp(e.path()).find(password) == std::string::npos);
  }
  CHECK(reports >= 1);

  // Undo gives back the share, the volume, the services, remote access and
  // the account, exactly; the rotated password stays.
  auto undo = lab.responder({"undo", kIncident});
  INFO(undo.out << undo.err);
  REQUIRE(undo.exit_code == 0);
  CHECK(undo.out.find(std::string("Samba share [") + kShare + "] is writable again") != std::string::npos);
  CHECK(undo.out.find("remounted " + volume.string() + " as before (" + options_before + ")") != std::string::npos);
  CHECK(undo.out.find("unlocked the password of jdoe") != std::string::npos);
  CHECK(undo.out.find("unmasked lab-scheduler.service and started it again (active before)") != std::string::npos);
  CHECK(undo.out.find("started ssh.service again (active before)") != std::string::npos);
  CHECK(undo.out.find("started openvpn-server@office.service again (active before)") != std::string::npos);
  CHECK(slurp("/etc/samba/smb.conf") == lab.config_before);
  CHECK(lab.share_read_only() == "No");
  CHECK(lab_mount_options(lab.systemd, volume) == options_before);
  CHECK(write_errno(seen_in_lab(lab.systemd, volume)) == 0);
  put = lab.put("after.txt");
  CHECK_MESSAGE(put.exit_code == 0, put.out << put.err);
  CHECK(std::filesystem::exists(volume / "after.txt"));
  std::string expected = shadow_before;
  expected.replace(expected.find(admin_hash), admin_hash.size(), admin_now);
  CHECK(PrivateEtc::shadow() == expected);
  for (auto& [unit, state] : units_before) CHECK_MESSAGE(lab.states(unit) == state, unit);
  CHECK(lab.responder({"journal", kIncident, "--verify"}).exit_code == 0);
  CHECK(lab.responder({"status", kIncident}).out.find("no changes in force") != std::string::npos);

  // Nothing of it reached this machine: its shadow and smb.conf are as they
  // were, and the volume was never mounted in its mount namespace.
  bool host_shadow_same = slurp("/proc/1/root/etc/shadow") == host_shadow;
  bool host_smb_conf_same = slurp("/proc/1/root/etc/samba/smb.conf") == host_smb_conf;
  CHECK(host_shadow_same);
  CHECK(host_smb_conf_same);
  CHECK(slurp("/proc/1/mountinfo").find(volume.string()) == std::string::npos);
}
