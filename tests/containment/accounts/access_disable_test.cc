// access.disable through the command line, inside a real systemd's
// namespaces (systemd_lab.h): SSH and VPN units stopped and put back, and
// the firewall fallback that keeps the responder's own SSH session.
#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>

#include "tests/containment/systemd_lab.h"

using namespace responder;
using namespace responder::lab;

namespace {

const std::string kDaemon = "[Service]\nExecStart=/bin/sleep infinity\n";
const std::map<std::string, std::string> kUnits{
    {"ssh.service", "[Unit]\nDescription=stand-in sshd\nDefaultDependencies=no\n"
     "StartLimitIntervalSec=0\n" + kDaemon},
    {"openvpn-server@.service", "[Unit]\nDescription=stand-in OpenVPN %i\nDefaultDependencies=no\n"
     "StartLimitIntervalSec=0\n" + kDaemon},
    {"wg-quick@.service", "[Unit]\nDescription=stand-in WireGuard %i\nDefaultDependencies=no\n"
     "StartLimitIntervalSec=0\n" + kDaemon},
};

struct AccessLab {
  SystemdLab systemd{kUnits};
  responder::testing::TempDir dir;

  responder::testing::ProcessResult responder(std::vector<std::string> args, const std::string& ssh_connection = "",
                                              std::vector<std::string> env = {},
                                              const std::string& binary = RESPONDER_BINARY) const {
    args.insert(args.begin(), {"--allow", "198.51.100.0/24"});
    env.push_back("SSH_CONNECTION=" + ssh_connection);
    return systemd.responder(dir / "incidents", std::move(args), std::move(env), binary);
  }
  std::string playbook(const std::string& with) const {
    return dir.write("access.yaml", "name: cut-remote-access\nstages:\n  isolate-and-contain:\n"
                                    "    - id: no-remote\n      module: access.disable\n      with: " + with + "\n").string();
  }
  std::string active(const std::string& unit) const { return systemd.property(unit, "ActiveState"); }
};

}  // namespace

TEST_CASE("access.disable stops the SSH server and running VPN units and undo starts exactly those again") {
  RESPONDER_REQUIRE_SYSTEMD_LAB();
  AccessLab lab;
  for (auto unit : {"ssh.service", "openvpn-server@office.service", "wg-quick@wg0.service"})
    REQUIRE(lab.systemd.systemctl({"start", unit}).exit_code == 0);
  REQUIRE(lab.systemd.systemctl({"stop", "wg-quick@wg0.service"}).exit_code == 0);

  auto run = lab.responder({"run", lab.playbook("{ssh: true, vpn: [\"openvpn-server@*\", \"wg-quick@*\"]}"),
                            "--incident", "ACC1"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(lab.active("ssh.service") == "inactive");
  CHECK(lab.active("openvpn-server@office.service") == "inactive");

  auto undo = lab.responder({"undo", "ACC1"});
  INFO(undo.out << undo.err);
  REQUIRE(undo.exit_code == 0);
  CHECK(lab.active("ssh.service") == "active");
  CHECK(lab.active("openvpn-server@office.service") == "active");
  CHECK(lab.active("wg-quick@wg0.service") == "inactive");  // it was not running: left alone
}

TEST_CASE("access.disable over the responder's own SSH session blocks the SSH port in the firewall instead of stopping sshd") {
  RESPONDER_REQUIRE_SYSTEMD_LAB();
  AccessLab lab;
  REQUIRE(lab.systemd.systemctl({"start", "ssh.service"}).exit_code == 0);
  const std::string session = "203.0.113.9 50022 192.0.2.1 22";

  auto run = lab.responder({"run", lab.playbook("{ssh: true}"), "--incident", "ACC2"}, session);
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("connected over SSH") != std::string::npos);
  CHECK(lab.active("ssh.service") == "active");
  auto table = lab.systemd.inside({"nft", "-j", "list", "table", "inet", "responder"});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("22") != std::string::npos);
  CHECK(table.out.find("203.0.113.9") != std::string::npos);  // this session's peer is exempt
  CHECK(table.out.find("198.51.100.0") != std::string::npos);  // and the management range

  auto undo = lab.responder({"undo", "ACC2"}, session);
  INFO(undo.out << undo.err);
  REQUIRE(undo.exit_code == 0);
  CHECK(lab.systemd.inside({"nft", "list", "table", "inet", "responder"}).exit_code != 0);
  CHECK(lab.active("ssh.service") == "active");
}

TEST_CASE("access.disable killed after every journal record in turn - resume takes over what was done and undo removes all of it") {
  RESPONDER_REQUIRE_SYSTEMD_LAB();
  AccessLab lab;
  REQUIRE(lab.systemd.systemctl({"start", "ssh.service"}).exit_code == 0);
  REQUIRE(lab.systemd.systemctl({"start", "openvpn-server@office.service"}).exit_code == 0);
  const std::string session = "203.0.113.9 50022 192.0.2.1 22";
  auto playbook = lab.playbook("{ssh: true, vpn: [\"openvpn-server@*\"]}");
  REQUIRE(lab.responder({"run", playbook, "--incident", "REF"}, session).exit_code == 0);
  const std::string journal = responder::testing::slurp(lab.dir / "incidents" / "REF" / "journal.jsonl");
  const auto records = static_cast<std::size_t>(std::count(journal.begin(), journal.end(), '\n'));
  REQUIRE(lab.responder({"undo", "REF"}, session).exit_code == 0);
  REQUIRE(records > 5);

  for (std::size_t k = 1; k < records; ++k) {
    CAPTURE(k);
    std::string id = "K" + std::to_string(k);
    auto killed = lab.responder({"run", playbook, "--incident", id}, session,
                                {"RESPONDER_KILL_AFTER_RECORD=" + std::to_string(k)}, RESPONDER_TEST_BINARY);
    REQUIRE(killed.signal == SIGKILL);
    auto resumed = lab.responder({"resume", id}, session, {}, RESPONDER_TEST_BINARY);
    INFO(resumed.out << resumed.err);
    REQUIRE(resumed.exit_code == 0);
    CHECK(lab.active("openvpn-server@office.service") == "inactive");
    CHECK(lab.active("ssh.service") == "active");
    CHECK(lab.systemd.inside({"nft", "list", "table", "inet", "responder"}).exit_code == 0);
    auto undo = lab.responder({"undo", id}, session);
    INFO(undo.out << undo.err);
    REQUIRE(undo.exit_code == 0);
    REQUIRE(lab.active("openvpn-server@office.service") == "active");
    REQUIRE(lab.systemd.inside({"nft", "list", "table", "inet", "responder"}).exit_code != 0);
  }
}
