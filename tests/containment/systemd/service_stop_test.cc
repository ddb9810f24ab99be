// service.stop against a real systemd (PID 1 of its own namespaces, see
// systemd_lab.h), through the command line a responder types; states are
// read back independently with systemctl.
#include <doctest/doctest.h>

#include <signal.h>

#include "tests/containment/systemd_lab.h"

using namespace responder;
using namespace responder::lab;

namespace {

const std::string kDaemon = "[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=responder-lab.target\n";
const std::map<std::string, std::string> kUnits{
    {"lab-web.service", "[Unit]\nDescription=lab web\nDefaultDependencies=no\n"
     "StartLimitIntervalSec=0\n" + kDaemon},
    {"lab-idle.service", "[Unit]\nDescription=lab idle\nDefaultDependencies=no\n"
     "StartLimitIntervalSec=0\n" + kDaemon},
    {"lab-echo.socket",
     "[Unit]\nDescription=lab echo socket\nDefaultDependencies=no\n"
     "StartLimitIntervalSec=0\n[Socket]\nListenStream=/run/lab-echo.sock\n"},
    {"lab-echo.service",
     "[Unit]\nDescription=lab echo\nDefaultDependencies=no\n"
     "StartLimitIntervalSec=0\n[Service]\nExecStart=/bin/sleep infinity\n"},
};

struct ServiceLab {
  SystemdLab systemd{kUnits};
  responder::testing::TempDir dir;

