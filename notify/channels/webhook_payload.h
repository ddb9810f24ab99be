// What a webhook channel sends for one message, per payload shape
// (`notify.channels.<name>.shape`). Pure: no I/O, the same message and
// address always give the same request.
//
//   generic  POST url  {"key","incident","severity","subject","body","journal",
//                       "ack_token","recipient","address","text"}
//   slack    POST url  {"text": text}  (Slack incoming webhook; &, < and >
//                       escaped as Slack's mrkdwn asks)
//   teams    POST url  an Adaptive Card (version 1.4) in a "message"
//                       attachment: the form both Teams Workflows webhooks and
//                       the older Office 365 connector webhooks accept
//   matrix   PUT  url/_matrix/client/v3/rooms/{room}/send/m.room.message/{key}
//                      {"msgtype":"m.text","body": text}; the message key is
//                       the transaction id, so a resent message is one event
//
// `text` is message_as_text(message), preceded, when `address` is not
// empty, by a mention line: the address made one line (no line break or
// control character can forge further lines). For slack a user id
// ("U024BE7LH", "@U024BE7LH", "<@U024BE7LH>") becomes the mention
// <@U024BE7LH>, "here"/"channel"/"everyone" (with ! or @) become <!here>
// and so on, and any other address is escaped text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "notify/channels/channel.h"

namespace responder::notify {

enum class WebhookShape { generic, slack, teams, matrix };

// The shape called `name`, or nullopt.
std::optional<WebhookShape> webhook_shape_named(std::string_view name);

struct WebhookRequest {
  std::string method;  // "POST", or "PUT" for matrix
  std::string target;  // the request target: the URL's path and query, extended for matrix
  std::string body;    // JSON text
};

// `url_target` is the configured URL's path and query ("/hooks/T0/B0/x"); for
// matrix it is the homeserver's base path and `room` the room id
// ("!abc:example.org"), both path segments percent-encoded.
WebhookRequest webhook_request(WebhookShape shape, const Message& message, const std::string& address,
                               const std::string& url_target, const std::string& room);

// `text` with &, < and > written as &amp; &lt; &gt; (Slack's mrkdwn).
std::string slack_escaped(std::string_view text);

}  // namespace responder::notify
