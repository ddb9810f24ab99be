// The one configuration file (YAML), validated like a playbook.
//
//   management: [10.0.0.0/24, 2001:db8:1::/48]   # never cut off by any step
//   contacts: /etc/responder/contacts.yaml
//   inventories: [/etc/responder/hosts.ini]
//   keys: {evidence_signing: /etc/responder/evidence.key}
//   secrets:                                    # where secrets are, never what they are
//     smtp_password: {file: /etc/responder/smtp.pass}
//     webhook_token: {env: RESPONDER_WEBHOOK_TOKEN}
//   approvers:                                  # who may approve (see approvers.h)
//     alice: {os_user: alice, ssh_key: "ssh-ed25519 AAAA... alice@laptop"}
//     bob:   {ssh_key_file: approvers/bob.pub}  # relative to this file
//   <section>: ...                              # sections declared by later modules
//
// Sections beyond these are declared by schema files (`section: NAME`) and
// checked against them; unknown keys are errors with their location.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "responder/address.h"
#include "responder/approvers.h"
#include "responder/diagnostic.h"
#include "responder/json.h"
#include "responder/result.h"

namespace responder {

struct SecretSource {
  std::filesystem::path file;  // read from this file (trailing newline dropped)
  std::string env;             // or from this environment variable
};

struct Config {
  std::filesystem::path source;  // empty when no file was read
  std::vector<Cidr> management;
  std::filesystem::path contacts;
  std::vector<std::filesystem::path> inventories;
  std::map<std::string, std::filesystem::path> keys;
  std::map<std::string, SecretSource> secrets;
  // Empty: approvals are unauthenticated names.
  Approvers approvers;
  // Declared sections, checked and with defaults filled in, by name.
  json::object sections;

  // The secret's value, read now from its file or environment variable. The
  // error names where it was looked for, never the value.
  Result<std::string> secret(std::string_view name) const;
  // A declared section, or an empty object when absent.
  json::object section(std::string_view name) const;
  // A path the configuration names, relative to the configuration file's
  // folder (as is when absolute, or when no file was read).
  std::filesystem::path beside(const std::filesystem::path& path) const;
};

// Where the configuration comes from: --config, else $RESPONDER_CONFIG, else
// /etc/responder/responder.yaml. An explicitly named file must exist; the
// default one may be absent.
std::filesystem::path default_config_path(const std::string& from_command_line, bool* explicit_choice);

// Loads and validates; on failure `diagnostics` holds every problem.
Result<Config> load_config(const std::filesystem::path& path, bool must_exist, std::vector<Diagnostic>& diagnostics);

}  // namespace responder
