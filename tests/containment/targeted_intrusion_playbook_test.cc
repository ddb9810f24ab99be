// The shipped targeted-intrusion playbook end to end, in a namespace of its
// own, on the corpus's real port-scan capture and an sshd log of password
// guessing: it keeps the volatile evidence before it changes anything, waits
// for two people, blocks the attacker in the namespace's firewall (and only
// there), collects and analyses the log, seals the evidence so that
// `evidence verify` holds, writes the report, and `undo` lets the attacker's
// traffic through again.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/containment/netns_step.h"
#include "tests/support/process.h"

using namespace responder;
using namespace responder::lab;
using namespace responder::testing;

namespace {

constexpr int kPort = 8082;

struct IntrusionRun {
  NetnsLab lab;
  TempDir home;
  std::string playbook = std::string(RESPONDER_SOURCE_DIR) + "/playbooks/targeted-intrusion.yaml";

  // In the victim's namespace, as the run: never this machine's firewall.
  std::vector<std::string> argv(const std::vector<std::string>& args) const {
    std::vector<std::string> a{"ip", "netns", "exec", lab.victim, RESPONDER_BINARY, "--home", (home / "incidents").string()};
    a.insert(a.end(), args.begin(), args.end());
    return a;
  }
  ProcessResult responder(const std::vector<std::string>& args) const { return run_process(argv(args), {"RESPONDER_CONFIG="}); }
};

// What sshd writes when someone guesses passwords.
std::string guessing_log(const std::string& from) {
  std::string log;
  for (int i = 0; i < 6; ++i)
    log += "Dec  4 03:1" + std::to_string(i) + ":0" + std::to_string(i) + " victim sshd[41" + std::to_string(i) +
           "]: Failed password for invalid user admin from " + from + " port " + std::to_string(50000 + i) + " ssh2\n";
  log += "Dec  4 03:17:00 victim sshd[420]: Accepted publickey for ops from 198.51.100.2 port 40000 ssh2\n";
  return log;
}

}  // namespace

TEST_CASE("targeted-intrusion on a real port-scan capture blocks the attacker after two approvals, seals the evidence, and undo lets it through again") {
  RESPONDER_REQUIRE_LAB();
  IntrusionRun r;
  TcpListener listener(r.lab.victim, kPort);
  REQUIRE(tcp_connects(r.lab.attacker, NetnsLab::kVictimToAttacker4, kPort));
  auto auth_log = r.home.write("auth.log", guessing_log(NetnsLab::kAttacker4));

  Process run(r.argv({"run", r.playbook, "--incident", "TI-1", "--var", std::string("attacker=") + NetnsLab::kAttacker4, "--var",
                      "capture=" + std::string(RESPONDER_CORPUS_DIR) + "/pcaps/nmap_80_all.pcap", "--var",
                      "auth_log=" + auth_log.string()}),
              {"RESPONDER_CONFIG="});
  // block-attacker waits for two distinct people, asked once the run has
  // reached it (evidence first).
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  bool waiting = false;
  while (!waiting && std::chrono::steady_clock::now() < until) {
    waiting = r.responder({"status", "TI-1"}).out.find("block-attacker [firewall.block] waiting for approval") != std::string::npos;
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  REQUIRE(waiting);
  CHECK(r.responder({"approve", "TI-1", "block-attacker", "--as", "alice"}).exit_code == 0);
  // One approval is not enough: the run still waits, and the attacker still gets through.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(r.responder({"status", "TI-1"}).out.find("block-attacker [firewall.block] waiting for approval — approvals 1/2 (alice)") !=
        std::string::npos);
  CHECK(tcp_connects(r.lab.attacker, NetnsLab::kVictimToAttacker4, kPort));
  REQUIRE(r.responder({"approve", "TI-1", "block-attacker", "--as", "bob"}).exit_code == 0);
  auto done = run.wait(std::chrono::seconds(90));
  INFO(done.out, done.err);
  REQUIRE(done.exit_code == 0);

  // The analyzer read the capture; the evidence came before the block.
  CHECK(done.out.find("traffic analysis: targeted, tcp-port-scan") != std::string::npos);
  auto evidence_at = done.out.find("keep-volatile-evidence: applied");
  auto block_at = done.out.find("block-attacker: applied");
  REQUIRE(evidence_at != std::string::npos);
  REQUIRE(block_at != std::string::npos);
  CHECK(evidence_at < block_at);
  CHECK(done.out.find("block-attacker: approved — by alice, bob") != std::string::npos);
  // With no contacts configured the notice is skipped, said so, and containment goes on.
  CHECK(done.out.find("not sent: the configuration names no contacts file (`contacts:`), and the step says if_unconfigured: skip") !=
        std::string::npos);
  CHECK(done.out.find("logs: 6 failed logins and blocked probes from 1 address(es); 1 with at least 5") != std::string::npos);

  // Blocked in the namespace's firewall; the management network still reaches it.
  CHECK_FALSE(tcp_connects(r.lab.attacker, NetnsLab::kVictimToAttacker4, kPort));
  CHECK(tcp_connects(r.lab.management, NetnsLab::kVictimToManagement4, kPort));
  auto set = r.lab.in_victim({"nft", "list", "set", "inet", "responder", "src4"});
  CHECK(set.out.find(NetnsLab::kAttacker4) != std::string::npos);

  // Legal staff's checks: the sealed bundle and the journal hold.
  auto verified = r.responder({"evidence", "verify", "TI-1"});
  INFO(verified.out, verified.err);
  CHECK(verified.exit_code == 0);
  CHECK(r.responder({"journal", "TI-1", "--verify"}).exit_code == 0);
  CHECK(std::filesystem::exists(r.home / "incidents" / "TI-1" / "report.md"));
  auto report = r.responder({"report", "TI-1", "--format", "json"});
  CHECK(report.exit_code == 0);
  CHECK(report.out.find("block-attacker") != std::string::npos);

  auto undone = r.responder({"undo", "TI-1"});
  INFO(undone.out, undone.err);
  CHECK(undone.exit_code == 0);
  CHECK(undone.out.find(std::string("lifted: drop traffic from and to ") + NetnsLab::kAttacker4) != std::string::npos);
  CHECK(tcp_connects(r.lab.attacker, NetnsLab::kVictimToAttacker4, kPort));
  CHECK(r.responder({"status", "TI-1"}).out.find("no changes in force") != std::string::npos);
}
