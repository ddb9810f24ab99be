// The webhook channel against a real HTTPS server on 127.0.0.1
// (https_receiver.py) with a certificate made for each test: what arrives,
// how answers map to delivered / retry / failed, certificate checks,
// deadlines, and that the token never leaks into a detail or an error.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <ctime>
#include <thread>

#include "notify/channels/channel.h"
#include "responder/config.h"
#include "tests/notify/channels/https_receiver.h"
#include "tests/support/skip.h"

namespace responder::notify {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kToken = "s3cret-T0ken-never-shown";

Message sample_message() {
  Message m;
  m.key = "INC-7:notify:alice:1";
  m.incident_id = "INC-7";
  m.severity = "critical";
  m.subject = "Web server compromised";
  m.body = "Isolate web-1 now & keep <evidence>.";
  m.journal_witness = "12:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  m.ack_token = "K3Y42";
  m.recipient = "Alice";
  return m;
}

// A test's certificates, token file and configuration.
struct Lab {
  testing::TempDir dir;
  lab::TestCertificate cert = lab::make_test_certificate(dir.path(), "server", "IP:127.0.0.1");
  Config config;
  Lab() {
    RESPONDER_SKIP_WHEN(lab::https_receiver_unavailable());
    REQUIRE_MESSAGE(!cert.cert.empty(), "openssl could not make a test certificate");
    config.secrets["hook_token"] = SecretSource{dir.write("token", std::string(kToken) + "\n"), ""};
  }
  json::object settings(int port, const std::string& shape = "generic", const std::string& path = "/hook") const {
    return json::object{{"type", "webhook"},
                        {"url", "https://127.0.0.1:" + std::to_string(port) + path},
                        {"shape", shape},
                        {"token", "hook_token"},
                        {"ca_file", cert.cert.string()}};
  }
  std::unique_ptr<Channel> channel(const json::object& settings, const std::string& name = "hook") const {
    auto made = make_channel(name, settings, config);
    REQUIRE_MESSAGE(made.ok(), (made.ok() ? "" : made.error().message));
    return std::move(*made);
  }
};

void start(lab::HttpsReceiver& receiver) { REQUIRE_MESSAGE(receiver.start(), ("https_receiver.py did not start: " + receiver.log())); }

DeliveryResult send_one(Channel& channel, const std::string& address = "", std::chrono::milliseconds within = 20s) {
  auto result = channel.send(sample_message(), address, Clock::now() + within);
  CHECK(result.detail.find(kToken) == std::string::npos);
  return result;
}

std::string body_text(const json::object& request, std::string_view key) {
  return std::string(parse_json(request.at("body").as_string()).as_object().at(key).as_string());
}

// A port on 127.0.0.1 with nothing listening: bound, then released.
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t size = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string http_date(std::chrono::system_clock::time_point when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[64];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return text;
}

}  // namespace

TEST_CASE("webhook generic: one POST with every field, the key, witness and incident in headers, the token as bearer") {
  Lab lab;
  lab::HttpsReceiver receiver(lab.cert, {"200"});
  start(receiver);
  auto channel = lab.channel(lab.settings(receiver.port()));
  CHECK(channel->type() == "webhook");
  auto result = send_one(*channel, "alice@example.org");
  CHECK(result.state == DeliveryState::delivered);
  CHECK(result.detail == "HTTP 200");
  auto requests = receiver.requests();
  REQUIRE(requests.size() == 1);
  auto& r = requests[0];
  auto m = sample_message();
  CHECK(r.at("method").as_string() == "POST");
  CHECK(r.at("path").as_string() == "/hook");
  CHECK(lab::recorded_header(r, "Idempotency-Key") == m.key);
  CHECK(lab::recorded_header(r, "X-Responder-Journal") == m.journal_witness);
  CHECK(lab::recorded_header(r, "X-Responder-Incident") == "INC-7");
  CHECK(lab::recorded_header(r, "Content-Type") == "application/json");
  CHECK(lab::recorded_header(r, "User-Agent").rfind("responder", 0) == 0);
  CHECK(lab::recorded_header(r, "Authorization") == std::string("Bearer ") + kToken);
  CHECK(lab::recorded_header(r, "Host") == "127.0.0.1:" + std::to_string(receiver.port()));
  CHECK(body_text(r, "key") == m.key);
  CHECK(body_text(r, "incident") == "INC-7");
  CHECK(body_text(r, "severity") == "critical");
  CHECK(body_text(r, "subject") == m.subject);
  CHECK(body_text(r, "body") == m.body);
  CHECK(body_text(r, "journal") == m.journal_witness);
  CHECK(body_text(r, "ack_token") == "K3Y42");
  CHECK(body_text(r, "recipient") == "Alice");
  CHECK(body_text(r, "address") == "alice@example.org");
  std::string text = body_text(r, "text");
  CHECK(text.rfind("alice@example.org\n", 0) == 0);
  CHECK(text.find("responder ack INC-7 K3Y42") != std::string::npos);
  CHECK(text.find(m.journal_witness) != std::string::npos);
}

