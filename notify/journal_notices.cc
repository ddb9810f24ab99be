#include "notify/journal_notices.h"

#include "responder/journal.h"
#include "responder/journal_record_kind.h"
#include "responder/sha256.h"

namespace responder::notify {

std::string ack_token_digest(const std::string& token) { return sha256_hex(token); }

JournalNotices notices_of(const JournalContents& contents) {
  JournalNotices notices;
  for (auto& record : contents.records) {
    if (record.kind == record_kind::channel_compromised) {
      notices.compromised_channels[record.text("channel")] = record.text("reason");
    } else if (record.kind == record_kind::step_applied) {
      // A channel.compromised step's mark is its receipt.
      const json::value* receipt = record.fields.if_contains("receipt");
      const json::value* output = receipt && receipt->is_object() ? receipt->get_object().if_contains("output") : nullptr;
      const json::value* channels =
          output && output->is_object() ? output->get_object().if_contains("compromised_channels") : nullptr;
      if (channels && channels->is_array())
        for (auto& c : channels->get_array())
          if (c.is_string()) notices.compromised_channels[std::string(c.get_string())] = "by step " + record.text("step");
    } else if (record.kind == record_kind::notify_acked) {
      notices.acked_tokens.insert(record.text("token_sha256"));
    }
  }
  return notices;
}

Result<JournalNotices> read_journal_notices(const std::filesystem::path& incident_dir) {
  if (incident_dir.empty()) return JournalNotices{};
  auto contents = read_verified_journal(incident_dir / "journal.jsonl", {});
  if (!contents) return contents.error();
  return notices_of(*contents);
}

}  // namespace responder::notify
