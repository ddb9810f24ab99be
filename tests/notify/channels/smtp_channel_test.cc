// The smtp channel against a real SMTP server (aiosmtpd) on 127.0.0.1 with
// STARTTLS, a certificate made for the test, and AUTH; what arrives is read
// back with Python's own mail parser.
#include "notify/channels/smtp_channel.h"

#include <doctest/doctest.h>

#include <thread>

#include "responder/config.h"
#include "tests/notify/channels/smtp_lab.h"
#include "tests/support/skip.h"

using namespace responder;
using namespace responder::notify;
using namespace responder::lab;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kPassword = "c0rrect-h0rse-Battery";

// A configuration whose secret `smtp_password` is read from a file.
struct TestConfig {
  testing::TempDir dir;
  Config config;
  explicit TestConfig(const std::string& password = kPassword) {
    config.secrets["smtp_password"] = SecretSource{dir.write("smtp.pass", password + "\n"), ""};
  }
};

json::object settings_for(int port, const SmtpServerCertificate& certificate, bool with_ca = true) {
  json::object s{{"type", "smtp"},
                 {"host", "127.0.0.1"},
                 {"port", port},
                 {"from", "responder@example.org"},
                 {"username", "alice"},
                 {"password", "smtp_password"},
                 {"helo", "responder.test"},
                 {"timeout_seconds", 20}};
  if (with_ca) s["ca_file"] = certificate.cert().string();
  return s;
}

Message test_message() {
  Message m;
  m.key = "INC-7/notify/alice";
  m.incident_id = "INC-7";
  m.severity = "critical";
  m.subject = "Überprüfung nötig: containment started on web-01";
  m.body = "The firewall now blocks 203.0.113.9.\n.hidden line that starts with a dot\n.\nlast line\n";
  m.journal_witness = "12:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  m.recipient = "Alice Example";
  return m;
}

std::unique_ptr<Channel> channel_from(const json::object& settings, const Config& config) {
  auto channel = make_smtp_channel("mail", settings, config);
  REQUIRE_MESSAGE(channel, channel.error().message);
  return std::move(*channel);
}

Clock::time_point in_seconds(int n) { return Clock::now() + std::chrono::seconds(n); }

// The received mail as Python's email package reads it (RFC 2047 and the
// transfer encoding decoded), as a JSON object.
json::object parsed_mail(const std::filesystem::path& eml) {
  static const char* script =
      "import email, email.policy, json, sys\n"
      "m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)\n"
      "print(json.dumps({k: str(m[k]) for k in ['From', 'To', 'Subject', 'Date', 'Message-ID',\n"
      "  'X-Responder-Journal', 'X-Responder-Incident', 'X-Responder-Key', 'Content-Type']}\n"
      "  | {'body': m.get_content(), 'defects': len(m.defects)}))\n";
  auto r = testing::run_process({"/usr/bin/python3", "-c", script, eml.string()});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return parse_json(r.out).as_object();
}

std::string field(const json::object& o, const char* key) { return std::string(o.at(key).as_string()); }

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("smtp delivers over STARTTLS with AUTH, and the message arrives with its headers and dot-stuffed body intact") {
  RESPONDER_SKIP_WHEN(smtp_lab_unavailable());
  SmtpServerCertificate certificate;
  REQUIRE_MESSAGE(certificate.made(), certificate.error());
  SmtpLab server(certificate, {"starttls", "alice", kPassword});
  REQUIRE_MESSAGE(server.start(), server.log());
  TestConfig config;
  auto channel = channel_from(settings_for(server.port(), certificate), config.config);
  CHECK(channel->type() == "smtp");
  CHECK(channel->name() == "mail");

  DeliveryResult sent = channel->send(test_message(), "alice@example.org", in_seconds(20));
  INFO(sent.detail);
  INFO(server.log());
  REQUIRE(sent.state == DeliveryState::delivered);
  CHECK(sent.detail == "250 2.0.0 Ok: queued as test-1");
  REQUIRE(server.received() == 1);

  auto envelope = parse_json(server.envelope(1)).as_object();
  CHECK(field(envelope, "mail_from") == "responder@example.org");
  CHECK(envelope.at("rcpt_tos").as_array().size() == 1);
  CHECK(envelope.at("rcpt_tos").as_array()[0].as_string() == "alice@example.org");
  CHECK(envelope.at("tls").as_bool());
  CHECK(envelope.at("authenticated").as_bool());

  auto mail = parsed_mail(server.message_file(1));
  CHECK(field(mail, "From") == "responder@example.org");
  CHECK(field(mail, "To") == "Alice Example <alice@example.org>");
  CHECK(field(mail, "Subject") == "Überprüfung nötig: containment started on web-01");
  CHECK(field(mail, "Message-ID") == "<INC-7/notify/alice@responder>");
  CHECK(field(mail, "X-Responder-Journal") == test_message().journal_witness);
  CHECK(field(mail, "X-Responder-Incident") == "INC-7");
  CHECK(field(mail, "X-Responder-Key") == "INC-7/notify/alice");
  CHECK(field(mail, "Content-Type") == "text/plain; charset=\"utf-8\"");
  CHECK(contains(field(mail, "Date"), " +0000"));
  CHECK(mail.at("defects").as_int64() == 0);
  std::string body = field(mail, "body");
  CHECK(contains(body, "\n.hidden line that starts with a dot\n.\nlast line\n"));
  CHECK(contains(body, "journal witness " + test_message().journal_witness));
  INFO(body);
  CHECK(body.rfind("Überprüfung nötig", 0) == 0);  // message_as_text: the subject first

  // Raw: CRLF line endings, the subject as encoded-words, nothing before TLS
  // but EHLO and STARTTLS.
  std::string raw = server.message(1);
  CHECK(contains(raw, "Subject: =?UTF-8?B?"));
  CHECK(contains(raw, "\r\nX-Responder-Journal: 12:9f86d081"));
  CHECK(!contains(raw, "\n\n"));
  std::string plain = server.plaintext();
  CHECK(contains(plain, "EHLO responder.test\r\n"));
  CHECK(contains(plain, "STARTTLS\r\n"));
  CHECK(!contains(plain, "AUTH"));
  CHECK(!contains(plain, "MAIL"));
  CHECK(contains(server.tls_text(), "AUTH PLAIN "));
}

