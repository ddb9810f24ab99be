// A Message as an Internet mail (RFC 5322 with MIME): the text an SMTP
// client hands over after DATA, before dot-stuffing.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "notify/channels/channel.h"

namespace responder::notify {

struct MailText {
  // Header and body, every line ending in CRLF, no line longer than 998
  // octets. Headers: From, To, Subject, Date, Message-ID (when the message
  // has a key), X-Responder-Journal, X-Responder-Incident, X-Responder-Key,
  // MIME-Version, Content-Type text/plain; charset=utf-8 and
  // Content-Transfer-Encoding. The body is message_as_text(message).
  std::string text;
  // True when the body is sent as 8bit: MAIL FROM must carry BODY=8BITMIME.
  bool eight_bit = false;
};

// `from` and `to` must already be checked with check_mail_address. Header
// values from the message (subject, recipient name, incident, key, witness)
// can never start a new header: control characters become spaces, and text
// that is not printable ASCII is sent as RFC 2047 encoded-words. The body
// is 7bit when it is ASCII, 8bit when it is not and `server_takes_8bit`
// (the server offered 8BITMIME), quoted-printable otherwise.
MailText mail_text(const Message& message, const std::string& from, const std::string& to,
                   std::chrono::system_clock::time_point now, bool server_takes_8bit);

// `value` for an unstructured header: as it is when it is short printable
// ASCII, else RFC 2047 encoded-words (=?UTF-8?B?...?=) folded over lines.
std::string header_text(std::string_view value);

// "Thu, 13 Feb 2025 09:05:00 +0000" (RFC 5322 date-time, in UTC).
std::string mail_date(std::chrono::system_clock::time_point when);

// "<KEY@responder>": `key` with every character that may not stand in a
// Message-ID (and '=') written as =XX, so distinct keys give distinct ids.
std::string message_id(std::string_view key);

}  // namespace responder::notify
