// `responder drill` end to end, as root: the lab is built, attacked with
// real nmap and hping3 traffic, the shipped playbook runs inside the victim,
// the score comes from the journal and the victim's counters, and the lab is
// gone afterwards, with this machine itself unchanged. A drill killed with
// -9 leaves a lab that `drill --clean` removes.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "responder/json.h"
#include "responder/sha256.h"
#include "tests/support/process.h"
#include "tests/support/skip.h"

using namespace responder;
using namespace responder::testing;

namespace {

std::string drill_unavailable() {
  if (::geteuid() != 0) return "drills need root (namespaces, firewall, mounts); CI runs as root";
  for (const char* program : {"nmap", "hping3", "nft", "unshare", "nsenter"})
    if (run_process({"sh", "-c", std::string("command -v ") + program}).exit_code != 0)
      return std::string(program) + " is not installed (./setup.sh installs it)";
  if (!std::filesystem::exists("/usr/sbin/sshd")) return "sshd is not installed (./setup.sh installs openssh-server)";
  auto probe = run_process({"ip", "netns", "add", "rdrill-probe-" + std::to_string(::getpid())});
  if (probe.exit_code != 0) return "cannot create a network namespace: " + probe.err;
  run_process({"ip", "netns", "del", "rdrill-probe-" + std::to_string(::getpid())});
  return "";
}

std::set<std::string> netns_names(const std::string& prefix) {
  std::set<std::string> out;
  std::error_code ec;
  if (std::filesystem::is_directory("/run/netns", ec))
    for (auto& e : std::filesystem::directory_iterator("/run/netns", ec))
      if (e.path().filename().string().starts_with(prefix)) out.insert(e.path().filename().string());
  return out;
}

// What a drill must never change on this machine.
struct HostState {
  std::string ruleset, etc, mounts;
  bool operator==(const HostState&) const = default;
};
HostState host_state() {
  HostState s;
  s.ruleset = run_process({"nft", "-s", "list", "ruleset"}).out;
  for (const char* f : {"/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/samba/smb.conf", "/etc/ssh/sshd_config",
                        "/etc/hostname", "/etc/hosts"})
    s.etc += std::string(f) + " " + sha256_hex(slurp(f)) + "\n";
  for (auto& line : [&] {
         std::vector<std::string> lines;
         std::istringstream in(slurp("/proc/self/mountinfo"));
         std::string l;
         while (std::getline(in, l)) {
           std::istringstream f(l);
           std::string a, b, c, d, point, options;
           f >> a >> b >> c >> d >> point >> options;
           // Network namespaces other tests (and drills) bind come and go.
           if (point.starts_with("/run/netns")) continue;
           lines.push_back(point + " " + options);
         }
         std::sort(lines.begin(), lines.end());
         return lines;
       }())
    s.mounts += line + "\n";
  return s;
}

// The lab file's first host (the victim): its first process's PID, 0 before it exists.
long long first_host_pid(const json::object& lab) {
  auto* hosts = lab.if_contains("hosts");
  if (!hosts || !hosts->is_array() || hosts->as_array().empty()) return 0;
  return hosts->as_array()[0].at("pid").to_number<long long>();
}

std::vector<std::string> responder_argv(const TempDir& home, std::vector<std::string> args) {
  std::vector<std::string> a{RESPONDER_BINARY, "--home", (home / "incidents").string()};
  a.insert(a.end(), args.begin(), args.end());
  return a;
}

// A whole drill, given the minutes a loaded 2-core machine may need (a
// fleet of three with their own systemd takes 15-25 s on a quiet one).
ProcessResult run_drill(const TempDir& home, std::vector<std::string> args) {
  args.insert(args.begin(), "drill");
  Process drill(responder_argv(home, args), {"RESPONDER_CONFIG="}, std::filesystem::path(RESPONDER_SOURCE_DIR));
  return drill.wait(std::chrono::minutes(5));
}

// The drill's report renders, in Markdown and HTML, marked DRILL, with its
// score; the Markdown text.
std::string check_drill_report(const TempDir& home, const std::string& id) {
  auto reports = home / "incidents" / id / "reports";
  auto report = slurp(reports / ("drill-" + id + ".md"));
  CHECK(report.find("post-incident report (DRILL)") != std::string::npos);
  CHECK(report.find("## Drill score") != std::string::npos);
  CHECK(std::filesystem::exists(reports / ("drill-" + id + ".html")));
  return report;
}

}  // namespace