TEST_CASE("smtp with security tls speaks TLS from the first byte") {
  RESPONDER_SKIP_WHEN(smtp_lab_unavailable());
  SmtpServerCertificate certificate;
  REQUIRE_MESSAGE(certificate.made(), certificate.error());
  SmtpLab server(certificate, {"implicit", "alice", kPassword});
  REQUIRE_MESSAGE(server.start(), server.log());
  TestConfig config;
  auto settings = settings_for(server.port(), certificate);
  settings["security"] = "tls";
  auto sent = channel_from(settings, config.config)->send(test_message(), "bob@example.org", in_seconds(20));
  INFO(sent.detail);
  CHECK(sent.state == DeliveryState::delivered);
  CHECK(server.received() == 1);
  CHECK(server.plaintext().empty());
}

TEST_CASE("smtp with security none delivers in the clear to a loopback server") {
  RESPONDER_SKIP_WHEN(smtp_lab_unavailable());
  SmtpServerCertificate certificate;
  REQUIRE_MESSAGE(certificate.made(), certificate.error());
  SmtpLab server(certificate, {"off", "", ""});
  REQUIRE_MESSAGE(server.start(), server.log());
  TestConfig config;
  json::object settings{{"type", "smtp"}, {"host", "127.0.0.1"}, {"port", server.port()},
                        {"security", "none"}, {"from", "responder@example.org"}};
  auto sent = channel_from(settings, config.config)->send(test_message(), "bob@example.org", in_seconds(20));
  INFO(sent.detail);
  CHECK(sent.state == DeliveryState::delivered);
  REQUIRE(server.received() == 1);
  CHECK(field(parsed_mail(server.message_file(1)), "Subject") == test_message().subject);
}

TEST_CASE("smtp refuses a server whose certificate the system store does not trust") {
  RESPONDER_SKIP_WHEN(smtp_lab_unavailable());
  SmtpServerCertificate certificate;
  REQUIRE_MESSAGE(certificate.made(), certificate.error());
  SmtpLab server(certificate, {"starttls", "alice", kPassword});
  REQUIRE_MESSAGE(server.start(), server.log());
  TestConfig config;
  auto channel = channel_from(settings_for(server.port(), certificate, /*with_ca=*/false), config.config);
  auto sent = channel->send(test_message(), "alice@example.org", in_seconds(20));
  INFO(sent.detail);
  CHECK(sent.state == DeliveryState::failed);
  CHECK(contains(sent.detail, "certificate verify failed"));
  CHECK(server.received() == 0);
  CHECK(!contains(server.plaintext() + server.tls_text(), "AUTH"));
}

TEST_CASE("smtp refuses a certificate made for another address") {
  RESPONDER_SKIP_WHEN(smtp_lab_unavailable());
  SmtpServerCertificate certificate;
  REQUIRE_MESSAGE(certificate.made(), certificate.error());
  SmtpLab server(certificate, {"starttls", "alice", kPassword});
  REQUIRE_MESSAGE(server.start(), server.log());
  TestConfig config;
  auto settings = settings_for(server.port(), certificate);
  settings["host"] = "localhost";  // the certificate names IP 127.0.0.1 only
  auto sent = channel_from(settings, config.config)->send(test_message(), "alice@example.org", in_seconds(20));
  INFO(sent.detail);
  CHECK(sent.state == DeliveryState::failed);
  CHECK(contains(sent.detail, "certificate verify failed"));
  CHECK(server.received() == 0);
}

