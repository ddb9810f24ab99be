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

namespace responder {

struct RunSetup {
  const Environment* environment = nullptr;
  std::string incident_id;
  std::filesystem::path incident_dir;
  JournalWriter* journal = nullptr;
  const Playbook* playbook = nullptr;
  json::object variables;
  RunReporter* reporter = nullptr;
  bool drill = false;
};

// Runs from where `state` (derived from the same journal) stands; returns the
// exit code: 0 all done, 1 a step failed, 3 refused, 4 interrupted.
int drive_playbook(const RunSetup& setup, const IncidentState& state);

struct UndoOutcome {
  int undone = 0;
  int failed = 0;
};

// Undoes the in-force steps of `state`, newest first: all of them, or those
// named in `only_steps`, or those of `only_stage`. Each undo is journaled
// (undo.started, then step.undone or undo.failed) and reported. Receipts are
// the only thing undone: nothing the toolkit did not do is touched.
UndoOutcome undo_in_force(const RunSetup& setup, const IncidentState& state, const std::vector<std::string>& only_steps,
                          const std::string& only_stage, const std::string& reason);

// A step context for `setup` and `step_id`.
StepContext make_step_context(const RunSetup& setup, const std::string& step_id);

}  // namespace responder
