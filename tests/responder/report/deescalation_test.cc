// De-escalation inside a playbook, against the real kernel: a run in a lab
// network namespace blocks the attacker with nftables, keeps evidence, then
// containment.undo lifts every change (checked against the live ruleset and
// by real packets) and report.write records it.
#include <doctest/doctest.h>

#include <algorithm>

#include "tests/containment/netns_lab.h"
#include "tests/responder/engine_lab.h"
#include "tests/support/skip.h"

using namespace responder;
using namespace responder::testing;

namespace {

struct DeescalationLab : EngineLab {
  ~DeescalationLab() { run_process({"chattr", "-R", "-i", "-a", dir.path().string()}); }
};

}  // namespace

TEST_CASE("containment.undo lifts every change of the run, each checked against the real component, and the report shows it") {
  RESPONDER_SKIP_WHEN(lab::lab_unavailable());
  lab::NetnsLab net;
  DeescalationLab lab;
  auto evidence = lab.dir.write("auth.log", "Failed password for root from 192.0.2.2\n");
  auto pb = lab.playbook(
      "name: deesc\nstages:\n  isolate-and-contain:\n"
      "    - id: block-attacker\n      module: firewall.block\n      with: {addresses: [" +
      std::string(lab::NetnsLab::kAttacker4) + "], direction: both}\n" + mark_step(lab, "isolate") +
      "    - id: check-blocked\n      module: note.add\n      with: {text: blocked}\n"
      "  analyze:\n    - id: keep\n      module: evidence.collect\n      with: {paths: [" + evidence.string() + "]}\n"
      "  de-escalation:\n    - id: lift\n      module: containment.undo\n      register: lifted\n"
      "    - id: write-report\n      module: report.write\n      with: {format: [json]}\n");
  REQUIRE(lab::pings(net.attacker, lab::NetnsLab::kVictimToAttacker4));

  auto run = run_process({"ip", "netns", "exec", net.victim, RESPONDER_TEST_BINARY, "--home", (lab.dir / "incidents").string(),
                          "run", pb.string(), "--incident", "D1"},
                         {"RESPONDER_CONFIG="});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);

  // Both changes were made, then undone newest first, each proven gone.
  auto undone = lab.records("D1", "step.undone");
  REQUIRE(undone.size() == 2);
  CHECK(undone[0].text("step") == "isolate");
  CHECK(undone[1].text("step") == "block-attacker");
  CHECK(undone[1].text("verified").find("not in force") != std::string::npos);
  CHECK(lab.state("D1").in_force().empty());
  // The live system agrees: no element of the block in the ruleset, real
  // packets pass again, the mark is gone.
  CHECK(net.ruleset().find(lab::NetnsLab::kAttacker4) == std::string::npos);
  CHECK(lab::pings(net.attacker, lab::NetnsLab::kVictimToAttacker4));
  CHECK(lab.lines(lab.marks).empty());

  auto reports = lab.dir / "incidents" / "D1" / "reports";
  std::vector<std::filesystem::path> files;
  for (auto& e : std::filesystem::directory_iterator(reports)) files.push_back(e.path());
  REQUIRE(files.size() == 1);
  auto doc = parse_json(slurp(files[0])).as_object();
  auto& containment = doc.at("containment").as_array();
  REQUIRE(containment.size() == 2);
  for (auto& c : containment) CHECK_FALSE(c.at("in_force").as_bool());
  auto& crs = doc.at("change_requests").as_array();
  REQUIRE(crs.size() == 2);
  for (auto& cr : crs) CHECK(cr.at("state").as_string().rfind("backed out at", 0) == 0);

  // Nothing left for `responder undo`.
  auto again = lab.responder({"undo", "D1"});
  CHECK(again.out.find("nothing in force") != std::string::npos);
}

