// What people told the incident about its notifications, read back from the
// incident journal: channels marked compromised (`responder channel ID
// --compromised NAME`) and acknowledgements (`responder ack ID TOKEN`).
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "responder/journal.h"
#include "responder/result.h"

namespace responder::notify {

struct JournalNotices {
  // Channel -> why (the reason given, or "by step ID" for a
  // channel.compromised step).
  std::map<std::string, std::string> compromised_channels;
  std::set<std::string> acked_tokens;  // hex SHA-256 of each acknowledged token
};

// From records already read (and verified by whoever read them).
JournalNotices notices_of(const JournalContents& contents);

// From the journal of `incident_dir`, only when its chain holds: a forged
// acknowledgement must not stop an escalation.
Result<JournalNotices> read_journal_notices(const std::filesystem::path& incident_dir);

// How an ack token is named in the journal: its hex SHA-256, so that
// reading the journal does not let anyone acknowledge in another's name.
std::string ack_token_digest(const std::string& token);

}  // namespace responder::notify