TEST_CASE("drill: the default drill detects the attack from the lab's own traffic, contains it (dropped at the victim, by its counters), undoes it, reports, and leaves this machine unchanged") {
  RESPONDER_SKIP_WHEN(drill_unavailable());
  TempDir home;
  const HostState before = host_state();

  auto done = run_drill(home, {"--incident", "DRILL-T1"});
  INFO(done.out, done.err);
  REQUIRE(done.exit_code == 0);
  // The attack came from the attacker host, and the analysis found it in the victim's capture.
  CHECK(done.out.find("drill: attack: port scan of ports 1-1024 (nmap -sS)") != std::string::npos);
  CHECK(done.out.find("traffic analysis: targeted, tcp-port-scan") != std::string::npos);
  CHECK(done.out.find("failed logins and blocked probes from 1 address(es)") != std::string::npos);
  CHECK(done.out.find("approved block-attacker as drill-approver-2 (answered by the drill)") != std::string::npos);
  // The account the attacker went for is locked (and unlocked by the undo); root's password is rotated, and stays so.
  CHECK(done.out.find("lock-compromised-accounts: verified") != std::string::npos);
  CHECK(done.out.find("lock-compromised-accounts: verified — ops: locked") != std::string::npos);
  CHECK(done.out.find("lock-compromised-accounts: undone") != std::string::npos);
  CHECK(done.out.find("unlocked the password of ops (as before the incident)") != std::string::npos);
  CHECK(done.out.find("rotate-elevated-credentials: verified") != std::string::npos);
  CHECK(done.out.find("drill: kept: root's password was rotated") != std::string::npos);
  CHECK(done.out.find("drill: attack dropped at the victim: ") != std::string::npos);
  CHECK(done.out.find("drill: first notification: ") != std::string::npos);
  CHECK(done.out.find("(step tell-incident-team delivered)") != std::string::npos);
  CHECK(done.out.find("drill: containment held: no attack packet got through") != std::string::npos);
  CHECK(done.out.find("drill: after the undo the attacker's packets reached the victim again (counters)") != std::string::npos);
  CHECK(done.out.find("drill: the lab is back to its start") != std::string::npos);
  CHECK(done.out.find("drill: drill passed") != std::string::npos);
  CHECK(done.out.find("lab torn down") != std::string::npos);

  // The record: a drill incident, its score journaled, its evidence and journal verify.
  auto incident = home / "incidents" / "DRILL-T1";
  auto journal = slurp(incident / "journal.jsonl");
  CHECK(journal.find("\"drill\":true") != std::string::npos);
  CHECK(journal.find("\"kind\":\"drill.scored\"") != std::string::npos);
  CHECK(run_process(responder_argv(home, {"journal", "DRILL-T1", "--verify"})).exit_code == 0);
  auto verified = run_process(responder_argv(home, {"evidence", "verify", "DRILL-T1"}));
  INFO(verified.out, verified.err);
  CHECK(verified.exit_code == 0);
  auto report = check_drill_report(home, "DRILL-T1");
  CHECK(report.find("**passed**") != std::string::npos);
  CHECK(std::filesystem::file_size(incident / "drill" / "capture.pcap") > 1000);
  // The need-to-know notice went to the lab's incident team, over the drill's file channel.
  auto notices = slurp(incident / "drill" / "notifications.jsonl");
  CHECK(notices.find("\"subject\":\"[DRILL-T1] targeted intrusion from 192.0.2.2\"") != std::string::npos);
  CHECK(notices.find("incident-team@drill.invalid") != std::string::npos);
  auto json_report = run_process(responder_argv(home, {"report", "DRILL-T1", "--format", "json"}));
  auto doc = parse_json(json_report.out).as_object();
  CHECK(doc.at("summary").at("drill_score").at("passed") == json::value(true));
  CHECK(run_process(responder_argv(home, {"incidents"})).out.find("(drill)") != std::string::npos);

  // Nothing left: no lab, no lab folder, and this machine as it was.
  auto named = done.out.find("(network namespaces rdrill-");
  REQUIRE(named != std::string::npos);
  const std::string token = done.out.substr(named + 27, 6);
  CHECK(netns_names("rdrill-" + token).empty());
  CHECK_FALSE(std::filesystem::exists("/run/responder/drills/" + token + ".json"));
  CHECK_FALSE(std::filesystem::exists(home / "incidents" / ".labs"));
  CHECK(host_state() == before);
}

