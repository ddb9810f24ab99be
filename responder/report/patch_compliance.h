// The patch-compliance table of an incident's releases (release.push), from
// the journal alone: for each step and host, where the patch stands.
#pragma once

#include "responder/journal.h"
#include "responder/json.h"

namespace responder {

// One row per (release step, host), in the order the journal first names
// them: {step, host, state, version, version_before, time, detail}, state
// one of pending (planned, unreachable or not yet answered), installing
// (started, no answer yet: resume asks the host), patched, already-patched,
// not-affected, failed, rolled-back (unhealthy and restored, or undone),
// held (its wave never started: the release halted before it).
json::array patch_compliance_rows(const JournalContents& journal);

}  // namespace responder