TEST_CASE("webhook slack: text with mrkdwn escaping and the mention first") {
  Lab lab;
  lab::HttpsReceiver receiver(lab.cert, {"200"});
  start(receiver);
  auto channel = lab.channel(lab.settings(receiver.port(), "slack", "/services/T0/B0/x"));
  CHECK(send_one(*channel, "@U024BE7LH").state == DeliveryState::delivered);
  auto requests = receiver.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].at("path").as_string() == "/services/T0/B0/x");
  auto body = parse_json(requests[0].at("body").as_string()).as_object();
  CHECK(body.size() == 1);
  std::string text(body.at("text").as_string());
  CHECK(text.rfind("<@U024BE7LH>\n", 0) == 0);
  CHECK(text.find("now &amp; keep &lt;evidence&gt;.") != std::string::npos);
  CHECK(lab::recorded_header(requests[0], "Idempotency-Key") == sample_message().key);
}

TEST_CASE("webhook teams: an Adaptive Card in a message attachment") {
  Lab lab;
  lab::HttpsReceiver receiver(lab.cert, {"200"});
  start(receiver);
  auto channel = lab.channel(lab.settings(receiver.port(), "teams", "/webhookb2/abc"));
  CHECK(send_one(*channel).state == DeliveryState::delivered);
  auto requests = receiver.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].at("method").as_string() == "POST");
  auto body = parse_json(requests[0].at("body").as_string()).as_object();
  CHECK(body.at("type").as_string() == "message");
  auto& attachment = body.at("attachments").as_array().at(0).as_object();
  CHECK(attachment.at("contentType").as_string() == "application/vnd.microsoft.card.adaptive");
  auto& card = attachment.at("content").as_object();
  CHECK(card.at("type").as_string() == "AdaptiveCard");
  CHECK(card.at("body").as_array().at(0).as_object().at("text").as_string() == "Web server compromised");
  CHECK(to_json_text(card).find("responder ack INC-7 K3Y42") != std::string::npos);
}

TEST_CASE("webhook matrix: PUT to the room with the message key as transaction id") {
  Lab lab;
  lab::HttpsReceiver receiver(lab.cert, {"200"});
  start(receiver);
  auto settings = lab.settings(receiver.port(), "matrix", "/");
  settings["room"] = "!ops:example.org";
  auto channel = lab.channel(settings);
  CHECK(send_one(*channel, "@alice:example.org").state == DeliveryState::delivered);
  // Matrix's idempotency: the same key again is the same transaction.
  CHECK(send_one(*channel, "@alice:example.org").state == DeliveryState::delivered);
  auto requests = receiver.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].at("method").as_string() == "PUT");
  CHECK(requests[0].at("path").as_string() ==
        "/_matrix/client/v3/rooms/%21ops%3Aexample.org/send/m.room.message/INC-7%3Anotify%3Aalice%3A1");
  CHECK(requests[1].at("path") == requests[0].at("path"));
  CHECK(lab::recorded_header(requests[0], "Authorization") == std::string("Bearer ") + kToken);
  auto body = parse_json(requests[0].at("body").as_string()).as_object();
  CHECK(body.at("msgtype").as_string() == "m.text");
  CHECK(std::string(body.at("body").as_string()).rfind("@alice:example.org\nWeb server compromised", 0) == 0);
}

TEST_CASE("webhook 429 with Retry-After in seconds is retry with that wait, then delivered") {
  Lab lab;
  lab::HttpsReceiver receiver(lab.cert, {"429;Retry-After=2", "200"});
  start(receiver);
  auto channel = lab.channel(lab.settings(receiver.port()));
  auto first = send_one(*channel);
  CHECK(first.state == DeliveryState::retry);
  CHECK(first.detail.rfind("HTTP 429", 0) == 0);
  REQUIRE(first.retry_after.has_value());
  CHECK(*first.retry_after == 2s);
  auto second = send_one(*channel);
  CHECK(second.state == DeliveryState::delivered);
  CHECK_FALSE(second.retry_after.has_value());
  auto requests = receiver.requests();
  REQUIRE(requests.size() == 2);
  CHECK(lab::recorded_header(requests[0], "Idempotency-Key") == lab::recorded_header(requests[1], "Idempotency-Key"));
}

