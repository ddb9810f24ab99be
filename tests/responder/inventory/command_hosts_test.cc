// `responder hosts` end to end, through the responder-test binary.
#include <doctest/doctest.h>

#include "responder/json.h"
#include "tests/responder/engine_lab.h"

using namespace responder;
using namespace responder::testing;

namespace {
std::string reach_ini() { return std::string(RESPONDER_SOURCE_DIR) + "/tests/data/inventories/reach.ini"; }
}  // namespace

TEST_CASE("inventory command: responder hosts lists the selected hosts and how each is reached") {
  EngineLab lab;
  auto r = lab.responder({"hosts", "web*:lab1", "--inventory", reach_ini()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out ==
        "web01  ssh admin@192.0.2.11:2222 key ~/.ssh/ir\n"
        "web02  ssh web02 args -o ProxyJump=bastion -o 'UserKnownHostsFile=/etc/ssh/known hosts'\n"
        "lab1   namespace netns lab1\n");
  auto all = lab.responder({"hosts", "-i", reach_ini()});
  REQUIRE(all.exit_code == 0);
  CHECK(all.out.find("localhost    local\n") == 0);
}

TEST_CASE("inventory command: responder hosts --json prints one object per host") {
  EngineLab lab;
  auto r = lab.responder({"--json", "hosts", "web01", "--inventory", reach_ini()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto line = parse_json(r.out);
  CHECK(line.at("name") == "web01");
  CHECK(line.at("groups") == parse_json(R"(["all","ungrouped"])"));
  CHECK(line.at("reach") ==
        parse_json(R"({"transport":"ssh","address":"192.0.2.11","port":2222,"user":"admin","private_key_file":"~/.ssh/ir"})"));
  CHECK(line.at("vars").at("ansible_user") == "admin");
}

TEST_CASE("inventory command: configuration inventories are read relative to the configuration file") {
  EngineLab lab;
  std::filesystem::create_directories(lab.dir / "etc");
  lab.dir.write("etc/hosts.yaml", "web:\n  hosts:\n    web[1:2]:\n      ansible_user: ops\n");
  auto config = lab.dir.write("etc/responder.yaml", "inventories: [hosts.yaml]\n");
  auto r = lab.responder({"--config", config.string(), "hosts", "web"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "web1  ssh ops@web1\nweb2  ssh ops@web2\n");
}

TEST_CASE("inventory command: bad inventories and patterns exit 2 with the location or a hint") {
  EngineLab lab;
  auto bad = lab.dir.write("bad.ini", "[web]\nweb1 novalue\n");
  auto r = lab.responder({"hosts", "--inventory", bad.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err == bad.string() + ":2:6: expected key=value after the host, found 'novalue'\n");
  r = lab.responder({"hosts", "wbe01", "--inventory", reach_ini()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("'wbe01' is neither a host nor a group of the inventory (did you mean 'web01'?)") != std::string::npos);
  r = lab.responder({"hosts", "nothing*", "--inventory", reach_ini()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("selects no host") != std::string::npos);
  r = lab.responder({"hosts"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no inventory") != std::string::npos);
  r = lab.responder({"hosts", "--inventory", (lab.dir / "absent.ini").string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("absent.ini: cannot read this inventory") != std::string::npos);
}

TEST_CASE("inventory command: validate refuses a step whose targets pattern does not parse, with its line and column") {
  EngineLab lab;
  auto playbook = lab.playbook("name: p\nstages:\n  evaluate:\n    - id: a\n      module: note.add\n      with: {text: x}\n"
                               "      targets: \"web:&\"\n");
  auto r = lab.responder({"validate", playbook.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("playbook.yaml:7:16: targets: host pattern 'web:&'") != std::string::npos);
}
