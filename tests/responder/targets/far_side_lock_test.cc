// The far side's step lock: a second `responder step` on the same step of
// the same incident waits for the first, and gives up at its deadline with
// an interruption (its outcome unknown), never running beside it.
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "responder/sha256.h"
#include "responder/targets/far_side_lock.h"

namespace responder::targets {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST_CASE("far-side lock: a second operation on the same step waits, and gives up at its deadline") {
  std::string incident = "LOCK-TEST-" + std::to_string(::getpid());
  auto first = FarSideLock::acquire(incident, "block", "h1", Clock::now() + 1s, nullptr);
  REQUIRE(first);
  auto began = Clock::now();
  auto second = FarSideLock::acquire(incident, "block", "h1", Clock::now() + 300ms, nullptr);
  CHECK(!second);
  CHECK(second.error().kind == ErrorKind::interrupted);
  CHECK(Clock::now() - began >= 250ms);
  // Another step of the same incident is not held back.
  CHECK(FarSideLock::acquire(incident, "other", "h1", Clock::now() + 100ms, nullptr));
  {
    auto moved = std::move(*first);
  }
  CHECK(FarSideLock::acquire(incident, "block", "h1", Clock::now() + 100ms, nullptr));
  // Another host of the same step (lab hosts share a machine) is not held back.
  CHECK(FarSideLock::acquire(incident, "block", "h2", Clock::now() + 100ms, nullptr));
  // The lock files stay for later far sides; this test's own are removed.
  for (const char* step : {"block", "other"})
    for (const char* host : {"h1", "h2"})
      std::filesystem::remove("/run/responder/step-" + sha256_hex(incident + '\n' + step + '\n' + host).substr(0, 32) + ".lock");
}

TEST_CASE("far-side lock: the judged attempt is kept in the lock file, for later far sides, and never lowered") {
  std::string incident = "FENCE-TEST-" + std::to_string(::getpid());
  {
    auto lock = FarSideLock::acquire(incident, "block", "h1", Clock::now() + 1s, nullptr);
    REQUIRE(lock);
    CHECK(lock->fenced_attempt() == 0);
    CHECK(lock->fence(2));
    CHECK(lock->fence(1));
    CHECK(lock->fenced_attempt() == 2);
  }
  auto later = FarSideLock::acquire(incident, "block", "h1", Clock::now() + 1s, nullptr);
  REQUIRE(later);
  CHECK(later->fenced_attempt() == 2);
  CHECK(later->fence(13));
  CHECK(later->fenced_attempt() == 13);
  std::filesystem::remove("/run/responder/step-" + sha256_hex(incident + "\nblock\nh1").substr(0, 32) + ".lock");
}

}  // namespace
}  // namespace responder::targets
