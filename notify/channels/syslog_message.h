// One notification as an RFC 5424 syslog message, the line a syslog channel
// sends (no framing, no network: a pure function of its inputs):
//
//   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID incident [responder@32473 ...] BOM MSG
//
// Guarantees, whatever the Message holds (a hostile subject included):
// - the header fields are 1..N printable US-ASCII characters without spaces
//   (RFC 5424 §6.2) or the NILVALUE "-"; nothing from the Message goes into
//   the header, so a subject cannot forge a host, an application or a PRI;
// - the structured data element is well formed: its names are fixed, valid
//   SD-NAMEs, and in its values `"`, `\` and `]` are escaped with a
//   backslash (§6.3.3), invalid UTF-8 and control characters become U+FFFD;
// - MSG is the BOM followed by valid UTF-8 (§6.4): message_as_text() with
//   invalid sequences and control characters other than newline and tab
//   replaced by U+FFFD. Newlines are kept: over TCP and TLS the message is
//   octet-counted and over UDP it is one datagram, so a newline cannot start
//   a forged message (rsyslog shows them as #012);
// - with `max_octets`, the line is cut to at most that many octets by
//   shortening MSG at a character boundary; the header and the structured
//   data (the key and the journal witness) are never cut.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "notify/channels/channel.h"

namespace responder::notify {

// The SD-ID of the structured data element: "responder@32473" (32473 is the
// private enterprise number RFC 5612 reserves for examples).
inline constexpr std::string_view kSyslogSdId = "responder@32473";

// The facility code (RFC 5424 table 1) for a name used by syslog.conf and
// rsyslog: kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron,
// authpriv, ftp, ntp, audit, alert, clock, local0..local7.
std::optional<int> syslog_facility(std::string_view name);

// The syslog severity for a message severity: critical → 2 (crit), important
// → 3 (err), moderate → 4 (warning), low (and anything else) → 5 (notice).
int syslog_severity(std::string_view message_severity);

// True when `field` is a valid header field of at most `max_length`
// characters: printable US-ASCII (33..126) only, not empty.
bool valid_syslog_header_field(std::string_view field, std::size_t max_length);

// `value` as an SD PARAM-VALUE body (without the surrounding quotes).
std::string syslog_param_value(std::string_view value);

struct SyslogOrigin {
  int facility = 16;  // local0
  std::string hostname;         // NILVALUE when invalid (not ASCII, > 255)
  std::string app_name;         // NILVALUE when invalid (> 48)
  std::string procid;           // NILVALUE when invalid (> 128)
  std::chrono::system_clock::time_point time;
};

// The whole message; see the guarantees above. `max_octets` 0: no limit.
std::string syslog_message(const SyslogOrigin& origin, const Message& message, std::size_t max_octets = 0);

}  // namespace responder::notify
