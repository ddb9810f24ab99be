// `type: smtp`: mail through a submission server, in process (Boost.Asio and
// OpenSSL), one connection per message.
//
//   host: mail.example.org      # required
//   port: 587                   # default 587; 465 when security is tls
//   security: starttls          # starttls (default) | tls | none
//   from: responder@example.org # required
//   username: responder         # with password: AUTH PLAIN, else LOGIN
//   password: smtp_password     # names a secret under `secrets:`
//   ca_file: /etc/responder/mail-ca.pem   # default: the system's trust store
//   helo: responder.example.org # default: this host's name
//   timeout_seconds: 30         # per message, within the caller's deadline
//
// Guarantees: with starttls, nothing but EHLO and STARTTLS is sent before
// TLS is up, and a server that does not offer STARTTLS gets no mail (no
// fallback to plaintext). The server's certificate is always verified and
// must name `host`. Credentials are sent only over TLS, or in the clear to a
// loopback host with `security: none`, which no other host may have. The
// recipient address is checked (check_mail_address) before connecting, so
// it can add no command and no header. Neither a mail server nor a name
// server that stops answering can hold send() beyond its deadline. 2xx
// after DATA is `delivered` (detail: the server's reply); 4xx, a refused,
// lost or silent connection is `retry`; 5xx, a certificate that does not
// verify and failed authentication are `failed`. The password is never in
// any detail or error.
#pragma once

#include "notify/channels/channel.h"

namespace responder::notify {

Result<std::unique_ptr<Channel>> make_smtp_channel(const std::string& name, const json::object& settings,
                                                   const Config& config);

}  // namespace responder::notify