TEST_CASE("smtp sends nothing in plaintext to a server that does not offer STARTTLS") {
  RESPONDER_SKIP_WHEN(smtp_lab_unavailable());
  SmtpServerCertificate certificate;
  REQUIRE_MESSAGE(certificate.made(), certificate.error());
  // The worst case: no STARTTLS, but AUTH offered in the clear.
  SmtpLab server(certificate, {"off", "alice", kPassword});
  REQUIRE_MESSAGE(server.start(), server.log());
  TestConfig config;
  auto sent = channel_from(settings_for(server.port(), certificate), config.config)
                  ->send(test_message(), "alice@example.org", in_seconds(20));
  INFO(sent.detail);
  CHECK(sent.state == DeliveryState::failed);
  CHECK(contains(sent.detail, "STARTTLS"));
  CHECK(server.received() == 0);
  std::string plain = server.plaintext();
  CHECK(contains(plain, "EHLO"));
  CHECK(!contains(plain, "AUTH"));
  CHECK(!contains(plain, "MAIL"));
  CHECK(!contains(plain, "RCPT"));
  CHECK(!contains(plain, "DATA"));
  CHECK(server.tls_text().empty());
}

TEST_CASE("smtp with a wrong password fails and no detail holds the password") {
  RESPONDER_SKIP_WHEN(smtp_lab_unavailable());
  SmtpServerCertificate certificate;
  REQUIRE_MESSAGE(certificate.made(), certificate.error());
  SmtpLab server(certificate, {"starttls", "alice", kPassword});
  REQUIRE_MESSAGE(server.start(), server.log());
  const std::string wrong = "wr0ng-Pa55word-XYZ";
  TestConfig config(wrong);
  auto sent = channel_from(settings_for(server.port(), certificate), config.config)
                  ->send(test_message(), "alice@example.org", in_seconds(20));
  INFO(sent.detail);
  CHECK(sent.state == DeliveryState::failed);
  CHECK(contains(sent.detail, "535"));
  CHECK(contains(sent.detail, "authentication"));
  CHECK(!contains(sent.detail, wrong));
  CHECK(!contains(sent.detail, kPassword));
  CHECK(server.received() == 0);
  CHECK(!contains(server.plaintext(), "AUTH"));
}

TEST_CASE("smtp asks for a retry when nothing listens on the port") {
  TestConfig config;
  SmtpServerCertificate certificate;
  auto settings = settings_for(closed_port(), certificate, /*with_ca=*/false);
  auto sent = channel_from(settings, config.config)->send(test_message(), "alice@example.org", in_seconds(10));
  INFO(sent.detail);
  CHECK(sent.state == DeliveryState::retry);
  CHECK(contains(sent.detail, "cannot connect to 127.0.0.1:"));
}

TEST_CASE("smtp gives up with retry by its deadline when the server accepts and never answers") {
  SilentListener silent;
  REQUIRE(silent.port() > 0);
  TestConfig config;
  SmtpServerCertificate certificate;
  auto channel = channel_from(settings_for(silent.port(), certificate, /*with_ca=*/false), config.config);
  auto start = Clock::now();
  auto deadline = start + std::chrono::milliseconds(1500);
  auto sent = channel->send(test_message(), "alice@example.org", deadline);
  auto returned = Clock::now();
  INFO(sent.detail);
  CHECK(sent.state == DeliveryState::retry);
  CHECK(contains(sent.detail, "deadline"));
  CHECK(returned >= deadline);
  CHECK(returned < deadline + std::chrono::seconds(2));  // a bound, not a benchmark
}

TEST_CASE("smtp refuses recipient addresses that could add commands or headers, and connects to no one") {
  RESPONDER_SKIP_WHEN(smtp_lab_unavailable());
  SmtpServerCertificate certificate;
  REQUIRE_MESSAGE(certificate.made(), certificate.error());
  SmtpLab server(certificate, {"starttls", "alice", kPassword});
  REQUIRE_MESSAGE(server.start(), server.log());
  TestConfig config;
  auto channel = channel_from(settings_for(server.port(), certificate), config.config);
  for (std::string bad : {"alice@example.org\r\nRCPT TO:<mallory@example.net>", "alice@example.org\nBcc: mallory@x.net",
                          "alice@example.org>\r\nDATA", "alice@@example.org", "alice@example.org@x.net", "alice example@x.org",
                          "<alice@example.org>", "alice", "", "al\xC3\xAF" "ce@example.org", ".alice@example.org",
                          "alice@-example.org", "alice@example.org\r"}) {
    INFO(bad);
    auto sent = channel->send(test_message(), bad, in_seconds(10));
    CHECK(sent.state == DeliveryState::failed);
    CHECK(contains(sent.detail, "not sent"));
  }
  CHECK(server.received() == 0);
  CHECK(server.plaintext().empty());  // not even a connection
}

