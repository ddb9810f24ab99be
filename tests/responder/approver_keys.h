// Real OpenSSH ed25519 keys for approval tests, made by ssh-keygen in a
// throw-away directory, and a configuration naming them as approvers.
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <string>

#include "tests/support/process.h"

namespace responder::testing {

inline bool have_ssh_keygen() {
  return run_process({"sh", "-c", "command -v ssh-keygen"}).exit_code == 0;
}

struct ApproverKeys {
  TempDir dir;
  // Private key path and public key line by person.
  std::map<std::string, std::filesystem::path> key;
  std::map<std::string, std::string> pub;

  explicit ApproverKeys(std::initializer_list<std::string> people) {
    for (auto& person : people) {
      auto file = dir / person;
      auto made = run_process({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", person + "@test", "-f", file.string()});
      REQUIRE_MESSAGE(made.exit_code == 0, made.err);
      key[person] = file;
      std::string line = slurp(file.string() + ".pub");
      while (!line.empty() && line.back() == '\n') line.pop_back();
      pub[person] = line;
    }
  }

  // A configuration file whose approvers: section is `approvers_yaml`.
  std::filesystem::path config(const std::string& approvers_yaml) const {
    return dir.write("responder.yaml", "approvers:\n" + approvers_yaml);
  }
  std::string entry(const std::string& name, const std::string& person, const std::string& os_user = "") const {
    return "  " + name + ": {ssh_key: \"" + pub.at(person) + "\"" + (os_user.empty() ? "" : ", os_user: " + os_user) + "}\n";
  }
};

}  // namespace responder::testing
