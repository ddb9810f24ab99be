// A run killed with SIGKILL after each journal record in turn, or whose
// power goes or whose disk fails at each record, then resumed, ends in the
// same state as an uninterrupted run, with every step applied exactly once
// (LevelDB's fault_injection_test, for the incident journal).
#include <doctest/doctest.h>

#include <csignal>
#include <cstring>
#include <map>
#include <set>

#include "tests/responder/engine_lab.h"
#include "tests/support/sanitized_build.h"

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
    // Records made durable together (a step's start with the previous
    // step's receipt) are all there.
    REQUIRE(lab.records("F").size() >= k);
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

// --- The power goes, or the disk fails, at each journal record ------------
//
// A kill keeps the page cache; a power cut does not. RESPONDER_FAULT
// (tests/support/fault_file_system.h) makes the journal's file system keep
// only the bytes that were synced, plus the part of the write in flight
// that reached the disk, and fail writes and syncs on cue.

namespace {

struct Reference {
  Outcome outcome;
  std::vector<JournalRecord> records;
};

const Reference& reference_run() {
  static Reference reference = [] {
    EngineLab lab;
    auto pb = lab.playbook(playbook_text(lab));
    auto clean = lab.responder({"run", pb.string(), "--incident", "F"});
    INFO(clean.out << clean.err);
    REQUIRE(clean.exit_code == 0);
    return Reference{outcome_of(lab, "F"), lab.records("F")};
  }();
  return reference;
}

// After a fault the incident is continued as a responder would: `resume`,
// or `run` again when the first record never reached the disk.
ProcessResult continue_incident(const EngineLab& lab, const std::filesystem::path& playbook) {
  bool has_record = std::filesystem::exists(lab.journal("F")) && !lab.records("F").empty();
  if (has_record) return lab.responder({"resume", "F"});
  return lab.responder({"run", playbook.string(), "--incident", "F"});
}

// `run` of the fault playbook with RESPONDER_FAULT=journal.jsonl:<fault>.
ProcessResult run_with_fault(const EngineLab& lab, const std::filesystem::path& playbook, const std::string& fault) {
  return lab.responder({"run", playbook.string(), "--incident", "F"}, {"RESPONDER_FAULT=journal.jsonl:" + fault});
}

// The marks this run left must be of steps whose start was journaled, and
// not of the step whose start record failed.
void check_no_action_past(const EngineLab& lab, const JournalRecord& failed) {
  std::set<std::string> started;
  for (auto& r : lab.records("F", "step.started")) started.insert(r.text("step"));
  for (auto& mark : lab.lines(lab.marks)) {
    auto step = mark.substr(mark.find(' ') + 1);
    CAPTURE(step);
    CHECK(started.count(step) == 1);
    if (failed.kind == "step.started") CHECK(step != failed.text("step"));
  }
}

}  // namespace

TEST_CASE("the power goes at every journal record, before, inside and after its bytes: resume ends as a clean run") {
  const Reference& ref = reference_run();
  int torn_lines = 0;
  const std::string cuts[] = {"0", "half", "all"};
  for (std::size_t k = 1; k <= ref.records.size(); ++k) {
    for (std::size_t c = 0; c < 3; ++c) {
      // Under the sanitizers, one cut a record, in turn (sanitized_build.h).
      if (kSanitizedBuild && c != k % 3) continue;
      const std::string& kept = cuts[c];
      CAPTURE(k);
      CAPTURE(kept);
      CAPTURE(ref.records[k - 1].kind);
      EngineLab lab;
      auto file = lab.playbook(playbook_text(lab));
      auto cut = run_with_fault(lab, file, "power-cut:" + std::to_string(k) + ":" + kept);
      REQUIRE(cut.signal == SIGKILL);
      // What survived: the synced records, plus record k when it was whole.
      bool torn = false;
      if (std::filesystem::exists(lab.journal("F"))) {
        auto bytes = slurp(lab.journal("F"));
        torn = !bytes.empty() && bytes.back() != '\n';
        auto chain = verify_journal(lab.journal("F"));
        CHECK(chain.breaks == 0);
        // Record k shares its write with the records made durable with it.
        if (kept == "all") CHECK(chain.records >= k);
        if (kept == "0") CHECK(chain.records < k);
      }
      auto continued = continue_incident(lab, file);
      INFO(continued.out << continued.err);
      REQUIRE(continued.exit_code == 0);
      check_same(ref.outcome, outcome_of(lab, "F"));
      // The torn bytes were kept beside the journal, not lost. (Half of a
      // write of several records may end on a line's end: nothing torn.)
      if (torn) {
        ++torn_lines;
        bool copied = false;
        for (auto& entry : std::filesystem::directory_iterator(lab.journal("F").parent_path()))
          copied = copied || entry.path().filename().string().starts_with("journal.torn.");
        CHECK(copied);
      }
      auto verified = lab.responder({"journal", "F", "--verify"});
      CHECK(verified.exit_code == 0);
    }
  }
  CHECK(torn_lines > (kSanitizedBuild ? 3 : 10));
}

