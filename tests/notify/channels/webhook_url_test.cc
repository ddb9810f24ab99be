// The webhook URL grammar: what is accepted, and every refusal.
#include "notify/channels/webhook_url.h"

#include <doctest/doctest.h>

namespace responder::notify {

TEST_CASE("webhook url accepts https to names and addresses, with defaults") {
  auto u = parse_webhook_url("https://Hooks.Slack.com/services/T0/B0/x");
  REQUIRE(u.ok());
  CHECK(u->tls);
  CHECK(u->host == "hooks.slack.com");
  CHECK(u->port == "443");
  CHECK(u->target == "/services/T0/B0/x");
  CHECK(u->host_header() == "hooks.slack.com");

  auto v6 = parse_webhook_url("https://[2001:db8::7]:8443?a=b");
  REQUIRE(v6.ok());
  CHECK(v6->host == "2001:db8::7");
  CHECK(v6->port == "8443");
  CHECK(v6->target == "/?a=b");
  CHECK(v6->host_header() == "[2001:db8::7]:8443");
  CHECK(v6->authority() == "[2001:db8::7]:8443");

  auto bare = parse_webhook_url("https://192.0.2.9");
  REQUIRE(bare.ok());
  CHECK(bare->target == "/");
}

TEST_CASE("webhook url allows http only to loopback addresses") {
  auto local = parse_webhook_url("http://127.0.0.1:8080/hook");
  REQUIRE(local.ok());
  CHECK_FALSE(local->tls);
  CHECK(local->port == "8080");
  CHECK(parse_webhook_url("http://[::1]/hook").ok());
  CHECK(parse_webhook_url("HTTP://127.5.6.7/").ok());
  for (auto text : {"http://192.0.2.1/x", "http://localhost/x", "http://hooks.example.org/x", "http://[::ffff:127.0.0.1]/x"}) {
    CAPTURE(text);
    auto u = parse_webhook_url(text);
    REQUIRE_FALSE(u.ok());
    CHECK(u.error().message.find("loopback") != std::string::npos);
  }
}

TEST_CASE("webhook url refusals") {
  for (auto text : {"hooks.example.org/x", "ftp://hooks.example.org/x", "https://user:pw@hooks.example.org/x",
                    "https://hooks.example.org@evil.example/x", "https://hooks.example.org/x\r\nX: y",
                    "https://hooks.example.org/a b", "https://hooks.example.org\\@evil.example/",
                    "https://hooks.example.org/x#frag", "https:///x", "https://hooks.example.org:0/",
                    "https://hooks.example.org:65536/", "https://hooks.example.org:/", "https://hooks.example.org:8a/",
                    "https://2130706433/", "https://0x7f.1/", "https://[2001:db8::1/", "https://[192.0.2.1]/",
                    "https://hooks..example.org/", "https://hoo%6bs.example.org/", "https://h\xc3\xa9.example/"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_webhook_url(text).ok());
  }
}

}  // namespace responder::notify
