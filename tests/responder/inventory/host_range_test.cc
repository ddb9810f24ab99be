// Host ranges as Ansible expands them.
#include <doctest/doctest.h>

#include "responder/inventory/host_address.h"
#include "responder/inventory/host_range.h"

using namespace responder;
using namespace responder::inventory;

namespace {
std::vector<std::string> expand(const std::string& pattern, std::size_t limit = 1000) {
  auto r = expand_host_range(pattern, limit);
  if (!r) FAIL(r.error().message);
  return *r;
}
std::string range_error(const std::string& pattern, std::size_t limit = 1000) {
  auto r = expand_host_range(pattern, limit);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::bad_input);
  return r.error().message;
}
}  // namespace

TEST_CASE("inventory: ranges expand numbers, padded numbers, letters and strides") {
  CHECK(expand("web01") == std::vector<std::string>{"web01"});
  CHECK(expand("web[1:3]") == std::vector<std::string>{"web1", "web2", "web3"});
  CHECK(expand("web[01:03].example.org") ==
        std::vector<std::string>{"web01.example.org", "web02.example.org", "web03.example.org"});
  CHECK(expand("db-[a:c]") == std::vector<std::string>{"db-a", "db-b", "db-c"});
  CHECK(expand("h[1:10:3]") == std::vector<std::string>{"h1", "h4", "h7", "h10"});
  CHECK(expand("h[:2]") == std::vector<std::string>{"h0", "h1", "h2"});
  CHECK(expand("r[1:2]-n[a:b]") == std::vector<std::string>{"r1-na", "r1-nb", "r2-na", "r2-nb"});
  // Python's string.ascii_letters.index is a substring search: "ab" is found.
  CHECK(expand("x[ab:d]") == std::vector<std::string>{"xa", "xb", "xc", "xd"});
  CHECK(expand("h[3:1]").empty());  // Python's range(3, 2) is empty
  CHECK(expand("h[5:1:-2]") == std::vector<std::string>{"h5", "h3"});
}

TEST_CASE("inventory: malformed ranges are refused with Ansible's reasons") {
  CHECK(range_error("h[1]") == "host range must be begin:end or begin:end:step");
  CHECK(range_error("h[1:2:3:4]") == "host range must be begin:end or begin:end:step");
  CHECK(range_error("h[1:]") == "host range must specify end value");
  CHECK(range_error("h[01:100]") == "host range must specify equal-length begin and end formats");
  CHECK(range_error("h[c:a]") == "host range must have begin <= end");
  CHECK(range_error("h[1:x]").find("neither numbers nor letters") != std::string::npos);
  CHECK(range_error("h[1:2:0]").find("cannot be zero") != std::string::npos);
  CHECK(range_error("h[1:2").find("no closing") != std::string::npos);
}

TEST_CASE("inventory: a huge range fails at once instead of filling memory") {
  CHECK(range_error("h[0:99999999999999]", 100000).find("more than 100000 hosts") != std::string::npos);
  CHECK(range_error("h[0:999][0:999]", 100000).find("more than 100000 hosts") != std::string::npos);
  CHECK(range_error("h[0:9223372036854775807]", 100000).find("more than") != std::string::npos);
  CHECK(range_error(std::string(5000, 'a') + "[1:2]").find("longer than") != std::string::npos);
  CHECK(expand("h[1:4]", 4).size() == 4);
  CHECK(range_error("h[1:5]", 4).find("more than 4 hosts") != std::string::npos);
}

TEST_CASE("inventory: host entries split into name and port as Ansible's parse_address does") {
  auto a = parse_host_address("web01:2222");
  REQUIRE(a);
  CHECK(a->host == "web01");
  CHECK(*a->port == 2222);
  a = parse_host_address("web[01:10].example.org:22");
  REQUIRE(a);
  CHECK(a->host == "web[01:10].example.org");
  a = parse_host_address("[2001:db8::1]:2022");
  REQUIRE(a);
  CHECK(a->host == "2001:db8::1");
  CHECK(*a->port == 2022);
  a = parse_host_address("2001:db8::1");
  REQUIRE(a);
  CHECK_FALSE(a->port);
  a = parse_host_address("192.0.2.[1:3]");
  REQUIRE(a);
  CHECK_FALSE(parse_host_address("bad$name:22"));
  CHECK_FALSE(parse_host_address("-leading"));
  CHECK_FALSE(parse_host_address("trailing-"));
  CHECK_FALSE(parse_host_address("a:b"));
}