TEST_CASE("drill: ddos-flood against a spoofed SYN flood limits the port, the playbook lifts the limit itself once the flood stopped, and the limit is measured at the victim") {
  RESPONDER_SKIP_WHEN(drill_unavailable());
  TempDir home;
  const HostState before = host_state();
  auto done = run_drill(home, {"ddos-flood", "--incident", "DRILL-D1"});
  INFO(done.out, done.err);
  REQUIRE(done.exit_code == 0);
  CHECK(done.out.find("traffic analysis: distributed, syn-flood; recommendation limit-port") != std::string::npos);
  CHECK(done.out.find("limit-port-total: verified") != std::string::npos);
  CHECK(done.out.find("tell-team-and-provider: verified — 2 delivered") != std::string::npos);
  CHECK(done.out.find("drill: attack: the attacker gives up") != std::string::npos);
  // The playbook's own de-escalation: the watch saw the flood stop, and lifted the limit.
  CHECK(done.out.find("lift-containment: verified") != std::string::npos);
  CHECK(done.out.find("drill: undoing the containment") == std::string::npos);
  CHECK(done.out.find("drill: the limit held: ") != std::string::npos);
  CHECK(done.out.find("drill: after the undo the attacker's packets reached the victim again") != std::string::npos);
  CHECK(done.out.find("drill: drill passed") != std::string::npos);
  auto report = check_drill_report(home, "DRILL-D1");
  CHECK(report.find("Scenario spoofed-syn-flood") != std::string::npos);
  CHECK(host_state() == before);
}

// Samba's own state folders on this machine: the lab's smbd and the
// attacker's smbclient keep theirs in the lab, so nothing here may change.
std::string samba_state_here() {
  return run_process({"sh", "-c", "find /var/lib/samba /var/cache/samba /run/samba -xdev -printf '%p %s %T@\\n' 2>/dev/null | sort"}).out;
}

TEST_CASE("drill: ransomware-outbreak on a file server with its own systemd and a real smbd share: the encryptor's writes are refused, the client isolated, and the lab's share, units and accounts come back, but for the rotated password") {
  RESPONDER_SKIP_WHEN(drill_unavailable());
  for (const char* tool : {"/usr/sbin/smbd", "/usr/bin/smbclient", "/usr/bin/smbpasswd", "/lib/systemd/systemd"})
    RESPONDER_SKIP_WHEN(::access(tool, X_OK) == 0 ? std::string() : std::string(tool) + " is not installed (./setup.sh installs samba, smbclient, systemd)");
  TempDir home;
  const HostState before = host_state();
  const std::string samba_before = samba_state_here();
  auto done = run_drill(home, {"ransomware-outbreak", "--incident", "DRILL-R1"});
  INFO(done.out, done.err);
  REQUIRE(done.exit_code == 0);
  CHECK(done.out.find("its own systemd") != std::string::npos);
  CHECK(done.out.find("drill: attack: encrypting the share") != std::string::npos);
  // Every containment of the playbook acted on the lab's own parts.
  for (const char* step : {"isolate-source-host: verified", "lock-account: verified", "freeze-share: verified", "stop-services: verified",
                           "no-remote-logins: verified", "rotate-admin-password: verified"})
    CHECK_MESSAGE(done.out.find(step) != std::string::npos, step);
  CHECK(done.out.find("drill: detected: ") != std::string::npos);
  CHECK(done.out.find("named the attacker 192.0.2.2 in the victim's logs") != std::string::npos);
  CHECK(done.out.find("drill: the share refused the attacker's writes: ") != std::string::npos);
  CHECK(done.out.find("drill: containment held: no attack packet got through") != std::string::npos);
  CHECK(done.out.find("drill: kept: root's password was rotated") != std::string::npos);
  CHECK(done.out.find("drill: the lab is back to its start") != std::string::npos);
  CHECK(done.out.find("drill: drill passed") != std::string::npos);
  CHECK(done.out.find("lab torn down") != std::string::npos);

  // The score's own record of the share: the attacker wrote, and nothing after containment.
  auto journal = slurp(home / "incidents" / "DRILL-R1" / "journal.jsonl");
  CHECK(journal.find("\"written_after_containment\":0") != std::string::npos);
  CHECK(run_process(responder_argv(home, {"journal", "DRILL-R1", "--verify"})).exit_code == 0);
  auto verified = run_process(responder_argv(home, {"evidence", "verify", "DRILL-R1"}));
  INFO(verified.out, verified.err);
  CHECK(verified.exit_code == 0);
  auto report = check_drill_report(home, "DRILL-R1");
  CHECK(report.find("Scenario guess-and-encrypt") != std::string::npos);

  // Nothing of the lab is left: its systemd's control group included.
  auto named = done.out.find("(network namespaces rdrill-");
  REQUIRE(named != std::string::npos);
  const std::string token = done.out.substr(named + 27, 6);
  CHECK(netns_names("rdrill-" + token).empty());
  for (const char* hierarchy : {"/sys/fs/cgroup/", "/sys/fs/cgroup/systemd/", "/sys/fs/cgroup/unified/"})
    CHECK_FALSE(std::filesystem::exists(std::string(hierarchy) + "responder-drill-" + token));
  CHECK(host_state() == before);
  CHECK(samba_state_here() == samba_before);
}

