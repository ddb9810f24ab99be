#include "responder/incident_home.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
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

Result<std::filesystem::path> incident_journal_file(const Environment& env, const std::string& id) {
  if (auto s = check_incident_id(id); !s) return s.error();
  auto file = incident_dir(env, id) / kJournalFileName;
  if (::access(file.c_str(), R_OK) == 0) return file;
  int err = errno;
  if (err == ENOENT) {
    // A directory this user may not search hides the journal as well.
    if (::access(incident_dir(env, id).c_str(), X_OK) == 0 || errno == ENOENT)
      return bad_input("no incident '" + id + "' under " + env.home.string() + " (use --home DIR or $RESPONDER_HOME)");
    err = errno;
  }
  std::string why = "cannot read the journal of " + id + " (" + file.string() + "): " + std::strerror(err);
  if (err == EACCES || err == EPERM)
    return refusal(why + "; run as root, or have the incident home shared with your group "
                         "(README: \"Sharing an incident home with approvers\")");
  return failure(why);
}

Result<LoadedIncident> load_incident(const Environment& env, const std::string& id, JournalTrust trust) {
  auto file = incident_journal_file(env, id);
  if (!file) return file.error();
  LoadedIncident incident;
  incident.dir = incident_dir(env, id);
  auto bytes = read_journal_file(*file);
  if (!bytes) return bytes.error();
  incident.chain = verify_journal_bytes(*bytes);
  if (incident.chain.breaks && trust == JournalTrust::required)
    return refusal("the journal of " + id + " failed verification, so nothing was done: " + incident.chain.first_break +
                   ". `responder journal " + id + " --verify` lists every break; read-only commands accept --force");
  auto contents = read_journal_bytes(*bytes, file->string());
  if (!contents) return refusal(contents.error().message);
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
