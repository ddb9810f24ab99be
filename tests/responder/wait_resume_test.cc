// A wait interrupted by Ctrl-C and resumed ends when it was first planned to
// end, as after kill -9: the journaled deadline holds in both cases.
#include <doctest/doctest.h>

#include <csignal>

#include "tests/responder/engine_lab.h"

using namespace responder;
using namespace responder::testing;

TEST_CASE("wait: after Ctrl-C, resume waits until the first journaled end, not a new one") {
  EngineLab lab;
  auto pb = lab.playbook("name: w\nstages:\n  evaluate:\n    - id: pause\n      module: wait\n      with: {for: 30s}\n");
  auto runner = lab.start({"run", pb.string(), "--incident", "W1"});
  wait_for([&] { return std::filesystem::exists(lab.journal("W1")) && !lab.records("W1", "step.started").empty(); });
  runner->signal(SIGINT);
  auto stopped = runner->wait();
  REQUIRE(stopped.exit_code == 4);
  auto first = lab.records("W1", "step.planned");
  REQUIRE(first.size() == 1);
  std::string until = first[0].fields.at("detail").at("until").as_string().c_str();

  // The resumed run plans the step again; the plan keeps the first end.
  auto resumed = lab.start({"resume", "W1"});
  wait_for([&] { return lab.records("W1", "step.planned").size() >= 2; });
  resumed->signal(SIGINT);
  CHECK(resumed->wait().exit_code == 4);
  auto plans = lab.records("W1", "step.planned");
  REQUIRE(plans.size() >= 2);
  for (auto& p : plans) CHECK(std::string(p.fields.at("detail").at("until").as_string().c_str()) == until);
}