TEST_CASE("drill: fleet-block over a fleet of three namespace hosts from the management host: the source web1's capture names is blocked on every host, by each host's counters, and undone on all") {
  RESPONDER_SKIP_WHEN(drill_unavailable());
  TempDir home;
  const HostState before = host_state();
  auto done = run_drill(home, {"fleet-block", "--incident", "DRILL-F1"});
  INFO(done.out, done.err);
  REQUIRE(done.exit_code == 0);
  CHECK(done.out.find("drill: lab: host web3 at 192.0.2.13") != std::string::npos);
  CHECK(done.out.find("drill: alert: `responder analyze` of web1's capture found a targeted attack from 192.0.2.2") != std::string::npos);
  // Through the inventory's namespace hosts, one by one, each in its own firewall.
  for (const char* host : {"web1", "web2", "web3"}) {
    CHECK(done.out.find(std::string("block-on-fleet on ") + host + ": verified") != std::string::npos);
    CHECK(done.out.find(std::string("block-on-fleet on ") + host + ": undone") != std::string::npos);
    CHECK(done.out.find(std::string("drill: ") + host + ": attack dropped ") != std::string::npos);
  }
  CHECK(done.out.find("drill: attack dropped on every host: ") != std::string::npos);
  CHECK(done.out.find("drill: containment held: no attack packet got through") != std::string::npos);
  CHECK(done.out.find("drill: after the undo the attacker's packets reached every host again (counters)") != std::string::npos);
  CHECK(done.out.find("drill: drill passed") != std::string::npos);
  // The journal names each host's reach: the namespace transport, never this machine.
  auto journal = slurp(home / "incidents" / "DRILL-F1" / "journal.jsonl");
  CHECK(journal.find("\"transport\":\"namespace\"") != std::string::npos);
  CHECK(journal.find("\"transport\":\"local\"") == std::string::npos);
  check_drill_report(home, "DRILL-F1");
  CHECK(host_state() == before);
}

// What each fleet host's dpkg holds of the drill's package must stay in
// the lab: this machine's dpkg database never learns of it.
bool drill_package_here() { return run_process({"dpkg-query", "-W", "lab-smbfix"}).exit_code == 0; }

