// responder ack ID TOKEN: a recipient acknowledges a notification, which
// stops its escalation; `status` shows who has and has not acknowledged.
#include <CLI/CLI.hpp>

#include <cctype>
#include <iostream>

#include "notify/journal_notices.h"
#include "notify/outbox/outbox.h"
#include "responder/command.h"
#include "responder/environment.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/journal_record_kind.h"

namespace responder::notify {
namespace {

// Tokens are read out over a phone as often as pasted: case and dashes
// do not matter.
std::string normalised_token(const std::string& text) {
  std::string plain;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c))) continue;
    char up = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    // Crockford's base32 reads O as 0 and I, L as 1: said aloud, they are one.
    if (up == 'O') up = '0';
    if (up == 'I' || up == 'L') up = '1';
    plain += up;
  }
  if (plain.size() != 12) return text;
  return plain.substr(0, 4) + "-" + plain.substr(4, 4) + "-" + plain.substr(8, 4);
}

int acknowledge(const GlobalOptions& globals, const std::string& id, const std::string& given) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  auto incident = load_incident(*env, id);
  if (!incident) return report_error(incident.error());
  auto entries = read_outbox(incident->dir);
  if (!entries) return report_error(entries.error());
  std::string token = normalised_token(given);
  const OutboxEntry* found = nullptr;
  for (auto& [key, e] : *entries)
    if (!e.message.ack_token.empty() && e.message.ack_token == token) found = &e;
  if (!found) return report_error(bad_input("no notification of " + id + " asked for acknowledgement with that token"));
  std::string digest = ack_token_digest(token);
  if (notices_of(incident->contents).acked_tokens.count(digest)) {
    std::cout << found->contact << " had already acknowledged " << found->step << "\n";
    return kExitSuccess;
  }
  auto journal = JournalWriter::open(incident->dir, false);
  if (!journal) return report_error(journal.error());
  auto record = journal->append(record_kind::notify_acked, env->actor,
                                {{"step", found->step}, {"contact", found->contact}, {"token_sha256", digest}});
  if (!record) return report_error(record.error());
  if (globals.json)
    std::cout << to_json_text(json::object{{"incident", id}, {"step", found->step}, {"contact", found->contact}, {"seq", record->seq}})
              << "\n";
  else
    std::cout << found->contact << " acknowledged " << found->step << " (" << found->message.subject << "), journal record "
              << record->seq << "\n";
  return kExitSuccess;
}

void setup_ack(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto args = std::make_shared<std::array<std::string, 2>>();
  command.add_option("incident", (*args)[0], "incident id")->required()->type_name("ID");
  command.add_option("token", (*args)[1], "the token the message gave")->required()->type_name("TOKEN");
  command.footer("Example:\n  responder ack INC-7 K3QF-7M2P-X9D4");
  action = [args, &globals] { return acknowledge(globals, (*args)[0], (*args)[1]); };
}

const CommandRegistration ack_registration{{"ack", "acknowledge a notification with the token it gave", 47, setup_ack}};

}  // namespace
}  // namespace responder::notify
