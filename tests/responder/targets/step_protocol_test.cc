// The step protocol's JSON both ways, and what the controller accepts of an
// answer from a far side that may be broken or hostile.
#include <doctest/doctest.h>

#include "responder/targets/step_protocol.h"

namespace responder::targets {
namespace {

TEST_CASE("step protocol: a request survives the round trip through JSON") {
  StepRequest r;
  r.operation = Operation::undo;
  r.module = "firewall.block";
  r.params = {{"addresses", json::array{"192.0.2.9"}}};
  r.receipt = Receipt{{{"handle", 7}}, {}, {"blocked 192.0.2.9"}};
  r.incident_id = "INC-1";
  r.step_id = "block";
  r.host = "web01";
  r.management = {"10.0.0.0/24"};
  r.timeout = std::chrono::milliseconds(1500);
  auto back = request_from_json(request_to_json(r));
  REQUIRE(back.ok());
  CHECK(back->operation == Operation::undo);
  CHECK(back->receipt->undo.at("handle").as_int64() == 7);
  CHECK(back->management == r.management);
  CHECK(back->timeout.count() == 1500);
  CHECK(back->version == responder_version());
}

TEST_CASE("step protocol: malformed requests name the field") {
  CHECK(request_from_json(json::value(5)).error().kind == ErrorKind::bad_input);
  auto bad = request_to_json(StepRequest{});
  bad["operation"] = "explode";
  CHECK(request_from_json(bad).error().message.find("operation") != std::string::npos);
  bad = request_to_json(StepRequest{});
  bad["protocol"] = 2;
  CHECK(request_from_json(bad).error().message.find("protocol") != std::string::npos);
  bad = request_to_json(StepRequest{});
  bad["management"] = "10.0.0.0/8";
  CHECK(request_from_json(bad).error().message.find("management") != std::string::npos);
}

TEST_CASE("step protocol: an ok answer must carry what its operation returns, from this very version") {
  StepRequest apply;
  apply.operation = Operation::apply;
  StepAnswer answer;
  answer.ok = true;
  answer.version = std::string(responder_version());
  CHECK_FALSE(answer_fits(apply, answer));  // an apply without its receipt
  answer.receipt = Receipt{};
  CHECK(answer_fits(apply, answer));
  answer.version = "9.9.9";
  CHECK_FALSE(answer_fits(apply, answer));
  StepRequest verify;
  verify.operation = Operation::verify;
  answer.version = std::string(responder_version());
  CHECK_FALSE(answer_fits(verify, answer));
  answer.ok = false;  // a failure carries nothing more
  CHECK(answer_fits(verify, answer));
}

}  // namespace
}  // namespace responder::targets