TEST_CASE("smtp serves several threads at once, one connection each") {
  RESPONDER_SKIP_WHEN(smtp_lab_unavailable());
  SmtpServerCertificate certificate;
  REQUIRE_MESSAGE(certificate.made(), certificate.error());
  SmtpLab server(certificate, {"starttls", "alice", kPassword});
  REQUIRE_MESSAGE(server.start(), server.log());
  TestConfig config;
  auto channel = channel_from(settings_for(server.port(), certificate), config.config);
  std::vector<DeliveryResult> results(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < results.size(); ++i)
    threads.emplace_back([&, i] {
      Message m = test_message();
      m.key = "INC-7/notify/" + std::to_string(i);
      results[i] = channel->send(m, "contact" + std::to_string(i) + "@example.org", in_seconds(30));
    });
  for (auto& t : threads) t.join();
  for (auto& r : results) {
    INFO(r.detail);
    CHECK(r.state == DeliveryState::delivered);
  }
  CHECK(server.received() == 4);
}

TEST_CASE("smtp settings errors name notify.channels.NAME.KEY and never a secret's value") {
  TestConfig config;
  json::object good{{"type", "smtp"}, {"host", "mail.example.org"}, {"from", "responder@example.org"}};
  auto error_for = [&](json::object settings) {
    auto channel = make_smtp_channel("mail", settings, config.config);
    REQUIRE(!channel);
    CHECK(channel.error().kind == ErrorKind::bad_input);
    CHECK(!contains(channel.error().message, kPassword));
    return channel.error().message;
  };
  CHECK(make_smtp_channel("mail", good, config.config));

  auto unknown = good;
  unknown["hostname"] = "x";
  CHECK(contains(error_for(unknown), "notify.channels.mail.hostname"));

  auto plaintext_far = good;
  plaintext_far["host"] = "192.0.2.10";
  plaintext_far["security"] = "none";
  CHECK(contains(error_for(plaintext_far), "notify.channels.mail.security"));
  plaintext_far["host"] = "mail.example.org";
  CHECK(contains(error_for(plaintext_far), "notify.channels.mail.security"));
  auto plaintext_near = plaintext_far;
  plaintext_near["host"] = "127.0.0.1";
  CHECK(make_smtp_channel("mail", plaintext_near, config.config));

  auto odd_security = good;
  odd_security["security"] = "ssl";
  CHECK(contains(error_for(odd_security), "notify.channels.mail.security"));

  auto no_host = good;
  no_host.erase("host");
  CHECK(contains(error_for(no_host), "notify.channels.mail.host"));

  auto no_from = good;
  no_from.erase("from");
  CHECK(contains(error_for(no_from), "notify.channels.mail.from"));
  auto bad_from = good;
  bad_from["from"] = "responder@example.org\r\nBcc: x@y.z";
  CHECK(contains(error_for(bad_from), "notify.channels.mail.from"));

  auto bad_port = good;
  bad_port["port"] = 70000;
  CHECK(contains(error_for(bad_port), "notify.channels.mail.port"));

  auto unnamed_secret = good;
  unnamed_secret["username"] = "alice";
  unnamed_secret["password"] = "no_such_secret";
  CHECK(contains(error_for(unnamed_secret), "notify.channels.mail.password"));

  auto user_only = good;
  user_only["username"] = "alice";
  CHECK(contains(error_for(user_only), "notify.channels.mail.password"));

  auto password_only = good;
  password_only["password"] = "smtp_password";
  CHECK(contains(error_for(password_only), "notify.channels.mail.username"));

  auto bad_helo = good;
  bad_helo["helo"] = "host\r\nMAIL FROM:<x@y.z>";
  CHECK(contains(error_for(bad_helo), "notify.channels.mail.helo"));

  auto missing_ca = good;
  missing_ca["ca_file"] = "/nonexistent/ca.pem";
  CHECK(contains(error_for(missing_ca), "notify.channels.mail.ca_file"));

  auto via_make_channel = make_channel("mail", unknown, config.config);
  REQUIRE(!via_make_channel);
  CHECK(contains(via_make_channel.error().message, "notify.channels.mail.hostname"));
}
