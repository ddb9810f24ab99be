// The lines every message ends with, whatever carries it: which incident,
// the journal witness, and how to acknowledge when asked.
#pragma once

#include <string>

#include "notify/channels/channel.h"

namespace responder::notify {

// "--\nIncident INC-7 (critical); journal witness 12:ab…\nAcknowledge: run
// `responder ack INC-7 <token>` ...\n"
std::string message_footer(const Message& message);

// Subject, a blank line, the body and the footer: the message as one text
// (console, file, mail body, chat text).
std::string message_as_text(const Message& message);

}  // namespace responder::notify
