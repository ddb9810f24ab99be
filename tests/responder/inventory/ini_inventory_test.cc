// The INI inventory format, read as Ansible reads it.
#include <doctest/doctest.h>

#include "responder/inventory/inventory.h"
#include "tests/responder/inventory/inventory_test_support.h"

using namespace responder;
using namespace responder::inventory;
using namespace responder::testing;

namespace {
std::vector<std::string> names(const std::vector<const Host*>& hosts) {
  std::vector<std::string> out;
  for (auto* h : hosts) out.push_back(h->name);
  return out;
}
}  // namespace

TEST_CASE("inventory: INI groups, children, vars and ungrouped hosts") {
  auto inv = inventory_of(
      "loner\n"
      "[web]\nweb[1:2] ansible_user=admin\n"
      "[db]\ndb1 ansible_port=5432\n"
      "[dc:children]\nweb\ndb\n"
      "[dc:vars]\nregion=eu\n");
  CHECK(names(inv.hosts_of({inv.find_group("all")})) == std::vector<std::string>{"loner", "web1", "web2", "db1"});
  CHECK(inv.find_group("ungrouped")->hosts == std::vector<std::string>{"loner"});
  CHECK(inv.find_group("dc")->children == std::vector<std::string>{"web", "db"});
  CHECK(inv.find_group("all")->children == std::vector<std::string>{"ungrouped", "dc"});
  const Host* web1 = inv.find_host("web1");
  REQUIRE(web1);
  CHECK(web1->groups == std::vector<std::string>{"all", "dc", "web"});
  CHECK(web1->vars.at("ansible_user") == "admin");
  CHECK(web1->vars.at("region") == "eu");
  CHECK(inv.find_host("db1")->vars.at("ansible_port") == 5432);
}

TEST_CASE("inventory: INI precedence is all, then groups by depth and name, then the host") {
  auto inv = inventory_of(
      "[all:vars]\nx=all\ny=all\nz=all\nw=all\n"
      "[parent:children]\nchild\n"
      "[parent:vars]\nx=parent\ny=parent\nz=parent\n"
      "[child]\nh1 x=host\n"
      "[child:vars]\nx=child\ny=child\n"
      "[a_sibling]\nh1\n[a_sibling:vars]\nz=a_sibling\n"
      "[z_sibling]\nh1\n[z_sibling:vars]\nz=z_sibling\n");
  const Host* h1 = inv.find_host("h1");
  REQUIRE(h1);
  CHECK(h1->vars.at("x") == "host");
  CHECK(h1->vars.at("y") == "child");
  // depth 1: a_sibling, parent, z_sibling (by name); z_sibling last
  CHECK(h1->vars.at("z") == "z_sibling");
  CHECK(h1->vars.at("w") == "all");
  CHECK(h1->groups == std::vector<std::string>{"all", "a_sibling", "parent", "z_sibling", "child"});
}

TEST_CASE("inventory: ansible_group_priority orders groups of the same depth") {
  auto inv = inventory_of(
      "[a]\nh1\n[a:vars]\nv=a\nansible_group_priority=10\n"
      "[b]\nh1\n[b:vars]\nv=b\n");
  CHECK(inv.find_host("h1")->vars.at("v") == "a");
  CHECK_FALSE(inv.find_group("a")->vars.contains("ansible_group_priority"));
}

TEST_CASE("inventory: INI host lines read values as Python literals and ports as ansible_port") {
  auto inv = inventory_of(
      "[g]\n"
      "h1:2222 n=5 t=True s='a b' l=\"[1, 'x']\" y=yes z=007 # comment\n"
      "h1:3333\n"
      "[g:vars]\nq=\"quoted\"  # comment\nw = spaced words \n");
  const Host* h1 = inv.find_host("h1");
  CHECK(h1->vars.at("ansible_port") == 2222);  // the first port wins, as in Ansible
  CHECK(h1->vars.at("n") == 5);
  CHECK(h1->vars.at("t") == true);
  CHECK(h1->vars.at("s") == "a b");
  CHECK(h1->vars.at("l") == parse_json("[1, \"x\"]"));
  CHECK(h1->vars.at("y") == "yes");
  CHECK(h1->vars.at("z") == "007");
  CHECK(h1->vars.at("q") == "quoted");
  CHECK(h1->vars.at("w") == "spaced words");
}

TEST_CASE("inventory: INI children may be named before their group is defined") {
  auto inv = inventory_of("[top:children]\nmid\n[mid:children]\nleaf\n[leaf]\nh1\n");
  CHECK(inv.find_host("h1")->groups == std::vector<std::string>{"all", "top", "mid", "leaf"});
  CHECK(inv.find_group("leaf")->depth == 3);
}

TEST_CASE("inventory: INI errors name FILE:LINE:COL") {
  CHECK(error_of("[web]\nweb1 novalue\n") == "hosts.ini:2:6: expected key=value after the host, found 'novalue'");
  CHECK(error_of("[web:bogus]\n") ==
        "hosts.ini:1:1: section [web:bogus] has an unknown type 'bogus'; it is :vars or :children");
  CHECK(error_of("[web]\n  [bad section]\n").find("hosts.ini:2:3: invalid section") == 0);
  CHECK(error_of("[web:vars]\nnovalue\n[web]\n").find("hosts.ini:2:1: expected key=value") == 0);
  CHECK(error_of("[web:vars]\na=1\n") .find("hosts.ini:1:1: section [web:vars] is for a group that is never defined") == 0);
  CHECK(error_of("[top:children]\nmissing\n").find("hosts.ini:2:1: section [top:children] names 'missing'") == 0);
  CHECK(error_of("[a:children]\nb\n[b:children]\na\n").find("hosts.ini:4:1: adding group 'a' as a child of 'b' makes a loop") == 0);
  CHECK(error_of("[a:children]\na\n").find("hosts.ini:2:1: group 'a' cannot be a child of itself") == 0);
  CHECK(error_of("web1 a='unclosed\n").find("hosts.ini:1:1: cannot read this host line: the quote at column 8 is not closed") == 0);
  CHECK(error_of("[web]\nweb[1:x]\n").find("hosts.ini:2:1: host range") == 0);
  CHECK(error_of("[web]\nweb1:\n").find("hosts.ini:2:1: invalid host 'web1:'") == 0);
  CHECK(error_of("---\n").find("is this a YAML file?") != std::string::npos);
}
