// Retry-After in both of its forms (RFC 9110 section 10.2.3).
#include "notify/channels/retry_after.h"

#include <doctest/doctest.h>

namespace responder::notify {
namespace {
using namespace std::chrono_literals;
// Sun, 06 Nov 1994 08:49:00 GMT
const auto kNow = std::chrono::system_clock::time_point(784111740s);
}  // namespace

TEST_CASE("retry after in delta-seconds") {
  CHECK(parse_retry_after("2", kNow) == 2000ms);
  CHECK(parse_retry_after(" 120 ", kNow) == 120s);
  CHECK(parse_retry_after("0", kNow) == 0ms);
  CHECK(parse_retry_after("99999999999999999999999", kNow) == std::chrono::milliseconds(24h));
}

TEST_CASE("retry after as an HTTP-date in each of the three forms") {
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kNow) == 37s);
  CHECK(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", kNow) == 37s);
  CHECK(parse_retry_after("Sun Nov  6 08:49:37 1994", kNow) == 37s);
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", kNow) == 0ms);   // past: no wait
  CHECK(parse_retry_after("Sun, 06 Nov 2094 08:00:00 GMT", kNow) == std::chrono::milliseconds(24h));
}

TEST_CASE("retry after that is neither form is nothing") {
  for (auto text : {"", "soon", "-5", "1.5", "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 CET",
                    "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Xyz 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT trailing"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_retry_after(text, kNow).has_value());
  }
}

TEST_CASE("Retry-After dates far from now (year 4526, year 1900) are the longest wait or none, without overflow") {
  auto now = std::chrono::system_clock::now();
  auto far = parse_retry_after("Sun, 06 Nov 4526 08:49:37 GMT", now);
  REQUIRE(far.has_value());
  CHECK(*far == std::chrono::milliseconds(std::chrono::hours(24)));
  auto past = parse_retry_after("Mon, 01 Jan 1900 00:00:00 GMT", now);
  REQUIRE(past.has_value());
  CHECK(past->count() == 0);
}

}  // namespace responder::notify