TEST_CASE("drill: worm-outbreak over a fleet with real smbd and nmbd: the worm's ports are blocked both ways on every host, its services stopped and masked by each host's systemd, the signed fix pushed canary first into each host's own dpkg, and the containment lifted while the fix stays") {
  RESPONDER_SKIP_WHEN(drill_unavailable());
  for (const char* tool : {"/usr/sbin/smbd", "/usr/sbin/nmbd", "/lib/systemd/systemd", "/usr/bin/dpkg-deb"})
    RESPONDER_SKIP_WHEN(::access(tool, X_OK) == 0 ? std::string() : std::string(tool) + " is not installed (./setup.sh installs samba, systemd)");
  TempDir home;
  const HostState before = host_state();
  auto done = run_drill(home, {"worm-outbreak", "--incident", "DRILL-W1"});
  INFO(done.out, done.err);
  REQUIRE(done.exit_code == 0);
  CHECK(done.out.find("drill: lab: the patch: lab-smbfix 1.0.0 on every host, 1.0.1 built and signed") != std::string::npos);
  CHECK(done.out.find("tell-everyone: verified — 2 delivered") != std::string::npos);
  for (const char* host : {"web1", "web2", "web3"}) {
    CHECK(done.out.find(std::string("block-worm-ports on ") + host + ": verified") != std::string::npos);
    CHECK(done.out.find(std::string("stop-vulnerable-services on ") + host + ": verified — smbd.service inactive, masked; nmbd.service inactive, masked") !=
          std::string::npos);
    CHECK(done.out.find(std::string("push-patch on ") + host + ": verified — has 1.0.1") != std::string::npos);
  }
  // Canary first, then the waves.
  auto canary = done.out.find("push-patch: canary — 1 host(s)");
  auto wave = done.out.find("push-patch: wave 1");
  CHECK(canary != std::string::npos);
  CHECK(wave != std::string::npos);
  CHECK(canary < wave);
  CHECK(done.out.find("drill: attack dropped on every host: ") != std::string::npos);
  CHECK(done.out.find("drill: patched: ") != std::string::npos);
  CHECK(done.out.find("every host (3) has lab-smbfix 1.0.1, by its own dpkg") != std::string::npos);
  // The containment is undone; the patch stays.
  CHECK(done.out.find("(responder undo DRILL-W1 --step stop-vulnerable-services --step block-worm-ports)") != std::string::npos);
  CHECK(done.out.find("push-patch on web1: undone") == std::string::npos);
  CHECK(done.out.find("drill: after the undo the attacker's packets reached every host again (counters)") != std::string::npos);
  CHECK(done.out.find("drill: the lab is back to its start") != std::string::npos);
  CHECK(done.out.find("drill: drill passed") != std::string::npos);
  CHECK_FALSE(drill_package_here());
  check_drill_report(home, "DRILL-W1");
  CHECK(host_state() == before);
}

TEST_CASE("drill: emergency-patch on a vendor's advisory pushes the drill's signed fix to a fleet, canary then waves, with nothing to detect or contain, and this machine's dpkg never sees it") {
  RESPONDER_SKIP_WHEN(drill_unavailable());
  RESPONDER_SKIP_WHEN(::access("/usr/bin/dpkg-deb", X_OK) == 0 ? std::string() : std::string("dpkg-deb is not installed"));
  TempDir home;
  const HostState before = host_state();
  auto done = run_drill(home, {"emergency-patch", "--incident", "DRILL-E1"});
  INFO(done.out, done.err);
  REQUIRE(done.exit_code == 0);
  CHECK(done.out.find("drill: no attack: the playbook starts on a vendor's advisory") != std::string::npos);
  CHECK(done.out.find("approved push-patch as drill-approver-1 (answered by the drill)") != std::string::npos);
  CHECK(done.out.find("drill: detected: nothing to detect") != std::string::npos);
  CHECK(done.out.find("drill: patched: ") != std::string::npos);
  CHECK(done.out.find("after the advisory (every host (3) has lab-smbfix 1.0.1") != std::string::npos);
  CHECK(done.out.find("drill: drill passed") != std::string::npos);
  // The signature the release checked is the drill's own, of the fix.
  auto journal = slurp(home / "incidents" / "DRILL-E1" / "journal.jsonl");
  CHECK(journal.find("lab-smbfix_1.0.1_all.deb") != std::string::npos);
  CHECK_FALSE(drill_package_here());
  check_drill_report(home, "DRILL-E1");
  CHECK(host_state() == before);
}

