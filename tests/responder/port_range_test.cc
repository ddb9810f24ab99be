// The port grammar: 22, "22" or "1000-2000"; no kernel needed.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "responder/port_range.h"
#include "responder/value_type.h"

using namespace responder;

namespace {

std::string message_for(const json::value& value) {
  auto range = parse_port_range(value);
  REQUIRE_FALSE(range);
  CHECK(range.error().kind == ErrorKind::bad_input);
  return range.error().message;
}

}  // namespace

TEST_CASE("ports: a number, one port as text, or a range") {
  CHECK(*parse_port_range(json::value(22)) == PortRange{22, 22});
  CHECK(*parse_port_range(json::value(std::uint64_t{443})) == PortRange{443, 443});
  CHECK(*parse_port_range(json::value("80")) == PortRange{80, 80});
  CHECK(*parse_port_range(json::value("1000-2000")) == PortRange{1000, 2000});
  CHECK(*parse_port_range(json::value("1-65535")) == PortRange{1, 65535});
  CHECK(*parse_port_range(json::value("53-53")) == PortRange{53, 53});
  CHECK(*parse_port_range(json::value("0080")) == PortRange{80, 80});
}

TEST_CASE("ports: out of range, backwards and malformed are refused, named in quotes") {
  CHECK(message_for(json::value(0)) == "port 0 is out of range 1-65535");
  CHECK(message_for(json::value(65536)) == "port 65536 is out of range 1-65535");
  CHECK(message_for(json::value(-1)) == "port -1 is out of range 1-65535");
  CHECK(message_for(json::value(std::uint64_t{0})) == "port 0 is out of range 1-65535");
  CHECK(message_for(json::value(UINT64_MAX)) == "port 18446744073709551615 is out of range 1-65535");
  CHECK(message_for(json::value("0")) == "port '0' is out of range 1-65535");
  CHECK(message_for(json::value("65536")) == "port '65536' is out of range 1-65535");
  CHECK(message_for(json::value("99999999999999999999999")) == "port '99999999999999999999999' is out of range 1-65535");
  CHECK(message_for(json::value("5-3")) == "port range '5-3' runs backwards");
  CHECK(message_for(json::value("1000-70000")) == "port range '1000-70000': port '70000' is out of range 1-65535");
  CHECK(message_for(json::value("")) == "'' is not a port number");
  CHECK(message_for(json::value("-")) == "port range '-': '' is not a port number");
  CHECK(message_for(json::value("-80")) == "port range '-80': '' is not a port number");
  CHECK(message_for(json::value("80-")) == "port range '80-': '' is not a port number");
  CHECK(message_for(json::value("1--5")) == "port range '1--5': '-5' is not a port number");
  CHECK(message_for(json::value("1-2-3")) == "port range '1-2-3': '2-3' is not a port number");
  CHECK(message_for(json::value("+80")) == "'+80' is not a port number");
  CHECK(message_for(json::value("http")) == "'http' is not a port number");
  CHECK(message_for(json::value("0x50")) == "'0x50' is not a port number");
  CHECK(message_for(json::value(80.5)).starts_with("expected a port or port range like 1000-2000, found the number 8"));
  CHECK(message_for(json::value(true)) == "expected a port or port range like 1000-2000, found true");
  CHECK(message_for(json::value(nullptr)) == "expected a port or port range like 1000-2000, found nothing");
}

TEST_CASE("ports: white space and control bytes are not trimmed") {
  CHECK(message_for(json::value(" 80")) == "' 80' is not a port number");
  CHECK(message_for(json::value("80\n")) == "'80\\n' is not a port number");
  CHECK(message_for(json::value("1000 - 2000")) == "port range '1000 - 2000': '1000 ' is not a port number");
  CHECK(message_for(json::value(json::string(std::string_view("80\0", 3)))) == "'80\\x00' is not a port number");
}

TEST_CASE("ports: a 100,000-character text gives a short message") {
  for (std::string text : {std::string(100'000, '9'), std::string(100'000, 'a'), std::string(100'000, '-'),
                           "1-" + std::string(99'998, '9')}) {
    auto message = message_for(json::value(text));
    CHECK(message.size() < 400);
    CHECK(message.find(" bytes)") != std::string::npos);
  }
}

TEST_CASE("ports: the schema's port and portrange checks say what the parser says") {
  ValueType port{TypeKind::port}, range{TypeKind::port_range};
  for (json::value value : {json::value(0), json::value(70000), json::value("0"), json::value("5-3"),
                            json::value("65536"), json::value(" 80"), json::value("1-x"), json::value(1.5)}) {
    INFO(to_json_text(value));
    auto check = check_value(value, range);
    REQUIRE_FALSE(check);
    CHECK(check.error().message == message_for(value));
  }
  CHECK(check_value(json::value(70000), port).error().message == message_for(json::value(70000)));
  CHECK(check_value(json::value(22), port));
  CHECK(check_value(json::value("1000-2000"), range));
  // `port` is a number only, as before.
  CHECK(check_value(json::value("80"), port).error().message == "expected a port number (1-65535), found '80'");
}
