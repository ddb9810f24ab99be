// Capture files from elsewhere: whatever their headers say, a packet's time
// stays a representable instant. Cases found by tests/fuzz/packet_file_fuzzer.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "forensics/traffic/packet_source.h"
#include "tests/support/process.h"

using namespace responder;
using namespace responder::traffic;
using responder::testing::TempDir;

namespace {

std::string le32(std::uint32_t v) {
  return {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
}
std::string le16(std::uint16_t v) { return {static_cast<char>(v), static_cast<char>(v >> 8)}; }

std::string block(std::uint32_t type, std::string body) {
  body.append((4 - body.size() % 4) % 4, '\0');
  auto length = le32(static_cast<std::uint32_t>(body.size() + 12));
  return le32(type) + length + body + length;
}

// A pcapng file of one raw-IP interface in microseconds and one enhanced
// packet block stamped `timestamp` (in those units).
std::string pcapng(std::uint64_t timestamp) {
  std::string shb = block(0x0A0D0D0A, le32(0x1A2B3C4D) + le16(1) + le16(0) + std::string(8, '\xff'));
  std::string idb = block(1, le16(101) + le16(0) + le32(65535));
  std::string frame(20, '\0');
  frame[0] = 0x45;
  std::string epb = block(6, le32(0) + le32(static_cast<std::uint32_t>(timestamp >> 32)) +
                                 le32(static_cast<std::uint32_t>(timestamp)) + le32(20) + le32(20) + frame);
  return shb + idb + epb;
}

}  // namespace

TEST_CASE("packet source: a pcapng timestamp beyond the year 2262 is clamped to what system_clock holds") {
  TempDir dir;
  for (std::uint64_t stamp : {0xffffffffffffffffull, 0x8000000000000000ull, 0x0a2400ff00ff0000ull}) {
    CAPTURE(stamp);
    auto source = PacketSource::open_file(dir.write("far.pcapng", pcapng(stamp)));
    REQUIRE(source);
    PacketView view;
    auto next = source->next(view);
    REQUIRE(next);
    REQUIRE(*next == PacketSource::Next::packet);
    auto limit = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::duration::max()).count();
    CHECK(view.time_us / 1000000 == limit - 1);
    // What every reader of the time does with it.
    CHECK(std::chrono::system_clock::time_point(std::chrono::microseconds(view.time_us)) >
          std::chrono::system_clock::time_point());
  }
}

TEST_CASE("packet source: an ordinary pcapng timestamp is kept to the microsecond") {
  TempDir dir;
  auto source = PacketSource::open_file(dir.write("now.pcapng", pcapng(1700000000123456ull)));
  REQUIRE(source);
  PacketView view;
  REQUIRE(source->next(view));
  CHECK(view.time_us == 1700000000123456);
}
