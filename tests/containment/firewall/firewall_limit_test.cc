// firewall.limit against the real kernel: a burst of new connections.
#include <doctest/doctest.h>

#include "tests/containment/netns_step.h"

using namespace responder;
using namespace responder::lab;
using namespace std::chrono_literals;

namespace {
constexpr int kPort = 8082;

// New connections that complete out of `attempts` made back to back.
int completed(const std::string& from, const char* address, int attempts) {
  int ok = 0;
  for (int i = 0; i < attempts; ++i) ok += tcp_connects(from, address, kPort, 300ms) ? 1 : 0;
  return ok;
}
}  // namespace

TEST_CASE("firewall.limit per source drops a flood of new connections but exempts management and undo restores") {
  RESPONDER_REQUIRE_LAB();
  NetnsLab lab;
  TcpListener listener(lab.victim, kPort);
  const std::string before = lab.ruleset();
  NetnsStep step("firewall.limit", lab.victim, "limit-syn", lab_safety());
  auto params = json::object{{"port", kPort}, {"rate", "1/minute"}, {"burst", 2}};
  auto receipt = step.apply(params);
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  int attacker4 = completed(lab.attacker, NetnsLab::kVictimToAttacker4, 6);
  int attacker6 = completed(lab.attacker, NetnsLab::kVictimToAttacker6, 6);
  CHECK(attacker4 <= 3);
  CHECK(attacker4 >= 1);
  CHECK(attacker6 <= 3);
  CHECK(completed(lab.management, NetnsLab::kVictimToManagement4, 6) == 6);
  auto v = step.verify(&*receipt);
  REQUIRE(v);
  CHECK_MESSAGE(v->in_effect, v->detail);
  REQUIRE(step.undo(*receipt));
  CHECK(completed(lab.attacker, NetnsLab::kVictimToAttacker4, 4) == 4);
  CHECK(lab.ruleset() == before);
}

TEST_CASE("firewall.limit in total counts every source together") {
  RESPONDER_REQUIRE_LAB();
  NetnsLab lab;
  TcpListener listener(lab.victim, kPort);
  const std::string before = lab.ruleset();
  NetnsStep step("firewall.limit", lab.victim, "limit-total", lab_safety());
  auto receipt = step.apply(json::object{{"port", kPort}, {"rate", "1/minute"}, {"burst", 3}, {"per", "total"}});
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  int a4 = completed(lab.attacker, NetnsLab::kVictimToAttacker4, 4);
  int a6 = completed(lab.attacker, NetnsLab::kVictimToAttacker6, 4);
  CHECK(a4 + a6 <= 4);
  CHECK(completed(lab.management, NetnsLab::kVictimToManagement4, 3) == 3);  // exempt
  REQUIRE(step.undo(*receipt));
  CHECK(lab.ruleset() == before);
}
