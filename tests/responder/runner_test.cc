// The runner through the real command line (responder-test = responder plus
// the test.mark module, whose effect is a line in a file).
#include <doctest/doctest.h>

#include <csignal>
#include <thread>

#include "tests/responder/engine_lab.h"

using namespace responder;
using namespace responder::testing;

TEST_CASE("undo reverses applied steps newest first and records each and leaves nothing in force") {
  EngineLab lab;
  auto pb = lab.playbook("name: u\nstages:\n  isolate-and-contain:\n" + mark_step(lab, "one") + mark_step(lab, "two") +
                         "  remediate:\n" + mark_step(lab, "three"));
  auto run = lab.responder({"run", pb.string(), "--incident", "U1"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(lab.lines(lab.marks) == std::vector<std::string>{"U1 one", "U1 two", "U1 three"});
  CHECK(lab.state("U1").in_force().size() == 3);

  auto status = lab.responder({"status", "U1"});
  CHECK(status.out.find("three [test.mark] in effect") != std::string::npos);

  auto undo = lab.responder({"undo", "U1"});
  INFO(undo.out << undo.err);
  REQUIRE(undo.exit_code == 0);
  CHECK(lab.lines(lab.marks.string() + ".undo") == std::vector<std::string>{"three", "two", "one"});
  CHECK(lab.lines(lab.marks).empty());
  CHECK(lab.records("U1", "step.undone").size() == 3);
  CHECK(lab.state("U1").in_force().empty());
  auto again = lab.responder({"undo", "U1"});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("nothing in force") != std::string::npos);
  CHECK(lab.lines(lab.marks.string() + ".undo").size() == 3);
  CHECK(lab.responder({"journal", "U1", "--verify"}).exit_code == 0);
}

TEST_CASE("undo --step touches only the named step") {
  EngineLab lab;
  auto pb = lab.playbook("name: u\nstages:\n  isolate-and-contain:\n" + mark_step(lab, "one") + mark_step(lab, "two"));
  REQUIRE(lab.responder({"run", pb.string(), "--incident", "U2"}).exit_code == 0);
  REQUIRE(lab.responder({"undo", "U2", "--step", "one"}).exit_code == 0);
  CHECK(lab.lines(lab.marks) == std::vector<std::string>{"U2 two"});
  auto bad = lab.responder({"undo", "U2", "--step", "one"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("no change in force") != std::string::npos);
  CHECK(lab.responder({"undo", "U2", "--step", "nope"}).exit_code == 2);
}

TEST_CASE("approval waits for N distinct people and the same person twice counts once") {
  EngineLab lab;
  auto pb = lab.playbook("name: a\nstages:\n  isolate-and-contain:\n" + mark_step(lab, "gated", "      approval: 2\n"));
  auto runner = lab.start({"run", pb.string(), "--incident", "A1"});
  wait_until_waiting(lab, "A1");
  CHECK(lab.responder({"approve", "A1", "gated", "--as", "alice"}).exit_code == 0);
  auto twice = lab.responder({"approve", "A1", "gated", "--as", "alice"});
  CHECK(twice.out.find("counts once") != std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  auto status = lab.responder({"status", "A1"});
  CHECK(status.out.find("waiting for approval — approvals 1/2 (alice)") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(lab.marks));
  CHECK(lab.responder({"approve", "A1", "gated", "--as", "bob"}).exit_code == 0);
  auto result = runner->wait();
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(lab.lines(lab.marks) == std::vector<std::string>{"A1 gated"});
  CHECK(lab.records("A1", "approval").size() == 3);
  CHECK(lab.responder({"approve", "A1", "gated", "--as", "carol"}).exit_code == 2);  // already applied
  CHECK(lab.responder({"approve", "A1", "nope", "--as", "carol"}).exit_code == 2);
}

TEST_CASE("Ctrl-C while waiting for approval leaves the incident resumable (exit 4)") {
  EngineLab lab;
  auto pb = lab.playbook("name: a\nstages:\n  evaluate:\n" + mark_step(lab, "first") + "  isolate-and-contain:\n" +
                         mark_step(lab, "gated", "      approval: 1\n"));
  auto runner = lab.start({"run", pb.string(), "--incident", "A2"});
  wait_until_waiting(lab, "A2");
  runner->signal(SIGINT);
  auto interrupted = runner->wait();
  CHECK(interrupted.exit_code == 4);
  CHECK(lab.records("A2", "run.interrupted").size() == 1);
  CHECK(lab.responder({"approve", "A2", "gated", "--as", "alice"}).exit_code == 0);
  auto resumed = lab.responder({"resume", "A2"});
  INFO(resumed.out << resumed.err);
  CHECK(resumed.exit_code == 0);
  CHECK(lab.lines(lab.marks) == std::vector<std::string>{"A2 first", "A2 gated"});
  CHECK(lab.responder({"resume", "A2"}).out.find("already completed") != std::string::npos);
}

TEST_CASE("when skips a step and registered output feeds later steps") {
  EngineLab lab;
  auto pb = lab.playbook("name: w\nvariables:\n  mode: {type: string, default: targeted}\nstages:\n  evaluate:\n" +
                         mark_step(lab, "probe", "      register: probe\n") + "  isolate-and-contain:\n" +
                         mark_step(lab, "if-targeted", "      when: \"mode == 'targeted' and probe.attempts == 1\"\n") +
                         mark_step(lab, "if-distributed", "      when: \"mode == 'distributed'\"\n") +
                         "    - id: note\n      module: note.add\n      with: {text: \"probe left {{ probe.mark }}\"}\n");
  auto run = lab.responder({"run", pb.string(), "--incident", "W1"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(lab.lines(lab.marks) == std::vector<std::string>{"W1 probe", "W1 if-targeted"});
  auto skipped = lab.records("W1", "step.skipped");
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].text("step") == "if-distributed");
  auto applied = lab.records("W1", "step.applied");
  CHECK(to_json_text(applied.back().fields.at("receipt")).find("probe left W1 probe") != std::string::npos);

  auto other = lab.responder({"run", pb.string(), "--incident", "W2", "--var", "mode=distributed"});
  REQUIRE(other.exit_code == 0);
  CHECK(lab.lines(lab.marks).back() == "W2 if-distributed");
}

TEST_CASE("retries - a step that fails twice succeeds on its third attempt") {
  EngineLab lab;
  auto pb = lab.playbook("name: r\nstages:\n  evaluate:\n" + mark_step(lab, "flaky", "      retries: 2\n", ", fail_first: 2"));
  auto run = lab.responder({"run", pb.string(), "--incident", "R1"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(lab.records("R1", "step.failed").size() == 2);
  CHECK(lab.records("R1", "step.retry").size() == 2);
  CHECK(lab.records("R1", "step.applied").at(0).fields.at("attempt") == 3);
  CHECK(lab.lines(lab.marks) == std::vector<std::string>{"R1 flaky"});
}

TEST_CASE("retries run out - the step fails and the run aborts with exit 1") {
  EngineLab lab;
  auto pb = lab.playbook("name: r\nstages:\n  evaluate:\n" + mark_step(lab, "flaky", "      retries: 1\n", ", fail_first: 5") +
                         mark_step(lab, "after"));
  auto run = lab.responder({"run", pb.string(), "--incident", "R2"});
  CHECK(run.exit_code == 1);
  auto failed = lab.records("R2", "step.failed");
  REQUIRE(failed.size() == 2);
  CHECK(failed.back().fields.at("final") == true);
  CHECK(lab.records("R2", "run.finished").at(0).text("outcome") == "aborted");
  CHECK_FALSE(std::filesystem::exists(lab.marks));
}

TEST_CASE("a timeout stops the step and is recorded as such") {
  EngineLab lab;
  auto pb = lab.playbook("name: t\nstages:\n  evaluate:\n" + mark_step(lab, "slow", "      timeout: 200ms\n", ", sleep: 30s"));
  auto start = std::chrono::steady_clock::now();
  auto run = lab.responder({"run", pb.string(), "--incident", "T1"});
  CHECK(run.exit_code == 1);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
  auto failed = lab.records("T1", "step.failed");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].fields.at("timed_out") == true);
  CHECK(failed[0].text("error").find("timed out after 200ms") != std::string::npos);
}

TEST_CASE("on_failure continue runs the next step and the run ends failed") {
  EngineLab lab;
  auto pb = lab.playbook("name: c\nstages:\n  evaluate:\n" +
                         mark_step(lab, "bad", "      on_failure: continue\n", ", fail_first: 9") + mark_step(lab, "good"));
  auto run = lab.responder({"run", pb.string(), "--incident", "C1"});
  CHECK(run.exit_code == 1);
  CHECK(lab.lines(lab.marks) == std::vector<std::string>{"C1 good"});
  CHECK(lab.records("C1", "run.finished").at(0).text("outcome") == "failed");
}

TEST_CASE("on_failure undo-stage undoes what the stage applied, then aborts") {
  EngineLab lab;
  auto pb = lab.playbook("name: s\nstages:\n  evaluate:\n" + mark_step(lab, "keep") + "  isolate-and-contain:\n" +
                         mark_step(lab, "first") + mark_step(lab, "second") +
                         mark_step(lab, "bad", "      on_failure: undo-stage\n", ", fail_first: 9") + "  remediate:\n" +
                         mark_step(lab, "never"));
  auto run = lab.responder({"run", pb.string(), "--incident", "S1"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 1);
  CHECK(lab.lines(lab.marks) == std::vector<std::string>{"S1 keep"});
  CHECK(lab.lines(lab.marks.string() + ".undo") == std::vector<std::string>{"second", "first"});
  CHECK(lab.records("S1", "run.finished").at(0).text("outcome") == "aborted");
}

TEST_CASE("on_failure abort stops at once (the default)") {
  EngineLab lab;
  auto pb = lab.playbook("name: s\nstages:\n  evaluate:\n" + mark_step(lab, "bad", "", ", fail_first: 9") + mark_step(lab, "next"));
  CHECK(lab.responder({"run", pb.string(), "--incident", "S2"}).exit_code == 1);
  CHECK_FALSE(std::filesystem::exists(lab.marks));
}

TEST_CASE("a refusal stops the run with exit 3 and nothing applied by that step") {
  EngineLab lab;
  auto pb = lab.playbook("name: s\nstages:\n  evaluate:\n" + mark_step(lab, "no", "      retries: 3\n", ", refuse: true"));
  auto run = lab.responder({"run", pb.string(), "--incident", "X1"});
  CHECK(run.exit_code == 3);
  CHECK(lab.records("X1", "step.failed").size() == 1);  // never retried
  CHECK(lab.records("X1", "run.finished").at(0).text("outcome") == "refused");
}

TEST_CASE("bad input changes nothing and exits 2") {
  EngineLab lab;
  auto pb = lab.playbook("name: v\nvariables:\n  attacker: {type: cidr, required: true}\nstages:\n  evaluate:\n" +
                         mark_step(lab, "a"));
  auto missing = lab.responder({"run", pb.string(), "--incident", "V1"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("variable 'attacker' (cidr) is required") != std::string::npos);
  auto bad = lab.responder({"run", pb.string(), "--incident", "V1", "--var", "attacker=192.0.2.300"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("192.0.2.300") != std::string::npos);
  auto unknown = lab.responder({"run", pb.string(), "--incident", "V1", "--var", "atacker=192.0.2.1"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("did you mean 'attacker'") != std::string::npos);
  CHECK(lab.responder({"run", pb.string(), "--incident", "../escape", "--var", "attacker=192.0.2.1"}).exit_code == 2);
  CHECK_FALSE(std::filesystem::exists(lab.dir / "incidents" / "V1"));
  CHECK_FALSE(std::filesystem::exists(lab.marks));

  REQUIRE(lab.responder({"run", pb.string(), "--incident", "V2", "--var", "attacker=192.0.2.1"}).exit_code == 0);
  auto again = lab.responder({"run", pb.string(), "--incident", "V2", "--var", "attacker=192.0.2.1"});
  CHECK(again.exit_code == 2);
  CHECK(again.err.find("already exists") != std::string::npos);
  CHECK(lab.lines(lab.marks).size() == 1);
}

TEST_CASE("an incident whose run ended in bad input before any step started runs again under the same id") {
  EngineLab lab;
  auto pb = lab.playbook("name: r\nvariables:\n  capture: {type: path, required: true}\nstages:\n  evaluate:\n"
                         "    - id: read\n      module: traffic.analyze\n      with: {pcap: [\"{{ capture }}\"]}\n" +
                         mark_step(lab, "a"));
  auto typo = lab.responder({"run", pb.string(), "--incident", "R1", "--var", "capture=" + (lab.dir / "missing.pcap").string()});
  CHECK(typo.exit_code == 2);
  REQUIRE(std::filesystem::exists(lab.journal("R1")));
  CHECK_FALSE(std::filesystem::exists(lab.marks));

  std::string capture = std::string(RESPONDER_CORPUS_DIR) + "/pcaps/nmap_80_all.pcap";
  auto again = lab.responder({"run", pb.string(), "--incident", "R1", "--var", "capture=" + capture});
  INFO(again.out, again.err);
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("again, attempt 2") != std::string::npos);
  CHECK(lab.lines(lab.marks).size() == 1);
  auto reopened = lab.records("R1", "incident.reopened");
  REQUIRE(reopened.size() == 1);
  CHECK(reopened[0].fields.at("attempt").as_int64() == 2);
  // The first attempt stays in the journal, which still verifies; the
  // state is the second attempt's.
  CHECK(lab.records("R1", "incident.opened").size() == 1);
  CHECK(lab.responder({"journal", "R1", "--verify"}).exit_code == 0);
  auto state = lab.state("R1");
  CHECK(state.variables.at("capture").as_string() == capture);
  CHECK(state.find("read")->status == StepStatus::verified);
  CHECK(state.outcome == "completed");
  // The report's steps are the second attempt's: nothing failed there.
  auto report = lab.responder({"report", "R1", "--format", "json"});
  INFO(report.out, report.err);
  CHECK(report.exit_code == 0);
  CHECK(report.out.find("\"failed\":0") != std::string::npos);
  CHECK(report.out.find("run again (attempt 2") != std::string::npos);

  // Once a step has started, the id is the incident's: resume, never run.
  auto third = lab.responder({"run", pb.string(), "--incident", "R1", "--var", "capture=" + capture});
  CHECK(third.exit_code == 2);
  CHECK(third.err.find("its step read has started; use `responder resume R1`") != std::string::npos);
  CHECK(lab.lines(lab.marks).size() == 1);
}

TEST_CASE("resume --var corrects a variable no step acted on, and refuses one a step already used") {
  EngineLab lab;
  auto pb = lab.playbook(
      "name: r\nvariables:\n  attacker: {type: string, required: true}\n  capture: {type: path, required: true}\n"
      "stages:\n  evaluate:\n" +
      mark_step(lab, "seen", "      when: \"attacker != ''\"\n") +
      "    - id: read\n      module: traffic.analyze\n      with: {pcap: [\"{{ capture }}\"]}\n      register: finding\n" +
      mark_step(lab, "after", "      when: \"finding.recommendation != ''\"\n"));
  std::string missing = (lab.dir / "missing.pcap").string();
  auto first = lab.responder({"run", pb.string(), "--incident", "RV", "--var", "attacker=203.0.113.7", "--var", "capture=" + missing});
  CHECK(first.exit_code != 0);
  CHECK(lab.lines(lab.marks).size() == 1);

  // `seen` acted on attacker: changing it now would contradict the journal.
  auto used = lab.responder({"resume", "RV", "--var", "attacker=198.51.100.9"});
  INFO(used.out, used.err);
  CHECK(used.exit_code == 2);
  CHECK(used.err.find("--var attacker: step seen applied with attacker=\"203.0.113.7\"") != std::string::npos);
  CHECK(used.err.find("start a new incident") != std::string::npos);
  auto undeclared = lab.responder({"resume", "RV", "--var", "captur=x"});
  CHECK(undeclared.exit_code == 2);
  CHECK(undeclared.err.find("did you mean 'capture'") != std::string::npos);
  // Nothing of a refused command is journaled, not even the good half.
  auto both = lab.responder({"resume", "RV", "--var", "attacker=198.51.100.9", "--var", "capture=/x.pcap"});
  CHECK(both.exit_code == 2);
  CHECK(lab.records("RV", "incident.variables_changed").empty());
  CHECK(lab.lines(lab.marks).size() == 1);

  // `read` failed before applying: its variable can still be corrected.
  std::string capture = std::string(RESPONDER_CORPUS_DIR) + "/pcaps/nmap_80_all.pcap";
  auto fixed = lab.responder({"resume", "RV", "--var", "capture=" + capture, "--var", "attacker=203.0.113.7"});
  INFO(fixed.out, fixed.err);
  CHECK(fixed.exit_code == 0);
  CHECK(fixed.out.find("variable capture corrected") != std::string::npos);
  auto changed = lab.records("RV", "incident.variables_changed");
  REQUIRE(changed.size() == 1);
  CHECK(changed[0].fields.at("variables").as_object().size() == 1);  // attacker did not change
  CHECK(changed[0].fields.at("previous").at("capture").as_string() == missing);
  auto state = lab.state("RV");
  CHECK(state.variables.at("capture").as_string() == capture);
  CHECK(state.find("read")->status == StepStatus::verified);
  CHECK(state.outcome == "completed");
  CHECK(lab.lines(lab.marks).size() == 2);
  CHECK(lab.responder({"journal", "RV", "--verify"}).exit_code == 0);
  auto report = lab.responder({"report", "RV", "--format", "json"});
  CHECK(report.out.find("variables corrected on resume: capture " + missing + " -> " + capture) != std::string::npos);
  auto journal = lab.responder({"journal", "RV"});
  CHECK(journal.out.find("capture=" + missing + " -> " + capture) != std::string::npos);

  auto done = lab.responder({"resume", "RV", "--var", "capture=" + missing});
  CHECK(done.exit_code == 2);
  CHECK(done.err.find("already completed") != std::string::npos);
}

TEST_CASE("resume --var refuses a variable whose step was approved on the old value or decided by when: on it") {
  EngineLab lab;
  auto pb = lab.playbook(
      "name: r\nvariables:\n  attacker: {type: string, required: true}\n  mode: {type: string, default: block}\n"
      "  capture: {type: path, required: true}\nstages:\n  evaluate:\n"
      "    - id: read\n      module: traffic.analyze\n      when: \"mode == 'block'\"\n"
      "      with: {pcap: [\"{{ capture }}\"]}\n      on_failure: continue\n"
      "  isolate-and-contain:\n    - id: gated\n      module: note.add\n      with: {text: \"block {{ attacker }}\"}\n"
      "      approval: 1\n");
  auto runner = lab.start({"run", pb.string(), "--incident", "RA", "--var", "attacker=203.0.113.7", "--var", "mode=watch",
                           "--var", "capture=" + (lab.dir / "missing.pcap").string()});
  wait_until_waiting(lab, "RA");
  runner->signal(SIGINT);
  CHECK(runner->wait().exit_code == 4);
  REQUIRE(lab.responder({"approve", "RA", "gated", "--as", "alice"}).exit_code == 0);

  // alice agreed to "block 203.0.113.7", not to another address.
  auto approved = lab.responder({"resume", "RA", "--var", "attacker=198.51.100.9"});
  INFO(approved.out, approved.err);
  CHECK(approved.exit_code == 2);
  CHECK(approved.err.find("--var attacker: step gated was approved (by alice)") != std::string::npos);
  // `read` was skipped because mode was not block; that is not decided again.
  auto skipped = lab.responder({"resume", "RA", "--var", "mode=block", "--var", "capture=/x.pcap"});
  INFO(skipped.err);
  CHECK(skipped.exit_code == 2);
  CHECK(skipped.err.find("--var mode: step read was skipped by when: mode == 'block'") != std::string::npos);
  CHECK(lab.records("RA", "incident.variables_changed").empty());
  auto resumed = lab.responder({"resume", "RA"});
  INFO(resumed.out, resumed.err);
  CHECK(resumed.out.find("block 203.0.113.7") != std::string::npos);

  // A step that ran (and failed) because its `when:` held keeps that decision.
  auto aborting = lab.playbook(
      "name: rb\nvariables:\n  mode: {type: string, default: block}\n  capture: {type: path, required: true}\n"
      "stages:\n  evaluate:\n    - id: read\n      module: traffic.analyze\n      when: \"mode == 'block'\"\n"
      "      with: {pcap: [\"{{ capture }}\"]}\n");
  CHECK(lab.responder({"run", aborting.string(), "--incident", "RB", "--var", "capture=" + (lab.dir / "missing.pcap").string()})
            .exit_code != 0);
  auto decided = lab.responder({"resume", "RB", "--var", "mode=watch"});
  INFO(decided.err);
  CHECK(decided.exit_code == 2);
  CHECK(decided.err.find("--var mode: step read was decided by when: mode == 'block'") != std::string::npos);
  // Its capture, which it could not read, can still be corrected.
  auto fixed = lab.responder({"resume", "RB", "--var", "capture=" + std::string(RESPONDER_CORPUS_DIR) + "/pcaps/nmap_80_all.pcap"});
  CHECK(fixed.exit_code == 0);
}

TEST_CASE("progress of a long step: a line at most every 10 s into a pipe or log, every second as JSON") {
  EngineLab lab;
  auto pb = lab.playbook("name: p\nstages:\n  evaluate:\n    - id: pause\n      module: wait\n      with: {for: 3s}\n");
  auto count = [](const std::string& out, const std::string& what) {
    std::size_t n = 0;
    for (auto at = out.find(what); at != std::string::npos; at = out.find(what, at + 1)) ++n;
    return n;
  };
  auto piped = lab.responder({"run", pb.string(), "--incident", "P1"});
  INFO(piped.out);
  CHECK(piped.exit_code == 0);
  // The first line and the last (3/3), none in between.
  CHECK(count(piped.out, "pause: ") - count(piped.out, "pause: started") - count(piped.out, "pause: applied") -
            count(piped.out, "pause: verified") <=
        2);
  CHECK(piped.out.find("pause: 0/3 s (0%)") != std::string::npos);
  CHECK(piped.out.find("pause: 3/3 s (100%)") != std::string::npos);
  auto json = lab.responder({"--json", "run", pb.string(), "--incident", "P2"});
  CHECK(json.exit_code == 0);
  CHECK(count(json.out, "\"event\":\"progress\"") >= 3);
}

TEST_CASE("an unknown command line option is bad input") {
  EngineLab lab;
  CHECK(lab.responder({"run", "--frobnicate"}).exit_code == 2);
  CHECK(lab.responder({"status"}).exit_code == 2);
}

TEST_CASE("global options are accepted before or after the command") {
  EngineLab lab;
  auto pb = lab.playbook("name: g\nstages:\n  evaluate:\n" + mark_step(lab, "a"));
  REQUIRE(lab.responder({"run", pb.string(), "--incident", "G1"}).exit_code == 0);
  auto after = run_process({RESPONDER_TEST_BINARY, "status", "G1", "--json", "--home", (lab.dir / "incidents").string()});
  CHECK(after.exit_code == 0);
  CHECK(after.out.rfind("{\"incident\":\"G1\"", 0) == 0);
}

TEST_CASE("a second runner on the same incident is refused while the first drives it") {
  EngineLab lab;
  auto pb = lab.playbook("name: l\nstages:\n  evaluate:\n" + mark_step(lab, "gated", "      approval: 1\n"));
  auto first = lab.start({"run", pb.string(), "--incident", "L1"});
  wait_until_waiting(lab, "L1");
  auto second = lab.responder({"resume", "L1"});
  CHECK(second.exit_code == 3);
  CHECK(second.err.find("is being driven by pid") != std::string::npos);
  first->signal(SIGTERM);
  CHECK(first->wait().exit_code == 4);
}
