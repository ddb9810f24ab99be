// notify.send end to end: audiences, need-to-know, fallback, compromised
// channels, crash and resume, acknowledgement and escalation.
#include <doctest/doctest.h>

#include "responder/journal.h"
#include "tests/notify/notify_lab.h"

namespace responder::testing {
namespace {

const std::string kPeople =
    "  alice:\n    name: Alice Martin\n    roles: [incident-team]\n    reach: [{channel: mail, to: alice@example.org}, {channel: pager}]\n"
    "  bob:\n    roles: [incident-team, legal]\n    reach: [{channel: mail, to: bob@example.org}]\n"
    "  carol:\n    roles: [executives]\n    reach: [{channel: mail, to: carol@example.org}]\n";

std::string notify_playbook(const std::string& with, const std::string& step_extra = "") {
  return "name: notify-test\nseverity: critical\nstages:\n  notify:\n    - id: tell\n      module: notify.send\n      with: " + with +
         "\n" + step_extra;
}

TEST_CASE("notify.send tells the audience once each, with the journal witness and the key") {
  NotifyLab lab;
  lab.write(lab.file_channel("mail") + lab.file_channel("pager"), kPeople);
  auto playbook = lab.playbook(notify_playbook(
      "{audience: [incident-team], text: \"Subject: Incident {{ incident.id }} ({{ incident.severity }})\\n\\nWe are containing it.\"}"));
  auto r = lab.responder_with_config({"run", playbook.string(), "--incident", "N1"});
  INFO(r.err);
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  auto mail = lab.received("mail");
  REQUIRE(mail.size() == 2);
  CHECK(lab.count_to("mail", "Alice Martin") == 1);
  CHECK(lab.count_to("mail", "bob") == 1);
  CHECK(mail[0].at("subject").as_string() == "Incident N1 (critical)");
  CHECK(lab.received("pager").empty());
  // The witness each message carries is the journal's step.started record,
  // and the journal proves it still holds it.
  auto started = lab.records("N1", "step.started");
  REQUIRE(started.size() == 1);
  std::string witness = std::string(mail[0].at("journal").as_string());
  CHECK(witness == std::to_string(started[0].seq) + ":" + started[0].hash);
  auto verified = lab.responder({"journal", "N1", "--verify", "--witness", witness});
  CHECK(verified.exit_code == 0);
  CHECK(mail[0].at("key").as_string() != mail[1].at("key").as_string());
  auto applied = lab.records("N1", "step.applied");
  REQUIRE(applied.size() == 1);
  auto output = applied[0].fields.at("receipt").at("output").as_object();
  CHECK(output.at("delivered").as_array().size() == 2);
  CHECK(output.at("witness").as_string() == witness);

  auto status = lab.responder_with_config({"status", "N1"});
  CHECK(status.out.find("tell: 2 of 2 delivered") != std::string::npos);
  CHECK(status.out.find("told bob by mail") != std::string::npos);
  CHECK(status.out.find("journal witness " + witness + " went out with 2 message(s)") != std::string::npos);
}

TEST_CASE("need-to-know refuses all-staff at validate time, with the line and column") {
  NotifyLab lab;
  auto playbook = lab.playbook(notify_playbook("{audience: [incident-team, all-staff], text: \"Subject: x\\n\\ny\"}"));
  auto r = lab.responder({"validate", playbook.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("playbook.yaml:7:") != std::string::npos);
  CHECK(r.err.find("need_to_know") != std::string::npos);
  auto worm = lab.playbook(notify_playbook("{audience: [all-staff], need_to_know: false, text: \"Subject: x\\n\\ny\"}"));
  CHECK(lab.responder({"validate", worm.string()}).exit_code == 0);
}

TEST_CASE("an unknown audience is bad input that names the contacts file, and nothing is sent") {
  NotifyLab lab;
  lab.write(lab.file_channel("mail") + lab.file_channel("pager"), kPeople);
  auto playbook = lab.playbook(notify_playbook("{audience: [incident-tema], text: \"Subject: x\\n\\ny\"}"));
  auto plan = lab.responder_with_config({"plan", playbook.string()});
  CHECK(plan.exit_code == 2);
  CHECK(plan.out.find("did you mean 'incident-team'") != std::string::npos);
  CHECK(lab.received("mail").empty());
}

TEST_CASE("a channel that is down falls back to the contact's next channel") {
  NotifyLab lab;
  int port = closed_loopback_port();
  lab.write("    mail: {type: smtp, host: 127.0.0.1, port: " + std::to_string(port) +
                ", security: none, from: responder@example.org, timeout_seconds: 2}\n" + lab.file_channel("pager"),
            kPeople);
  auto playbook = lab.playbook(notify_playbook("{audience: [alice], text: \"Subject: down\\n\\nmail is down\"}"));
  auto r = lab.responder_with_config({"run", playbook.string(), "--incident", "N2"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(lab.count_to("pager", "Alice Martin") == 1);
  auto applied = lab.records("N2", "step.applied");
  REQUIRE(applied.size() == 1);
  auto output = applied[0].fields.at("receipt").at("output").as_object();
  REQUIRE(output.at("fell_back").as_array().size() == 1);
  CHECK(output.at("fell_back").as_array()[0].at("from").as_array()[0].as_string() == "mail");
  CHECK(output.at("deliveries").as_array()[0].at("channel").as_string() == "pager");
}

TEST_CASE("a contact with no channel left fails the step only when nobody was reached") {
  NotifyLab lab;
  int port = closed_loopback_port();
  lab.write("    mail: {type: smtp, host: 127.0.0.1, port: " + std::to_string(port) +
                ", security: none, from: responder@example.org, timeout_seconds: 2}\n" + lab.file_channel("pager"),
            kPeople);
  auto playbook = lab.playbook(notify_playbook("{audience: [alice, bob], text: \"Subject: s\\n\\nb\"}"));
  auto r = lab.responder_with_config({"run", playbook.string(), "--incident", "N3"});
  REQUIRE(r.exit_code == 0);
  auto output = lab.records("N3", "step.applied")[0].fields.at("receipt").at("output").as_object();
  CHECK(output.at("delivered").as_array().size() == 1);
  REQUIRE(output.at("failed").as_array().size() == 1);
  CHECK(output.at("failed").as_array()[0].at("contact").as_string() == "bob");

  auto only_bob = lab.playbook(notify_playbook("{audience: [bob], text: \"Subject: s\\n\\nb\"}"));
  auto failed = lab.responder_with_config({"run", only_bob.string(), "--incident", "N4"});
  CHECK(failed.exit_code == 1);
  CHECK(failed.out.find("nobody in the audience was reached") != std::string::npos);
}

TEST_CASE("a channel marked compromised is never used again in that incident") {
  NotifyLab lab;
  lab.write(lab.file_channel("mail") + lab.file_channel("pager"), kPeople);
  auto playbook = lab.playbook(notify_playbook("{audience: [alice], text: \"Subject: s\\n\\nb\"}", "      approval: 1\n"));
  auto run = lab.start_with_config({"run", playbook.string(), "--incident", "N5"});
  wait_until_waiting(lab, "N5");
  auto marked = lab.responder_with_config({"channel", "N5", "--compromised", "mail", "--reason", "mail server owned"});
  INFO(marked.err);
  REQUIRE(marked.exit_code == 0);
  CHECK(lab.responder_with_config({"channel", "N5", "--compromised", "nosuch"}).exit_code == 2);
  REQUIRE(lab.responder_with_config({"approve", "N5", "tell", "--as", "dana"}).exit_code == 0);
  auto r = run->wait();
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(lab.received("mail").empty());
  CHECK(lab.count_to("pager", "Alice Martin") == 1);
  CHECK(lab.records("N5", "channel.compromised").size() == 1);
}

TEST_CASE("killed after queueing and after the first delivery, resume delivers each message exactly once") {
  for (int kill_at : {2, 3}) {
    CAPTURE(kill_at);
    NotifyLab lab;
    // One send a second: bob's message cannot go out in the instant between
    // alice's delivery and its record, where the kill lands.
    lab.write(lab.file_channel("mail") + lab.file_channel("pager"), kPeople, "  sends_per_second: 1\n");
    auto playbook = lab.playbook(notify_playbook("{audience: [alice, bob], text: \"Subject: s\\n\\nb\"}"));
    // Records 1-2 queue both messages; record 3 is the first delivery.
    auto killed = lab.responder_with_config({"run", playbook.string(), "--incident", "N6"},
                                            {"RESPONDER_FAULT=outbox.jsonl:kill-after-sync:" + std::to_string(kill_at)});
    REQUIRE(killed.signal == SIGKILL);
    CHECK(lab.received("mail").size() == static_cast<std::size_t>(kill_at - 2));
    auto resumed = lab.responder_with_config({"resume", "N6"});
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    CHECK(lab.count_to("mail", "Alice Martin") == 1);
    CHECK(lab.count_to("mail", "bob") == 1);
    auto mail = lab.received("mail");
    REQUIRE(mail.size() == 2);
    CHECK(mail[0].at("key").as_string() != mail[1].at("key").as_string());
  }
}

TEST_CASE("an unacknowledged message escalates to the next person of the role, and an acknowledged one does not") {
  NotifyLab lab;
  lab.write(lab.file_channel("mail") + lab.file_channel("pager"), kPeople);
  auto playbook = lab.playbook(notify_playbook("{audience: [alice], ack: true, escalate_after: 1s, text: \"Subject: s\\n\\nb\"}"));
  auto r = lab.responder_with_config({"run", playbook.string(), "--incident", "N7"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(lab.count_to("mail", "bob") == 1);
  auto output = lab.records("N7", "step.applied")[0].fields.at("receipt").at("output").as_object();
  REQUIRE(output.at("escalated").as_array().size() == 1);
  CHECK(output.at("escalated").as_array()[0].as_string() == "alice -> bob");

  NotifyLab acked;
  acked.write(acked.file_channel("mail") + acked.file_channel("pager"), kPeople);
  auto waits = acked.playbook(notify_playbook("{audience: [alice], ack: true, escalate_after: 30s, text: \"Subject: s\\n\\nb\"}"));
  auto run = acked.start_with_config({"run", waits.string(), "--incident", "N8"});
  wait_for([&] { return acked.received("mail").size() == 1; });
  std::string token(acked.received("mail")[0].at("ack_token").as_string());
  REQUIRE(!token.empty());
  CHECK(acked.responder_with_config({"ack", "N8", "WRONG-TOKEN-0000"}).exit_code == 2);
  // Read out over the phone: lower case, no dashes.
  std::string spoken;
  for (char c : token)
    if (c != '-') spoken += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto ack = acked.responder_with_config({"ack", "N8", spoken});
  INFO(ack.err);
  REQUIRE(ack.exit_code == 0);
  auto done = run->wait();
  REQUIRE(done.exit_code == 0);
  CHECK(acked.count_to("mail", "bob") == 0);
  auto status = acked.responder_with_config({"status", "N8", "--json"});
  CHECK(status.out.find("\"acknowledged\":true") != std::string::npos);
  CHECK(acked.records("N8", "notify.acked").size() == 1);
}

TEST_CASE("a step marks a channel compromised and the next notification falls back past it") {
  NotifyLab lab;
  lab.write(lab.file_channel("mail") + lab.file_channel("pager"), kPeople);
  auto playbook = lab.playbook(
      "name: t\nstages:\n  evaluate:\n    - id: mail-owned\n      module: channel.compromised\n"
      "      with: {channels: [mail], reason: mail server shows the intruder}\n"
      "  notify:\n    - id: tell\n      module: notify.send\n      with: {audience: [alice], text: \"Subject: s\\n\\nb\"}\n");
  auto r = lab.responder_with_config({"run", playbook.string(), "--incident", "C1"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(lab.received("mail").empty());
  CHECK(lab.count_to("pager", "Alice Martin") == 1);
  auto status = lab.responder_with_config({"status", "C1"});
  CHECK(status.out.find("channel mail is marked compromised: by step mail-owned") != std::string::npos);
}

TEST_CASE("a template file beside the playbook is rendered with the incident and what earlier steps registered") {
  NotifyLab lab;
  lab.write(lab.file_channel("mail") + lab.file_channel("pager"), kPeople);
  std::filesystem::create_directories(lab.dir / "templates");
  lab.dir.write("templates/first.txt",
                "Subject: Incident {{ incident.id }} ({{ incident.severity }}): {{ finding.text }}\n\n"
                "Noted by {{ finding.by }} while running {{ incident.playbook }}.\nNo action is needed from you.\n");
  auto playbook = lab.playbook(
      "name: tmpl\nseverity: important\nstages:\n  evaluate:\n    - id: note\n      module: note.add\n"
      "      with: {text: port scan from 203.0.113.7}\n      register: finding\n"
      "  notify:\n    - id: tell\n      module: notify.send\n      with: {audience: [alice], template: templates/first.txt}\n");
  auto r = lab.responder_with_config({"run", playbook.string(), "--incident", "T2"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto mail = lab.received("mail");
  REQUIRE(mail.size() == 1);
  CHECK(mail[0].at("subject").as_string() == "Incident T2 (important): port scan from 203.0.113.7");
  CHECK(std::string(mail[0].at("body").as_string()).find("while running tmpl.") != std::string::npos);

  auto missing = lab.playbook(
      "name: tmpl\nstages:\n  notify:\n    - id: tell\n      module: notify.send\n      with: {audience: [alice], template: templates/none.txt}\n");
  auto plan = lab.responder_with_config({"plan", missing.string()});
  CHECK(plan.exit_code == 2);
  CHECK(plan.out.find("templates/none.txt") != std::string::npos);
}

TEST_CASE("resume --var refuses a variable a sent message's template read, and corrects one it did not") {
  NotifyLab lab;
  lab.write(lab.file_channel("mail") + lab.file_channel("pager"), kPeople);
  lab.dir.write("tell.txt", "Subject: Attack from {{ attacker }}\n\nWe block it.\n");
  auto playbook = lab.playbook(
      "name: tmpl\nvariables:\n  attacker: {type: string, required: true}\n  capture: {type: path, required: true}\n"
      "stages:\n  notify:\n    - id: tell\n      module: notify.send\n      with: {audience: [alice], template: tell.txt}\n"
      "  analyze:\n    - id: read\n      module: traffic.analyze\n      with: {pcap: [\"{{ capture }}\"]}\n");
  auto r = lab.responder_with_config({"run", playbook.string(), "--incident", "TV", "--var", "attacker=203.0.113.7", "--var",
                                      "capture=" + (lab.dir / "none.pcap").string()});
  CHECK(r.exit_code != 0);
  REQUIRE(lab.received("mail").size() == 1);
  auto refused = lab.responder_with_config({"resume", "TV", "--var", "attacker=198.51.100.1"});
  INFO(refused.err);
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("step tell applied with attacker=") != std::string::npos);
  auto fixed = lab.responder_with_config(
      {"resume", "TV", "--var", "capture=" + std::string(RESPONDER_CORPUS_DIR) + "/pcaps/nmap_80_all.pcap"});
  INFO(fixed.out, fixed.err);
  CHECK(fixed.exit_code == 0);
  CHECK(lab.received("mail").size() == 1);
}

TEST_CASE("a channel that cannot be built is shown by plan, and its contacts fall back past it") {
  NotifyLab lab;
  // Its password names a secret the configuration does not have.
  lab.write("    mail: {type: smtp, host: mail.example.org, from: r@example.org, username: r, password: nosuch}\n" +
                lab.file_channel("pager"),
            kPeople);
  auto playbook = lab.playbook(notify_playbook("{audience: [alice], text: \"Subject: s\\n\\nb\"}"));
  auto plan = lab.responder_with_config({"plan", playbook.string()});
  INFO(plan.out);
  CHECK(plan.exit_code == 0);
  CHECK(plan.out.find("channel mail cannot be used") != std::string::npos);
  auto r = lab.responder_with_config({"run", playbook.string(), "--incident", "B1"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(lab.count_to("pager", "Alice Martin") == 1);
}

TEST_CASE("escalating to a role tells its first person, then the next one down when nobody acknowledges") {
  NotifyLab lab;
  lab.write(lab.file_channel("mail") + lab.file_channel("pager"), kPeople);
  auto playbook =
      lab.playbook(notify_playbook("{audience: [incident-team], ack: true, escalate_after: 1s, text: \"Subject: s\\n\\nb\"}"));
  auto r = lab.responder_with_config({"run", playbook.string(), "--incident", "E1"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(lab.count_to("mail", "Alice Martin") == 1);
  CHECK(lab.count_to("mail", "bob") == 1);
  auto output = lab.records("E1", "step.applied")[0].fields.at("receipt").at("output").as_object();
  REQUIRE(output.at("escalated").as_array().size() == 1);
  CHECK(output.at("escalated").as_array()[0].as_string() == "alice -> bob");
}

TEST_CASE("attack data in an inline text stays words: it is not read as a template again") {
  NotifyLab lab;
  lab.write(lab.file_channel("mail") + lab.file_channel("pager"), kPeople);
  auto playbook = lab.playbook(
      "name: t\nvariables:\n  seen: {type: string, required: true}\nstages:\n  notify:\n    - id: tell\n"
      "      module: notify.send\n      with: {audience: [alice], text: \"Subject: seen {{ seen }}\\n\\nUser agent: {{ seen }}\"}\n");
  auto r = lab.responder_with_config({"run", playbook.string(), "--incident", "T1", "--var", "seen={{ incident.home"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto mail = lab.received("mail");
  REQUIRE(mail.size() == 1);
  CHECK(mail[0].at("body").as_string() == "User agent: {{ incident.home");
}

}  // namespace
}  // namespace responder::testing
