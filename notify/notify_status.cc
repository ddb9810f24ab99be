// The notifications part of `responder status`: per notify.send step who
// was told, over which channel and when, who is still pending or failed,
// who has and has not acknowledged; the journal witnesses that went out;
// channels marked compromised.
#include <map>
#include <set>

#include "notify/journal_notices.h"
#include "notify/outbox/outbox.h"
#include "responder/incident_home.h"
#include "responder/journal_record_kind.h"
#include "responder/status_section.h"

namespace responder::notify {
namespace {

json::value describe_notifications(const LoadedIncident& incident, std::vector<std::string>& lines) {
  auto entries = read_outbox(incident.dir);
  // The records status already read and verified (or marks as unverified).
  JournalNotices notices = notices_of(incident.contents);
  const auto& compromised = notices.compromised_channels;
  const auto& acked = notices.acked_tokens;
  if (!entries) {
    lines.push_back("notifications: cannot read the outbox: " + entries.error().message);
    return json::object{{"error", entries.error().message}};
  }
  if (entries->empty() && compromised.empty()) return nullptr;
  lines.push_back("notifications:");
  std::map<std::string, std::vector<const OutboxEntry*>> by_step;
  for (auto& [key, e] : *entries) by_step[e.step].push_back(&e);
  json::array steps;
  std::map<std::string, int> witnesses;
  for (auto& [step, list] : by_step) {
    json::array messages;
    std::vector<std::string> told, pending, failed, acknowledged, unacknowledged;
    for (const OutboxEntry* e : list) {
      json::object m{{"contact", e->contact}, {"key", e->key}, {"subject", e->message.subject}};
      if (!e->message.journal_witness.empty() && e->delivered) ++witnesses[e->message.journal_witness];
      if (e->delivered) {
        m["state"] = "delivered";
        m["channel"] = e->channel;
        m["time"] = e->time;
        if (!e->fell_back_from.empty()) m["fell_back_from"] = string_array(e->fell_back_from);
        told.push_back(e->contact + " by " + e->channel + " at " + e->time +
                       (e->fell_back_from.empty() ? "" : " (after " + comma_joined(e->fell_back_from) + ")"));
      } else if (e->gave_up) {
        m["state"] = "failed";
        m["error"] = e->last_error;
        failed.push_back(e->contact + " (" + e->last_error + ")");
      } else {
        m["state"] = "pending";
        pending.push_back(e->contact);
      }
      if (!e->message.ack_token.empty() && e->delivered) {
        bool yes = acked.count(ack_token_digest(e->message.ack_token)) > 0;
        m["acknowledged"] = yes;
        (yes ? acknowledged : unacknowledged).push_back(e->contact);
      }
      messages.push_back(std::move(m));
    }
    lines.push_back("  " + step + ": " + std::to_string(told.size()) + " of " + std::to_string(list.size()) + " delivered");
    for (auto& t : told) lines.push_back("      told " + t);
    if (!pending.empty()) lines.push_back("      pending (resume sends them): " + comma_joined(pending));
    if (!failed.empty()) lines.push_back("      failed: " + comma_joined(failed));
    if (!acknowledged.empty() || !unacknowledged.empty())
      lines.push_back("      acknowledged: " + (acknowledged.empty() ? std::string("nobody") : comma_joined(acknowledged)) +
                      "; not yet: " + (unacknowledged.empty() ? std::string("nobody") : comma_joined(unacknowledged)));
    steps.push_back(json::object{{"step", step}, {"messages", std::move(messages)}});
  }
  json::array sent;
  for (auto& [w, n] : witnesses) {
    sent.push_back(json::object{{"witness", w}, {"messages", n}});
    lines.push_back("  journal witness " + w + " went out with " + std::to_string(n) + " message(s)");
  }
  json::array channels;
  for (auto& [c, why] : compromised) {
    channels.push_back(json::object{{"channel", c}, {"reason", why}});
    lines.push_back("  channel " + c + " is marked compromised: " + why);
  }
  return json::object{{"steps", std::move(steps)}, {"witnesses_sent", std::move(sent)}, {"compromised_channels", std::move(channels)}};
}

const StatusSectionRegistration notifications_section{{"notifications", describe_notifications}};

}  // namespace
}  // namespace responder::notify
