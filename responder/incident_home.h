// Finding an incident under the home directory and loading what its journal
// says: the state and the playbook it runs (from the journaled text, so a
// later edit of the playbook file cannot change a running incident).
#pragma once

#include <filesystem>
#include <string>

#include "responder/environment.h"
#include "responder/incident_lock.h"
#include "responder/incident_state.h"
#include "responder/playbook.h"

namespace responder {

// Incident ids are names, never paths: letters, digits, '.', '_', '-'.
Status check_incident_id(const std::string& id);
std::filesystem::path incident_dir(const Environment& env, const std::string& id);

struct LoadedIncident {
  std::filesystem::path dir;
  JournalContents contents;
  IncidentState state;
  Playbook playbook;
};

// Reads the journal (reporting a torn last line on stderr) and re-validates
// the journaled playbook.
Result<LoadedIncident> load_incident(const Environment& env, const std::string& id);

// What a process holds while it drives an incident (resume, undo).
struct IncidentControl {
  IncidentLock lock;
  JournalWriter journal;
};

// Takes the incident's runner lock (refused while another process drives
// it), opens its journal for appending, adds the ranges allowed at `run` to
// the safety rules and installs the Ctrl-C handlers.
Result<IncidentControl> take_control(Environment& env, const LoadedIncident& incident);

}  // namespace responder