TEST_CASE("drill: with --approvers the team approves for real, and the drill waits for them and does not answer") {
  RESPONDER_SKIP_WHEN(drill_unavailable());
  TempDir home;
  Process drill(responder_argv(home, {"drill", "--incident", "DRILL-A1", "--approvers", "alice,bob"}), {"RESPONDER_CONFIG="},
                std::filesystem::path(RESPONDER_SOURCE_DIR));
  // The drill names who must approve once the run waits; nobody else
  // approves. Each step that waits (the block, then the rotation) is
  // approved by the team.
  const auto journal = home / "incidents" / "DRILL-A1" / "journal.jsonl";
  auto waiting_for = [&](const std::string& step) {
    std::istringstream lines(slurp(journal));
    for (std::string line; std::getline(lines, line);)
      if (line.find("\"kind\":\"approval.waiting\"") != std::string::npos && line.find("\"step\":\"" + step + "\"") != std::string::npos)
        return true;
    return false;
  };
  for (const char* step : {"block-attacker", "rotate-elevated-credentials"}) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    while (std::chrono::steady_clock::now() < until && !waiting_for(step)) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    REQUIRE_MESSAGE(waiting_for(step), step);
    if (std::string(step) == "block-attacker") {
      std::this_thread::sleep_for(std::chrono::milliseconds(600));
      CHECK(slurp(journal).find("\"kind\":\"approval\"") == std::string::npos);
    }
    for (const char* who : {"alice", "bob"}) {
      auto approved = run_process(responder_argv(home, {"approve", "DRILL-A1", step, "--as", who}));
      INFO(approved.out, approved.err);
      CHECK(approved.exit_code == 0);
    }
  }
  auto done = drill.wait(std::chrono::seconds(120));
  INFO(done.out, done.err);
  CHECK(done.exit_code == 0);
  CHECK(done.out.find("drill: step block-attacker waits for 2 approval(s) from the team: alice, bob") != std::string::npos);
  CHECK(done.out.find("block-attacker: approved — by alice, bob") != std::string::npos);
  CHECK(done.out.find("rotate-elevated-credentials: approved — by alice, bob") != std::string::npos);
  CHECK(done.out.find("drill-approver") == std::string::npos);
  CHECK(done.out.find("drill: drill passed") != std::string::npos);
}

TEST_CASE("drill: a drill killed with -9 takes its victim and attack down with it, and drill --clean removes the rest, leaving other labs alone") {
  RESPONDER_SKIP_WHEN(drill_unavailable());
  TempDir home;
  Process drill(responder_argv(home, {"drill", "--incident", "DRILL-T2"}), {"RESPONDER_CONFIG="}, std::filesystem::path(RESPONDER_SOURCE_DIR));
  // Wait until its lab exists and the attack has begun.
  std::filesystem::path record;
  json::object lab;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < until) {
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator("/run/responder/drills", ec)) {
      auto text = slurp(e.path());
      if (text.find("\"DRILL-T2\"") == std::string::npos) continue;
      auto parsed = parse_json(text).as_object();
      if (first_host_pid(parsed) > 0) {
        record = e.path();
        lab = parsed;
      }
    }
    if (!record.empty() && slurp(home / "incidents" / ".labs" / "DRILL-T2" / "attack.log").size() > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE_FALSE(record.empty());
  const auto victim = static_cast<pid_t>(first_host_pid(lab));
  const std::string attacker_netns(lab.at("attacker_netns").as_string());
  CHECK(std::filesystem::exists("/run/netns/" + attacker_netns));

  // While the drill runs, --clean leaves its lab alone.
  auto early = run_process(responder_argv(home, {"drill", "--clean"}));
  CHECK(early.exit_code == 0);
  CHECK(std::filesystem::exists("/run/netns/" + attacker_netns));

  ::kill(drill.pid(), SIGKILL);
  drill.wait(std::chrono::seconds(10));
  // The victim's namespaces died with the drill (PR_SET_PDEATHSIG).
  CHECK(eventually([&] { return !std::filesystem::exists("/proc/" + std::to_string(victim) + "/ns/net"); }));
  // No attack process is left in its attacker's namespace.
  struct stat attacker_ns {};
  REQUIRE(::stat(("/run/netns/" + attacker_netns).c_str(), &attacker_ns) == 0);
  std::istringstream pids(run_process({"pgrep", "-x", "hping3"}).out);
  for (std::string pid; pids >> pid;) {
    struct stat theirs {};
    if (::stat(("/proc/" + pid + "/ns/net").c_str(), &theirs) == 0) CHECK(theirs.st_ino != attacker_ns.st_ino);
  }
  // The named namespaces and the lab file remain, for --clean.
  CHECK(std::filesystem::exists("/run/netns/" + attacker_netns));
  auto cleaned = run_process(responder_argv(home, {"drill", "--clean"}));
  INFO(cleaned.out, cleaned.err);
  CHECK(cleaned.exit_code == 0);
  CHECK(cleaned.out.find("removed lab of drill DRILL-T2") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists("/run/netns/" + attacker_netns));
  CHECK_FALSE(std::filesystem::exists(record));
  CHECK_FALSE(std::filesystem::exists(home / "incidents" / ".labs" / "DRILL-T2"));
}

