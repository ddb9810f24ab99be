// run_program: argv only, input on standard input, bounded in time, and a
// child that stops reading its input early does not take the caller down.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "responder/child_process.h"

using namespace responder;
using namespace std::chrono_literals;

TEST_CASE("run_program feeds standard input and collects both outputs") {
  auto r = run_program({"sh", "-c", "cat; echo oops >&2; exit 3"}, "user:secret\n");
  REQUIRE(r);
  CHECK(r->out == "user:secret\n");
  CHECK(r->err == "oops\n");
  CHECK(r->exit_code == 3);
  CHECK(describe_exit({"tool", "arg"}, *r) == "`tool arg` exited with 3: oops");
}

TEST_CASE("run_program survives a child that exits without reading its input") {
  // 8 MiB is far more than a pipe holds: the writes meet a closed pipe.
  auto r = run_program({"true"}, std::string(8u << 20, 'x'));
  REQUIRE(r);
  CHECK(r->exit_code == 0);
}

TEST_CASE("run_program kills a program that overruns its time and names a missing one") {
  auto slow = run_program({"sleep", "10"}, {}, 200ms);
  REQUIRE_FALSE(slow);
  CHECK(slow.error().message.find("was killed") != std::string::npos);
  auto missing = run_program({"no-such-program-responder"});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("is the package that provides it installed?") != std::string::npos);
}
