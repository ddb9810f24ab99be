// firewall.isolate against the real kernel.
#include <doctest/doctest.h>

#include <thread>

#include "tests/containment/netns_step.h"

using namespace responder;
using namespace responder::lab;
using namespace std::chrono_literals;

namespace {
constexpr int kPort = 8081;
}

TEST_CASE("firewall.isolate cuts off everyone but management and loopback and the allow list and undo restores") {
  RESPONDER_REQUIRE_LAB();
  NetnsLab lab;
  TcpListener listener(lab.victim, kPort);
  const std::string before = lab.ruleset();
  NetnsStep step("firewall.isolate", lab.victim, "isolate-host", lab_safety());
  auto plan = step.plan(json::object{});
  REQUIRE_MESSAGE(plan, plan.error().message);
  std::string text;
  for (auto& l : plan->changes) text += l + "\n";
  CHECK_MESSAGE(text.find("198.51.100.0/24") != std::string::npos, text);  // kept by the safety rules

  auto receipt = step.apply(json::object{});
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  CHECK_FALSE(tcp_connects(lab.attacker, NetnsLab::kVictimToAttacker4, kPort));
  CHECK_FALSE(pings(lab.attacker, NetnsLab::kVictimToAttacker4));
  CHECK_FALSE(tcp_connects(lab.attacker, NetnsLab::kVictimToAttacker6, kPort));
  CHECK_FALSE(pings(lab.victim, NetnsLab::kAttacker4));  // outgoing too
  CHECK(tcp_connects(lab.management, NetnsLab::kVictimToManagement4, kPort));
  CHECK(pings(lab.management, NetnsLab::kVictimToManagement4));
  CHECK(tcp_connects(lab.management, NetnsLab::kVictimToManagement6, kPort));
  CHECK(pings(lab.management, NetnsLab::kVictimToManagement6));
  CHECK(tcp_connects(lab.victim, "127.0.0.1", kPort));
  auto v = step.verify(&*receipt);
  REQUIRE(v);
  CHECK_MESSAGE(v->in_effect, v->detail);

  // A second isolation with a wider allow list combines: both must pass.
  NetnsStep wider("firewall.isolate", lab.victim, "isolate-wider", lab_safety());
  auto r2 = wider.apply(json::object{{"allow", json::array{NetnsLab::kAttacker4}}});
  REQUIRE_MESSAGE(r2, r2.error().message);
  CHECK_FALSE(pings(lab.attacker, NetnsLab::kVictimToAttacker4));
  REQUIRE(step.undo(*receipt));
  CHECK(pings(lab.attacker, NetnsLab::kVictimToAttacker4));       // allowed by the remaining one
  CHECK_FALSE(pings(lab.attacker, NetnsLab::kVictimToAttacker6)); // not in its allow list
  REQUIRE(wider.undo(*r2));
  CHECK(tcp_connects(lab.attacker, NetnsLab::kVictimToAttacker4, kPort));
  CHECK(pings(lab.attacker, NetnsLab::kVictimToAttacker6));
  CHECK(lab.ruleset() == before);
}

TEST_CASE("firewall.isolate with confirm_within lifts itself unless confirmed") {
  RESPONDER_REQUIRE_LAB();
  NetnsLab lab;
  const std::string before = lab.ruleset();
  NetnsStep step("firewall.isolate", lab.victim, "isolate-deadman", lab_safety());
  auto receipt = step.apply(json::object{{"confirm_within", "2s"}});
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  CHECK_FALSE(pings(lab.attacker, NetnsLab::kVictimToAttacker4));
  std::this_thread::sleep_for(2500ms);
  CHECK(pings(lab.attacker, NetnsLab::kVictimToAttacker4));
  CHECK(pings(lab.attacker, NetnsLab::kVictimToAttacker6));
  auto v = step.verify(&*receipt);
  REQUIRE(v);
  CHECK_FALSE(v->in_effect);
  REQUIRE(step.undo(*receipt));
  CHECK(lab.ruleset() == before);

  NetnsStep confirmed_step("firewall.isolate", lab.victim, "isolate-confirmed", lab_safety());
  auto r2 = confirmed_step.apply(json::object{{"confirm_within", "2s"}});
  REQUIRE(r2);
  auto confirmed = confirmed_step.confirm(*r2);
  REQUIRE_MESSAGE(confirmed, confirmed.error().message);
  std::this_thread::sleep_for(2500ms);
  CHECK_FALSE(pings(lab.attacker, NetnsLab::kVictimToAttacker4));
  CHECK(pings(lab.management, NetnsLab::kVictimToManagement4));
  REQUIRE(confirmed_step.undo(*confirmed));
  CHECK(lab.ruleset() == before);
}

TEST_CASE("firewall.isolate survives a ruleset flush through reconcile") {
  RESPONDER_REQUIRE_LAB();
  NetnsLab lab;
  NetnsStep step("firewall.isolate", lab.victim, "isolate-drift", lab_safety());
  auto receipt = step.apply(json::object{});
  REQUIRE(receipt);
  REQUIRE(lab.in_victim({"nft", "flush", "ruleset"}).status == 0);
  auto v = step.verify(&*receipt);
  REQUIRE(v);
  CHECK_FALSE(v->in_effect);
  REQUIRE(step.reconcile(*receipt, false));
  CHECK_FALSE(pings(lab.attacker, NetnsLab::kVictimToAttacker4));
  CHECK(pings(lab.management, NetnsLab::kVictimToManagement4));
  auto again = step.verify(&*receipt);
  REQUIRE(again);
  CHECK_MESSAGE(again->in_effect, again->detail);
  REQUIRE(step.undo(*receipt));
  CHECK(lab.in_victim({"nft", "list", "table", "inet", "responder"}).status != 0);
}
