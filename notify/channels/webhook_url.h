// The address a webhook channel posts to (`notify.channels.<name>.url`),
// checked before anything is sent.
//
//   https://host[:port]/path[?query]   host: a DNS name, an IPv4 address or [IPv6]
//   http://127.0.0.1:8080/hook         plain HTTP only to a loopback address
//
// Refused, as bad input: any other scheme; userinfo (`user:pass@`: secrets go
// in `token:`, which names a secret); a fragment; spaces, control characters
// (CR and LF above all: they would forge header lines), backslashes and bytes
// outside ASCII anywhere (percent-encode them, and write an international
// domain name in its xn-- form); a host that is an all-numeric name but no
// valid address ("2130706433", "0x7f.1"), which resolvers read as addresses
// in surprising ways; a port outside 1..65535.
#pragma once

#include <string>
#include <string_view>

#include "responder/result.h"

namespace responder::notify {

struct WebhookUrl {
  bool tls = true;     // https
  std::string host;    // lower case; an IPv6 address without its brackets
  std::string port;    // digits; 443 or 80 when the URL names none
  std::string target;  // "/path?query", at least "/"

  // The Host header: host, bracketed when IPv6, with ":port" unless default.
  std::string host_header() const;
  // host:port for messages ("[::1]:8443").
  std::string authority() const;
};

// Parses and checks `text`; the error says what is wrong with it, without
// naming the setting (the caller adds where it came from).
Result<WebhookUrl> parse_webhook_url(std::string_view text);

}  // namespace responder::notify
