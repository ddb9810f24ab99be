// One playbook step with `targets:`, run on each of its hosts through their
// executors, `forks` at a time, with the journal as the single source of
// truth (DESIGN.md, "Targets"):
//
//   - every host's records carry `host`: step.planned, step.started,
//     step.applied (that host's receipt), step.verified, step.failed,
//     host.unreachable;
//   - records that become ready together are made durable together (one
//     write, one sync per phase: plans and starts, then receipts and
//     verifications), and a step.started is durable before its host is
//     asked to apply;
//   - a host whose outcome is unknown (started, no receipt: the controller
//     or the far side was killed, the connection dropped mid-apply) is asked
//     to verify with no receipt, and the receipt it recovers is journaled,
//     so no host gets a step twice;
//   - a host that cannot be reached is `unreachable`, not failed: nothing is
//     known to have run there, later steps of this run leave it out, and
//     resume tries it again.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "responder/incident_state.h"
#include "responder/journal.h"
#include "responder/playbook.h"
#include "responder/run_reporter.h"
#include "responder/targets/run_hosts.h"

namespace responder::targets {

enum class HostsOutcome { done, failed, refused, interrupted, journal_error };

struct HostStepRun {
  const Step* step = nullptr;
  const Module* module = nullptr;
  json::object params;            // substituted and resolved: the same on every host
  // Sent with each host's apply (Module::prepare_on_controller), and its SHA-256.
  std::shared_ptr<const std::string> attachment;
  std::string attachment_sha256;
  std::vector<StepHost> hosts;    // the hosts to work on now (limit and this run's exclusions applied)
  // The step's whole host list, journaled as step.hosts before anything
  // else when the step first runs; empty when it is journaled already.
  std::vector<StepHost> journal_hosts;
  const IncidentState* state = nullptr;  // what the journal said when the run began
  RunHosts* reach = nullptr;
  JournalWriter* journal = nullptr;
  RunReporter* reporter = nullptr;
  std::string incident_id, actor;
  // Where evidence the hosts collect is stored: this incident's store.
  std::filesystem::path incident_dir;
  std::vector<std::string> management;  // the controller's protected ranges, also protected on every host
  // Records the runner holds (the previous step's receipt): written first,
  // with this step's first records, in one write and one sync. Taken.
  std::vector<JournalEntry>* held = nullptr;
  bool drill = false;
  // Waits for the step's approvals of the plan record `plan_seq`; done,
  // interrupted, refused or journal_error, as the runner's own wait.
  std::function<HostsOutcome(std::uint64_t plan_seq)> await_approvals;
};

struct HostStepResult {
  HostsOutcome outcome = HostsOutcome::done;
  ErrorKind failure = ErrorKind::failed;  // of the last failure, when failed
  // What `register:` holds: {hosts: {NAME: output}, ok: [...], failed:
  // [...], unreachable: [...]}, from this run and what the journal held.
  json::object registered;
  std::vector<std::string> ok, failed, unreachable;
  // Of `unreachable`: hosts reached whose outcome is unknown (the change
  // may be in effect there).
  std::vector<std::string> outcome_unknown;
  // Hosts handed to Ansible (`release export`) and not acted on here.
  std::vector<std::string> with_ansible;
  // The batch of the module's order (a canary, a wave) that halted the
  // step, now or in an earlier run; empty when none did.
  std::string halted_at;
};

HostStepResult run_step_on_hosts(const HostStepRun& run);

// What `register:` of a step with targets holds, from the journal alone
// (a step that needs nothing more on resume).
json::object registered_from_state(const IncidentState& state, const std::string& step_id);

}  // namespace responder::targets
