// The syslog channel against a real rsyslogd on 127.0.0.1 (rsyslog_lab.h),
// and against sockets that refuse or never read.
#include "notify/channels/syslog_channel.h"

#include <doctest/doctest.h>

#include "notify/channels/channel.h"
#include "responder/config.h"
#include "tests/notify/channels/rsyslog_lab.h"
#include "tests/support/loopback_port.h"
#include "tests/support/skip.h"

using namespace responder;
using namespace responder::notify;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

Message message(const std::string& key) {
  Message m;
  m.key = key;
  m.incident_id = "INC-7";
  m.severity = "critical";
  m.subject = "Firewall blocked 192.0.2.7 \"] [forged@1 x=\"y\"]";
  m.body = "Traffic from 192.0.2.7 is blocked.\nSecond line of the body.";
  m.journal_witness = "12:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  m.ack_token = "ACK-55";
  return m;
}

Result<std::unique_ptr<Channel>> channel(json::object settings) {
  settings["type"] = "syslog";
  return make_channel("siem", settings, Config{});
}

std::unique_ptr<Channel> must(Result<std::unique_ptr<Channel>> made) {
  if (!made) FAIL(made.error().message);
  return std::move(*made);
}

void start_or_skip(lab::RsyslogLab& lab) {
  RESPONDER_SKIP_WHEN(lab::rsyslog_lab_unavailable());
  std::string why = lab.start();
  RESPONDER_SKIP_WHEN(why.rfind("SKIP: ", 0) == 0 ? why.substr(6) : std::string());
  REQUIRE_MESSAGE(why.empty(), why);
}

// The receiver's copy carries the structured data with key, journal witness
// and ack token, and the message text.
void check_received(const lab::RsyslogLab& lab, const std::string& key) {
  REQUIRE_MESSAGE(lab.wait_for("key=\"" + key + "\""), lab.received() << lab.log_text());
  std::string received = lab.received();
  Message m = message(key);
  CHECK(received.find("[responder@32473 incident=\"INC-7\" key=\"" + key +
                      "\" severity=\"critical\" journal=\"" + m.journal_witness + "\" ack=\"ACK-55\"]") !=
        std::string::npos);
  CHECK(received.find(" incident [responder@32473 ") != std::string::npos);
  CHECK(received.find("<130>1 ") != std::string::npos);
  CHECK(received.find("Firewall blocked 192.0.2.7 \"] [forged@1 x=\"y\"]") != std::string::npos);
  // rsyslog shows a newline inside a message as #012.
  CHECK(received.find("Traffic from 192.0.2.7 is blocked.#012Second line of the body.") != std::string::npos);
}

using testing::SilentListener;

}  // namespace

TEST_CASE("syslog channel - delivered over UDP, and rsyslog holds the structured data and the text") {
  lab::RsyslogLab lab;
  start_or_skip(lab);
  auto c = must(channel({{"host", "127.0.0.1"}, {"port", lab.udp_port()}, {"transport", "udp"}}));
  CHECK(c->type() == "syslog");
  DeliveryResult r = c->send(message("INC-7/udp/alice"), "", Clock::now() + 10s);
  CHECK(r.state == DeliveryState::delivered);
  CHECK(r.detail.find("syslog over UDP does not confirm receipt") != std::string::npos);
  check_received(lab, "INC-7/udp/alice");
}

TEST_CASE("syslog channel - delivered over TCP with octet counting, the connection closed cleanly") {
  lab::RsyslogLab lab;
  start_or_skip(lab);
  auto c = must(channel({{"host", "127.0.0.1"}, {"port", lab.tcp_port()}, {"transport", "tcp"}}));
  DeliveryResult r = c->send(message("INC-7/tcp/alice"), "", Clock::now() + 10s);
  CHECK_MESSAGE(r.state == DeliveryState::delivered, r.detail);
  CHECK(r.detail.find("closed the connection cleanly") != std::string::npos);
  check_received(lab, "INC-7/tcp/alice");
  // Two messages on two connections arrive as two messages, whole.
  CHECK(c->send(message("INC-7/tcp/bob"), "", Clock::now() + 10s).state == DeliveryState::delivered);
  check_received(lab, "INC-7/tcp/bob");
}

TEST_CASE("syslog channel - delivered over TLS to a collector whose certificate the CA file vouches for") {
  lab::RsyslogLab lab;
  start_or_skip(lab);
  auto c = must(channel({{"host", "127.0.0.1"}, {"port", lab.tls_port()}, {"ca_file", lab.ca_file().string()}}));
  DeliveryResult r = c->send(message("INC-7/tls/alice"), "", Clock::now() + 10s);
  CHECK_MESSAGE(r.state == DeliveryState::delivered, r.detail);
  CHECK(r.detail.find("over tls") != std::string::npos);
  check_received(lab, "INC-7/tls/alice");
}

TEST_CASE("syslog channel - a certificate the system store does not trust fails, and nothing is sent") {
  lab::RsyslogLab lab;
  start_or_skip(lab);
  auto c = must(channel({{"host", "127.0.0.1"}, {"port", lab.tls_port()}, {"transport", "tls"}}));
  DeliveryResult r = c->send(message("INC-7/untrusted/alice"), "", Clock::now() + 10s);
  CHECK(r.state == DeliveryState::failed);
  CHECK_MESSAGE(r.detail.find("certificate verify failed") != std::string::npos, r.detail);
  std::this_thread::sleep_for(300ms);
  CHECK_FALSE(lab.received_contains("INC-7/untrusted/alice"));
}

