// The same inventory gives the same hosts, groups and variables as
// `ansible-inventory -i FILE --list` (Debian's ansible-core).
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "responder/inventory/host_pattern.h"
#include "responder/inventory/inventory_loader.h"
#include "tests/support/process.h"
#include "tests/support/skip.h"

using namespace responder;
using namespace responder::testing;

namespace {

std::string missing_ansible() {
  for (const char* dir : {"/usr/bin/", "/usr/local/bin/"})
    if (::access((std::string(dir) + "ansible-inventory").c_str(), X_OK) == 0) return "";
  return "ansible-inventory is not installed (Debian package ansible-core)";
}

std::filesystem::path data(const std::string& name) {
  return std::filesystem::path(RESPONDER_SOURCE_DIR) / "tests/data/inventories" / name;
}

// Ansible's view, run so that it touches nothing outside a temporary
// directory and reads the inventory with the INI and YAML plugins only.
json::value ansible_list(const std::vector<std::string>& files) {
  TempDir home;
  std::vector<std::string> argv{"ansible-inventory"};
  for (auto& f : files) {
    argv.push_back("-i");
    argv.push_back(data(f).string());
  }
  argv.push_back("--list");
  auto result = run_process(argv, {"HOME=" + home.path().string(), "ANSIBLE_LOCAL_TEMP=" + (home / "tmp").string(),
                                   "ANSIBLE_INVENTORY_ENABLED=ini,yaml", "ANSIBLE_CONFIG=" + (home / "none.cfg").string(),
                                   "ANSIBLE_NOCOLOR=1", "ANSIBLE_INVENTORY_UNPARSED_FAILED=1"},
                            home.path());
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  return parse_json(result.out);
}

json::value our_list(const std::vector<std::string>& files) {
  std::vector<std::filesystem::path> paths;
  for (auto& f : files) paths.push_back(data(f));
  std::vector<Diagnostic> diagnostics;
  auto loaded = inventory::load_inventories(paths, diagnostics);
  if (!loaded) FAIL(loaded.error().message);
  return loaded->ansible_list();
}

void compare(const std::vector<std::string>& files) {
  json::value theirs = ansible_list(files), ours = our_list(files);
  const auto& t = theirs.as_object();
  const auto& o = ours.as_object();
  // Group by group, then host by host, so that a difference is readable.
  for (auto& [name, group] : t) {
    if (name == "_meta") continue;
    CAPTURE(std::string(name));
    REQUIRE(o.contains(name));
    CHECK(o.at(name) == group);
    if (o.at(name) != group) MESSAGE("ansible: " << to_json_text(group) << "\nours:    " << to_json_text(o.at(name)));
  }
  for (auto& [name, group] : o) {
    CAPTURE(std::string(name));
    CHECK(t.contains(name));
  }
  const auto& their_vars = t.at("_meta").as_object().at("hostvars").as_object();
  const auto& our_vars = o.at("_meta").as_object().at("hostvars").as_object();
  CHECK(their_vars.size() == our_vars.size());
  for (auto& [host, vars] : their_vars) {
    CAPTURE(std::string(host));
    REQUIRE(our_vars.contains(host));
    CHECK(our_vars.at(host) == vars);
    if (our_vars.at(host) != vars) {
      MESSAGE("ansible: " << to_json_text(vars));
      MESSAGE("ours:    " << to_json_text(our_vars.at(host)));
    }
  }
  CHECK(theirs == ours);
}

}  // namespace

TEST_CASE("inventory parity with ansible-inventory: ranges, ports, ungrouped hosts (INI)") {
  RESPONDER_SKIP_WHEN(missing_ansible());
  compare({"ranges.ini"});
}

TEST_CASE("inventory parity with ansible-inventory: nested children, vars at every level, values (INI)") {
  RESPONDER_SKIP_WHEN(missing_ansible());
  compare({"nested.ini"});
}

TEST_CASE("inventory parity with ansible-inventory: nested children, overlapping groups, YAML 1.1 scalars (YAML)") {
  RESPONDER_SKIP_WHEN(missing_ansible());
  compare({"nested.yaml"});
}

