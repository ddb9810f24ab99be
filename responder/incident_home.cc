#include "responder/incident_home.h"

#include <iostream>

#include "responder/interrupt.h"
#include "responder/journal_format.h"
#include "responder/message_text.h"
#include "responder/name_syntax.h"
#include "responder/playbook_loader.h"

namespace responder {

Status check_incident_id(const std::string& id) {
  if (!is_label(id))
    return bad_input("incident id " + in_quotes(id) + " may use letters, digits, '.', '_' and '-' (up to " +
                     std::to_string(kMaxNameLength) + "), starting with a letter or digit");
  return {};
}

std::filesystem::path incident_dir(const Environment& env, const std::string& id) { return env.home / id; }

Result<LoadedIncident> load_incident(const Environment& env, const std::string& id) {
  if (auto s = check_incident_id(id); !s) return s.error();
  LoadedIncident incident;
  incident.dir = incident_dir(env, id);
  if (!std::filesystem::exists(incident.dir / kJournalFileName))
    return bad_input("no incident '" + id + "' under " + env.home.string() + " (use --home DIR or $RESPONDER_HOME)");
  auto contents = read_journal(incident.dir / kJournalFileName);
  if (!contents) return contents.error();
  if (contents->torn_tail)
    std::cerr << "responder: note: the journal's last line is torn (" << contents->torn_tail->second
              << " bytes at offset " << contents->torn_tail->first
              << ", a write cut short by a crash); it is ignored and kept aside on the next write\n";
  auto state = derive_state(id, *contents);
  if (!state) return state.error();
  auto loaded = load_playbook_text(state->playbook_text, state->playbook_file.empty() ? "playbook" : state->playbook_file);
  if (!loaded.playbook) {
    std::string why;
    for (auto& d : loaded.diagnostics)
      if (!d.warning) why += "\n  " + d.format();
    return failure("the playbook journaled for " + id + " no longer validates in this build:" + why);
  }
  incident.contents = std::move(*contents);
  incident.state = std::move(*state);
  incident.playbook = std::move(*loaded.playbook);
  return incident;
}

Result<IncidentControl> take_control(Environment& env, const LoadedIncident& incident) {
  auto lock = IncidentLock::acquire(incident.dir);
  if (!lock) return lock.error();
  auto journal = JournalWriter::open(incident.dir, false);
  if (!journal) return journal.error();
  for (auto& text : incident.state.allow)
    if (auto cidr = parse_cidr(text)) env.safety.management.push_back(*cidr);
  install_interrupt_handlers();
  return IncidentControl{std::move(*lock), std::move(*journal)};
}

}  // namespace responder
