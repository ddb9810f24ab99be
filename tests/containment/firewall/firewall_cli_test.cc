// firewall.block through the real command line inside the lab's victim
// namespace: run, status, confirm, drift and `resume --reconcile`, undo, and
// the lock-out refusal. What a responder types, against the real kernel.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "tests/containment/netns_step.h"
#include "tests/support/process.h"

using namespace responder;
using namespace responder::lab;

namespace {

constexpr int kPort = 8081;

struct CliLab {
  NetnsLab net;
  responder::testing::TempDir dir;

  responder::testing::ProcessResult responder(std::vector<std::string> args) const {
    std::vector<std::string> argv = {"ip", "netns", "exec", net.victim, RESPONDER_BINARY, "--home",
                                     (dir / "incidents").string(), "--allow", "198.51.100.0/24", "--allow",
                                     "2001:db8:b::/64"};
    argv.insert(argv.end(), args.begin(), args.end());
    return responder::testing::run_process(argv, {"RESPONDER_CONFIG=", "SSH_CONNECTION="});
  }
  std::string journal(const std::string& id) const { return responder::testing::slurp(dir / "incidents" / id / "journal.jsonl"); }
};

}  // namespace

TEST_CASE("firewall.block from the command line - confirm, drift, reconcile and undo") {
  RESPONDER_REQUIRE_LAB();
  CliLab lab;
  TcpListener listener(lab.net.victim, kPort);
  std::string before = lab.net.ruleset();
  auto playbook = lab.dir.write("block.yaml", R"(name: block-attacker
stages:
  isolate-and-contain:
    - id: block
      module: firewall.block
      with: {addresses: [192.0.2.2, "2001:db8:a::2"], direction: both, confirm_within: 5m}
)");
  REQUIRE(tcp_connects(lab.net.attacker, NetnsLab::kVictimToAttacker4, kPort));

  auto run = lab.responder({"run", playbook.string(), "--incident", "FW1"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK_FALSE(tcp_connects(lab.net.attacker, NetnsLab::kVictimToAttacker4, kPort));
  CHECK_FALSE(tcp_connects(lab.net.attacker, NetnsLab::kVictimToAttacker6, kPort));
  CHECK(tcp_connects(lab.net.management, NetnsLab::kVictimToManagement4, kPort));
  auto armed = lab.responder({"status", "FW1"});
  CHECK(armed.out.find("block [firewall.block] in effect") != std::string::npos);
  // When the switch releases it, as a moment and the time left.
  CHECK(armed.out.find("dead-man switch: lifted at 20") != std::string::npos);
  CHECK(armed.out.find("(in 4m") != std::string::npos);
  CHECK(armed.out.find("unless confirmed") != std::string::npos);

  auto confirm = lab.responder({"confirm", "FW1", "block"});
  INFO(confirm.out << confirm.err);
  CHECK(confirm.exit_code == 0);
  CHECK(lab.journal("FW1").find("\"kind\":\"step.confirmed\"") != std::string::npos);

  // Someone restarts nftables: every table is gone, ours too.
  REQUIRE(lab.net.in_victim({"nft", "flush", "ruleset"}).status == 0);
  CHECK(tcp_connects(lab.net.attacker, NetnsLab::kVictimToAttacker4, kPort));
  auto drift = lab.responder({"status", "FW1"});
  CHECK(drift.out.find("NOT in effect (drift)") != std::string::npos);

  auto reconcile = lab.responder({"resume", "FW1", "--reconcile"});
  INFO(reconcile.out << reconcile.err);
  CHECK(reconcile.exit_code == 0);
  CHECK(lab.journal("FW1").find("\"kind\":\"step.reconciled\"") != std::string::npos);
  CHECK_FALSE(tcp_connects(lab.net.attacker, NetnsLab::kVictimToAttacker4, kPort));
  auto kept = lab.responder({"status", "FW1"});
  CHECK(kept.out.find("block [firewall.block] in effect") != std::string::npos);
  CHECK(kept.out.find("no expiry: in force until undone") != std::string::npos);
  CHECK(kept.out.find("dead-man switch: lifted at") == std::string::npos);

  auto undo = lab.responder({"undo", "FW1"});
  INFO(undo.out << undo.err);
  CHECK(undo.exit_code == 0);
  CHECK(undo.out.find("lifted: drop traffic from and to 192.0.2.2, 2001:db8:a::2") != std::string::npos);
  CHECK(undo.out.find("removed its 4 entries from table inet responder") != std::string::npos);
  CHECK(tcp_connects(lab.net.attacker, NetnsLab::kVictimToAttacker4, kPort));
  CHECK(lab.net.ruleset().find("\"responder\"") == std::string::npos);
  CHECK(lab.responder({"journal", "FW1", "--verify"}).exit_code == 0);
}

TEST_CASE("a block that would cut off a management range is refused with exit 3 and nothing applied") {
  RESPONDER_REQUIRE_LAB();
  CliLab lab;
  std::string before = lab.net.ruleset();
  auto playbook = lab.dir.write("lockout.yaml", R"(name: lockout
stages:
  isolate-and-contain:
    - id: block-attacker
      module: firewall.block
      with: {addresses: [192.0.2.2]}
    - id: block-too-much
      module: firewall.block
      with: {addresses: ["198.51.0.0/16"]}
)");
  auto plan = lab.responder({"plan", playbook.string()});
  CHECK(plan.exit_code == 3);
  CHECK(plan.out.find("REFUSED") != std::string::npos);
  // The plan speaks of addresses and sets; --verbose adds the transaction,
  // one nftables command a line.
  CHECK(plan.out.find("add 1 to set src4: 192.0.2.2") != std::string::npos);
  CHECK(plan.out.find("{\"add\"") == std::string::npos);
  auto verbose = lab.responder({"plan", playbook.string(), "--verbose"});
  CHECK(verbose.out.find("        transaction:\n          {\"metainfo\"") != std::string::npos);
  CHECK(verbose.out.find("\n          {\"create\":{\"element\":{\"name\":\"src4\",\"elem\":[\"192.0.2.2\"]") != std::string::npos);
  auto run = lab.responder({"run", playbook.string(), "--incident", "FW2"});
  CHECK(run.exit_code == 3);
  CHECK(run.out.find("management range 198.51.100.0/24") != std::string::npos);
  // The first step was applied and stays recorded, so it can be undone.
  REQUIRE(lab.responder({"undo", "FW2"}).exit_code == 0);
  CHECK(lab.net.ruleset() == before);
}

TEST_CASE("a block that expired is shown as ended by itself, not as drift, and neither reconcile nor undo claims it") {
  RESPONDER_REQUIRE_LAB();
  CliLab lab;
  auto playbook = lab.dir.write("short.yaml", R"(name: short-block
stages:
  isolate-and-contain:
    - id: block-short
      module: firewall.block
      with: {addresses: [192.0.2.2], expires: 2s}
)");
  auto run = lab.responder({"run", playbook.string(), "--incident", "FWX"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(lab.responder({"status", "FWX"}).out.find("expires at ") != std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(3200));
  auto status = lab.responder({"status", "FWX"});
  INFO(status.out);
  CHECK(status.out.find("block-short [firewall.block] ended by itself: expired at ") != std::string::npos);
  CHECK(status.out.find("drift") == std::string::npos);
  auto listed = lab.responder({"incidents", "--json"});
  INFO(listed.out);
  CHECK(listed.out.find("\"in_force\":0") != std::string::npos);
  auto reconcile = lab.responder({"resume", "FWX", "--reconcile"});
  INFO(reconcile.out << reconcile.err);
  CHECK(reconcile.out.find("block-short: not reconciled — ended by itself: expired at") != std::string::npos);
  CHECK(lab.journal("FWX").find("\"kind\":\"step.reconciled\",\"prev\"") != std::string::npos);
  CHECK(lab.journal("FWX").find("\"ended\":\"expired at ") != std::string::npos);
  CHECK(lab.net.in_victim({"nft", "list", "set", "inet", "responder", "src4"}).out.find("192.0.2.2") == std::string::npos);
  auto undo = lab.responder({"undo", "FWX"});
  INFO(undo.out << undo.err);
  CHECK(undo.exit_code == 0);
  CHECK(undo.out.find("nothing was left to lift: it had ended by itself (expired at") != std::string::npos);
}
