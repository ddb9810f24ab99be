// TLS for the notification channels' client side (smtp STARTTLS, syslog over
// TLS, HTTPS webhooks): the peer's certificate is always verified, against
// the system's trust store or a CA file the configuration names, and its
// name must match the host we connected to. There is no switch to turn
// verification off.
#pragma once

#include <memory>
#include <string>

#include <openssl/ssl.h>

#include "responder/result.h"

namespace boost::asio::ssl {
class context;
}

namespace responder::notify {

// A client context: TLS 1.2 or later, peer verification on, trusting
// `ca_file` (PEM) when non-empty, else the system's default store.
Result<std::shared_ptr<boost::asio::ssl::context>> client_tls_context(const std::string& ca_file);

// Before the handshake on `ssl`: sends SNI for a DNS name and makes the
// handshake fail unless the certificate names `host` (a DNS name, or an IP
// address matched against the certificate's IP SANs).
Status expect_peer_name(SSL* ssl, const std::string& host);

// Why the last handshake on `ssl` failed, in words ("certificate verify
// failed: self-signed certificate in certificate chain"), or "" when the
// certificate verified.
std::string verification_failure(SSL* ssl);

}  // namespace responder::notify
