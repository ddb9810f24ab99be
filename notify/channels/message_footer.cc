#include "notify/channels/message_footer.h"

namespace responder::notify {

std::string message_footer(const Message& message) {
  std::string footer = "--\nIncident " + message.incident_id;
  if (!message.severity.empty()) footer += " (" + message.severity + ")";
  if (!message.journal_witness.empty()) footer += "; journal witness " + message.journal_witness;
  footer += "\n";
  if (!message.ack_token.empty())
    footer += "Acknowledge: run `responder ack " + message.incident_id + " " + message.ack_token +
              "` (or ask the incident team to run it for you)\n";
  return footer;
}

std::string message_as_text(const Message& message) {
  std::string text = message.subject + "\n\n" + message.body;
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text + "\n" + message_footer(message);
}

}  // namespace responder::notify
