// account.lock and credential.rotate through the real command line, in a
// private /etc: run, the journal and report holding no secret, and undo
// putting /etc/shadow back except the rotated password.
#include <doctest/doctest.h>
#include <signal.h>

#include "tests/containment/private_etc.h"

using namespace responder;
using namespace responder::testing;

TEST_CASE("account.lock and credential.rotate from the command line keep secrets out of the journal and undo exactly") {
  RESPONDER_REQUIRE_ROOT_FOR_PRIVATE_ETC();
  PrivateEtc etc;  // the responder program inherits the private mount namespace
  TestUser eve = etc.add_user("eve", "Eve-Old-1", 64321);
  etc.add_user("carol", "Carol-Old-2");
  const std::string eve_hash = PrivateEtc::shadow_field("eve", 1);
  const std::string carol_hash = PrivateEtc::shadow_field("carol", 1);
  const std::string before = PrivateEtc::shadow();
  TempDir dir;
  auto playbook = dir.write("account.yaml", R"(name: compromised-account
stages:
  isolate-and-contain:
    - id: lock-eve
      module: account.lock
      with: {users: [eve], kill_sessions: true, expire: true}
  remediate:
    - id: rotate-carol
      module: credential.rotate
      with: {users: [carol]}
)");
  auto responder = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {RESPONDER_BINARY, "--home", (dir / "incidents").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, {"RESPONDER_CONFIG=", "SUDO_USER="});
  };
  Process session({"setpriv", "--reuid=" + std::to_string(eve.uid), "--regid=" + std::to_string(eve.gid),
                   "--clear-groups", "sleep", "60"});

  auto run = responder({"run", playbook.string(), "--incident", "ACC1"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(PrivateEtc::shadow_field("eve", 1) == "!" + eve_hash);
  CHECK(session.wait(std::chrono::seconds(5)).signal == SIGTERM);

  const auto file = dir / "incidents" / "ACC1" / "credentials" / "rotate-carol.txt";
  std::string password;
  std::istringstream lines(slurp(file));
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("carol:", 0) == 0) password = line.substr(6);
  REQUIRE(password.size() == 24);
  const std::string journal = slurp(dir / "incidents" / "ACC1" / "journal.jsonl");
  CHECK(journal.find(password) == std::string::npos);
  CHECK(journal.find(eve_hash) == std::string::npos);
  CHECK(journal.find(carol_hash) == std::string::npos);
  CHECK(run.out.find(password) == std::string::npos);
  auto status = responder({"status", "ACC1"});
  CHECK(status.out.find("lock-eve [account.lock] in effect") != std::string::npos);
  CHECK(status.out.find(password) == std::string::npos);

  auto undo = responder({"undo", "ACC1"});
  INFO(undo.out << undo.err);
  REQUIRE(undo.exit_code == 0);
  CHECK(undo.out.find("unlocked the password of eve") != std::string::npos);
  CHECK(undo.out.find("not given back: ended") != std::string::npos);
  // Everything as before, except carol's password: rotation cannot be undone.
  std::string expected = before;
  std::string now_carol = PrivateEtc::shadow_field("carol", 1);
  expected.replace(expected.find(carol_hash), carol_hash.size(), now_carol);
  CHECK(PrivateEtc::shadow() == expected);
}
