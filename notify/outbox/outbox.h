// The durable outbox, `incidents/<ID>/outbox/outbox.jsonl`: a chained log
// (responder/chained_log/format.h) that holds every message before it is
// sent and every attempt to send it. A message is pending from its `queued`
// record until a `delivered` record settles it; after a crash, `resume`
// finds what is pending and sends exactly that, under the same key.
//
// Records (header keys time, kind):
//   queued     key, step, contact, message {subject, body, severity,
//              incident, journal, recipient}, ack_token, reach [{channel, to}],
//              escalated_from (the contact whose silence it escalates)
//   attempt    key, channel, address, outcome (retry | failed), detail,
//              retry_after_ms
//   delivered  key, channel, address, detail, fell_back_from [channels]
//   gave_up    key, reason (no channel left; a later apply tries again)
//
// The file is 0600 and its folder 0700: it holds ack tokens and the words
// sent, nothing secret beyond that (no passwords or tokens of channels).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "notify/channels/channel.h"
#include "notify/contacts/contacts.h"
#include "responder/chained_log/writer.h"

namespace responder::notify {

struct OutboxEntry {
  std::string key, step, contact;
  Message message;
  std::vector<Reach> reach;
  std::string queued_time;                     // of the queued record (RFC 3339)
  std::string escalated_from;                  // the contact this escalates, if any
  bool delivered = false;
  std::string channel, address, detail, time;  // of the delivery
  std::vector<std::string> fell_back_from;
  int attempts = 0;
  std::string last_error;                      // of the last failed attempt
  bool gave_up = false;                        // and not delivered since
};

class Outbox {
 public:
  // Opens (creating when missing) the outbox of `incident_dir`.
  static Result<std::unique_ptr<Outbox>> open(const std::filesystem::path& incident_dir);

  // Every message ever queued, by key, as the log now says; refused when the
// log's chain is broken (an edited outbox could drop a message or redirect
// it).
  Result<std::map<std::string, OutboxEntry>> read();

  // Each call is one durable record; safe from several threads.
  Status queue(const OutboxEntry& entry);
  Status attempt(const std::string& key, const std::string& channel, const std::string& address,
                 const DeliveryResult& result);
  Status delivered(const std::string& key, const std::string& channel, const std::string& address,
                   const std::string& detail, const std::vector<std::string>& fell_back_from);
  Status gave_up(const std::string& key, const std::string& reason);

  const std::filesystem::path& file() const { return log_.file(); }

 private:
  explicit Outbox(chained_log::Writer log) : log_(std::move(log)) {}
  Status append(std::string_view kind, json::object payload);
  std::mutex mutex_;
  chained_log::Writer log_;
};

// The entries of outbox bytes already read; `origin` names them in errors.
// Refused when the chain is broken.
Result<std::map<std::string, OutboxEntry>> outbox_entries(std::string_view bytes, const std::string& origin);

// Where the outbox of `incident_dir` lives.
std::filesystem::path outbox_file(const std::filesystem::path& incident_dir);

// The entries of an outbox file without opening it for writing (status,
// verify); an absent file is an empty outbox.
Result<std::map<std::string, OutboxEntry>> read_outbox(const std::filesystem::path& incident_dir);

}  // namespace responder::notify