TEST_CASE("webhook 503 with an HTTP-date Retry-After is retry with the time until that date") {
  Lab lab;
  auto when = std::chrono::system_clock::now() + 30s;
  lab::HttpsReceiver receiver(lab.cert, {"503;Retry-After=" + http_date(when)});
  start(receiver);
  auto result = send_one(*lab.channel(lab.settings(receiver.port())));
  CHECK(result.state == DeliveryState::retry);
  CHECK(result.detail.rfind("HTTP 503", 0) == 0);
  REQUIRE(result.retry_after.has_value());
  CHECK(*result.retry_after > 25s);
  CHECK(*result.retry_after <= 31s);
}

TEST_CASE("webhook 500 and 408 are retry, 400 and 401 are failed with what the server said") {
  Lab lab;
  lab::HttpsReceiver receiver(lab.cert, {"500", "408", "400;body=invalid_payload", "401"});
  start(receiver);
  auto channel = lab.channel(lab.settings(receiver.port()));
  auto r500 = send_one(*channel);
  CHECK(r500.state == DeliveryState::retry);
  CHECK(r500.detail.rfind("HTTP 500", 0) == 0);
  CHECK(send_one(*channel).state == DeliveryState::retry);
  auto r400 = send_one(*channel);
  CHECK(r400.state == DeliveryState::failed);
  CHECK(r400.detail == "HTTP 400: 'invalid_payload'");
  CHECK(send_one(*channel).state == DeliveryState::failed);
}

TEST_CASE("webhook connection closed without an answer is retry") {
  Lab lab;
  lab::HttpsReceiver receiver(lab.cert, {"close"});
  start(receiver);
  auto result = send_one(*lab.channel(lab.settings(receiver.port())));
  CHECK(result.state == DeliveryState::retry);
  CHECK(result.detail.find("reading the answer from 127.0.0.1:") != std::string::npos);
}

TEST_CASE("webhook redirect is failed, names where it pointed, and is not followed") {
  Lab lab;
  lab::HttpsReceiver receiver(lab.cert, {"301;Location=https://127.0.0.1:1/elsewhere"});
  start(receiver);
  auto result = send_one(*lab.channel(lab.settings(receiver.port())));
  CHECK(result.state == DeliveryState::failed);
  CHECK(result.detail.find("HTTP 301") != std::string::npos);
  CHECK(result.detail.find("https://127.0.0.1:1/elsewhere") != std::string::npos);
  CHECK(receiver.requests().size() == 1);
}

TEST_CASE("webhook untrusted certificate (no ca_file) is failed with certificate verify failed, nothing sent") {
  Lab lab;
  lab::HttpsReceiver receiver(lab.cert, {"200"});
  start(receiver);
  auto settings = lab.settings(receiver.port());
  settings.erase("ca_file");
  auto result = send_one(*lab.channel(settings));
  CHECK(result.state == DeliveryState::failed);
  CHECK(result.detail.find("certificate verify failed") != std::string::npos);
  CHECK(receiver.requests().empty());
}

TEST_CASE("webhook certificate naming another host is failed, for another IP and for a DNS name only") {
  Lab lab;
  for (std::string names : {"IP:127.0.0.2", "DNS:webhook.test"}) {
    CAPTURE(names);
    auto other = lab::make_test_certificate(lab.dir.path(), names.substr(0, 2) == "IP" ? "ip" : "dns", names);
    REQUIRE(!other.cert.empty());
    lab::HttpsReceiver receiver(other, {"200"});
    start(receiver);
    auto settings = lab.settings(receiver.port());
    settings["ca_file"] = other.cert.string();  // trusted, but for another name
    auto result = send_one(*lab.channel(settings));
    CHECK(result.state == DeliveryState::failed);
    CHECK(result.detail.find("certificate verify failed") != std::string::npos);
    CHECK(result.detail.find("mismatch") != std::string::npos);
    CHECK(receiver.requests().empty());
  }
}

TEST_CASE("webhook to a DNS name looks it up and checks the certificate against that name") {
  Lab lab;
  auto named = lab::make_test_certificate(lab.dir.path(), "localhost", "DNS:localhost");
  REQUIRE(!named.cert.empty());
  lab::HttpsReceiver receiver(named, {"200"});
  start(receiver);
  json::object settings{{"type", "webhook"},
                        {"url", "https://localhost:" + std::to_string(receiver.port()) + "/named"},
                        {"ca_file", named.cert.string()}};
  auto result = send_one(*lab.channel(settings));
  CHECK(result.state == DeliveryState::delivered);
  REQUIRE(receiver.requests().size() == 1);
  CHECK(lab::recorded_header(receiver.requests()[0], "Host") == "localhost:" + std::to_string(receiver.port()));
}

