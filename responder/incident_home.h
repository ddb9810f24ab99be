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

// The incident's journal file, once it exists and this process may read it.
// A missing incident is bad input; a journal this user may not read is a
// refusal that says how an incident home is shared with approvers.
Result<std::filesystem::path> incident_journal_file(const Environment& env, const std::string& id);

// What a command may do with a journal that fails verification.
enum class JournalTrust {
  required,  // refuse (exit 3), naming the first bad record: commands that act
  forced,    // load it anyway (read-only commands given --force); the caller marks its output
};

struct LoadedIncident {
  std::filesystem::path dir;
  ChainReport chain;  // breaks == 0 unless loaded with JournalTrust::forced
  JournalContents contents;
  IncidentState state;
  Playbook playbook;
};

// Verifies the journal's hash chain, then reads it (reporting a torn last
// line on stderr) and re-validates the journaled playbook. A broken chain is
// refused unless `trust` is forced: nothing derived from a tampered journal
// (a receipt naming someone else's firewall element, an approval nobody
// gave) is acted on.
Result<LoadedIncident> load_incident(const Environment& env, const std::string& id,
                                     JournalTrust trust = JournalTrust::required);

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
