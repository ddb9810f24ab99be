// `type: webhook`: each message as one HTTPS request carrying JSON, in the
// payload shape the receiving service expects (see webhook_payload.h).
//
//   notify:
//     channels:
//       oncall-chat:
//         type: webhook
//         url: https://hooks.slack.com/services/T000/B000/XXXX   # http:// only to loopback
//         shape: slack               # generic (default), slack, teams, matrix
//         token: chat_token          # a secret under `secrets:`, sent as Authorization: Bearer
//         ca_file: /etc/responder/chat-ca.pem   # default: the system's trust store
//         timeout_seconds: 30        # per send, 1..3600
//         room: "!abc:example.org"   # matrix only, and required there (url: the homeserver)
//
// Guarantees:
// - The server's certificate is always verified and must name the URL's host
//   (tls_client.h); a failure is `failed` with OpenSSL's reason.
// - One connection per send; send() returns by its deadline (or the
//   channel's timeout_seconds, whichever is sooner) plus scheduling slack,
//   with `retry` when the deadline cut it short, including a name lookup that
//   hangs.
// - Every request carries Idempotency-Key (the message key),
//   X-Responder-Journal (the journal witness), X-Responder-Incident,
//   Content-Type: application/json and User-Agent: responder/0.1.0; matrix
//   also uses the key as its transaction id.
// - 2xx is delivered; 429 and 503 are retry with the server's Retry-After
//   (seconds or HTTP-date); 408, other 5xx, refused or reset connections and
//   timeouts are retry; 3xx (never followed: the detail says where it
//   pointed) and other 4xx are failed.
// - The token is read through Config::secret when the channel is built, and
//   never appears in a detail or an error, even when a server echoes it.
#pragma once

#include "notify/channels/channel.h"

namespace responder::notify {
Result<std::unique_ptr<Channel>> make_webhook_channel(const std::string& name, const json::object& settings,
                                                      const Config& config);
}
