// Fallback between real channels: the mail server is down, the HTTPS
// webhook receives the message within the step's time, after honouring the
// receiver's Retry-After.
#include <doctest/doctest.h>

#include "notify/outbox/outbox.h"
#include "tests/notify/channels/https_receiver.h"
#include "tests/notify/notify_lab.h"
#include "tests/support/skip.h"

namespace responder::testing {
namespace {

TEST_CASE("mail server down: the webhook receives the message within the step's time, after its Retry-After") {
  RESPONDER_SKIP_WHEN(lab::https_receiver_unavailable());
  NotifyLab lab;
  auto cert = lab::make_test_certificate(lab.dir.path(), "receiver", "IP:127.0.0.1");
  REQUIRE(!cert.cert.empty());
  lab::HttpsReceiver receiver(cert, {"429;Retry-After=1", "200"});
  REQUIRE(receiver.start());
  int mail_port = closed_loopback_port();
  lab.write("    mail: {type: smtp, host: 127.0.0.1, port: " + std::to_string(mail_port) + ", from: responder@example.org, ca_file: " +
                cert.cert.string() + ", timeout_seconds: 2}\n" +
                "    chat: {type: webhook, url: \"https://127.0.0.1:" + std::to_string(receiver.port()) +
                "/hook\", ca_file: " + cert.cert.string() + "}\n",
            "  alice:\n    roles: [incident-team]\n    reach: [{channel: mail, to: alice@example.org}, {channel: chat, to: alice}]\n");
  auto playbook = lab.playbook(
      "name: fallback\nseverity: critical\nstages:\n  notify:\n    - id: tell\n      module: notify.send\n"
      "      with: {audience: [incident-team], within: 20s, text: \"Subject: Incident {{ incident.id }}\\n\\nMail is down.\"}\n");
  auto started = std::chrono::steady_clock::now();
  auto r = lab.responder_with_config({"run", playbook.string(), "--incident", "F1"});
  auto took = std::chrono::steady_clock::now() - started;
  INFO(r.err);
  INFO(receiver.log());
  REQUIRE(r.exit_code == 0);
  CHECK(took < std::chrono::seconds(20));
  auto requests = receiver.requests();
  REQUIRE(requests.size() == 2);  // the 429, then the delivery
  auto body = parse_json(requests[1].at("body").as_string()).as_object();
  CHECK(body.at("subject").as_string() == "Incident F1");
  auto started_record = lab.records("F1", "step.started").at(0);
  CHECK(lab::recorded_header(requests[1], "X-Responder-Journal") ==
        std::to_string(started_record.seq) + ":" + started_record.hash);
  CHECK(lab::recorded_header(requests[0], "Idempotency-Key") == lab::recorded_header(requests[1], "Idempotency-Key"));

  auto output = lab.records("F1", "step.applied").at(0).fields.at("receipt").at("output").as_object();
  CHECK(output.at("deliveries").as_array()[0].at("channel").as_string() == "chat");
  CHECK(output.at("fell_back").as_array()[0].at("from").as_array()[0].as_string() == "mail");
  // The outbox kept every attempt: two over mail, the 429 with its wait.
  auto entries = notify::read_outbox(lab.dir / "incidents" / "F1");
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 1);
  CHECK(entries->begin()->second.attempts == 4);
  auto outbox_text = slurp(notify::outbox_file(lab.dir / "incidents" / "F1"));
  CHECK(outbox_text.find("\"retry_after_ms\":1000") != std::string::npos);
}

}  // namespace
}  // namespace responder::testing
