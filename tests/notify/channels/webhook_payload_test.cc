// Payload shapes of the webhook channel, as pure functions: no server.
#include "notify/channels/webhook_payload.h"

#include <doctest/doctest.h>

namespace responder::notify {
namespace {

Message message() {
  Message m;
  m.key = "INC-9/s2/bob";
  m.incident_id = "INC-9";
  m.severity = "important";
  m.subject = "Mail server <compromised>";
  m.body = "Use chat & phone only.";
  m.journal_witness = "3:abc";
  m.recipient = "Bob";
  return m;
}

json::object body_of(const WebhookRequest& r) { return parse_json(r.body).as_object(); }

}  // namespace

TEST_CASE("webhook payload generic carries every field and the text, with the mention line first") {
  auto r = webhook_request(WebhookShape::generic, message(), "bob\n@evil", "/in?x=1", "");
  CHECK(r.method == "POST");
  CHECK(r.target == "/in?x=1");
  auto b = body_of(r);
  for (auto key : {"key", "incident", "severity", "subject", "body", "journal", "ack_token", "recipient", "address", "text"})
    CHECK_MESSAGE(b.contains(key), key);
  CHECK(b.at("key").as_string() == "INC-9/s2/bob");
  CHECK(b.at("address").as_string() == "bob\n@evil");
  // The mention line cannot forge a second line.
  CHECK(std::string(b.at("text").as_string()).rfind("bob\\n@evil\nMail server <compromised>\n", 0) == 0);
}

TEST_CASE("webhook payload generic without an address has no mention line") {
  auto b = body_of(webhook_request(WebhookShape::generic, message(), "", "/", ""));
  CHECK(std::string(b.at("text").as_string()).rfind("Mail server <compromised>\n\nUse chat", 0) == 0);
  CHECK(b.at("address").as_string() == "");
}

TEST_CASE("webhook payload slack escapes mrkdwn and turns ids into mentions") {
  auto b = body_of(webhook_request(WebhookShape::slack, message(), "", "/services/x", ""));
  CHECK(b.size() == 1);
  std::string text(b.at("text").as_string());
  CHECK(text.find("Mail server &lt;compromised&gt;") != std::string::npos);
  CHECK(text.find("chat &amp; phone") != std::string::npos);
  CHECK(text.find('<') == std::string::npos);

  auto mention = [](const std::string& address) {
    std::string t(body_of(webhook_request(WebhookShape::slack, message(), address, "/", "")).at("text").as_string());
    return t.substr(0, t.find('\n'));
  };
  CHECK(mention("U024BE7LH") == "<@U024BE7LH>");
  CHECK(mention("@W123ABC") == "<@W123ABC>");
  CHECK(mention("<@U024BE7LH>") == "<@U024BE7LH>");
  CHECK(mention("!here") == "<!here>");
  CHECK(mention("@channel") == "<!channel>");
  CHECK(mention("<!everyone>") == "<!everyone>");
  CHECK(mention("<https://evil.example|click> & more") == "&lt;https://evil.example|click&gt; &amp; more");
  CHECK(mention("@alice\nsecond line") == "@alice\\nsecond line");
}

TEST_CASE("webhook payload teams is an Adaptive Card 1.4 in a message attachment") {
  auto r = webhook_request(WebhookShape::teams, message(), "Bob Smith", "/webhookb2/x", "");
  CHECK(r.method == "POST");
  auto b = body_of(r);
  CHECK(b.at("type").as_string() == "message");
  auto& attachments = b.at("attachments").as_array();
  REQUIRE(attachments.size() == 1);
  auto& a = attachments[0].as_object();
  CHECK(a.at("contentType").as_string() == "application/vnd.microsoft.card.adaptive");
  auto& card = a.at("content").as_object();
  CHECK(card.at("type").as_string() == "AdaptiveCard");
  CHECK(card.at("version").as_string() == "1.4");
  auto& blocks = card.at("body").as_array();
  REQUIRE(blocks.size() == 4);
  CHECK(blocks[0].as_object().at("text").as_string() == "Mail server <compromised>");
  CHECK(blocks[1].as_object().at("text").as_string() == "Bob Smith");
  CHECK(blocks[2].as_object().at("text").as_string() == "Use chat & phone only.");
  std::string footer(blocks[3].as_object().at("text").as_string());
  CHECK(footer.rfind("Incident INC-9 (important); journal witness 3:abc", 0) == 0);
}

TEST_CASE("webhook payload matrix is a PUT of m.text to the room, the key as transaction id, both encoded") {
  auto r = webhook_request(WebhookShape::matrix, message(), "@bob:example.org", "/base/", "!room:example.org");
  CHECK(r.method == "PUT");
  CHECK(r.target == "/base/_matrix/client/v3/rooms/%21room%3Aexample.org/send/m.room.message/INC-9%2Fs2%2Fbob");
  auto b = body_of(r);
  CHECK(b.size() == 2);
  CHECK(b.at("msgtype").as_string() == "m.text");
  CHECK(std::string(b.at("body").as_string()).rfind("@bob:example.org\nMail server <compromised>", 0) == 0);
  CHECK(webhook_request(WebhookShape::matrix, message(), "", "/", "!r:x").target.rfind("/_matrix/client/v3/rooms/", 0) == 0);
}

TEST_CASE("webhook payload shapes by name") {
  CHECK(webhook_shape_named("generic") == WebhookShape::generic);
  CHECK(webhook_shape_named("slack") == WebhookShape::slack);
  CHECK(webhook_shape_named("teams") == WebhookShape::teams);
  CHECK(webhook_shape_named("matrix") == WebhookShape::matrix);
  CHECK_FALSE(webhook_shape_named("Slack").has_value());
  CHECK(slack_escaped("a<b>&c") == "a&lt;b&gt;&amp;c");
}

}  // namespace responder::notify
