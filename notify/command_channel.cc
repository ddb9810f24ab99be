// responder channel ID --compromised NAME: stop using a notification channel
// for this incident (the mail server is in the attacker's hands); every
// later message falls back to each contact's next channel.
#include <CLI/CLI.hpp>

#include <iostream>

#include "notify/notify_settings.h"
#include "responder/command.h"
#include "responder/environment.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/journal_record_kind.h"
#include "responder/message_text.h"

namespace responder::notify {
namespace {

struct ChannelOptions {
  std::string incident;
  std::vector<std::string> compromised;
  std::string reason;
};

int mark_compromised(const GlobalOptions& globals, const ChannelOptions& o) {
  if (o.compromised.empty()) return report_error(bad_input("name the channel: --compromised NAME"));
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  auto incident = load_incident(*env, o.incident);
  if (!incident) return report_error(incident.error());
  json::object section = env->config.section("notify");
  const json::value* channels = section.if_contains("channels");
  for (auto& name : o.compromised) {
    if (!channels || !channels->is_object() || !channels->get_object().contains(name)) {
      std::vector<std::string> known;
      if (channels && channels->is_object())
        for (auto& [k, v] : channels->get_object()) known.emplace_back(k);
      return report_error(bad_input("no channel " + in_quotes(name) + " under notify.channels" +
                                    (known.empty() ? "" : "; known: " + comma_joined(known))));
    }
  }
  auto journal = JournalWriter::open(incident->dir, false);
  if (!journal) return report_error(journal.error());
  for (auto& name : o.compromised) {
    auto record = journal->append(record_kind::channel_compromised, env->actor,
                                  {{"channel", name}, {"reason", o.reason.empty() ? "marked compromised" : o.reason}});
    if (!record) return report_error(record.error());
    if (globals.json)
      std::cout << to_json_text(json::object{{"incident", o.incident}, {"channel", name}, {"compromised", true},
                                             {"seq", record->seq}})
                << "\n";
    else
      std::cout << "channel " << name << " is marked compromised for " << o.incident
                << " (journal record " << record->seq << "): nothing more is sent over it; contacts fall back to their next channel\n";
  }
  return kExitSuccess;
}

void setup_channel(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto o = std::make_shared<ChannelOptions>();
  command.add_option("incident", o->incident, "incident id")->required()->type_name("ID");
  command.add_option("--compromised", o->compromised, "stop using this channel for the incident (repeatable)")
      ->type_name("NAME")
      ->required();
  command.add_option("--reason", o->reason, "why, for the journal and the report")->type_name("TEXT");
  command.footer("Example:\n  responder channel INC-7 --compromised mail --reason 'mail server shows the intruder'");
  action = [o, &globals] { return mark_compromised(globals, *o); };
}

const CommandRegistration channel_registration{
    {"channel", "stop using a notification channel for an incident (--compromised NAME)", 46, setup_channel}};

}  // namespace
}  // namespace responder::notify
