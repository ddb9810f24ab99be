// The same inventory gives the same hosts, groups and variables as
// `ansible-inventory -i FILE --list` (Debian's ansible-core).
#include <doctest/doctest.h>

#include <unistd.h>

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
