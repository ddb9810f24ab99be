// Reading firewall.block's addresses with the engine's range parser: a value
// the schema refuses, the firewall refuses in the same words, with the place.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "containment/firewall/firewall_block_targets.h"
#include "responder/value_type.h"

using namespace responder;
using namespace responder::firewall;

namespace {

std::string schema_message(const char* text) {
  auto check = check_value(json::value(text), ValueType{TypeKind::ip_range});
  REQUIRE_FALSE(check);
  return check.error().message;
}

}  // namespace

TEST_CASE("firewall addresses: refused as the schema refuses them, with the place") {
  for (const char* text : {"192.0.2.9-192.0.2.1", "192.0.2.1-2001:db8::1", "192.0.2.5/24", "", "999.0.2.1"}) {
    INFO(text);
    auto targets = read_block_targets(json::object{{"addresses", json::array{text}}}, nullptr);
    REQUIRE_FALSE(targets);
    CHECK(targets.error().message == "addresses[0]: " + schema_message(text));
  }
}

TEST_CASE("firewall addresses_file: one range a line, white space and comments around it") {
  auto path = std::filesystem::temp_directory_path() / ("block_targets_" + std::to_string(::getpid()) + ".txt");
  {
    std::ofstream out(path);
    out << "# attackers\r\n  192.0.2.7\t# the scanner\r\n\t198.51.100.0/24 \r\n\r\n2001:db8::1-2001:db8::9\n192.0.2.9-192.0.2.1\n";
  }
  auto targets = read_block_targets(json::object{{"addresses_file", path.string()}}, nullptr);
  REQUIRE_FALSE(targets);
  CHECK(targets.error().message == path.string() + ":6: " + schema_message("192.0.2.9-192.0.2.1"));
  {
    std::ofstream out(path);
    out << "  192.0.2.7\t# the scanner\r\n\t198.51.100.0/24 \r\n2001:db8::1-2001:db8::9\n";
  }
  targets = read_block_targets(json::object{{"addresses_file", path.string()}}, nullptr);
  std::filesystem::remove(path);
  REQUIRE(targets);
  CHECK(targets->hosts4.size() == 1);
  CHECK(targets->nets4.size() == 1);
  CHECK(targets->nets6.size() == 1);
}
