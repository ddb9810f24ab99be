// credential.rotate against a private copy of /etc (never the machine's own):
// real chpasswd, real hashes checked with crypt(3), a real incident home.
#include <crypt.h>
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include "tests/containment/module_step.h"
#include "tests/containment/private_etc.h"

using namespace responder;
using namespace responder::testing;

namespace {

json::object rotate_params(std::initializer_list<const char*> users) {
  json::array a;
  for (auto* u : users) a.emplace_back(u);
  return json::object{{"users", a}};
}

// user → password, from the step's credentials file.
std::map<std::string, std::string> passwords_in(const std::filesystem::path& file) {
  std::map<std::string, std::string> found;
  std::istringstream lines(slurp(file));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto colon = line.find(':');
    found[line.substr(0, colon)] = line.substr(colon + 1);
  }
  return found;
}

bool verifies(const std::string& password, const std::string& hash) {
  const char* computed = ::crypt(password.c_str(), hash.c_str());
  return computed && hash == computed;
}

std::string receipt_text(const Receipt& r) {
  std::string text = to_json_text(r.undo) + to_json_text(r.output);
  for (auto& line : r.changes) text += line;
  return text;
}

}  // namespace

TEST_CASE("credential.rotate sets new passwords kept only in a root-only file of the incident home") {
  RESPONDER_REQUIRE_ROOT_FOR_PRIVATE_ETC();
  PrivateEtc etc;
  etc.add_user("alice", "Old-Alice-1");
  etc.add_user("bob", "Old-Bob-2");
  const std::string alice_before = PrivateEtc::shadow_field("alice", 1);
  const std::string bob_before = PrivateEtc::shadow_field("bob", 1);
  REQUIRE(verifies("Old-Alice-1", alice_before));
  TempDir incident;
  ModuleStep step("credential.rotate", "rotate-passwords", incident.path());
  CHECK_FALSE(step.module().undoable());
  auto params = rotate_params({"alice", "bob"});

  const std::string shadow_before = PrivateEtc::shadow();
  auto plan = step.plan(params);
  REQUIRE_MESSAGE(plan, plan.error().message);
  CHECK(plan->changes.size() == 3);
  CHECK(PrivateEtc::shadow() == shadow_before);

  auto receipt = step.apply(params);
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  const std::string alice_after = PrivateEtc::shadow_field("alice", 1);
  const std::string bob_after = PrivateEtc::shadow_field("bob", 1);
  CHECK(alice_after != alice_before);
  CHECK(bob_after != bob_before);
  CHECK_FALSE(verifies("Old-Alice-1", alice_after));

  const auto file = incident.path() / "credentials" / "rotate-passwords.txt";
  CHECK(receipt->output.at("file").as_string() == file.string());
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK(S_ISREG(st.st_mode));
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(st.st_uid == 0);
  REQUIRE(::stat(file.parent_path().c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0700);

  auto passwords = passwords_in(file);
  REQUIRE(passwords.size() == 2);
  CHECK(passwords["alice"].size() == 24);
  CHECK(passwords["alice"] != passwords["bob"]);
  CHECK(verifies(passwords["alice"], alice_after));
  CHECK(verifies(passwords["bob"], bob_after));

  auto verified = step.verify(&*receipt);
  REQUIRE_MESSAGE(verified, verified.error().message);
  CHECK_MESSAGE(verified->in_effect, verified->detail);
  auto recovered = step.verify(nullptr, plan->detail);
  REQUIRE_MESSAGE(recovered, recovered.error().message);
  CHECK(recovered->in_effect);
  REQUIRE(recovered->recovered);

  // The secrets are in the file and nowhere else the engine keeps or shows.
  std::string shown = receipt_text(*receipt) + receipt_text(*recovered->recovered) + verified->detail +
                      to_json_text(plan->detail);
  for (auto& line : plan->changes) shown += line;
  for (auto& [user, password] : passwords) CHECK_MESSAGE(shown.find(password) == std::string::npos, user);
}

TEST_CASE("credential.rotate rejects an unknown user as bad input and writes nothing") {
  RESPONDER_REQUIRE_ROOT_FOR_PRIVATE_ETC();
  PrivateEtc etc;
  etc.add_user("alice", "Old-Alice-1");
  const std::string before = PrivateEtc::shadow();
  TempDir incident;
  ModuleStep step("credential.rotate", "rotate-unknown", incident.path());

  auto receipt = step.apply(rotate_params({"alice", "no-such-user"}));
  REQUIRE_FALSE(receipt);
  CHECK(receipt.error().kind == ErrorKind::bad_input);
  CHECK(receipt.error().message.find("no-such-user") != std::string::npos);
  CHECK(PrivateEtc::shadow() == before);
  CHECK_FALSE(std::filesystem::exists(incident.path() / "credentials"));
}

TEST_CASE("credential.rotate refuses the account the responder works through and writes nothing") {
  RESPONDER_REQUIRE_ROOT_FOR_PRIVATE_ETC();
  PrivateEtc etc;
  etc.add_user("alice", "Old-Alice-1");
  etc.add_user("responder-admin", "Old-Admin-1");
  const std::string before = PrivateEtc::shadow();
  TempDir incident;
  ModuleStep step("credential.rotate", "rotate-own", incident.path());

  ::setenv("SUDO_USER", "responder-admin", 1);
  auto plan = step.plan(rotate_params({"alice", "responder-admin"}));
  auto receipt = step.apply(rotate_params({"alice", "responder-admin"}));
  ::unsetenv("SUDO_USER");
  REQUIRE_FALSE(plan);
  CHECK(plan.error().kind == ErrorKind::refused);
  REQUIRE_FALSE(receipt);
  CHECK(receipt.error().kind == ErrorKind::refused);
  CHECK(receipt.error().message.find("responder-admin") != std::string::npos);
  CHECK(PrivateEtc::shadow() == before);
  CHECK_FALSE(std::filesystem::exists(incident.path() / "credentials"));
}

TEST_CASE("credential.rotate refuses a credentials directory someone else owns, before changing any password") {
  RESPONDER_REQUIRE_ROOT_FOR_PRIVATE_ETC();
  PrivateEtc etc;
  etc.add_user("alice", "Old-Alice-1");
  const std::string before = PrivateEtc::shadow();
  TempDir incident;
  auto dir = incident.path() / "credentials";
  REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
  REQUIRE(::chown(dir.c_str(), 65534, 65534) == 0);
  ModuleStep step("credential.rotate", "rotate-foreign-dir", incident.path());

  auto plan = step.plan(rotate_params({"alice"}));
  REQUIRE_FALSE(plan);
  CHECK(plan.error().kind == ErrorKind::refused);
  auto receipt = step.apply(rotate_params({"alice"}));
  REQUIRE_FALSE(receipt);
  CHECK(receipt.error().kind == ErrorKind::refused);
  CHECK(receipt.error().message.find("uid 65534") != std::string::npos);
  CHECK(PrivateEtc::shadow() == before);
  CHECK(std::filesystem::is_empty(dir));
}

TEST_CASE("credential.rotate outside an incident plans the users and will not apply") {
  RESPONDER_REQUIRE_ROOT_FOR_PRIVATE_ETC();
  PrivateEtc etc;
  etc.add_user("alice", "Old-Alice-1");
  const std::string before = PrivateEtc::shadow();
  ModuleStep step("credential.rotate", "rotate-plan-only");

  auto plan = step.plan(rotate_params({"alice"}));
  REQUIRE_MESSAGE(plan, plan.error().message);
  REQUIRE(plan->changes.size() == 1);
  CHECK(plan->changes[0].find("alice") != std::string::npos);
  auto receipt = step.apply(rotate_params({"alice"}));
  CHECK_FALSE(receipt);
  CHECK(PrivateEtc::shadow() == before);
}

TEST_CASE("credential.rotate never overwrites the credentials file of an earlier attempt") {
  RESPONDER_REQUIRE_ROOT_FOR_PRIVATE_ETC();
  PrivateEtc etc;
  etc.add_user("alice", "Old-Alice-1");
  TempDir incident;
  ModuleStep step("credential.rotate", "rotate-twice", incident.path());

  auto first = step.apply(rotate_params({"alice"}));
  REQUIRE_MESSAGE(first, first.error().message);
  const auto file = incident.path() / "credentials" / "rotate-twice.txt";
  const std::string kept = slurp(file);
  const std::string shadow_after_first = PrivateEtc::shadow();

  auto second = step.apply(rotate_params({"alice"}));
  REQUIRE_FALSE(second);
  CHECK(second.error().message.find(file.string()) != std::string::npos);
  CHECK(slurp(file) == kept);
  CHECK(PrivateEtc::shadow() == shadow_after_first);  // the password in the file is still the one in force
}

TEST_CASE("credential.rotate seals the passwords to the configured recipient certificate") {
  RESPONDER_REQUIRE_ROOT_FOR_PRIVATE_ETC();
  PrivateEtc etc;
  etc.add_user("alice", "Old-Alice-1");
  TempDir keys;
  auto made = run_process({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                           "/CN=responder credentials", "-keyout", (keys / "recipient.key").string(), "-out",
                           (keys / "recipient.pem").string()});
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  Config config;
  config.keys["credentials_recipient"] = keys / "recipient.pem";
  TempDir incident;
  ModuleStep step("credential.rotate", "rotate-sealed", incident.path());
  step.use_config(config);

  auto plan = step.plan(rotate_params({"alice"}));
  REQUIRE_MESSAGE(plan, plan.error().message);
  auto receipt = step.apply(rotate_params({"alice"}));
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  const auto file = incident.path() / "credentials" / "rotate-sealed.p7m";
  CHECK(receipt->output.at("file").as_string() == file.string());
  CHECK_FALSE(std::filesystem::exists(incident.path() / "credentials" / "rotate-sealed.txt"));
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(slurp(file).rfind("-----BEGIN CMS-----", 0) == 0);

  // Only the private key opens it, and what it holds is the password in force.
  auto opened = run_process({"openssl", "cms", "-decrypt", "-inform", "PEM", "-in", file.string(), "-inkey",
                             (keys / "recipient.key").string()});
  REQUIRE_MESSAGE(opened.exit_code == 0, opened.err);
  std::string password;
  std::istringstream lines(opened.out);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("alice:", 0) == 0) password = line.substr(6);
  REQUIRE(password.size() == 24);
  CHECK(verifies(password, PrivateEtc::shadow_field("alice", 1)));
  CHECK(slurp(file).find(password) == std::string::npos);
  CHECK(receipt_text(*receipt).find(password) == std::string::npos);

  auto verified = step.verify(&*receipt, plan->detail);
  REQUIRE_MESSAGE(verified, verified.error().message);
  CHECK_MESSAGE(verified->in_effect, verified->detail);
  auto recovered = step.verify(nullptr, plan->detail);
  REQUIRE_MESSAGE(recovered, recovered.error().message);
  CHECK(recovered->in_effect);
  CHECK(recovered->recovered);
}
