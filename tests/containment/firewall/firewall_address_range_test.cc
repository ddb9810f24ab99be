// Range arithmetic behind exact receipts; no kernel needed.
#include <doctest/doctest.h>

#include "containment/firewall/firewall_address_range.h"
#include "containment/firewall/nft_table_state.h"

using namespace responder;
using namespace responder::firewall;

namespace {
AddressRange R(const char* text) { return *parse_address_range(text); }
}

TEST_CASE("address ranges parse and decompose into prefixes and subtract") {
  CHECK(canonical(R("192.0.2.0/24")) == "192.0.2.0-192.0.2.255");
  CHECK(canonical(R("192.0.2.7")) == "192.0.2.7");
  CHECK(canonical(R(" 2001:db8::1-2001:db8::9 ")) == "2001:db8::1-2001:db8::9");
  CHECK_FALSE(parse_address_range("192.0.2.9-192.0.2.1"));
  CHECK_FALSE(parse_address_range("192.0.2.1-2001:db8::1"));
  CHECK_FALSE(parse_address_range("192.0.2.5/24"));
  CHECK(R("0.0.0.0/0").everything());
  CHECK(R("::/0").everything());
  CHECK_FALSE(R("0.0.0.0/1").everything());

  auto p = prefixes_of(R("192.0.2.1-192.0.2.6"));
  REQUIRE(p.size() == 4);
  CHECK(p[0].to_string() == "192.0.2.1");
  CHECK(p[1].to_string() == "192.0.2.2/31");
  CHECK(p[2].to_string() == "192.0.2.4/31");
  CHECK(p[3].to_string() == "192.0.2.6");
  CHECK(prefixes_of(R("0.0.0.0/0")).size() == 1);
  CHECK(prefixes_of(R("::/0")).size() == 1);

  auto m = merged({R("192.0.2.0/25"), R("192.0.2.128/25"), R("198.51.100.1")});
  REQUIRE(m.size() == 2);
  CHECK(canonical(m[0]) == "192.0.2.0-192.0.2.255");

  auto gaps = subtract(R("203.0.113.0/24"), {R("203.0.113.0/25"), R("203.0.113.200")});
  REQUIRE(gaps.size() == 2);
  CHECK(canonical(gaps[0]) == "203.0.113.128-203.0.113.199");
  CHECK(canonical(gaps[1]) == "203.0.113.201-203.0.113.255");
  CHECK(subtract(R("203.0.113.0/26"), {R("203.0.113.0/24")}).empty());
  auto end = subtract(R("255.255.255.0/24"), {R("255.255.255.0/25")});
  REQUIRE(end.size() == 1);
  CHECK(canonical(end[0]) == "255.255.255.128-255.255.255.255");
}

TEST_CASE("element keys agree between what we build and what nft lists") {
  CHECK(*element_key(nft_value(R("192.0.2.0/24"))) == *element_key(parse_json(R"({"prefix":{"addr":"192.0.2.0","len":24}})")));
  CHECK(*element_key(parse_json(R"({"elem":{"val":"2001:DB8::1","timeout":3,"expires":2}})")) == "2001:db8::1");
  CHECK(*element_key(parse_json(R"({"concat":["192.0.2.7","tcp",{"range":[1000,2000]}]})")) == "192.0.2.7 . 6 . 1000-2000");
  // nft names the protocol only where /etc/protocols exists; both spellings
  // must be the same element.
  CHECK(*element_key(parse_json(R"({"concat":["192.0.2.7","udp",53]})")) ==
        *element_key(parse_json(R"({"concat":["192.0.2.7",17,53]})")));
  CHECK(*element_key(parse_json(R"({"range":["198.51.100.3","198.51.100.9"]})")) == "198.51.100.3-198.51.100.9");
}
