// The firewall reads ports and durations with the engine's
// parsers: a value the schema refuses, the firewall refuses in the same words.
#include <doctest/doctest.h>

#include <string>

#include "containment/firewall/firewall_params.h"
#include "responder/value_type.h"

using namespace responder;
using namespace responder::firewall;
using namespace std::chrono_literals;

namespace {

std::string schema_message(const json::value& value, TypeKind kind) {
  auto check = check_value(value, ValueType{kind});
  REQUIRE_FALSE(check);
  return check.error().message;
}

}  // namespace

TEST_CASE("firewall ports: merged and sorted, refused as the schema refuses them") {
  auto ports = ports_param(json::array{"1000-2000", 22, "1500-2500", "21"});
  REQUIRE(ports);
  REQUIRE(ports->size() == 2);
  CHECK((*ports)[0] == PortRange{21, 22});
  CHECK((*ports)[1] == PortRange{1000, 2500});
  for (json::value value : {json::value("5-3"), json::value("65536"), json::value(0), json::value(""), json::value("x")}) {
    INFO(to_json_text(value));
    auto firewall = ports_param(json::array{value});
    REQUIRE_FALSE(firewall);
    CHECK(firewall.error().message == schema_message(value, TypeKind::port_range));
  }
}

TEST_CASE("firewall durations: whole seconds, at least one, refused as the schema refuses them") {
  json::object params{{"expires", "1500ms"}, {"confirm_within", 90}, {"zero", 0}, {"bad", "5 minutes"}};
  CHECK(**whole_seconds_param(params, "expires") == 2s);
  CHECK(**whole_seconds_param(params, "confirm_within") == 90s);
  CHECK_FALSE(*whole_seconds_param(params, "absent"));
  CHECK(whole_seconds_param(params, "zero").error().message == "zero must be at least one second");
  CHECK(whole_seconds_param(params, "bad").error().message == schema_message(params.at("bad"), TypeKind::duration));
}