  responder::testing::ProcessResult responder(std::vector<std::string> args, std::vector<std::string> env = {},
                                              const std::string& binary = RESPONDER_BINARY) const {
    return systemd.responder(dir / "incidents", std::move(args), std::move(env), binary);
  }
  std::string playbook(const std::string& with) const {
    return dir.write("stop.yaml", "name: stop-services\nstages:\n  isolate-and-contain:\n"
                                  "    - id: stop\n      module: service.stop\n      with: " + with + "\n").string();
  }
  std::string journal(const std::string& id) const { return responder::testing::slurp(dir / "incidents" / id / "journal.jsonl"); }
  std::string states(const std::string& unit) const {
    return systemd.property(unit, "ActiveState") + "/" + systemd.property(unit, "UnitFileState");
  }
  void must(std::vector<std::string> systemctl_args) const {
    auto r = systemd.systemctl(systemctl_args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
  }
};

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("service.stop stops and masks a running enabled unit and undo restores it exactly") {
  RESPONDER_REQUIRE_SYSTEMD_LAB();
  ServiceLab lab;
  lab.must({"enable", "--now", "lab-web.service"});
  REQUIRE(lab.states("lab-web.service") == "active/enabled");
  auto playbook = lab.playbook("{units: [lab-web], mask: true}");

  auto plan = lab.responder({"plan", playbook});
  INFO(plan.out << plan.err);
  REQUIRE(plan.exit_code == 0);
  CHECK(plan.out.find("stop and mask lab-web.service (active, enabled)") != std::string::npos);
  CHECK(lab.states("lab-web.service") == "active/enabled");  // plan changes nothing

  auto run = lab.responder({"run", playbook, "--incident", "S1"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(lab.states("lab-web.service") == "inactive/masked");
  // Masked: not even an administrator's start brings it back before undo.
  CHECK(lab.systemd.systemctl({"start", "lab-web.service"}).exit_code != 0);
  CHECK(lab.responder({"status", "S1"}).out.find("stop [service.stop] in effect") != std::string::npos);

  auto undo = lab.responder({"undo", "S1"});
  INFO(undo.out << undo.err);
  REQUIRE(undo.exit_code == 0);
  CHECK(undo.out.find("unmasked lab-web.service and started it again (active before)") != std::string::npos);
  CHECK(lab.states("lab-web.service") == "active/enabled");
  CHECK(lab.systemd.property("lab-web.service", "SubState") == "running");
}

TEST_CASE("service.stop records an already stopped unit and its undo leaves it stopped") {
  RESPONDER_REQUIRE_SYSTEMD_LAB();
  ServiceLab lab;
  lab.must({"start", "lab-web.service"});
  REQUIRE(lab.states("lab-idle.service") == "inactive/disabled");

  auto run = lab.responder({"run", lab.playbook("{units: [lab-web.service, lab-idle.service]}"), "--incident", "S2"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("lab-idle.service is already stopped (inactive, disabled); nothing to do") != std::string::npos);
  CHECK(lab.journal("S2").find(R"("already_stopped":["lab-idle.service"])") != std::string::npos);
  CHECK(lab.states("lab-web.service") == "inactive/disabled");

  auto undo = lab.responder({"undo", "S2"});
  INFO(undo.out << undo.err);
  REQUIRE(undo.exit_code == 0);
  CHECK(lab.states("lab-web.service") == "active/disabled");
  CHECK(lab.states("lab-idle.service") == "inactive/disabled");
}

TEST_CASE("service.stop refuses a unit systemd does not know or an invalid name and stops nothing") {
  RESPONDER_REQUIRE_SYSTEMD_LAB();
  ServiceLab lab;
  lab.must({"start", "lab-web.service"});

  auto run = lab.responder({"run", lab.playbook("{units: [lab-web, no-such-daemon]}"), "--incident", "S3"});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 2);
  CHECK((run.out + run.err).find("no unit named no-such-daemon.service") != std::string::npos);
  CHECK(lab.states("lab-web.service") == "active/disabled");

  auto invalid = lab.responder({"plan", lab.playbook("{units: [\"web;reboot\"]}")});
  CHECK(invalid.exit_code == 2);
  CHECK((invalid.out + invalid.err).find("'web;reboot' is not a valid systemd unit name") != std::string::npos);
}

TEST_CASE("service.stop stops the socket that would start a unit again and undo restarts only the socket") {
  RESPONDER_REQUIRE_SYSTEMD_LAB();
  ServiceLab lab;
  lab.must({"start", "lab-echo.socket"});
  REQUIRE(lab.systemd.property("lab-echo.service", "ActiveState") == "inactive");

  auto run = lab.responder({"run", lab.playbook("{units: [lab-echo]}"), "--incident", "S4"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("stop lab-echo.socket (active, static) — it triggers lab-echo.service") != std::string::npos);
  CHECK(run.out.find("lab-echo.service is already stopped") != std::string::npos);
  CHECK(lab.systemd.property("lab-echo.socket", "ActiveState") == "inactive");

  auto undo = lab.responder({"undo", "S4"});
  INFO(undo.out << undo.err);
  REQUIRE(undo.exit_code == 0);
  CHECK(lab.systemd.property("lab-echo.socket", "ActiveState") == "active");
  CHECK(lab.systemd.property("lab-echo.service", "ActiveState") == "inactive");
}

TEST_CASE("service.stop drift - a unit someone started again shows in status and resume --reconcile stops it") {
  RESPONDER_REQUIRE_SYSTEMD_LAB();
  ServiceLab lab;
  lab.must({"start", "lab-web.service"});
  REQUIRE(lab.responder({"run", lab.playbook("{units: [lab-web]}"), "--incident", "S5"}).exit_code == 0);

  lab.must({"start", "lab-web.service"});
  auto status = lab.responder({"status", "S5"});
  CHECK(status.out.find("stop [service.stop] in effect") == std::string::npos);
  auto reconcile = lab.responder({"resume", "S5", "--reconcile"});
  INFO(reconcile.out << reconcile.err);
  CHECK(reconcile.exit_code == 0);
  CHECK(lab.systemd.property("lab-web.service", "ActiveState") == "inactive");
  CHECK(lab.journal("S5").find("\"kind\":\"step.reconciled\"") != std::string::npos);

  auto undo = lab.responder({"undo", "S5"});
  INFO(undo.out << undo.err);
  REQUIRE(undo.exit_code == 0);
  CHECK(lab.systemd.property("lab-web.service", "ActiveState") == "active");
}

TEST_CASE("service.stop killed after every journal record in turn - resume stops once and undo restores") {
  RESPONDER_REQUIRE_SYSTEMD_LAB();
  ServiceLab lab;
  lab.must({"enable", "--now", "lab-web.service"});
  auto playbook = lab.playbook("{units: [lab-web], mask: true}");
  REQUIRE(lab.responder({"run", playbook, "--incident", "REF"}).exit_code == 0);
  const std::size_t records = count(lab.journal("REF"), "\n");
  REQUIRE(lab.responder({"undo", "REF"}).exit_code == 0);
  REQUIRE(records > 5);

  for (std::size_t k = 1; k < records; ++k) {
    CAPTURE(k);
    std::string id = "K" + std::to_string(k);
    auto killed = lab.responder({"run", playbook, "--incident", id}, {"RESPONDER_KILL_AFTER_RECORD=" + std::to_string(k)},
                                RESPONDER_TEST_BINARY);
    REQUIRE(killed.signal == SIGKILL);
    auto resumed = lab.responder({"resume", id}, {}, RESPONDER_TEST_BINARY);
    INFO(resumed.out << resumed.err);
    REQUIRE(resumed.exit_code == 0);
    CHECK(lab.states("lab-web.service") == "inactive/masked");
    CHECK(count(lab.journal(id), "\"kind\":\"step.applied\"") + count(lab.journal(id), "\"kind\":\"step.verified\",\"step\":\"stop\",\"recovered\"") >= 1);
    auto undo = lab.responder({"undo", id});
    INFO(undo.out << undo.err);
    REQUIRE(undo.exit_code == 0);
    REQUIRE(lab.states("lab-web.service") == "active/enabled");
  }
}
