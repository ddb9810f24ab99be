// The manifest's JSON rendering: the same bytes for every string and number
// as Boost.JSON's own serializer, and a document that parses back unchanged.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

#include "forensics/evidence/evidence_manifest.h"

using namespace responder;
using namespace responder::evidence;

TEST_CASE("manifest rendering escapes every string exactly as Boost.JSON does and round-trips") {
  std::string every_byte;
  for (int c = 1; c < 128; ++c) every_byte += static_cast<char>(c);
  every_byte += "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92";  // é € and a 4-byte character
  for (const json::value& v : {json::value(every_byte), json::value(""), json::value("quote \" and \\ slash /"),
                               json::value(std::numeric_limits<std::int64_t>::min()),
                               json::value(std::numeric_limits<std::uint64_t>::max()), json::value(0), json::value(true),
                               json::value(nullptr), json::value(1.5)}) {
    CHECK(pretty_json(v) == to_json_text(v) + "\n");
  }
  json::object doc{{"key \n with\ttabs", every_byte}, {"n", -42}, {"list", json::array{1, "two", false, nullptr}},
                   {"nested", json::object{{"empty", json::object{}}, {"none", json::array{}}}}};
  CHECK(parse_json(pretty_json(doc)) == json::value(doc));
}
