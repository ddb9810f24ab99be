#include "notify/channels/webhook_payload.h"

#include <algorithm>
#include <cctype>

#include "notify/channels/message_footer.h"
#include "responder/message_text.h"

namespace responder::notify {
namespace {

// Every byte outside RFC 3986's unreserved set as %XX: safe for one path
// segment whatever a room id or key holds.
std::string path_segment(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0xF];
    }
  }
  return out;
}

std::string slack_mention(std::string_view address) {
  std::string_view a = address;
  bool bracketed = a.size() > 2 && a.front() == '<' && a.back() == '>';
  if (bracketed) a = a.substr(1, a.size() - 2);
  for (std::string_view special : {"here", "channel", "everyone"}) {
    if (a == special || (a.size() == special.size() + 1 && (a[0] == '!' || a[0] == '@') && a.substr(1) == special))
      return "<!" + std::string(special) + ">";
  }
  std::string_view id = a;
  if (!id.empty() && id.front() == '@') id.remove_prefix(1);
  bool user_id = id.size() >= 3 && (id[0] == 'U' || id[0] == 'W') &&
                 std::all_of(id.begin(), id.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)); });
  if (user_id) return "<@" + std::string(id) + ">";
  return slack_escaped(one_line(address));
}

std::string text_with_mention(const Message& message, const std::string& mention_line) {
  std::string text = message_as_text(message);
  return mention_line.empty() ? text : mention_line + "\n" + text;
}

json::object text_block(const std::string& text) {
  return json::object{{"type", "TextBlock"}, {"text", text}, {"wrap", true}};
}

json::object adaptive_card(const Message& message, const std::string& address) {
  json::array body;
  json::object title = text_block(message.subject);
  title["weight"] = "Bolder";
  title["size"] = "Medium";
  body.push_back(std::move(title));
  if (!address.empty()) body.push_back(text_block(one_line(address)));
  body.push_back(text_block(message.body));
  // The footer is a block of its own: no "--" separator line.
  std::string footer_text = message_footer(message);
  if (footer_text.rfind("--\n", 0) == 0) footer_text.erase(0, 3);
  json::object footer = text_block(footer_text);
  footer["isSubtle"] = true;
  body.push_back(std::move(footer));
  json::object card{{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
                    {"type", "AdaptiveCard"},
                    {"version", "1.4"},
                    {"body", std::move(body)}};
  json::object attachment{{"contentType", "application/vnd.microsoft.card.adaptive"},
                          {"contentUrl", nullptr},
                          {"content", std::move(card)}};
  return json::object{{"type", "message"}, {"attachments", json::array{std::move(attachment)}}};
}

}  // namespace

std::optional<WebhookShape> webhook_shape_named(std::string_view name) {
  if (name == "generic") return WebhookShape::generic;
  if (name == "slack") return WebhookShape::slack;
  if (name == "teams") return WebhookShape::teams;
  if (name == "matrix") return WebhookShape::matrix;
  return std::nullopt;
}

std::string slack_escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out += c;
  }
  return out;
}

WebhookRequest webhook_request(WebhookShape shape, const Message& message, const std::string& address,
                               const std::string& url_target, const std::string& room) {
  std::string plain_mention = address.empty() ? "" : one_line(address);
  switch (shape) {
    case WebhookShape::slack: {
      std::string text = slack_escaped(message_as_text(message));
      if (!address.empty()) text = slack_mention(address) + "\n" + text;
      return {"POST", url_target, to_json_text(json::object{{"text", text}})};
    }
    case WebhookShape::teams:
      return {"POST", url_target, to_json_text(adaptive_card(message, address))};
    case WebhookShape::matrix: {
      std::string base = url_target;
      while (!base.empty() && base.back() == '/') base.pop_back();
      std::string target = base + "/_matrix/client/v3/rooms/" + path_segment(room) + "/send/m.room.message/" +
                           path_segment(message.key);
      json::object body{{"msgtype", "m.text"}, {"body", text_with_mention(message, plain_mention)}};
      return {"PUT", target, to_json_text(body)};
    }
    case WebhookShape::generic:
      break;
  }
  json::object body{{"key", message.key},
                    {"incident", message.incident_id},
                    {"severity", message.severity},
                    {"subject", message.subject},
                    {"body", message.body},
                    {"journal", message.journal_witness},
                    {"ack_token", message.ack_token},
                    {"recipient", message.recipient},
                    {"address", address},
                    {"text", text_with_mention(message, plain_mention)}};
  return {"POST", url_target, to_json_text(body)};
}

}  // namespace responder::notify
