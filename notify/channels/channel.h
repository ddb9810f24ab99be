// One way of reaching a person: the interface every notification channel
// (console, file, syslog, smtp, webhook) implements.
//
// A channel is built once per run from its configuration
// (`notify.channels.<name>` in responder.yaml) and may be used from several
// threads at once: send() keeps no state between calls that another call
// could see. Secrets (passwords, tokens) are read through Config::secret when
// the channel is built and never appear in any DeliveryResult or error.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "responder/json.h"
#include "responder/result.h"

namespace responder {
struct Config;
}

namespace responder::notify {

// What is sent. Every channel carries all of it in its own form (headers,
// structured data, JSON fields); body is plain UTF-8 text.
struct Message {
  // Stable for one (incident, step, contact) across retries, fallbacks and
  // `resume`: receivers that see it twice can drop the second copy
  // (Message-ID, Idempotency-Key header, Matrix transaction id, syslog SD).
  std::string key;
  std::string incident_id;
  std::string severity;          // critical | important | moderate | low
  std::string subject;
  std::string body;
  // The incident journal's head when the message was queued, "SEQ:SHA256"
  // (X-Responder-Journal): a witness nobody on this host can reach.
  std::string journal_witness;
  // Non-empty when the sender asks for an acknowledgement: the recipient
  // answers with `responder ack ID TOKEN` (or the reply code in mail).
  std::string ack_token;
  std::string recipient;         // the contact's display name
};

enum class DeliveryState {
  delivered,  // the far side accepted it (250 after DATA, 2xx, written)
  retry,      // transient: try this channel again later (4xx, 429, 503, connection refused, timeout)
  failed,     // permanent for this channel: fall back to the contact's next one
};

struct DeliveryResult {
  DeliveryState state = DeliveryState::failed;
  // What the far side said, for the journal ("250 2.0.0 Ok: queued as 4F1",
  // "HTTP 429", "certificate verify failed: self-signed certificate").
  std::string detail;
  // How long the far side asked us to wait (Retry-After), when it did.
  std::optional<std::chrono::milliseconds> retry_after;
};

class Channel {
 public:
  virtual ~Channel() = default;
  // The configured name ("mail", "oncall-chat") and the type ("smtp").
  virtual const std::string& name() const = 0;
  virtual std::string_view type() const = 0;
  // Sends one message to `address` (a mail address for smtp, a mention or
  // room for webhooks, unused where the channel has one destination), giving
  // up with `retry` when `deadline` passes. Never throws.
  virtual DeliveryResult send(const Message& message, const std::string& address,
                              std::chrono::steady_clock::time_point deadline) = 0;
};

// Builds channel `name` from its settings mapping (which holds `type:` and
// the type's own keys). Unknown keys, a missing required key, or a secret
// that cannot be read are bad input naming `notify.channels.<name>.<key>`.
Result<std::unique_ptr<Channel>> make_channel(const std::string& name, const json::object& settings, const Config& config);

}  // namespace responder::notify
