// Approvals through the real binary: a run waiting in one process, people
// approving from others, with real ssh-keygen keys and signatures.
#include <doctest/doctest.h>
#include <unistd.h>

#include <csignal>
#include <thread>

#include "tests/responder/approver_keys.h"
#include "tests/responder/engine_lab.h"
#include "tests/support/skip.h"

using namespace responder;
using namespace responder::testing;

namespace {

std::string gated_playbook(const EngineLab& lab, int approvals) {
  return "name: a\nstages:\n  isolate-and-contain:\n    - id: gated\n      module: test.mark\n      with: {file: " +
         lab.marks.string() + "}\n      approval: " + std::to_string(approvals) + "\n";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("without approvers: 'alice' and 'Alice ' are one person and everything says approvals are unauthenticated") {
  EngineLab lab;
  auto runner = lab.start({"run", lab.playbook(gated_playbook(lab, 2)).string(), "--incident", "N1"});
  wait_until_waiting(lab, "N1");
  auto first = lab.responder({"approve", "N1", "gated", "--as", "alice"});
  CHECK(first.exit_code == 0);
  CHECK(contains(first.err, "approvals are unauthenticated"));
  auto second = lab.responder({"approve", "N1", "gated", "--as", "Alice "});
  CHECK(second.exit_code == 0);
  CHECK(contains(second.out, "counts once"));
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  CHECK_FALSE(std::filesystem::exists(lab.marks));
  auto status = lab.responder({"status", "N1"});
  CHECK(contains(status.out, "approvals 1/2 (alice) unauthenticated"));
  CHECK(contains(status.out, "warning: approvals are unauthenticated"));
  runner->signal(SIGINT);
  auto result = runner->wait();
  CHECK(result.exit_code == 4);
  CHECK(contains(result.out, "UNAUTHENTICATED"));
}

TEST_CASE("signed approvals through the binary: refusals record nothing, one key counts once, a signature made elsewhere") {
  RESPONDER_SKIP_WHEN(have_ssh_keygen() ? "" : "ssh-keygen is not installed (Debian package openssh-client)");
  EngineLab lab;
  ApproverKeys keys{"alice", "bob", "mallory"};
  auto config = keys.config(keys.entry("alice", "alice") + keys.entry("bob", "bob") + "  carol: {os_user: carol}\n");
  auto approve = [&](std::vector<std::string> extra, std::vector<std::string> env = {}) {
    std::vector<std::string> args = {"approve", "S1", "gated", "--config", config.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return lab.responder(args, env);
  };
  auto runner = lab.start({"run", lab.playbook(gated_playbook(lab, 2)).string(), "--incident", "S1", "--config",
                           config.string()});
  wait_until_waiting(lab, "S1");

  auto stranger = approve({"--as", "mallory", "--key", keys.key.at("mallory").string()});
  CHECK(stranger.exit_code == 3);
  CHECK(contains(stranger.err, "not one of the approvers"));
  auto unsigned_bob = approve({"--as", "bob"});
  CHECK(unsigned_bob.exit_code == 3);
  CHECK(contains(unsigned_bob.err, "must sign"));
  auto wrong_key = approve({"--as", "bob", "--key", keys.key.at("alice").string()});
  CHECK(wrong_key.exit_code == 3);
  CHECK(contains(wrong_key.err, "does not verify for bob"));
  if (::getuid() == 0) {
    auto not_carol = approve({"--as", "carol"}, {"SUDO_USER=dave"});
    CHECK(not_carol.exit_code == 3);
    CHECK(contains(not_carol.err, "OS user 'dave'"));
  }
  CHECK(lab.records("S1", "approval").empty());

  auto alice = approve({"--as", "Alice ", "--key", keys.key.at("alice").string()});
  INFO(alice.out << alice.err);
  CHECK(alice.exit_code == 0);
  CHECK_FALSE(contains(alice.err, "unauthenticated"));
  auto again = approve({"--as", "alice", "--key", keys.key.at("alice").string()});
  CHECK(again.exit_code == 0);
  CHECK(contains(again.out, "counts once"));
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  CHECK_FALSE(std::filesystem::exists(lab.marks));
  auto status = lab.responder({"status", "S1", "--config", config.string()});
  CHECK(contains(status.out, "approvals 1/2 (alice)\n"));
  CHECK(contains(status.out, "to approve this plan"));

  // Bob signs elsewhere: the printed text, ssh-keygen -Y sign, then --signature.
  auto request = approve({"--as", "bob", "--print-request"});
  REQUIRE(request.exit_code == 0);
  CHECK(contains(request.err, "ssh-keygen -Y sign -f ~/.ssh/id_ed25519 -n responder-approval approval.txt"));
  auto text = keys.dir.write("approval.txt", request.out);
  auto signed_it = run_process({"ssh-keygen", "-q", "-Y", "sign", "-f", keys.key.at("bob").string(), "-n",
                                "responder-approval", text.string()});
  REQUIRE_MESSAGE(signed_it.exit_code == 0, signed_it.err);
  // The text edited after signing (another journal head of this journal).
  auto records = lab.records("S1");
  std::string edited = request.out;
  auto head_at = edited.find("journal-head: ");
  auto head_end = edited.find('\n', head_at);
  const auto& earlier = records[records.size() - 2];  // the printed head is the last record
  edited.replace(head_at, head_end - head_at, "journal-head: " + std::to_string(earlier.seq) + ":" + earlier.hash);
  keys.dir.write("approval.txt", edited);
  auto tampered = approve({"--as", "bob", "--signature", text.string() + ".sig"});
  CHECK(tampered.exit_code == 3);
  CHECK(contains(tampered.err, "does not verify for bob"));
  keys.dir.write("approval.txt", request.out);
  auto bob = approve({"--as", "bob", "--signature", text.string() + ".sig"});
  INFO(bob.out << bob.err);
  CHECK(bob.exit_code == 0);

  auto result = runner->wait();
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(lab.lines(lab.marks) == std::vector<std::string>{"S1 gated"});
  CHECK(lab.records("S1", "approval").size() == 3);
  CHECK(lab.responder({"journal", "S1", "--verify"}).exit_code == 0);
}

TEST_CASE("an approval record edited in the journal after signing does not count for the runner or status") {
  RESPONDER_SKIP_WHEN(have_ssh_keygen() ? "" : "ssh-keygen is not installed (Debian package openssh-client)");
  EngineLab lab;
  ApproverKeys keys{"alice"};
  auto config = keys.config(keys.entry("alice", "alice"));
  auto runner = lab.start({"run", lab.playbook(gated_playbook(lab, 1)).string(), "--incident", "E1", "--config",
                           config.string()});
  wait_until_waiting(lab, "E1");
  runner->signal(SIGINT);
  REQUIRE(runner->wait().exit_code == 4);
  REQUIRE(lab.responder({"approve", "E1", "gated", "--as", "alice", "--key", keys.key.at("alice").string(), "--config",
                         config.string()})
              .exit_code == 0);

  // The last line is the approval: changing it leaves no later prev to break,
  // so only its signature can tell.
  std::string journal = slurp(lab.journal("E1"));
  auto sig = journal.rfind("BEGIN SSH SIGNATURE-----\\n");
  REQUIRE(sig != std::string::npos);
  auto at = sig + 40;
  journal[at] = journal[at] == 'A' ? 'B' : 'A';
  std::ofstream(lab.journal("E1"), std::ios::binary | std::ios::trunc) << journal;
  CHECK(lab.responder({"journal", "E1", "--verify"}).exit_code == 0);

  auto status = lab.responder({"status", "E1", "--config", config.string()});
  CHECK(contains(status.out, "approvals 0/1"));
  CHECK(contains(status.out, "does not count"));
  auto resumed = lab.start({"resume", "E1", "--config", config.string()});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  resumed->signal(SIGINT);
  auto result = resumed->wait();
  INFO(result.out << result.err);
  CHECK(result.exit_code == 4);
  CHECK(contains(result.out, "approval by alice (journal record"));
  CHECK(contains(result.out, "does not count"));
  CHECK_FALSE(std::filesystem::exists(lab.marks));
}

TEST_CASE("an approver signs with the key ssh-agent holds (--agent), without the key file at hand") {
  RESPONDER_SKIP_WHEN(have_ssh_keygen() ? "" : "ssh-keygen is not installed (Debian package openssh-client)");
  RESPONDER_SKIP_WHEN(run_process({"sh", "-c", "command -v ssh-agent && command -v ssh-add"}).exit_code == 0
                          ? ""
                          : "ssh-agent is not installed (Debian package openssh-client)");
  EngineLab lab;
  ApproverKeys keys{"alice"};
  auto config = keys.config(keys.entry("alice", "alice"));
  std::string socket = (keys.dir / "agent.sock").string();
  Process agent({"ssh-agent", "-D", "-a", socket});
  wait_for([&] { return std::filesystem::exists(socket); });
  std::string auth = "SSH_AUTH_SOCK=" + socket;
  REQUIRE(run_process({"ssh-add", "-q", keys.key.at("alice").string()}, {auth}).exit_code == 0);
  std::filesystem::remove(keys.key.at("alice"));  // only the agent has the private key now

  auto runner = lab.start({"run", lab.playbook(gated_playbook(lab, 1)).string(), "--incident", "G1", "--config",
                           config.string()});
  wait_until_waiting(lab, "G1");
  auto approved = lab.responder({"approve", "G1", "gated", "--as", "alice", "--agent", "--config", config.string()}, {auth});
  INFO(approved.out << approved.err);
  CHECK(approved.exit_code == 0);
  auto result = runner->wait();
  CHECK(result.exit_code == 0);
  CHECK(lab.lines(lab.marks) == std::vector<std::string>{"G1 gated"});
}
