// Reading table inet responder back from a listing: a listing torn by a
// resize of the kernel's hash table must never read as missing elements.
#include <doctest/doctest.h>

#include "containment/firewall/nft_table_state.h"

using namespace responder;
using namespace responder::firewall;

namespace {

json::array listing(json::array src4) {
  return json::array{
      json::object{{"table", json::object{{"family", "inet"}, {"name", "responder"}}}},
      json::object{{"set", json::object{{"family", "inet"}, {"table", "responder"}, {"name", "src4"}, {"elem", std::move(src4)}}}},
      json::object{{"set", json::object{{"family", "inet"}, {"table", "responder"}, {"name", "dst4"}}}},
  };
}

}  // namespace

TEST_CASE("a listing that names an element twice is torn, not a set with elements missing") {
  // What the kernel sent when the hash table was resized after two elements
  // of four: 192.0.2.2 a second time, and 192.0.2.3 never.
  auto torn = table_from_listing(listing(json::array{"192.0.2.1", "192.0.2.2", "192.0.2.2", "192.0.2.4"}), true);
  REQUIRE(torn);
  CHECK(torn->torn == std::set<std::string>{"src4"});

  auto whole = table_from_listing(listing(json::array{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"}), true);
  REQUIRE(whole);
  CHECK(whole->torn.empty());
  CHECK(whole->state.keys("src4").size() == 4);
  CHECK(whole->state.has_set("dst4"));
  CHECK(whole->state.present);

  // The same element listed with and without its timeout is still the same element.
  auto timed = table_from_listing(
      listing(json::array{"192.0.2.1", json::object{{"elem", json::object{{"val", "192.0.2.1"}, {"timeout", 30}}}}}), true);
  REQUIRE(timed);
  CHECK(timed->torn == std::set<std::string>{"src4"});
}
