#include "notify/journal_notices.h"

#include "responder/journal.h"
#include "responder/journal_record_kind.h"
#include "responder/sha256.h"

namespace responder::notify {

std::string ack_token_digest(const std::string& token) { return sha256_hex(token); }

Result<JournalNotices> read_journal_notices(const std::filesystem::path& incident_dir) {
  JournalNotices notices;
  if (incident_dir.empty()) return notices;
  auto contents = read_verified_journal(incident_dir / "journal.jsonl", {});
  if (!contents) return contents.error();
  for (auto& record : contents->records) {
    if (record.kind == record_kind::channel_compromised) notices.compromised_channels.insert(record.text("channel"));
    else if (record.kind == record_kind::notify_acked) notices.acked_tokens.insert(record.text("token_sha256"));
  }
  return notices;
}

}  // namespace responder::notify
