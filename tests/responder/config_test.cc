#include <doctest/doctest.h>

#include <cstdlib>

#include "responder/config.h"
#include "responder/environment.h"
#include "tests/support/process.h"

using namespace responder;
using namespace responder::testing;

TEST_CASE("configuration loads management ranges, paths and secret sources") {
  TempDir dir;
  dir.write("smtp.pass", "s3cret\n");
  auto file = dir.write("responder.yaml", "management: [192.0.2.0/24, 2001:db8:1::/48]\n"
                                          "contacts: /etc/responder/contacts.yaml\n"
                                          "inventories: [/etc/responder/hosts.ini]\n"
                                          "keys: {evidence_signing: /etc/responder/evidence.key}\n"
                                          "secrets:\n"
                                          "  smtp_password: {file: " + (dir / "smtp.pass").string() + "}\n"
                                          "  webhook_token: {env: RESPONDER_TEST_TOKEN}\n");
  std::vector<Diagnostic> diagnostics;
  auto config = load_config(file, true, diagnostics);
  for (auto& d : diagnostics) INFO(d.format());
  REQUIRE(config.ok());
  REQUIRE(config->management.size() == 2);
  CHECK(config->management[0].contains(*parse_ip("192.0.2.77")));
  CHECK(config->inventories.size() == 1);
  CHECK(config->keys.at("evidence_signing") == "/etc/responder/evidence.key");
  CHECK(*config->secret("smtp_password") == "s3cret");
  ::setenv("RESPONDER_TEST_TOKEN", "tok", 1);
  CHECK(*config->secret("webhook_token") == "tok");
  ::unsetenv("RESPONDER_TEST_TOKEN");
  auto unset = config->secret("webhook_token");
  REQUIRE_FALSE(unset.ok());
  CHECK(unset.error().message.find("RESPONDER_TEST_TOKEN is not set") != std::string::npos);
}

TEST_CASE("configuration errors are located and all reported") {
  TempDir dir;
  auto file = dir.write("responder.yaml", "managment: [192.0.2.0/24]\n"
                                          "management: [192.0.2.0/33]\n"
                                          "secrets:\n"
                                          "  smtp_password: hunter2\n");
  std::vector<Diagnostic> diagnostics;
  auto config = load_config(file, true, diagnostics);
  REQUIRE_FALSE(config.ok());
  REQUIRE(diagnostics.size() == 3);
  CHECK(diagnostics[0].format() == file.string() + ":1:1: unknown setting 'managment'; did you mean 'management'?");
  CHECK(diagnostics[1].line == 2);
  CHECK(diagnostics[1].column == 14);
  CHECK(diagnostics[1].message.find("bad prefix length") != std::string::npos);
  CHECK(diagnostics[2].line == 4);
  CHECK(diagnostics[2].message.find("secret values never go in this file") != std::string::npos);
}

TEST_CASE("an explicitly named configuration must exist but the default may be absent") {
  std::vector<Diagnostic> diagnostics;
  CHECK_FALSE(load_config("/nonexistent/responder.yaml", true, diagnostics).ok());
  diagnostics.clear();
  CHECK(load_config("/nonexistent/responder.yaml", false, diagnostics).ok());
  CHECK(diagnostics.empty());
}

TEST_CASE("safety rules gather --allow and the responder's own SSH session") {
  ::setenv("SSH_CONNECTION", "198.51.100.23 52100 192.0.2.10 22", 1);
  ::setenv("RESPONDER_CONFIG", "", 1);
  GlobalOptions globals;
  globals.allow = {"203.0.113.0/24"};
  auto env = open_environment(globals);
  ::unsetenv("SSH_CONNECTION");
  REQUIRE(env.ok());
  REQUIRE(env->safety.own_ssh_peer.has_value());
  CHECK(env->safety.own_ssh_peer->to_string() == "198.51.100.23");
  CHECK(env->safety.protection_covering(*parse_cidr("198.51.100.0/24")).find("own SSH session") != std::string::npos);
  CHECK(env->safety.protection_covering(*parse_cidr("203.0.113.9")).find("management range 203.0.113.0/24") != std::string::npos);
  CHECK(env->safety.protection_covering(*parse_cidr("192.0.2.99")).empty());
  globals.allow = {"not-a-range"};
  CHECK_FALSE(open_environment(globals).ok());
}

TEST_CASE("a bad configuration stops a command with exit 2 and its location") {
  TempDir dir;
  auto file = dir.write("bad.yaml", "management: nope\n");
  auto r = run_process({RESPONDER_BINARY, "--config", file.string(), "status", "X"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(file.string() + ":1:13: management must be a list") != std::string::npos);
}
