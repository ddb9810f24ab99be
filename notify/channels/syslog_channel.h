// `type: syslog`: each message as one RFC 5424 syslog message (see
// syslog_message.h) to a central collector or SIEM, over
//   tls  (default, port 6514): RFC 5425, octet-counted frames, the
//        collector's certificate always verified (tls_client.h) against
//        `ca_file` or the system's trust store, and its name or IP address
//        must match `host`;
//   tcp  (port 514): RFC 6587 §3.4.1 octet-counting, "LEN SP MSG";
//   udp  (port 514): RFC 5426, one datagram of at most 2048 octets (the size
//        every receiver SHOULD accept); a longer message is cut at a
//        character boundary of its text, never in its header or structured
//        data. UDP cannot confirm delivery: a datagram that left this host
//        counts as delivered, and the result says so.
//
// Settings: host (required), port, transport, ca_file (tls only), facility
// (default local0), app_name (default responder), timeout_seconds (default
// 10).
//
// Guarantees of send(): it returns by the earlier of the caller's deadline
// and timeout_seconds from now, whatever the network or the name resolver
// does. TCP and TLS count as delivered only when the whole frame was written
// and the collector then closed the connection cleanly (it read up to our
// end of stream); a refused, reset or timed out connection, and a collector
// that never closes, are `retry` (the key in the structured data lets the
// collector drop a second copy). A certificate that does not verify or does
// not name `host` is `failed` with OpenSSL's reason, as is a name that does
// not exist.
#pragma once

#include "notify/channels/channel.h"

namespace responder::notify {
Result<std::unique_ptr<Channel>> make_syslog_channel(const std::string& name, const json::object& settings,
                                                     const Config& config);
}
