// `responder resume ID`: continues an incident's run from its journal (the
// same work `release resume` repeats while hosts are pending).
#pragma once

#include <string>

#include "responder/command.h"
#include "responder/targets/target_options.h"

namespace responder {

// Runs what the journal says is left, as `responder resume`; the exit code
// of the command (exit_code.h), after printing what happened. `vars` (K=V)
// correct variables no step has acted on yet (variable_change.h), journaled
// before anything runs; any that cannot change leaves the incident as it was.
int resume_incident(const GlobalOptions& globals, const std::string& id, bool reconcile,
                    const targets::TargetOptions& target_options, const std::vector<std::string>& vars = {});

}  // namespace responder
