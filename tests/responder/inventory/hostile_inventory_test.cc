// Inventories made to hurt: huge ranges, alias bombs, deep nesting, long
// chains of groups, binary junk. Each fails with a message (or loads) in
// bounded time and memory; none crashes.
#include <doctest/doctest.h>

#include "responder/inventory/host_pattern.h"
#include "tests/responder/inventory/inventory_test_support.h"

using namespace responder;
using namespace responder::inventory;
using namespace responder::testing;

TEST_CASE("inventory: hostile ranges stop at 100000 hosts in total, with the location") {
  CHECK(error_of("[g]\nh[0:99999999999999999]\n").find("hosts.ini:2:1: host range [0:99999999999999999] makes more than") == 0);
  CHECK(error_of("[g]\na[0:60000]\nb[0:60000]\n").find("hosts.ini:3:1:") == 0);
  CHECK(error_of("g:\n  hosts:\n    h[0:9][0:9][0:9][0:9][0:9][0:9]:\n", "h.yaml").find("h.yaml:3:5:") == 0);
}

TEST_CASE("inventory: a YAML alias bomb is refused") {
  std::string bomb = "g:\n  vars:\n    a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    bomb += "    a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
    for (int k = 0; k < 9; ++k) bomb += ", " + prev;
    bomb += "]\n";
  }
  CHECK(error_of(bomb, "bomb.yaml").find("YAML nodes") != std::string::npos);
  // The same through groups: each level names the previous one twice.
  std::string groups = "top:\n  children:\n    l0: &l0 {hosts: {h: }}\n";
  for (int i = 1; i < 40; ++i) {
    std::string prev = "*l" + std::to_string(i - 1);
    groups += "    l" + std::to_string(i) + ": &l" + std::to_string(i) + " {children: {a" + std::to_string(i) + ": " + prev +
              ", b" + std::to_string(i) + ": " + prev + "}}\n";
  }
  CHECK(error_of(groups, "groups.yaml").find("YAML nodes") != std::string::npos);
}

TEST_CASE("inventory: deep nesting is refused, long chains of groups load") {
  std::string deep = "g:\n  vars:\n    v: " + std::string(2000, '[') + std::string(2000, ']') + "\n";
  CHECK(error_of(deep, "deep.yaml").find("deep") != std::string::npos);
  std::string nested = "g0:\n";
  for (int i = 1; i < 100; ++i) nested += std::string(static_cast<std::size_t>(2 * i), ' ') + "children:\n" +
                                           std::string(static_cast<std::size_t>(2 * i + 1), ' ') + " g" + std::to_string(i) + ":\n";
  CHECK_FALSE(load_text(nested, "nested.yaml").inventory);
  // A chain of 2000 groups, each the child of the previous one.
  std::string chain;
  for (int i = 0; i < 2000; ++i) chain += "[g" + std::to_string(i) + ":children]\ng" + std::to_string(i + 1) + "\n";
  chain += "[g2000]\nleaf\n";
  auto inv = inventory_of(chain);
  CHECK(inv.find_host("leaf")->groups.size() == 2002);
  CHECK(inv.find_group("g2000")->depth == 2001);
}

TEST_CASE("inventory: too many groups, binary junk and long names are refused") {
  std::string many;
  for (int i = 0; i < 10001; ++i) many += "[g" + std::to_string(i) + "]\n";
  CHECK(error_of(many).find("more than 10000 groups") != std::string::npos);
  CHECK(error_of(std::string("web1\n\xff\xfe\n")).find("hosts.ini:2:1: bytes that are not UTF-8") == 0);
  CHECK(error_of(std::string("web1\0", 5)).find("a NUL byte") != std::string::npos);
  CHECK(error_of(std::string(2000, 'a') + "\n").find("longer than 1024") != std::string::npos);
  for (const char* junk : {"[", "]", "[:]", "[a:]", "= = =", "\"", "\\", "[a:children]\n[", "a b=c=d e=\n", "---\n- [\n"}) {
    CAPTURE(junk);
    auto loaded = load_text(junk);  // loads or fails: either way, no crash
    if (!loaded.inventory) CHECK(loaded.inventory.error().message.find("hosts.ini:") != std::string::npos);
  }
}

TEST_CASE("inventory: hostile patterns fail with a message") {
  auto inv = inventory_of("[web]\nweb[1:3]\n");
  CHECK_FALSE(select_hosts(inv, std::string(10000, 'a')));
  CHECK_FALSE(select_hosts(inv, "~" + std::string(600, 'a')));
  CHECK_FALSE(select_hosts(inv, "~((,web1"));
  CHECK(select_hosts(inv, std::string(100, '*') + "1"));
  CHECK(select_hosts(inv, "[[[[*"));  // unclosed brackets separate terms, as in Ansible: `*`
}
