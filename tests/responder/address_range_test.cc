// The address range grammar and range arithmetic; no kernel needed.
#include <doctest/doctest.h>

#include <string>

#include "responder/address_range.h"
#include "responder/value_type.h"

using namespace responder;

namespace {

AddressRange R(const char* text) { return *parse_address_range(text); }

AddressRange R(const char* first, const char* last) { return {*parse_ip(first), *parse_ip(last)}; }

std::string message_for(std::string_view text) {
  auto range = parse_address_range(text);
  REQUIRE_FALSE(range);
  CHECK(range.error().kind == ErrorKind::bad_input);
  return range.error().message;
}

}  // namespace

TEST_CASE("address ranges: an address, a prefix or first-last of one family") {
  CHECK(R("192.0.2.7") == R("192.0.2.7", "192.0.2.7"));
  CHECK(R("192.0.2.7").single());
  CHECK(R("192.0.2.0/24") == R("192.0.2.0", "192.0.2.255"));
  CHECK(R("2001:db8::/64") == R("2001:db8::", "2001:db8::ffff:ffff:ffff:ffff"));
  CHECK(R("2001:db8::1-2001:db8::9") == R("2001:db8::1", "2001:db8::9"));
  CHECK(R("192.0.2.5-192.0.2.5").single());
  CHECK(R("0.0.0.0/0").everything());
  CHECK(R("::/0").everything());
  CHECK(R("0.0.0.0-255.255.255.255").everything());
  CHECK_FALSE(R("0.0.0.0/1").everything());
}

TEST_CASE("address ranges: bad text is refused, named in quotes") {
  CHECK(message_for("") == "'' is not an address or CIDR prefix");
  CHECK(message_for("192.0.2.5/24") == "'192.0.2.5/24' has host bits set; did you mean 192.0.2.0/24?");
  CHECK(message_for("192.0.2.0/33") == "'192.0.2.0/33' has a bad prefix length (0-32)");
  CHECK(message_for("192.0.2.9-192.0.2.1") == "address range '192.0.2.9-192.0.2.1' runs backwards");
  CHECK(message_for("2001:db8::9-2001:db8::1") == "address range '2001:db8::9-2001:db8::1' runs backwards");
  CHECK(message_for("192.0.2.1-2001:db8::1") == "address range '192.0.2.1-2001:db8::1' mixes IPv4 and IPv6");
  CHECK(message_for("2001:db8::1-192.0.2.1") == "address range '2001:db8::1-192.0.2.1' mixes IPv4 and IPv6");
  CHECK(message_for("192.0.2.1-") == "address range '192.0.2.1-': '' is not an IP address");
  CHECK(message_for("-192.0.2.1") == "address range '-192.0.2.1': '' is not an IP address");
  CHECK(message_for("192.0.2.1-192.0.2.9-192.0.2.20") ==
        "address range '192.0.2.1-192.0.2.9-192.0.2.20': '192.0.2.9-192.0.2.20' is not an IP address");
  CHECK(message_for("192.0.2.1/24-192.0.2.9") ==
        "address range '192.0.2.1/24-192.0.2.9': '192.0.2.1/24' is not an IP address");
  CHECK(message_for("192.0.2.256") == "'192.0.2.256' is not an address or CIDR prefix");
}

TEST_CASE("address ranges: white space, control bytes and NUL are not trimmed or ignored") {
  CHECK(message_for(" 192.0.2.7") == "' 192.0.2.7' is not an address or CIDR prefix");
  CHECK(message_for("192.0.2.7\r") == "'192.0.2.7\\r' is not an address or CIDR prefix");
  CHECK(message_for("192.0.2.1 - 192.0.2.9") == "address range '192.0.2.1 - 192.0.2.9': '192.0.2.1 ' is not an IP address");
  CHECK(message_for("192.0.2.1\n192.0.2.9") == "'192.0.2.1\\n192.0.2.9' is not an address or CIDR prefix");
  CHECK(message_for(std::string_view("192.0.2.7\0junk", 14)) == "'192.0.2.7\\x00junk' is not an address or CIDR prefix");
}

TEST_CASE("address ranges: a 100,000-character text gives a short message") {
  for (std::string text : {std::string(100'000, '1'), std::string(50'000, '1') + "-" + std::string(49'999, '2'),
                           "192.0.2.1-" + std::string(100'000, ':')}) {
    auto message = message_for(text);
    CHECK(message.size() < 400);
    CHECK(message.find(std::to_string(text.size()) + " bytes") != std::string::npos);
  }
}

TEST_CASE("address ranges: the schema's iprange check says what the parser says") {
  ValueType iprange{TypeKind::ip_range};
  for (const char* text : {"", "192.0.2.9-192.0.2.1", "192.0.2.1-2001:db8::1", "192.0.2.5/24", " 192.0.2.7", "nope-192.0.2.1"}) {
    INFO(text);
    auto check = check_value(json::value(text), iprange);
    REQUIRE_FALSE(check);
    CHECK(check.error().message == message_for(text));
  }
  CHECK(check_value(json::value("192.0.2.10-192.0.2.20"), iprange));
  CHECK(check_value(json::value(7), iprange).error().message ==
        "expected an address, CIDR prefix or range like 192.0.2.10-192.0.2.20, found the number 7");
}

TEST_CASE("address ranges decompose into prefixes, merge and subtract") {
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
  CHECK(m[0] == R("192.0.2.0/24"));
  CHECK(m[1] == R("198.51.100.1"));

  auto gaps = subtract(R("203.0.113.0/24"), {R("203.0.113.0/25"), R("203.0.113.200")});
  REQUIRE(gaps.size() == 2);
  CHECK(gaps[0] == R("203.0.113.128-203.0.113.199"));
  CHECK(gaps[1] == R("203.0.113.201-203.0.113.255"));
  CHECK(subtract(R("203.0.113.0/26"), {R("203.0.113.0/24")}).empty());
  auto end = subtract(R("255.255.255.0/24"), {R("255.255.255.0/25")});
  REQUIRE(end.size() == 1);
  CHECK(end[0] == R("255.255.255.128/25"));
}