TEST_CASE("a journal write that fails (EIO, ENOSPC) stops the run before the action it announces: resume completes") {
  const Reference& ref = reference_run();
  for (std::size_t k = 1; k <= ref.records.size(); ++k) {
    std::string error = k % 2 ? "EIO" : "ENOSPC";
    CAPTURE(k);
    CAPTURE(error);
    CAPTURE(ref.records[k - 1].kind);
    EngineLab lab;
    auto file = lab.playbook(playbook_text(lab));
    auto failed = run_with_fault(lab, file, "write-error:" + std::to_string(k) + ":" + error);
    INFO(failed.out << failed.err);
    REQUIRE(failed.signal == 0);
    CHECK(failed.exit_code != 0);
    CHECK((failed.out + failed.err).find("cannot append to") != std::string::npos);
    CHECK((failed.out + failed.err).find(std::strerror(error == "EIO" ? EIO : ENOSPC)) != std::string::npos);
    if (std::filesystem::exists(lab.journal("F"))) {
      // The half-written line was cut back: no torn line, no broken chain.
      auto chain = verify_journal(lab.journal("F"));
      CHECK(chain.intact);
      CHECK(chain.records < k);
      check_no_action_past(lab, ref.records[k - 1]);
    } else {
      CHECK(k == 1);  // the first record failed: nothing was created
    }
    auto continued = continue_incident(lab, file);
    INFO(continued.out << continued.err);
    REQUIRE(continued.exit_code == 0);
    check_same(ref.outcome, outcome_of(lab, "F"));
  }
}

TEST_CASE("a journal sync that fails stops the run before the action it announces: resume completes") {
  const Reference& ref = reference_run();
  for (std::size_t k = 1; k <= ref.records.size(); ++k) {
    CAPTURE(k);
    CAPTURE(ref.records[k - 1].kind);
    EngineLab lab;
    auto file = lab.playbook(playbook_text(lab));
    auto failed = run_with_fault(lab, file, "sync-error:" + std::to_string(k) + ":EIO");
    INFO(failed.out << failed.err);
    REQUIRE(failed.signal == 0);
    CHECK(failed.exit_code != 0);
    CHECK((failed.out + failed.err).find("cannot sync") != std::string::npos);
    if (std::filesystem::exists(lab.journal("F"))) {
      // The record whose sync failed may be on disk or not; either way the
      // run did not act on it.
      auto chain = verify_journal(lab.journal("F"));
      CHECK(chain.breaks == 0);
      check_no_action_past(lab, ref.records[k - 1]);
    } else {
      CHECK(k == 1);
    }
    auto continued = continue_incident(lab, file);
    INFO(continued.out << continued.err);
    REQUIRE(continued.exit_code == 0);
    check_same(ref.outcome, outcome_of(lab, "F"));
  }
}

TEST_CASE("a steady run of local steps makes one journal sync per step: a step's receipt goes with the next step's start") {
  auto syncs_for = [](int steps) {
    EngineLab lab;
    std::string text = "name: syncs\nstages:\n  evaluate:\n";
    for (int i = 1; i <= steps; ++i)
      text += "    - id: n" + std::to_string(i) + "\n      module: note.add\n      with: {text: \"note " + std::to_string(i) + "\"}\n";
    auto count = lab.dir / "syncs";
    auto run = lab.responder({"run", lab.playbook(text).string(), "--incident", "S"},
                             {"RESPONDER_FAULT=journal.jsonl:count-syncs:1:" + count.string()});
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    // Every step's four records are there all the same.
    CHECK(lab.records("S", "step.verified").size() == static_cast<std::size_t>(steps));
    return std::stoi(slurp(count));
  };
  int ten = syncs_for(10), thirty = syncs_for(30);
  CAPTURE(ten);
  CAPTURE(thirty);
  CHECK(thirty - ten == 20);
}