TEST_CASE("inventory parity with ansible-inventory: a YAML file without extension") {
  RESPONDER_SKIP_WHEN(missing_ansible());
  compare({"extensionless"});
}

TEST_CASE("inventory parity with ansible-inventory: connection variables and localhost") {
  RESPONDER_SKIP_WHEN(missing_ansible());
  compare({"reach.ini"});
}

TEST_CASE("inventory parity with ansible-inventory: two files merged (-i INI -i YAML)") {
  RESPONDER_SKIP_WHEN(missing_ansible());
  compare({"merge-a.ini", "merge-b.yaml"});
}

TEST_CASE("inventory parity with ansible-inventory: corners of the INI format") {
  RESPONDER_SKIP_WHEN(missing_ansible());
  compare({"quirks.ini"});
}

TEST_CASE("inventory parity with ansible-inventory: corners of the YAML format") {
  RESPONDER_SKIP_WHEN(missing_ansible());
  compare({"quirks.yaml"});
}

namespace {

// `ansible PATTERN -i FILE --list-hosts`: the hosts Ansible selects, sorted
// (within a group Ansible's order follows its group walk; ours is the
// inventory's order).
std::vector<std::string> ansible_selects(const std::string& file, const std::string& pattern) {
  TempDir home;
  auto result = run_process({"ansible", pattern, "-i", data(file).string(), "--list-hosts"},
                            {"HOME=" + home.path().string(), "ANSIBLE_LOCAL_TEMP=" + (home / "tmp").string(),
                             "ANSIBLE_INVENTORY_ENABLED=ini,yaml", "ANSIBLE_CONFIG=" + (home / "none.cfg").string(),
                             "ANSIBLE_NOCOLOR=1"},
                            home.path());
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  std::vector<std::string> hosts;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    auto start = line.find_first_not_of(' ');
    if (start == std::string::npos || line.compare(start, 6, "hosts ") == 0) continue;
    hosts.push_back(line.substr(start));
  }
  std::sort(hosts.begin(), hosts.end());
  return hosts;
}

std::vector<std::string> we_select(const std::string& file, const std::string& pattern) {
  std::vector<Diagnostic> diagnostics;
  auto loaded = inventory::load_inventories({data(file)}, diagnostics);
  REQUIRE(loaded);
  auto hosts = inventory::select_hosts(*loaded, pattern);
  if (!hosts) FAIL(hosts.error().message);
  std::vector<std::string> names;
  for (auto* h : *hosts) names.push_back(h->name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("inventory parity with ansible --list-hosts: patterns select the same hosts") {
  RESPONDER_SKIP_WHEN(missing_ansible());
  const std::pair<const char*, const char*> cases[] = {
      {"nested.ini", "all"},
      {"nested.ini", "eu"},
      {"nested.ini", "eu:!shared"},
      {"nested.ini", "prod:&web-servers"},
      {"nested.ini", "us:eu_db"},
      {"nested.ini", "eu_*,us1"},
      {"nested.ini", "~(web|db)1"},
      {"nested.ini", "!eu"},
      {"nested.ini", "&eu:web1"},
      {"nested.ini", "eu_web[0]"},
      {"nested.ini", "eu_web[1:]"},
      {"nested.ini", "eu_web[-1]"},
      {"nested.ini", "*:!us*"},
      {"ranges.ini", "web"},
      {"ranges.ini", "web[0:2]"},
      {"ranges.ini", "web*.example.org:!web1*"},
      {"ranges.ini", "all:&db:!solo"},
      {"ranges.ini", "ungrouped"},
      {"ranges.ini", "2001:db8::10"},
      {"ranges.ini", "192.0.2.1?"},
      {"nested.yaml", "prod:!eu_db"},
      {"nested.yaml", "other,lonely"},
  };
  for (auto& [file, pattern] : cases) {
    CAPTURE(std::string(file));
    CAPTURE(std::string(pattern));
    CHECK(we_select(file, pattern) == ansible_selects(file, pattern));
  }
}
