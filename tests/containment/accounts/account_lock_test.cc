// account.lock against a private copy of /etc (never the machine's own):
// real useradd, real /etc/shadow, real passwd -S, real processes.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "tests/containment/module_step.h"
#include "tests/containment/private_etc.h"

using namespace responder;
using namespace responder::testing;
using namespace std::chrono_literals;

namespace {

json::object lock_params(std::initializer_list<const char*> users) {
  json::array a;
  for (auto* u : users) a.emplace_back(u);
  return json::object{{"users", a}};
}

// passwd -S USER: the second word is L (locked), P (password) or NP.
std::string passwd_status(const std::string& user) {
  auto r = run_process({"passwd", "-S", user});
  std::istringstream words(r.out);
  std::string name, status;
  words >> name >> status;
  return status;
}

// Waits until `pid` runs with real uid `uid` (setpriv has switched).
bool runs_as(pid_t pid, uid_t uid) {
  for (int i = 0; i < 250; ++i) {
    std::istringstream status(slurp("/proc/" + std::to_string(pid) + "/status"));
    for (std::string line; std::getline(status, line);)
      if (line.rfind("Uid:", 0) == 0 && std::stoul(line.substr(4)) == uid) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

}  // namespace

TEST_CASE("account.lock locks and expires a user and undo restores /etc/shadow byte for byte") {
  RESPONDER_REQUIRE_ROOT_FOR_PRIVATE_ETC();
  PrivateEtc etc;
  etc.add_user("mallory", "Correct-Horse-1");
  etc.add_user("trudy", "Battery-Staple-2");
  const std::string before = PrivateEtc::shadow();
  const std::string mallory_hash = PrivateEtc::shadow_field("mallory", 1);
  REQUIRE(passwd_status("mallory") == "P");

  ModuleStep step("account.lock", "lock-accounts");
  auto params = lock_params({"mallory", "trudy"});
  params["expire"] = true;

  auto plan = step.plan(params);
  REQUIRE_MESSAGE(plan, plan.error().message);
  CHECK(PrivateEtc::shadow() == before);  // plan changes nothing
  CHECK(to_json_text(plan->detail).find(mallory_hash) == std::string::npos);  // no hash in the journal

  auto receipt = step.apply(params);
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  CHECK(PrivateEtc::shadow_field("mallory", 1) == "!" + mallory_hash);
  CHECK(PrivateEtc::shadow_field("trudy", 1).rfind('!', 0) == 0);
  CHECK(PrivateEtc::shadow_field("mallory", 7) == "1");
  CHECK(PrivateEtc::shadow_field("trudy", 7) == "1");
  CHECK(passwd_status("mallory") == "L");
  CHECK(passwd_status("trudy") == "L");
  CHECK(to_json_text(receipt->undo).find(mallory_hash) == std::string::npos);
  CHECK(receipt->output.at("locked").as_array().size() == 2);

  auto verified = step.verify(&*receipt);
  REQUIRE_MESSAGE(verified, verified.error().message);
  CHECK_MESSAGE(verified->in_effect, verified->detail);

  // A crash before the receipt was journaled: the plan alone gives it back.
  auto recovered = step.verify(nullptr, plan->detail);
  REQUIRE_MESSAGE(recovered, recovered.error().message);
  CHECK(recovered->in_effect);
  REQUIRE(recovered->recovered);

  auto undone = step.undo(*recovered->recovered);
  REQUIRE_MESSAGE(undone, undone.error().message);
  CHECK(PrivateEtc::shadow() == before);
  CHECK(passwd_status("mallory") == "P");
  auto after = step.verify(&*receipt);
  REQUIRE(after);
  CHECK_FALSE(after->in_effect);
}

TEST_CASE("account.lock with kill_sessions ends every process running as the user") {
  RESPONDER_REQUIRE_ROOT_FOR_PRIVATE_ETC();
  PrivateEtc etc;
  TestUser mallory = etc.add_user("mallory", "Correct-Horse-1", 64311);
  Process session({"setpriv", "--reuid=" + std::to_string(mallory.uid), "--regid=" + std::to_string(mallory.gid),
                   "--clear-groups", "sleep", "60"});
  REQUIRE(runs_as(session.pid(), mallory.uid));

  ModuleStep step("account.lock", "lock-and-kill");
  auto params = lock_params({"mallory"});
  params["kill_sessions"] = true;
  auto receipt = step.apply(params);
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  CHECK(passwd_status("mallory") == "L");
  auto ended = session.wait(std::chrono::seconds(5));
  CHECK_MESSAGE(ended.signal == SIGTERM, "sleep as mallory ended by signal " << ended.signal << " " << ended.err);
  CHECK(receipt->output.at("processes_ended").to_number<int>() >= 1);
  CHECK_FALSE(receipt->output.contains("survivors"));
  REQUIRE(step.undo(*receipt));
}

TEST_CASE("account.lock refuses root without allow_root and the responder's own account") {
  RESPONDER_REQUIRE_ROOT_FOR_PRIVATE_ETC();
  PrivateEtc etc;
  etc.add_user("mallory", "Correct-Horse-1");
  etc.add_user("responder-admin", "Admin-Pass-3");
  const std::string before = PrivateEtc::shadow();
  ModuleStep step("account.lock", "lock-root");

  auto root = step.apply(lock_params({"mallory", "root"}));
  REQUIRE_FALSE(root);
  CHECK(root.error().kind == ErrorKind::refused);
  CHECK(root.error().message.find("root") != std::string::npos);
  CHECK(PrivateEtc::shadow() == before);  // mallory, listed first, untouched too

  auto root_sessions = lock_params({"root"});
  root_sessions["allow_root"] = true;
  root_sessions["kill_sessions"] = true;
  auto everything = step.apply(root_sessions);
  REQUIRE_FALSE(everything);
  CHECK(everything.error().kind == ErrorKind::refused);

  ::setenv("SUDO_USER", "responder-admin", 1);
  auto own = step.apply(lock_params({"responder-admin"}));
  ::unsetenv("SUDO_USER");
  REQUIRE_FALSE(own);
  CHECK(own.error().kind == ErrorKind::refused);
  CHECK(own.error().message.find("responder-admin") != std::string::npos);
  CHECK(PrivateEtc::shadow() == before);

  // With allow_root the (private) root account is locked, and undone exactly.
  auto allowed = lock_params({"root"});
  allowed["allow_root"] = true;
  auto receipt = step.apply(allowed);
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  CHECK(PrivateEtc::shadow_field("root", 1).rfind('!', 0) == 0);
  REQUIRE(step.undo(*receipt));
  CHECK(PrivateEtc::shadow() == before);
}

TEST_CASE("account.lock rejects an unknown user as bad input and changes nothing") {
  RESPONDER_REQUIRE_ROOT_FOR_PRIVATE_ETC();
  PrivateEtc etc;
  etc.add_user("mallory", "Correct-Horse-1");
  const std::string before = PrivateEtc::shadow();
  ModuleStep step("account.lock", "lock-unknown");

  auto plan = step.plan(lock_params({"mallory", "no-such-user"}));
  REQUIRE_FALSE(plan);
  CHECK(plan.error().kind == ErrorKind::bad_input);
  auto receipt = step.apply(lock_params({"mallory", "no-such-user"}));
  REQUIRE_FALSE(receipt);
  CHECK(receipt.error().kind == ErrorKind::bad_input);
  CHECK(receipt.error().message.find("no-such-user") != std::string::npos);
  CHECK(PrivateEtc::shadow() == before);
}

TEST_CASE("account.lock leaves an already locked user locked after undo") {
  RESPONDER_REQUIRE_ROOT_FOR_PRIVATE_ETC();
  PrivateEtc etc;
  etc.add_user("mallory", "Correct-Horse-1");
  REQUIRE(run_process({"usermod", "-L", "mallory"}).exit_code == 0);
  const std::string before = PrivateEtc::shadow();
  const std::string locked_hash = PrivateEtc::shadow_field("mallory", 1);
  REQUIRE(locked_hash.rfind('!', 0) == 0);

  ModuleStep step("account.lock", "lock-again");
  auto params = lock_params({"mallory"});
  params["expire"] = true;
  auto receipt = step.apply(params);
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  CHECK(receipt->output.at("already_locked").as_array().size() == 1);
  CHECK(PrivateEtc::shadow_field("mallory", 1) == locked_hash);  // not "!!"
  CHECK(PrivateEtc::shadow_field("mallory", 7) == "1");

  auto undone = step.undo(*receipt);
  REQUIRE_MESSAGE(undone, undone.error().message);
  CHECK(PrivateEtc::shadow() == before);
  CHECK(passwd_status("mallory") == "L");
}

TEST_CASE("account.lock undo refuses when the password was reset since and leaves it") {
  RESPONDER_REQUIRE_ROOT_FOR_PRIVATE_ETC();
  PrivateEtc etc;
  etc.add_user("mallory", "Correct-Horse-1");
  ModuleStep step("account.lock", "lock-then-reset");
  auto receipt = step.apply(lock_params({"mallory"}));
  REQUIRE_MESSAGE(receipt, receipt.error().message);

  auto reset = run_program({"chpasswd"}, "mallory:Reset-By-Admin-4\n");
  REQUIRE((reset && reset->exit_code == 0));
  const std::string after_reset = PrivateEtc::shadow();

  auto undone = step.undo(*receipt);
  REQUIRE_FALSE(undone);
  CHECK(undone.error().kind == ErrorKind::refused);
  CHECK(undone.error().message.find("mallory") != std::string::npos);
  CHECK(PrivateEtc::shadow() == after_reset);
}

TEST_CASE("account.lock after a crash before the change is not in effect and undo refuses a changed expire date") {
  RESPONDER_REQUIRE_ROOT_FOR_PRIVATE_ETC();
  PrivateEtc etc;
  etc.add_user("mallory", "Correct-Horse-1");
  ModuleStep step("account.lock", "lock-crash");
  auto params = lock_params({"mallory"});
  params["expire"] = true;

  // Killed between the plan and the change: the engine must apply again.
  auto plan = step.plan(params);
  REQUIRE_MESSAGE(plan, plan.error().message);
  auto before_change = step.verify(nullptr, plan->detail);
  REQUIRE_MESSAGE(before_change, before_change.error().message);
  CHECK_FALSE(before_change->in_effect);
  CHECK_FALSE(before_change->recovered);

  auto receipt = step.apply(params);
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  REQUIRE(run_process({"usermod", "-e", "2099-01-01", "mallory"}).exit_code == 0);
  const std::string after_admin = PrivateEtc::shadow();
  auto undone = step.undo(*receipt);
  REQUIRE_FALSE(undone);
  CHECK(undone.error().kind == ErrorKind::refused);
  CHECK(undone.error().message.find("expire") != std::string::npos);
  CHECK(PrivateEtc::shadow() == after_admin);
}
