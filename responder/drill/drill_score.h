// How well a drill went, from two sources that cannot flatter each other:
// the incident's journal (when each stage's step was done) and the lab's
// own kernel counters (when the attacker's packets were really dropped at
// the victim, and when they got through again after the undo).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
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

// One host's counter samples, in time order.
struct HostSamples {
  std::string name;
  std::vector<CounterSample> samples;
};

struct DrillTimeline;

// What one host's counters say (unix ms; 0: never).
struct HostCounterReading {
  std::int64_t dropping_from = 0;   // the attack began to be dropped
  std::int64_t leaked_at = 0;       // a block let a packet through while in force
  std::int64_t through_again = 0;   // packets reached the host again after the undo
  std::int64_t arrived = 0, dropped = 0;          // over the whole drill
  std::int64_t held_arrived = 0, held_passed = 0; // while containment was in force
  std::int64_t early_arrived = 0, early_dropped = 0;  // before the playbook ran
  double baseline = 0;              // the share the kernel dropped by itself before
};

// `window_end`: when containment was meant to end (the undo or the attack's end; 0: never).
HostCounterReading read_host_counters(const std::vector<CounterSample>& samples, const DrillTimeline& timeline, bool limit,
                                      std::int64_t window_end);

struct DrillTimeline {
  std::int64_t attack_started_ms = 0;   // the first attack packet was sent
  std::int64_t run_started_ms = 0;      // the playbook's run began
  std::int64_t run_ended_ms = 0;
  std::int64_t undo_started_ms = 0;     // the first undo (the drill's or the playbook's); 0: none
  std::int64_t undo_ended_ms = 0;
  std::int64_t attack_stopped_ms = 0;   // the persistent attack was ended
  // The drill's own alert, for a playbook handed what was seen
  // (Scenario::alert_from_capture): when the analysis of the first host's
  // capture ended, what it called the attack and whom it named.
  std::int64_t alerted_ms = 0;
  std::string alert_kind, alert_source;
  // Each host's version of the drill's patch after the run (Scenario::patch).
  std::vector<std::pair<std::string, std::string>> patched;
  int run_exit = 0;                     // the playbook run's exit code
  bool interrupted = false;             // the drill was asked to stop (Ctrl-C)
};

// One write the attacker tried on the victim's share, from its own log.
struct WriteAttempt {
  std::int64_t unix_ms = 0;
  bool written = false;
};

// The attacker's write log (Scenario::write_log): "UNIX_MS written|refused N"
// a line; lines that do not read so are skipped.
std::vector<WriteAttempt> read_write_log(const std::string& text);

struct DrillScore {
  json::object record;        // what the journal's drill.scored record holds
  std::vector<std::string> lines;  // the same, for the responder's terminal
  bool passed = false;        // detected, contained while it lasted, undone, lab back to its start
};

// The accounts a credential.rotate step of `playbook` gave new passwords,
// by its journaled receipt.
std::set<std::string> rotated_accounts(const Playbook& playbook, const JournalContents& journal);

// `restored_problems`: how the lab differs from its start after the undo
// (empty: it is back). A block holds when no attack packet got through from
// the first drop until the undo or the attack's end; a limit holds when it
// dropped at least half of what arrived over that window.
// For a fleet, containment is in effect once every host drops the attack.
DrillScore score_drill(const Scenario& scenario, const Playbook& playbook, const JournalContents& journal,
                       const DrillTimeline& timeline, const std::vector<HostSamples>& hosts,
                       const std::vector<std::string>& restored_problems, const std::vector<WriteAttempt>& writes = {});
// The one victim's samples.
inline DrillScore score_drill(const Scenario& scenario, const Playbook& playbook, const JournalContents& journal,
                              const DrillTimeline& timeline, const std::vector<CounterSample>& samples,
                              const std::vector<std::string>& restored_problems, const std::vector<WriteAttempt>& writes = {}) {
  return score_drill(scenario, playbook, journal, timeline, std::vector<HostSamples>{{"victim", samples}}, restored_problems, writes);
}

}  // namespace responder::drill