TEST_CASE("webhook with nothing listening is retry") {
  Lab lab;
  auto result = send_one(*lab.channel(lab.settings(free_port())));
  CHECK(result.state == DeliveryState::retry);
  CHECK(result.detail.find("refused") != std::string::npos);
}

TEST_CASE("webhook to a server that never answers is retry by the deadline") {
  Lab lab;
  lab::HttpsReceiver receiver(lab.cert, {"hang"});
  start(receiver);
  auto channel = lab.channel(lab.settings(receiver.port()));
  auto began = Clock::now();
  auto result = send_one(*channel, "", 1500ms);
  auto took = Clock::now() - began;
  CHECK(result.state == DeliveryState::retry);
  CHECK(result.detail.find("deadline") != std::string::npos);
  CHECK(took >= 1400ms);
  CHECK(took < 1500ms + 1s);  // a bound, with slack for a loaded machine

  // timeout_seconds bounds a send whose deadline is further away.
  auto settings = lab.settings(receiver.port());
  settings["timeout_seconds"] = 1;
  began = Clock::now();
  CHECK(send_one(*lab.channel(settings), "", 60s).state == DeliveryState::retry);
  CHECK(Clock::now() - began < 2s);
}

TEST_CASE("webhook token never appears in a detail or an error, even when the server echoes it") {
  Lab lab;
  lab::HttpsReceiver receiver(lab.cert, {std::string("400;body=you sent Bearer ") + kToken});
  start(receiver);
  auto result = send_one(*lab.channel(lab.settings(receiver.port())));
  CHECK(result.state == DeliveryState::failed);
  CHECK(result.detail.find("[token]") != std::string::npos);

  Config spaced;
  spaced.secrets["hook_token"] = SecretSource{lab.dir.write("spaced", std::string(kToken) + " x\n"), ""};
  auto made = make_channel("hook", lab.settings(receiver.port()), spaced);
  REQUIRE_FALSE(made.ok());
  CHECK(made.error().message.find("notify.channels.hook.token") != std::string::npos);
  CHECK(made.error().message.find(kToken) == std::string::npos);
}

TEST_CASE("webhook headers never carry a line break from incident data") {
  Lab lab;
  lab::HttpsReceiver receiver(lab.cert, {"200"});
  start(receiver);
  auto channel = lab.channel(lab.settings(receiver.port()));
  auto m = sample_message();
  m.incident_id = "INC-7\r\nX-Forged: yes";
  CHECK(channel->send(m, "", Clock::now() + 20s).state == DeliveryState::delivered);
  auto requests = receiver.requests();
  REQUIRE(requests.size() == 1);
  CHECK(lab::recorded_header(requests[0], "X-Forged") == "<absent>");
  CHECK(lab::recorded_header(requests[0], "X-Responder-Incident") == "INC-7\\r\\nX-Forged: yes");
}

TEST_CASE("webhook plain http to a loopback address delivers") {
  Lab lab;
  lab::HttpsReceiver receiver(lab::TestCertificate{}, {"204"});
  start(receiver);
  json::object settings{{"type", "webhook"}, {"url", "http://127.0.0.1:" + std::to_string(receiver.port()) + "/in"}};
  auto result = send_one(*lab.channel(settings));
  CHECK(result.state == DeliveryState::delivered);
  CHECK(result.detail == "HTTP 204");
  REQUIRE(receiver.requests().size() == 1);
  CHECK(lab::recorded_header(receiver.requests()[0], "Authorization") == "<absent>");
}

