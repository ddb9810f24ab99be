// Ansible's host pattern grammar.
#include <doctest/doctest.h>

#include "responder/inventory/host_pattern.h"
#include "tests/responder/inventory/inventory_test_support.h"

using namespace responder;
using namespace responder::inventory;
using namespace responder::testing;

namespace {

const char* kInventory =
    "[web]\nweb[01:04]\n"
    "[db]\ndb1\ndb2\n"
    "[eu]\nweb01\nweb02\ndb1\n"
    "[dc:children]\nweb\ndb\n";

std::vector<std::string> select(const Inventory& inv, const std::string& pattern) {
  auto hosts = select_hosts(inv, pattern);
  if (!hosts) FAIL(hosts.error().message);
  std::vector<std::string> out;
  for (auto* h : *hosts) out.push_back(h->name);
  return out;
}

std::string select_error(const Inventory& inv, const std::string& pattern) {
  auto hosts = select_hosts(inv, pattern);
  REQUIRE_FALSE(hosts);
  CHECK(hosts.error().kind == ErrorKind::bad_input);
  return hosts.error().message;
}

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("inventory: patterns select hosts, groups, globs and regexes") {
  auto inv = inventory_of(kInventory);
  // Ansible's order (`ansible all --list-hosts`): `all`'s top groups in
  // turn (eu, then dc), each group's own hosts before its children's.
  CHECK(select(inv, "all") == Names{"web01", "web02", "db1", "web03", "web04", "db2"});
  CHECK(select(inv, "*") == Names{"web01", "web02", "db1", "web03", "web04", "db2"});
  CHECK(select(inv, "web02") == Names{"web02"});
  CHECK(select(inv, "db") == Names{"db1", "db2"});
  CHECK(select(inv, "web0[!24]") == Names{"web01", "web03"});
  CHECK(select(inv, "*2") == Names{"web02", "db2"});
  CHECK(select(inv, "~web0[12]") == Names{"web01", "web02"});
  CHECK(select(inv, "~db") == Names{"db1", "db2"});  // matched from the start, as re.match
  CHECK(select(inv, "d?1") == Names{"db1"});
  CHECK(select(inv, "web0[!1-3]") == Names{"web04"});
}

TEST_CASE("inventory: unions, intersections and exclusions apply in Ansible's order") {
  auto inv = inventory_of(kInventory);
  CHECK(select(inv, "db:web") == Names{"db1", "db2", "web01", "web02", "web03", "web04"});
  CHECK(select(inv, "db,web01") == Names{"db1", "db2", "web01"});
  CHECK(select(inv, "web:!web03") == Names{"web01", "web02", "web04"});
  CHECK(select(inv, "web:&eu") == Names{"web01", "web02"});
  // Exclusions come last whatever their place; unions first.
  CHECK(select(inv, "!web01:web:&eu:db") == Names{"web02", "db1"});
  CHECK(select(inv, "!db") == Names{"web01", "web02", "web03", "web04"});
  CHECK(select(inv, "&eu") == Names{"web01", "web02", "db1"});
  CHECK(select(inv, " web , db ") == Names{"web01", "web02", "web03", "web04", "db1", "db2"});
}

TEST_CASE("inventory: subscripts pick from a group") {
  auto inv = inventory_of(kInventory);
  CHECK(select(inv, "web[0]") == Names{"web01"});
  CHECK(select(inv, "web[-1]") == Names{"web04"});
  CHECK(select(inv, "web[1:2]") == Names{"web02", "web03"});
  CHECK(select(inv, "web[2:]") == Names{"web03", "web04"});
  CHECK(select_error(inv, "web[9]").find("out of range") != std::string::npos);
}

TEST_CASE("inventory: unknown names and empty selections are bad input with a hint") {
  auto inv = inventory_of(kInventory);
  CHECK(select_error(inv, "wbe") ==
        "host pattern 'wbe': 'wbe' is neither a host nor a group of the inventory (did you mean 'web'?)");
  CHECK(select_error(inv, "web:!web5").find("'web5' is neither a host nor a group") != std::string::npos);
  CHECK(select_error(inv, "zzz*").find("host pattern 'zzz*' selects no host (the inventory has 6 hosts; groups: web, db, eu, dc)") == 0);
  CHECK(select_error(inv, "web:&db").find("selects no host") != std::string::npos);
  CHECK(select_error(inv, "~(").find("is not a valid regular expression") != std::string::npos);
}

TEST_CASE("inventory: localhost not in the inventory is the implicit local host") {
  auto inv = inventory_of("[all:vars]\nx=1\n[web]\nweb1\n");
  auto hosts = select_hosts(inv, "localhost");
  REQUIRE(hosts);
  REQUIRE(hosts->size() == 1);
  CHECK((*hosts)[0]->implicit);
  CHECK((*hosts)[0]->vars.at("ansible_connection") == "local");
  CHECK((*hosts)[0]->vars.at("x") == 1);
}

TEST_CASE("inventory: check_pattern checks syntax only") {
  CHECK(check_pattern("web:!db").ok());
  CHECK(check_pattern("unknown_group_is_fine_here").ok());
  CHECK(check_pattern("2001:db8::1").ok());
  CHECK(split_host_pattern("2001:db8::1") == Names{"2001:db8::1"});
  CHECK(split_host_pattern("web[1:2]:db") == Names{"web[1:2]", "db"});
  CHECK(split_host_pattern("a:b,c") == Names{"a:b", "c"});
  CHECK_FALSE(check_pattern(""));
  CHECK_FALSE(check_pattern(" , "));
  CHECK_FALSE(check_pattern("web:!"));
  CHECK_FALSE(check_pattern("web:&!x"));
  CHECK_FALSE(check_pattern("~a(b"));
  CHECK_FALSE(check_pattern(std::string(5000, 'a')));
  CHECK(check_pattern("").error().message == "host pattern '' is empty");
}

TEST_CASE("inventory: a subscript counts positions as Ansible does, in the group's own order, repeats included") {
  // As `ansible 'us[1:2]' --list-hosts` answers: web02 was seen first in the
  // file, but it is the last of us's own hosts.
  auto inv = inventory_of("[web]\nweb01\nweb02\n[us]\nus1\nus4\nus7\nweb02\n[parent:children]\nus\nweb\n");
  CHECK(select(inv, "us[1:2]") == Names{"us4", "us7"});
  CHECK(select(inv, "us[-1]") == Names{"web02"});
  CHECK(select(inv, "parent[0:3]") == Names{"us1", "us4", "us7", "web02"});
  // `*` lists all, then every group in turn, then the matching hosts: a
  // position past the distinct hosts picks a repeat, as in Ansible.
  CHECK(select(inv, "*[5]") == Names{"web01"});
  CHECK(select(inv, "web*[2]") == Names{"web01"});
  CHECK(select_error(inv, "us[9]").find("counts twice") != std::string::npos);
}

TEST_CASE("inventory: a group with no hosts adds nothing, and alone it selects no host rather than being misnamed") {
  auto inv = inventory_of("[web]\nweb01\n[empty]\n");
  CHECK(select(inv, "web:empty") == Names{"web01"});
  auto alone = select_error(inv, "empty");
  CHECK(alone.find("selects no host") != std::string::npos);
  CHECK(alone.find("neither a host nor a group") == std::string::npos);
  CHECK(select_error(inv, "web:&empty").find("selects no host") != std::string::npos);
}
