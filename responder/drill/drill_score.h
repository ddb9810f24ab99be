// How well a drill went, from two sources that cannot flatter each other:
// the incident's journal (when each stage's step was done) and the lab's
// own kernel counters (when the attacker's packets were really dropped at
// the victim, and when they got through again after the undo).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "responder/clock.h"
#include "responder/drill/drill_scenario.h"
#include "responder/journal.h"
#include "responder/json.h"
#include "responder/playbook.h"

namespace responder::drill {

struct CounterSample {
  std::int64_t unix_ms = 0;
  std::uint64_t arrived = 0, passed = 0;
};

struct DrillTimeline {
  std::int64_t attack_started_ms = 0;   // the first attack packet was sent
  std::int64_t run_started_ms = 0;      // the playbook's run began
  std::int64_t run_ended_ms = 0;
  std::int64_t undo_started_ms = 0;     // the first undo (the drill's or the playbook's); 0: none
  std::int64_t undo_ended_ms = 0;
  std::int64_t attack_stopped_ms = 0;   // the persistent attack was ended
  int run_exit = 0;                     // the playbook run's exit code
  bool interrupted = false;             // the drill was asked to stop (Ctrl-C)
};

struct DrillScore {
  json::object record;        // what the journal's drill.scored record holds
  std::vector<std::string> lines;  // the same, for the responder's terminal
  bool passed = false;        // detected, contained while it lasted, undone, lab back to its start
};

// `restored_problems`: how the lab differs from its start after the undo
// (empty: it is back). A block holds when no attack packet got through from
// the first drop until the undo or the attack's end; a limit holds when it
// dropped at least half of what arrived over that window.
DrillScore score_drill(const Scenario& scenario, const Playbook& playbook, const JournalContents& journal,
                       const DrillTimeline& timeline, const std::vector<CounterSample>& samples,
                       const std::vector<std::string>& restored_problems);

}  // namespace responder::drill
