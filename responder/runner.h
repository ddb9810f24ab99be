// Drives a playbook's stages and steps, writing every decision and result to
// the journal before moving on, so that a run killed at any point resumes
// without applying any step twice.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "responder/environment.h"
#include "responder/incident_state.h"
#include "responder/journal.h"
#include "responder/playbook.h"
#include "responder/run_reporter.h"
#include "responder/targets/step_protocol.h"

namespace responder {

namespace targets {
class RunHosts;
}  // namespace targets

struct RunSetup {
  const Environment* environment = nullptr;
  std::string incident_id;
  std::filesystem::path incident_dir;
  JournalWriter* journal = nullptr;
  const Playbook* playbook = nullptr;
  json::object variables;
  RunReporter* reporter = nullptr;
  bool drill = false;
  // How steps with `targets:` reach their hosts; null when the command has
  // none to offer (such a step then fails as bad input).
  targets::RunHosts* hosts = nullptr;
};


// Runs from where `state` (derived from the same journal) stands; returns the
// exit code: 0 all done, 1 a step failed (or hosts stayed unreachable: the
// run ends `partial`, and resume tries them again), 3 refused, 4 interrupted.
int drive_playbook(const RunSetup& setup, const IncidentState& state);

struct UndoOutcome {
  int undone = 0;
  int failed = 0;
  // "step" or "step on host", in the order undone; those that stay in
  // force with why (an undo that failed, or one the journal does not hold).
  std::vector<std::string> undone_steps;
  std::vector<std::pair<std::string, std::string>> still_in_force;
};

// Undoes the in-force steps of `state`, newest first: all of them, or those
// named in `only_steps`, or those of `only_stage`. Each undo is journaled
// (undo.started, then step.undone or undo.failed) and reported. Receipts are
// the only thing undone: nothing the toolkit did not do is touched. After
// each undo the module's verify reads the real component back; step.undone
// carries what it read (`verified`) and whether the state it guarded is
// still shown (`still_in_effect`: held by something else, or a receipt that
// changed nothing), which is reported, never an undo failure.
// On other hosts each undo goes to that host with its own receipt; a host
// outside `only_host` (when not empty) is left as it is.
UndoOutcome undo_in_force(const RunSetup& setup, const IncidentState& state, const std::vector<std::string>& only_steps,
                          const std::string& only_stage, const std::string& reason, const std::string& only_host = "");

// Sends `operation` (undo, reconcile, confirm) for one host's part of a
// step with targets to that host, with the receipt, plan and parameters the
// journal holds for it; the host's answer, or why there is none.
Result<targets::StepAnswer> ask_host(const RunSetup& setup, const IncidentState& state, const StepState& step_on_host,
                                     targets::Operation operation);

// A step context for `setup` and `step_id`.
StepContext make_step_context(const RunSetup& setup, const std::string& step_id);

}  // namespace responder
