// responder step, the far side, through the real binary: it says when it
// has the request, and it stops acting when the controller stops listening.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "responder/json.h"
#include "responder/sha256.h"
#include "responder/targets/step_protocol.h"
#include "tests/support/process.h"

namespace responder::testing {
namespace {

std::string request_line(const std::string& module, const std::string& params) {
  return R"({"protocol":1,"version":"0.1.0","operation":"apply","module":")" + module + R"(","params":)" + params +
         R"(,"incident":"I","step":"s","host":"h"})";
}

TEST_CASE("step far side: it says it has the request before acting, then answers once") {
  // Its standard input stays open until it has answered, as the controller
  // keeps it: an input that ends is the controller gone, which stops the step.
  auto r = run_process({"bash", "-c",
                        "coproc FAR { RESPONDER_CONFIG= \"$0\" step; }\n"
                        "pid=$FAR_PID; exec 3>&\"${FAR[1]}\" 4<&\"${FAR[0]}\"\n"
                        "printf '%s\\n' \"$1\" >&3; cat <&4; wait \"$pid\"",
                        RESPONDER_BINARY, request_line("note.add", R"({"text":"hello"})")});
  INFO("stdout: ", r.out);
  INFO("stderr: ", r.err);
  REQUIRE(r.exit_code == 0);
  auto nl = r.out.find('\n');
  REQUIRE(nl != std::string::npos);
  CHECK(r.out.substr(0, nl) == R"({"started":true})");
  auto answer = parse_json(r.out.substr(nl + 1)).as_object().at("answer").as_object();
  CHECK(answer.at("ok").as_bool());
  CHECK(answer.at("receipt").at("changes").as_array()[0].as_string() == "note: hello");
}

// One request to a far side whose input stays open until it has answered.
ProcessResult ask_far_side(const std::string& request) {
  return run_process({"bash", "-c",
                      "coproc FAR { RESPONDER_CONFIG= \"$0\" step; }\n"
                      "pid=$FAR_PID; exec 3>&\"${FAR[1]}\" 4<&\"${FAR[0]}\"\n"
                      "printf '%s\\n' \"$1\" >&3; cat <&4; wait \"$pid\"",
                      RESPONDER_BINARY, request});
}

json::object answer_of(const ProcessResult& r) {
  auto at = r.out.find("{\"answer\"");
  REQUIRE(at != std::string::npos);
  return parse_json(r.out.substr(at)).as_object().at("answer").as_object();
}

TEST_CASE("step far side: a late apply of an attempt that a verify without receipt already judged is void") {
  // A controller killed right after sending its apply, whose far side is
  // slow to start: the recovering controller's verify (no receipt) judged
  // attempt 1 "not in effect" and goes on to attempt 2. Attempt 1 arriving
  // now must not act, or attempt 2 would find its change made by "earlier
  // steps" and undo would leave it in place.
  std::string incident = "FENCE-" + std::to_string(::getpid());
  auto request = [&](const char* operation, int attempt) {
    return R"({"protocol":1,"version":")" + std::string(targets::responder_version()) + R"(","operation":")" + operation +
           R"(","module":"note.add","params":{"text":"hello"},"incident":")" + incident +
           R"(","step":"s","host":"h","attempt":)" + std::to_string(attempt) + "}";
  };
  auto verify = ask_far_side(request("verify", 1));
  INFO("verify: ", verify.out, verify.err);
  CHECK(verify.out.find(R"({"started":true})") != std::string::npos);
  auto late = ask_far_side(request("apply", 1));
  INFO("late apply: ", late.out, late.err);
  CHECK(late.out.find("started") == std::string::npos);
  auto refused = answer_of(late);
  CHECK_FALSE(refused.at("ok").as_bool());
  CHECK(std::string(refused.at("error").at("message").as_string()).find("void") != std::string::npos);
  auto next = ask_far_side(request("apply", 2));
  INFO("attempt 2: ", next.out, next.err);
  CHECK(answer_of(next).at("ok").as_bool());
  std::filesystem::remove("/run/responder/step-" + sha256_hex(incident + "\ns\nh").substr(0, 32) + ".lock");
}

TEST_CASE("step far side: when its standard input ends (the controller gone) a long step stops at a safe point") {
  // The request, then end of input at once: a 30 s wait must not go on.
  auto began = std::chrono::steady_clock::now();
  auto r = run_process({"sh", "-c", "printf '%s\\n' \"$1\" | RESPONDER_CONFIG= \"$0\" step", RESPONDER_BINARY,
                        request_line("wait", R"({"for":"30s"})")});
  auto took = std::chrono::steady_clock::now() - began;
  CHECK(took < std::chrono::seconds(20));  // a bound, not a benchmark: it did not wait 30 s
  INFO(r.out);
  auto answer = parse_json(r.out.substr(r.out.find("{\"answer\""))).as_object().at("answer").as_object();
  CHECK_FALSE(answer.at("ok").as_bool());
  CHECK(answer.at("error").at("kind").as_string() == "interrupted");
}

TEST_CASE("step far side: a request that is not JSON is answered as bad input, nothing started") {
  auto r = run_process({"sh", "-c", "printf 'garbage\\n' | RESPONDER_CONFIG= \"$0\" step", RESPONDER_BINARY});
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("started") == std::string::npos);
  CHECK(r.out.find("not JSON") != std::string::npos);
}

}  // namespace
}  // namespace responder::testing