TEST_CASE("containment.undo names a step the playbook lacks as bad input, and undoes only the steps it names") {
  EngineLab lab;
  auto pb = lab.playbook("name: d\nstages:\n  isolate-and-contain:\n" + mark_step(lab, "one") + mark_step(lab, "two") +
                         "  de-escalation:\n    - id: lift\n      module: containment.undo\n      with: {steps: [one]}\n");
  auto run = lab.responder({"run", pb.string(), "--incident", "D2"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(lab.lines(lab.marks) == std::vector<std::string>{"D2 two"});
  auto applied = lab.records("D2", "step.applied");
  CHECK(to_json_text(applied.back().fields.at("receipt")).find("undid one") != std::string::npos);

  auto typo = lab.playbook("name: d\nstages:\n  isolate-and-contain:\n" + mark_step(lab, "one") +
                           "  de-escalation:\n    - id: lift\n      module: containment.undo\n      with: {steps: [onee]}\n");
  auto bad = lab.responder({"run", typo.string(), "--incident", "D3"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.find("no step 'onee'") != std::string::npos);
}

TEST_CASE("the shipped targeted-intrusion playbook in a lab namespace through de-escalation, undone and reported") {
  RESPONDER_SKIP_WHEN(lab::lab_unavailable());
  lab::NetnsLab net;
  DeescalationLab lab;
  auto auth_log = lab.dir.write("auth.log",
                                "Dec  3 10:00:01 victim sshd[411]: Failed password for root from 192.0.2.2 port 40000 ssh2\n"
                                "Dec  3 10:00:02 victim sshd[411]: Failed password for root from 192.0.2.2 port 40001 ssh2\n");
  std::string playbook = std::string(RESPONDER_SOURCE_DIR) + "/playbooks/targeted-intrusion.yaml";
  std::string capture = std::string(RESPONDER_CORPUS_DIR) + "/pcaps/nmap_80_all.pcap";
  std::vector<std::string> in_lab{"ip", "netns", "exec", net.victim, RESPONDER_TEST_BINARY, "--home",
                                  (lab.dir / "incidents").string()};
  auto args = in_lab;
  for (const char* a : {"run", playbook.c_str(), "--incident", "T1", "--var"}) args.push_back(a);
  args.push_back(std::string("attacker=") + lab::NetnsLab::kAttacker4);
  args.insert(args.end(), {"--var", "capture=" + capture, "--var", "auth_log=" + auth_log.string()});
  Process runner(args, {"RESPONDER_CONFIG="});
  wait_until_waiting(lab, "T1");
  REQUIRE(lab.responder({"approve", "T1", "block-attacker", "--as", "alice"}).exit_code == 0);
  REQUIRE(lab.responder({"approve", "T1", "block-attacker", "--as", "bob"}).exit_code == 0);
  auto ran = runner.wait(std::chrono::seconds(120));
  INFO(ran.out << ran.err);
  REQUIRE(ran.exit_code == 0);
  // The block is in force in the lab's own ruleset: real packets are dropped.
  CHECK(net.ruleset().find(lab::NetnsLab::kAttacker4) != std::string::npos);
  CHECK_FALSE(lab::pings(net.attacker, lab::NetnsLab::kVictimToAttacker4));

  // De-escalation: the report of the run, then the undo, checked.
  auto reports = lab.dir / "incidents" / "T1" / "reports";
  REQUIRE(std::filesystem::exists(reports));
  auto undo_args = in_lab;
  undo_args.insert(undo_args.end(), {"undo", "T1"});
  auto undo = run_process(undo_args, {"RESPONDER_CONFIG="});
  INFO(undo.out << undo.err);
  REQUIRE(undo.exit_code == 0);
  CHECK(net.ruleset().find(lab::NetnsLab::kAttacker4) == std::string::npos);
  CHECK(lab::pings(net.attacker, lab::NetnsLab::kVictimToAttacker4));
  auto undone = lab.records("T1", "step.undone");
  REQUIRE(undone.size() == 1);
  CHECK_FALSE(undone[0].text("verified").empty());

  auto report = lab.responder({"report", "T1", "--format", "json"});
  REQUIRE(report.exit_code == 0);
  auto doc = parse_json(report.out).as_object();
  CHECK(doc.at("evidence").at("seal").is_object());
  CHECK(doc.at("evidence").at("items").as_array().size() >= 2);
  auto& containment = doc.at("containment").as_array();
  REQUIRE(containment.size() == 1);
  CHECK(containment[0].at("step").as_string() == "block-attacker");
  CHECK(containment[0].at("released").as_string() == undone[0].time);
  auto& approvals = doc.at("approvals").as_array();
  CHECK(approvals.size() == 2);
  auto& crs = doc.at("change_requests").as_array();
  REQUIRE(crs.size() == 1);
  CHECK(crs[0].at("approved_by").as_array().size() == 2);
  CHECK(doc.at("open_items").as_array().empty());
}

TEST_CASE("an undo whose receipt changed nothing is undone, and the state another step still holds is recorded, not a failure") {
  RESPONDER_SKIP_WHEN(lab::lab_unavailable());
  lab::NetnsLab net;
  DeescalationLab lab;
  std::string block = "module: firewall.block\n      with: {addresses: [" + std::string(lab::NetnsLab::kAttacker4) + "]}\n";
  auto pb = lab.playbook("name: twice\nstages:\n  isolate-and-contain:\n    - id: first\n      " + block +
                         "    - id: again\n      " + block + "  de-escalation:\n    - id: lift\n      module: containment.undo\n");
  auto run = run_process({"ip", "netns", "exec", net.victim, RESPONDER_TEST_BINARY, "--home", (lab.dir / "incidents").string(),
                          "run", pb.string(), "--incident", "N1"},
                         {"RESPONDER_CONFIG="});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  auto undone = lab.records("N1", "step.undone");
  REQUIRE(undone.size() == 2);
  // Newest first: `again` added nothing (the address was already in the
  // set), so after its undo `first` still holds the block, and that is said.
  CHECK(undone[0].text("step") == "again");
  CHECK(undone[0].fields.at("still_in_effect").as_bool());
  CHECK(undone[1].text("step") == "first");
  CHECK_FALSE(undone[1].fields.at("still_in_effect").as_bool());
  CHECK(lab.records("N1", "undo.failed").empty());
  CHECK(net.ruleset().find(lab::NetnsLab::kAttacker4) == std::string::npos);
  CHECK(lab.state("N1").in_force().empty());
  // The later undo answered the earlier "still shown": no open item is left.
  auto report = lab.responder({"report", "N1", "--format", "json"});
  REQUIRE(report.exit_code == 0);
  CHECK(parse_json(report.out).at("open_items").as_array().empty());
}