TEST_CASE("syslog channel - a certificate for another name fails even when its CA is trusted") {
  lab::RsyslogLab lab;
  start_or_skip(lab);
  // The lab's certificate names IP:127.0.0.1 only; "localhost" is not in it.
  auto c = must(channel({{"host", "localhost"}, {"port", lab.tls_port()}, {"ca_file", lab.ca_file().string()}}));
  DeliveryResult r = c->send(message("INC-7/wrong-name/alice"), "", Clock::now() + 10s);
  CHECK(r.state == DeliveryState::failed);
  CHECK_MESSAGE(r.detail.find("certificate verify failed") != std::string::npos, r.detail);
}

TEST_CASE("syslog channel - nothing listening on TCP is retry") {
  int port = testing::free_loopback_port(SOCK_STREAM);
  auto c = must(channel({{"host", "127.0.0.1"}, {"port", port}, {"transport", "tcp"}}));
  DeliveryResult r = c->send(message("INC-7/refused/alice"), "", Clock::now() + 5s);
  CHECK(r.state == DeliveryState::retry);
  CHECK_MESSAGE(r.detail.find("refused") != std::string::npos, r.detail);
}

TEST_CASE("syslog channel - a collector that accepts and never reads cannot hold send past its deadline") {
  SilentListener silent;
  REQUIRE(silent.port() > 0);
  // A bound, not a benchmark: the deadline plus generous slack for a loaded machine.
  auto returns_by_deadline = [](Channel& c, const Message& m, std::chrono::milliseconds budget) {
    auto start = Clock::now();
    DeliveryResult r = c.send(m, "", start + budget);
    auto took = Clock::now() - start;
    CHECK_MESSAGE(took < budget + 15000ms, "send took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
    CHECK(took >= budget - 50ms);
    CHECK(r.state == DeliveryState::retry);
    return r;
  };
  SUBCASE("tcp, a small message written, the close never answered") {
    auto c = must(channel({{"host", "127.0.0.1"}, {"port", silent.port()}, {"transport", "tcp"}}));
    auto r = returns_by_deadline(*c, message("INC-7/silent/small"), 1000ms);
    CHECK_MESSAGE(r.detail.find("did not close the connection cleanly") != std::string::npos, r.detail);
  }
  SUBCASE("tcp, a message larger than the socket buffers, the write never finished") {
    auto c = must(channel({{"host", "127.0.0.1"}, {"port", silent.port()}, {"transport", "tcp"}}));
    Message big = message("INC-7/silent/big");
    // Loopback buffers take a few MB from a peer that never reads; building
    // the line is inside the budget too, so the budget is longer here.
    big.body.assign(8 * 1024 * 1024, 'x');
    auto r = returns_by_deadline(*c, big, 3000ms);
    CHECK_MESSAGE(r.detail.find("cannot write") != std::string::npos, r.detail);
  }
  SUBCASE("tls, the handshake never answered") {
    auto c = must(channel({{"host", "127.0.0.1"}, {"port", silent.port()}}));
    auto r = returns_by_deadline(*c, message("INC-7/silent/tls"), 1000ms);
    CHECK_MESSAGE(r.detail.find("TLS handshake") != std::string::npos, r.detail);
  }
  SUBCASE("timeout_seconds caps a later deadline") {
    auto c = must(channel({{"host", "127.0.0.1"}, {"port", silent.port()}, {"transport", "tcp"}, {"timeout_seconds", 1}}));
    auto start = Clock::now();
    DeliveryResult r = c->send(message("INC-7/silent/capped"), "", start + 60s);
    CHECK(r.state == DeliveryState::retry);
    CHECK(Clock::now() - start < 6000ms);
  }
}

TEST_CASE("syslog channel - settings errors name notify.channels.NAME.KEY") {
  auto error_of = [](json::object settings) {
    auto made = channel(std::move(settings));
    REQUIRE_FALSE(made);
    CHECK(made.error().kind == ErrorKind::bad_input);
    return made.error().message;
  };
  auto starts = [](const std::string& text, const std::string& prefix) {
    CHECK_MESSAGE(text.rfind(prefix, 0) == 0, text);
  };
  starts(error_of({}), "notify.channels.siem.host is required");
  starts(error_of({{"host", ""}}), "notify.channels.siem.host: ");
  starts(error_of({{"host", "bad host"}}), "notify.channels.siem.host: ");
  starts(error_of({{"host", 514}}), "notify.channels.siem.host: expected text");
  starts(error_of({{"host", "192.0.2.7"}, {"transport", "smtp"}}), "notify.channels.siem.transport: ");
  starts(error_of({{"host", "192.0.2.7"}, {"port", 70000}}), "notify.channels.siem.port: ");
  starts(error_of({{"host", "192.0.2.7"}, {"port", "514"}}), "notify.channels.siem.port: ");
  starts(error_of({{"host", "192.0.2.7"}, {"facility", "local9"}}), "notify.channels.siem.facility: ");
  starts(error_of({{"host", "192.0.2.7"}, {"app_name", "my app"}}), "notify.channels.siem.app_name: ");
  starts(error_of({{"host", "192.0.2.7"}, {"timeout_seconds", 0}}), "notify.channels.siem.timeout_seconds: ");
  starts(error_of({{"host", "192.0.2.7"}, {"ca_file", "/nonexistent/ca.pem"}}), "notify.channels.siem.ca_file: ");
  starts(error_of({{"host", "192.0.2.7"}, {"transport", "udp"}, {"ca_file", "/etc/ssl/certs/ca-certificates.crt"}}),
         "notify.channels.siem.ca_file: ");
  starts(error_of({{"host", "192.0.2.7"}, {"insecure", true}}), "notify.channels.siem.insecure: unknown setting");
  // The defaults build: tls to 6514 against the system store, local0, responder.
  CHECK(channel({{"host", "192.0.2.7"}}));
  CHECK(channel({{"host", "192.0.2.7"}, {"transport", "udp"}, {"facility", "auth"}, {"app_name", "ir"}}));
}
