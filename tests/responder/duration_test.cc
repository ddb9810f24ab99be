// Durations as parameters hold them: seconds as a number, or text.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "responder/duration.h"
#include "responder/value_type.h"

using namespace responder;
using namespace std::chrono_literals;

TEST_CASE("duration parameters: a number of seconds means what its text means") {
  CHECK(*duration_from_json(json::value(90)) == 90s);
  CHECK(*duration_from_json(json::value("90")) == 90s);
  CHECK(*duration_from_json(json::value("1m30s")) == 90s);
  CHECK(*duration_from_json(json::value(0)) == 0s);
  // The 100-year limit holds for numbers too, instead of overflowing.
  CHECK(duration_from_json(json::value(INT64_MAX)).error().message ==
        "'9223372036854775807' is not a duration (too large; e.g. 30s, 5m, 1h30m)");
  CHECK(duration_from_json(json::value(-5)).error().message == "expected a duration like 30s or 5m, found the number -5");
  CHECK(duration_from_json(json::value(1.5)).error().message.starts_with("expected a duration like 30s or 5m, found the number 1"));
  CHECK(duration_from_json(json::value("5 minutes")).error().message ==
        "'5 minutes' is not a duration (missing unit; e.g. 30s, 5m, 1h30m)");
  CHECK(duration_from_json(json::value(std::string(100'000, 'x'))).error().message.size() < 400);
}

TEST_CASE("duration parameters: absent or null is nullopt or the fallback, and the schema agrees") {
  json::object params{{"for", "5m"}, {"quiet", nullptr}, {"bad", "soon"}};
  CHECK(**duration_param(params, "for") == 5min);
  CHECK_FALSE(*duration_param(params, "quiet"));
  CHECK_FALSE(*duration_param(params, "missing"));
  CHECK(*duration_param(params, "missing", 60s) == 60s);
  CHECK(*duration_param(params, "for", 60s) == 5min);
  auto bad = duration_param(params, "bad");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == check_value(params.at("bad"), ValueType{TypeKind::duration}).error().message);
}
