// terminate_user_processes against real processes of throw-away uids (no
// account needed: setpriv switches to any uid).
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "containment/accounts/user_processes.h"
#include "tests/support/process.h"

using namespace responder;
using namespace responder::accounts;
using namespace responder::testing;
using namespace std::chrono_literals;

namespace {

constexpr uid_t kTarget = 64301;
constexpr uid_t kBystander = 64302;

std::vector<std::string> as_uid(uid_t uid, std::vector<std::string> command) {
  std::vector<std::string> argv = {"setpriv", "--reuid=" + std::to_string(uid), "--regid=" + std::to_string(uid),
                                   "--clear-groups"};
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

// Waits until `count` processes run with real uid `uid`.
bool wait_for_processes(uid_t uid, std::size_t count) {
  for (int i = 0; i < 250; ++i) {
    std::size_t found = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
      std::istringstream status(slurp(entry.path() / "status"));
      for (std::string line; std::getline(status, line);)
        if (line.rfind("Uid:", 0) == 0 && std::stoul(line.substr(4)) == uid) ++found;
    }
    if (found >= count) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

}  // namespace

TEST_CASE("ending a user's processes SIGKILLs those that ignore SIGTERM, wakes stopped ones and spares other users") {
  if (::geteuid() != 0) {
    std::cerr << "SKIPPED: needs root (processes of other uids)\n";
    std::_Exit(77);
  }
  // sh ignores SIGTERM, and its sleep inherits the ignored disposition.
  Process stubborn(as_uid(kTarget, {"sh", "-c", "trap '' TERM; sleep 60; sleep 60"}));
  Process stopped(as_uid(kTarget, {"sleep", "60"}));
  Process bystander(as_uid(kBystander, {"sleep", "60"}));
  REQUIRE(wait_for_processes(kTarget, 3));
  REQUIRE(wait_for_processes(kBystander, 1));
  stopped.signal(SIGSTOP);

  auto ended = terminate_user_processes(kTarget, 500ms);
  REQUIRE_MESSAGE(ended, ended.error().message);
  CHECK(ended->killed >= 2);      // sh and its sleep
  CHECK(ended->terminated >= 1);  // the stopped sleep, woken to see SIGTERM
  CHECK(stubborn.wait(5s).signal == SIGKILL);
  CHECK(stopped.wait(5s).signal == SIGTERM);
  CHECK(::kill(bystander.pid(), 0) == 0);  // another uid's process is untouched

  auto again = terminate_user_processes(kTarget, 500ms);
  REQUIRE(again);
  CHECK(again->terminated + again->killed == 0);
}
