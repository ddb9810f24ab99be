// Where an incident stands, derived from its journal alone: what status,
// resume, undo and reports all read.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "responder/journal.h"
#include "responder/module.h"

namespace responder {

enum class StepStatus { pending, planned, started, applied, verified, failed, skipped, undone };
std::string_view step_status_name(StepStatus status);

struct StepState;
// Whether a step's change may already be in place (started, or applied and
// not yet verified): it was approved before it started, so finishing it
// needs no approval again. A failed attempt is planned, and approved, anew.
bool change_may_exist(const StepState* prior);

// One step on one host: a local step (host empty), or a step with
// `targets:` on one of its hosts. Records carrying a `host` field are that
// host's; the others are the step's own (approvals, when: skipped).
struct StepState {
  std::string id;
  std::string host;                // empty: this host, in process
  std::string stage;
  std::string module;
  StepStatus status = StepStatus::pending;
  int attempt = 0;                 // attempts started
  bool final_failure = false;      // failed with no retries left
  std::string error;               // last failure
  std::string error_kind;
  json::object params;             // as planned (substituted)
  json::object planned;            // the plan's detail
  std::vector<std::string> changes;
  std::optional<Receipt> receipt;  // once applied
  std::uint64_t applied_seq = 0;
  std::string verify_detail;
  std::vector<std::string> approvers;  // names as recorded, normalised, distinct, in order; unverified (see approval_tally.h)
  bool waiting_for_approval = false;
  bool confirmed = false;          // `responder confirm` disarmed its dead-man switch
  bool undo_pending = false;       // undo.started without step.undone yet
  std::string undo_error;
  bool unreachable = false;        // the last attempt could not reach the host
  std::string unreachable_why;
};

// A host a step with `targets:` acts on, as journaled (step.hosts) when the
// step first ran: resume and undo reach it the same way without the
// inventory.
struct StepHost {
  std::string name;
  json::object reach;  // inventory::reach_to_json
  // The inventory variables a step may order hosts by (kStepHostVars),
  // journaled with the hosts so a resumed run orders them the same way.
  json::object vars;
};

// Inventory variables kept with a step's hosts: `last_seen` (when the host
// was last known up: RFC 3339 or seconds since the epoch) and
// `release_group` (hosts released together, e.g. "web-debian12").
inline constexpr std::string_view kStepHostVars[] = {"last_seen", "release_group"};

struct IncidentState {
  std::string incident_id;
  json::object opened;             // the incident.opened record
  std::string playbook_file, playbook_text;
  json::object variables;
  std::vector<std::string> allow;
  bool drill = false;
  std::map<std::string, StepState> steps;
  std::vector<std::string> step_order;  // first appearance in the journal
  // Steps with `targets:`: the hosts journaled for each, in order, and each
  // host's state, by step id then host name.
  std::map<std::string, std::vector<StepHost>> step_hosts;
  std::map<std::string, std::map<std::string, StepState>> on_hosts;
  // Steps whose ordered hosts halted (a step.wave record with outcome
  // halted), and the batch that halted them: their held hosts stay held.
  std::map<std::string, std::string> halted;
  // Hosts of a step handed to Ansible (release.exported) whose results
  // have not come back and that responder has not taken back: step id, then
  // host name, then the export's directory.
  std::map<std::string, std::map<std::string, std::string>> with_ansible;
  std::string outcome;             // last run.finished outcome, "interrupted", or "running"
  std::uint64_t records = 0;

  StepState& step(const std::string& id);
  const StepState* find(const std::string& id) const;
  StepState& host_step(const std::string& id, const std::string& host);
  const StepState* find(const std::string& id, const std::string& host) const;
  // Applied changes still in force (with something to undo), on every
  // host, newest first.
  std::vector<const StepState*> in_force() const;
};

json::value receipt_to_json(const Receipt& receipt);
Receipt receipt_from_json(const json::value& value);

// The first step (in journal order; "STEP on HOST" for a host's) that ever
// started, so may have changed something; "" when none did.
std::string first_started_step(const IncidentState& state);

// Fails when the journal has no incident.opened record first.
Result<IncidentState> derive_state(const std::string& incident_id, const JournalContents& contents);

}  // namespace responder
