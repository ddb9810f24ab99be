// How each host is reached, from its Ansible connection variables.
#include <doctest/doctest.h>

#include "responder/inventory/host_reach.h"
#include "tests/responder/inventory/inventory_test_support.h"
#include "tests/support/skip.h"

using namespace responder;
using namespace responder::inventory;
using namespace responder::testing;

namespace {
HostReach reach(const Inventory& inv, const std::string& name) {
  const Host* h = name == "implicit" ? &inv.implicit_localhost() : inv.find_host(name);
  REQUIRE(h);
  auto r = reach_of(*h);
  if (!r) FAIL(r.error().message);
  return *r;
}
std::string reach_error(const std::string& line) {
  auto inv = inventory_of(line + "\n");
  auto r = reach_of(inv.hosts().at(0));
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::bad_input);
  return r.error().message;
}
}  // namespace

TEST_CASE("inventory: reach is local, ssh or namespace from the Ansible variables") {
  auto inv = inventory_of(testing::slurp(RESPONDER_SOURCE_DIR "/tests/data/inventories/reach.ini"));
  CHECK(reach(inv, "localhost").transport == "local");
  CHECK(reach(inv, "implicit").transport == "local");
  CHECK(reach(inv, "control").transport == "local");
  auto moved = reach(inv, "127.0.0.1");  // has ansible_host: not the local machine
  CHECK(moved.transport == "ssh");
  CHECK(moved.address == "10.0.0.1");
  auto web01 = reach(inv, "web01");
  CHECK(web01.transport == "ssh");
  CHECK(web01.address == "192.0.2.11");
  CHECK(web01.port == 2222);
  CHECK(web01.user == "admin");
  CHECK(web01.private_key_file == "~/.ssh/ir");
  CHECK(describe(web01) == "ssh admin@192.0.2.11:2222 key ~/.ssh/ir");
  auto web02 = reach(inv, "web02");
  CHECK(web02.address == "web02");
  CHECK(web02.port == 0);
  CHECK(web02.ssh_common_args ==
        std::vector<std::string>{"-o", "ProxyJump=bastion", "-o", "UserKnownHostsFile=/etc/ssh/known hosts"});
  CHECK(describe(web02) == "ssh web02 args -o ProxyJump=bastion -o 'UserKnownHostsFile=/etc/ssh/known hosts'");
  auto lab1 = reach(inv, "lab1");
  CHECK(lab1.transport == "namespace");
  CHECK(lab1.netns == "lab1");
  CHECK(describe(lab1) == "namespace netns lab1");
  CHECK(reach(inv, "lab2").netns_pid == 4242);
  auto v6 = reach(inv, "2001:db8::5");
  CHECK(describe(v6) == "ssh v6@[2001:db8::5]:2200");
  CHECK(reach_to_json(v6) == parse_json(R"({"transport":"ssh","address":"2001:db8::5","port":2200,"user":"v6"})"));
}

TEST_CASE("inventory: unusable connection variables are bad input naming host and variable") {
  CHECK(reach_error("h ansible_connection=winrm").find("host 'h': ansible_connection is 'winrm'") == 0);
  CHECK(reach_error("h ansible_port=70000").find("host 'h': ansible_port must be 1-65535") == 0);
  CHECK(reach_error("h ansible_port=abc").find("host 'h': ansible_port must be a number") == 0);
  CHECK(reach_error("h ansible_connection=namespace").find("set responder_netns") != std::string::npos);
  CHECK(reach_error("h ansible_connection=namespace responder_netns=../x").find("not a path") != std::string::npos);
  CHECK(reach_error("h ansible_ssh_common_args='-o \"x'").find("cannot be split") != std::string::npos);
  CHECK(reach_error("h ansible_host=-oProxyCommand=x").find("cannot start with `-`") != std::string::npos);
  CHECK(reach_error("h ansible_user=[1]").find("ansible_user must be a text") != std::string::npos);
}

TEST_CASE("inventory: the ansible_ssh_ spellings win over ansible_host, _port and _user, as Ansible connects") {
  // `ansible h -m ping -vvv` on this inventory (ansible-core 2.14) connects
  // as u2 to 127.0.0.3 port 2202.
  auto inv = inventory_of(
      "h ansible_host=127.0.0.2 ansible_ssh_host=127.0.0.3 ansible_port=2201 ansible_ssh_port=2202 "
      "ansible_user=u1 ansible_ssh_user=u2\n");
  auto h = reach(inv, "h");
  CHECK(h.address == "127.0.0.3");
  CHECK(h.port == 2202);
  CHECK(h.user == "u2");
}

TEST_CASE("inventory: where ansible connects, ansible's own -vvv agrees with reach_of") {
  RESPONDER_SKIP_WHEN(std::string(testing::run_process({"sh", "-c", "command -v ansible"}).exit_code == 0
                                      ? ""
                                      : "ansible is not installed (apt-get install ansible-core)"));
  testing::TempDir dir;
  // Loopback addresses on a port nothing listens on: the attempt is refused
  // at once and nothing leaves the machine.
  auto file = dir.write("inv.ini",
                        "h ansible_host=127.0.0.2 ansible_ssh_host=127.0.0.3 ansible_port=1 ansible_ssh_port=9 "
                        "ansible_user=u1 ansible_ssh_user=u2\n");
  auto r = testing::run_process({"ansible", "h", "-i", file.string(), "-m", "ping", "-vvv"},
                                {"HOME=" + dir.path().string(), "ANSIBLE_LOCAL_TEMP=" + (dir / "tmp").string(),
                                 "ANSIBLE_HOST_KEY_CHECKING=True", "ANSIBLE_SSH_RETRIES=0"});
  std::string said = r.out + r.err;
  INFO(said);
  CHECK(said.find("ESTABLISH SSH CONNECTION FOR USER: u2") != std::string::npos);
  CHECK(said.find("-o Port=9") != std::string::npos);
  CHECK(said.find("<127.0.0.3>") != std::string::npos);
  auto inv = inventory_of(testing::slurp(file));
  auto h = reach(inv, "h");
  CHECK(h.address == "127.0.0.3");
  CHECK(h.port == 9);
  CHECK(h.user == "u2");
}