TEST_CASE("drill: --keep leaves the whole lab running after the drill, and --clean then removes it") {
  RESPONDER_SKIP_WHEN(drill_unavailable());
  TempDir home;
  auto done = run_drill(home, {"ddos-flood", "--incident", "DRILL-K1", "--keep"});
  INFO(done.out, done.err);
  REQUIRE(done.exit_code == 0);
  auto named = done.out.find("(network namespaces rdrill-");
  REQUIRE(named != std::string::npos);
  const std::string token = done.out.substr(named + 27, 6);
  auto lab = parse_json(slurp("/run/responder/drills/" + token + ".json")).as_object();
  CHECK(lab.at("kept") == json::value(true));
  const auto victim = first_host_pid(lab);
  // The victim still runs, in its own network namespace, with its address.
  CHECK(std::filesystem::exists("/proc/" + std::to_string(victim) + "/ns/net"));
  auto address = run_process({"nsenter", "-t", std::to_string(victim), "-n", "ip", "-4", "addr", "show", "dev", "eth0"});
  CHECK(address.out.find("192.0.2.1/24") != std::string::npos);
  CHECK(std::filesystem::exists("/run/netns/rdrill-" + token + "-attacker"));
  auto cleaned = run_process(responder_argv(home, {"drill", "--clean"}));
  INFO(cleaned.out, cleaned.err);
  CHECK(cleaned.exit_code == 0);
  CHECK(cleaned.out.find("removed lab of drill DRILL-K1") != std::string::npos);
  CHECK(eventually([&] { return !std::filesystem::exists("/proc/" + std::to_string(victim) + "/ns/net"); }));
  CHECK(netns_names("rdrill-" + token).empty());
  CHECK_FALSE(std::filesystem::exists(home / "incidents" / ".labs" / "DRILL-K1"));
}

TEST_CASE("drill: a playbook with no drill scenario is bad input naming the drills there are, and nothing is built") {
  TempDir home;
  // A playbook of one's own, which no scenario rehearses.
  auto own = home.write("own.yaml", "name: our-own\nstages:\n  isolate-and-contain:\n    - id: note\n      module: note.add\n      with: {text: hello}\n");
  auto r = run_process(responder_argv(home, {"drill", own.string()}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no drill scenario for playbook our-own") != std::string::npos);
  CHECK(r.err.find("worm-outbreak --scenario smb-worm") != std::string::npos);
  CHECK(r.err.find("targeted-intrusion --scenario scan-and-guess") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(home / "incidents"));
  auto unknown = run_process(responder_argv(home, {"drill", "no-such-playbook"}));
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("no shipped playbook named no-such-playbook") != std::string::npos);
}

TEST_CASE("drill: without root it says what is missing and shows the plan instead, changing nothing") {
  if (::geteuid() == 0) {
    // As root, drop to nobody for this one run.
    TempDir home;
    std::filesystem::permissions(home.path(), std::filesystem::perms::all);
    auto r = run_process({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", RESPONDER_BINARY, "--home",
                          (home / "incidents").string(), "drill"},
                         {"RESPONDER_CONFIG="}, std::filesystem::path(RESPONDER_SOURCE_DIR));
    INFO(r.out, r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("this machine lacks:\n  - root") != std::string::npos);
    CHECK(r.out.find("plan of targeted-intrusion") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(home / "incidents"));
  } else {
    TempDir home;
    auto r = run_process(responder_argv(home, {"drill"}), {"RESPONDER_CONFIG="}, std::filesystem::path(RESPONDER_SOURCE_DIR));
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("- root") != std::string::npos);
    CHECK(r.out.find("plan of targeted-intrusion") != std::string::npos);
  }
}
