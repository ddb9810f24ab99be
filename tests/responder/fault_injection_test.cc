// A run killed with SIGKILL after each journal record in turn, then resumed,
// ends in the same state as an uninterrupted run, with every step applied
// exactly once (LevelDB's fault_injection_test, for the incident journal).
#include <doctest/doctest.h>

#include <csignal>
#include <map>

#include "tests/responder/engine_lab.h"

using namespace responder;
using namespace responder::testing;

namespace {

std::string playbook_text(const EngineLab& lab) {
  std::string file = lab.marks.string();
  return "name: fault\nstages:\n"
         "  evaluate:\n"
         "    - id: a\n      module: test.mark\n      with: {file: " + file + "}\n      register: a\n"
         "    - id: n\n      module: note.add\n      with: {text: \"a left {{ a.mark }}\"}\n"
         "  isolate-and-contain:\n"
         "    - id: b\n      module: test.mark\n      with: {file: " + file + "}\n      when: \"a.attempts == 1\"\n"
         "    - id: skipped\n      module: test.mark\n      with: {file: " + file + "}\n      when: \"a.attempts > 1\"\n"
         "    - id: pause\n      module: wait\n      with: {for: 0s}\n"
         "  remediate:\n"
         "    - id: c\n      module: test.mark\n      with: {file: " + file + "}\n";
}

// What must be the same however often the run was killed.
struct Outcome {
  std::map<std::string, std::string> status;
  std::map<std::string, std::string> output;
  std::map<std::string, int> applied_records;
  std::vector<std::string> marks;
  std::string finished;
  bool chain_intact = false;
};

Outcome outcome_of(const EngineLab& lab, const std::string& id) {
  Outcome o;
  auto state = lab.state(id);
  for (auto& [step, s] : state.steps) {
    o.status[step] = std::string(step_status_name(s.status));
    if (s.receipt) {
      json::object output = s.receipt->output;
      output.erase("until");  // wait's end time is a wall-clock time
      o.output[step] = to_json_text(output);
    }
  }
  for (auto& r : lab.records(id, "step.applied")) o.applied_records[r.text("step")]++;
  o.marks = lab.lines(lab.marks);
  auto finished = lab.records(id, "run.finished");
  o.finished = finished.empty() ? "" : finished.back().text("outcome");
  o.chain_intact = verify_journal(lab.journal(id)).intact;
  return o;
}

void check_same(const Outcome& expected, const Outcome& got) {
  CHECK(got.status == expected.status);
  CHECK(got.output == expected.output);
  CHECK(got.applied_records == expected.applied_records);
  CHECK(got.marks == expected.marks);
  CHECK(got.finished == "completed");
  CHECK(got.chain_intact);
}

}  // namespace

TEST_CASE("killed after every journal record in turn, resume ends as an uninterrupted run") {
  EngineLab reference;
  auto pb = reference.playbook(playbook_text(reference));
  auto clean = reference.responder({"run", pb.string(), "--incident", "F"});
  INFO(clean.out << clean.err);
  REQUIRE(clean.exit_code == 0);
  Outcome expected = outcome_of(reference, "F");
  REQUIRE(expected.marks == std::vector<std::string>{"F a", "F b", "F c"});
  for (auto& [step, count] : expected.applied_records) CHECK(count == 1);
  std::size_t total = reference.records("F").size();
  REQUIRE(total > 20);

  for (std::size_t k = 1; k < total; ++k) {
    CAPTURE(k);
    EngineLab lab;
    auto file = lab.playbook(playbook_text(lab));
    auto killed = lab.responder({"run", file.string(), "--incident", "F"}, {"RESPONDER_KILL_AFTER_RECORD=" + std::to_string(k)});
    REQUIRE(killed.signal == SIGKILL);
    REQUIRE(lab.records("F").size() == k);
    auto resumed = lab.responder({"resume", "F"});
    INFO(resumed.out << resumed.err);
    REQUIRE(resumed.exit_code == 0);
    // The marks file lives in a different lab directory; compare by name.
    Outcome got = outcome_of(lab, "F");
    check_same(expected, got);
  }
}

TEST_CASE("killed between the change and its receipt, resume finds the change and does not repeat it") {
  for (std::string step : {"a", "b", "c"}) {
    CAPTURE(step);
    EngineLab lab;
    auto file = lab.playbook(playbook_text(lab));
    auto killed = lab.responder({"run", file.string(), "--incident", "F"}, {"RESPONDER_KILL_IN_APPLY=" + step});
    REQUIRE(killed.signal == SIGKILL);
    auto last = lab.records("F").back();
    CHECK(last.kind == "step.started");
    CHECK(last.text("step") == step);
    auto resumed = lab.responder({"resume", "F"});
    INFO(resumed.out << resumed.err);
    REQUIRE(resumed.exit_code == 0);
    CHECK(lab.lines(lab.marks) == std::vector<std::string>{"F a", "F b", "F c"});
    auto applied = lab.records("F", "step.applied");
    int recovered = 0;
    for (auto& r : applied)
      if (r.fields.contains("recovered")) ++recovered;
    CHECK(recovered == 1);
    std::map<std::string, int> per_step;
    for (auto& r : applied) per_step[r.text("step")]++;
    CHECK(per_step == std::map<std::string, int>{{"a", 1}, {"n", 1}, {"b", 1}, {"pause", 1}, {"c", 1}});
    // The recovered receipt is exact: undo removes the mark.
    REQUIRE(lab.responder({"undo", "F"}).exit_code == 0);
    CHECK(lab.lines(lab.marks).empty());
  }
}

TEST_CASE("killed inside apply before its change, resume applies again with the plan the step was decided on") {
  EngineLab lab;
  auto file = lab.playbook(playbook_text(lab));
  auto killed = lab.responder({"run", file.string(), "--incident", "F"}, {"RESPONDER_KILL_IN_APPLY_BEFORE_MARK=b"});
  REQUIRE(killed.signal == SIGKILL);
  CHECK(lab.records("F").back().kind == "step.started");
  auto resumed = lab.responder({"resume", "F"});
  INFO(resumed.out << resumed.err);
  REQUIRE(resumed.exit_code == 0);
  CHECK(lab.lines(lab.marks) == std::vector<std::string>{"F a", "F b", "F c"});
  // The plan made before the crash had seen no attempt; a new plan would
  // have seen the interrupted one.
  auto state = lab.state("F");
  REQUIRE(state.steps.at("b").receipt);
  CHECK(state.steps.at("b").receipt->output.at("attempts").to_number<int>() == 2);
  CHECK(state.steps.at("b").receipt->output.at("plan_saw").to_number<int>() == 0);
}
