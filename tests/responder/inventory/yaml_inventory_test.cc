// The YAML inventory format, read as Ansible reads it.
#include <doctest/doctest.h>

#include "responder/inventory/inventory.h"
#include "tests/responder/inventory/inventory_test_support.h"

using namespace responder;
using namespace responder::inventory;
using namespace responder::testing;

TEST_CASE("inventory: YAML all/hosts/children/vars with nested children") {
  auto inv = inventory_of(
      "all:\n"
      "  vars: {level: all, keep: 1}\n"
      "  hosts:\n"
      "    lonely:\n"
      "  children:\n"
      "    prod:\n"
      "      vars: {level: prod}\n"
      "      children:\n"
      "        web:\n"
      "          hosts:\n"
      "            web[1:2]: {level: host}\n"
      "            web3:\n"
      "    other:\n"
      "      hosts: web3\n",
      "hosts.yaml");
  CHECK(inv.find_group("ungrouped")->hosts == std::vector<std::string>{"lonely"});
  CHECK(inv.find_host("web1")->vars.at("level") == "host");
  CHECK(inv.find_host("web3")->vars.at("level") == "prod");
  CHECK(inv.find_host("web3")->vars.at("keep") == 1);
  CHECK(inv.find_host("web3")->groups == std::vector<std::string>{"all", "other", "prod", "web"});
  CHECK(inv.find_group("web")->depth == 2);
}

TEST_CASE("inventory: YAML scalars resolve as PyYAML's YAML 1.1 does") {
  auto inv = inventory_of("g:\n  hosts:\n    h1:\n      v: [yes, no, on, off, ~, 0755, 0x1f, '1:30', 1:30, 1_000, 3.5, \"yes\", 1e3, -12]\n",
                          "hosts.yml");
  CHECK(inv.find_host("h1")->vars.at("v") ==
        parse_json(R"([true, false, true, false, null, 493, 31, "1:30", 90, 1000, 3.5, "yes", "1e3", -12])"));
}

TEST_CASE("inventory: YAML without an extension is recognised by its shape") {
  auto inv = inventory_of("lab:\n  hosts:\n    lab-[1:2]:\n", "hosts");
  CHECK(inv.find_host("lab-2") != nullptr);
  auto ini = inventory_of("web1\nweb2 a=1\n", "hosts");
  CHECK(ini.find_host("web2") != nullptr);
}

TEST_CASE("inventory: YAML errors name FILE:LINE:COL, unexpected keys are warnings") {
  CHECK(error_of("all:\n  hosts: [a, b]\n", "hosts.yaml") ==
        "hosts.yaml:2:10: `hosts` of group 'all' must be a mapping, found a list");
  CHECK(error_of("all:\n  hosts:\n    web1: [1]\n", "hosts.yaml") ==
        "hosts.yaml:3:11: the variables of host 'web1' must be a mapping, found a list");
  CHECK(error_of("all:\n  hosts:\n    123:\n", "hosts.yaml").find("hosts.yaml:3:5: host '123' must be a text") == 0);
  CHECK(error_of("all:\n  hosts: {a: 1\n", "hosts.yaml").find("hosts.yaml:") == 0);
  CHECK(error_of("- a\n- b\n", "hosts.yaml").find("hosts.yaml:1:1: a YAML inventory is a mapping") == 0);
  CHECK(error_of("plugin: aws_ec2\n", "hosts.yaml").find("inventory plugin") != std::string::npos);
  CHECK(error_of("", "hosts.yaml").find("hosts.yaml:1:1: the inventory is empty") == 0);
  CHECK(error_of("a:\n  children:\n    b:\n      children:\n        a:\n", "hosts.yaml").find("makes a loop") !=
        std::string::npos);
  auto loaded = load_text("all:\n  hostz:\n    a:\n  junk: 5\n", "hosts.yaml");
  REQUIRE(loaded.inventory);
  REQUIRE(loaded.diagnostics.size() == 2);
  CHECK(loaded.diagnostics[0].warning);
  CHECK(loaded.diagnostics[0].line == 2);
  CHECK(loaded.diagnostics[0].message.find("only hosts, vars and children") != std::string::npos);
  CHECK(loaded.diagnostics[1].message.find("not a mapping") != std::string::npos);
}

TEST_CASE("inventory: several files merge as ansible-inventory -i A -i B does") {
  TempDir dir;
  auto a = dir.write("a.ini", "[web]\nweb1 color=red\nweb2\n[web:vars]\nfrom=a\n");
  auto b = dir.write("b.yaml", "web:\n  hosts:\n    web2: {color: blue}\n  vars: {from: b}\ndb:\n  hosts: {web1: }\n");
  std::vector<Diagnostic> diagnostics;
  auto inv = inventory::load_inventories({a, b}, diagnostics);
  REQUIRE(inv);
  CHECK(inv->find_host("web1")->vars.at("from") == "b");
  CHECK(inv->find_host("web2")->vars.at("color") == "blue");
  CHECK(inv->find_host("web1")->groups == std::vector<std::string>{"all", "db", "web"});
}