TEST_CASE("webhook URL from a secret: delivered, and never quoted in an error") {
  Lab lab;
  lab::HttpsReceiver receiver(lab::TestCertificate{}, {"200"});
  start(receiver);
  lab.config.secrets["hook_url"] =
      SecretSource{lab.dir.write("url", "http://127.0.0.1:" + std::to_string(receiver.port()) + "/services/T0/B0/SECRETPATH\n"), ""};
  json::object settings{{"type", "webhook"}, {"url_secret", "hook_url"}, {"shape", "slack"}};
  auto result = send_one(*lab.channel(settings));
  CHECK(result.state == DeliveryState::delivered);
  REQUIRE(receiver.requests().size() == 1);
  CHECK(receiver.requests()[0].at("path").as_string() == "/services/T0/B0/SECRETPATH");
  CHECK(result.detail.find("SECRETPATH") == std::string::npos);

  // A server that echoes the path (a redirect to it, a body quoting it):
  // the secret path never reaches the detail, nor so the outbox or journal.
  lab::HttpsReceiver echoing(lab::TestCertificate{}, {"301;Location=/services/T0/B0/SECRETPATH/x"});
  start(echoing);
  lab.config.secrets["echo_url"] =
      SecretSource{lab.dir.write("echo", "http://127.0.0.1:" + std::to_string(echoing.port()) + "/services/T0/B0/SECRETPATH\n"), ""};
  auto echoed = send_one(*lab.channel(json::object{{"type", "webhook"}, {"url_secret", "echo_url"}}));
  CHECK(echoed.state == DeliveryState::failed);
  CHECK(echoed.detail.find("SECRETPATH") == std::string::npos);
  CHECK(echoed.detail.find("[secret path]") != std::string::npos);

  lab.config.secrets["bad_url"] = SecretSource{lab.dir.write("bad", "https://user:SECRETPASS@example.org/x\n"), ""};
  auto refused = make_channel("hook", json::object{{"type", "webhook"}, {"url_secret", "bad_url"}}, lab.config);
  REQUIRE(!refused.ok());
  CHECK(refused.error().message.find("notify.channels.hook.url_secret") != std::string::npos);
  CHECK(refused.error().message.find("SECRETPASS") == std::string::npos);
  auto both = make_channel("hook", json::object{{"type", "webhook"}, {"url", "https://example.org/x"}, {"url_secret", "hook_url"}},
                           lab.config);
  CHECK(!both.ok());
}

TEST_CASE("webhook sends from several threads at once, one request each") {
  Lab lab;
  lab::HttpsReceiver receiver(lab.cert, {"200"});
  start(receiver);
  auto channel = lab.channel(lab.settings(receiver.port()));
  std::vector<DeliveryResult> results(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < results.size(); ++i)
    threads.emplace_back([&, i] { results[i] = channel->send(sample_message(), "", Clock::now() + 20s); });
  for (auto& t : threads) t.join();
  for (auto& r : results) CHECK(r.state == DeliveryState::delivered);
  CHECK(receiver.requests().size() == 4);
}

TEST_CASE("webhook settings errors name notify.channels.NAME.KEY") {
  Lab lab;
  auto error_of = [&](json::object settings) {
    settings["type"] = "webhook";
    auto made = make_channel("chat", settings, lab.config);
    REQUIRE_FALSE(made.ok());
    CHECK(made.error().kind == ErrorKind::bad_input);
    return made.error().message;
  };
  auto has = [](const std::string& message, const std::string& part) {
    CAPTURE(message);
    CHECK(message.find(part) != std::string::npos);
  };
  has(error_of({{"url", "https://hooks.example.org/x"}, {"colour", "red"}}), "notify.channels.chat.colour");
  has(error_of({}), "notify.channels.chat.url is required");
  has(error_of({{"url", "http://hooks.example.org/x"}}), "notify.channels.chat.url");
  has(error_of({{"url", "http://192.0.2.7/x"}}), "loopback");
  has(error_of({{"url", "https://user:pw@hooks.example.org/x"}}), "notify.channels.chat.url");
  has(error_of({{"url", "https://hooks.example.org/x\r\nHost: evil"}}), "notify.channels.chat.url");
  has(error_of({{"url", "ftp://hooks.example.org/x"}}), "notify.channels.chat.url");
  has(error_of({{"url", "https://hooks.example.org/x"}, {"shape", "discord"}}), "notify.channels.chat.shape");
  has(error_of({{"url", "https://matrix.example.org"}, {"shape", "matrix"}, {"token", "hook_token"}}),
      "notify.channels.chat.room");
  has(error_of({{"url", "https://hooks.example.org/x"}, {"room", "!a:b"}}), "notify.channels.chat.room");
  has(error_of({{"url", "https://matrix.example.org"}, {"shape", "matrix"}, {"room", "!a:b"}}),
      "notify.channels.chat.token");
  has(error_of({{"url", "https://hooks.example.org/x"}, {"token", "missing"}}), "notify.channels.chat.token");
  has(error_of({{"url", "https://hooks.example.org/x"}, {"timeout_seconds", 0}}), "notify.channels.chat.timeout_seconds");
  has(error_of({{"url", "https://hooks.example.org/x"}, {"ca_file", (lab.dir / "absent.pem").string()}}),
      "notify.channels.chat.ca_file");
}

}  // namespace responder::notify
