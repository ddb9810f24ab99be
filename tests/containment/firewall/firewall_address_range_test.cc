// Ranges as nftables holds them, behind exact receipts; no kernel needed.
#include <doctest/doctest.h>

#include "containment/firewall/firewall_address_range.h"
#include "containment/firewall/nft_table_state.h"

using namespace responder;
using namespace responder::firewall;

namespace {
AddressRange R(const char* text) { return *parse_address_range(text); }
}

TEST_CASE("ranges as nftables is given them and as people read them") {
  CHECK(canonical(R("192.0.2.0/24")) == "192.0.2.0-192.0.2.255");
  CHECK(canonical(R("192.0.2.7")) == "192.0.2.7");
  CHECK(canonical(R("2001:db8::1-2001:db8::9")) == "2001:db8::1-2001:db8::9");
  CHECK(readable(R("192.0.2.0-192.0.2.255")) == "192.0.2.0/24");
  CHECK(readable(R("192.0.2.1-192.0.2.6")) == "192.0.2.1-192.0.2.6");
  CHECK(to_json_text(nft_value(R("192.0.2.7"))) == R"("192.0.2.7")");
  CHECK(to_json_text(nft_value(R("192.0.2.1-192.0.2.6"))) == R"({"range":["192.0.2.1","192.0.2.6"]})");
  CHECK(*range_from_nft(nft_value(R("2001:db8::/64"))) == R("2001:db8::/64"));
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
