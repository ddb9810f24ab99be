// Unpacking bundles nobody here made: every malformed header is a refusal
// with a reason, never an exception, a huge allocation or a write outside
// the destination. Cases found by tests/fuzz/tar_fuzzer.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>

#include "forensics/evidence/tar_reader.h"
#include "tests/support/process.h"

using namespace responder;
using namespace responder::evidence;
using responder::testing::TempDir;

namespace {

// One ustar header block of `type` for `name`, announcing `size` bytes.
std::string header(const std::string& name, char type, std::uint64_t size) {
  std::string block(512, '\0');
  std::memcpy(block.data(), name.data(), std::min<std::size_t>(name.size(), 100));
  std::snprintf(block.data() + 100, 8, "%07o", 0644);
  std::snprintf(block.data() + 124, 12, "%011llo", static_cast<unsigned long long>(size));
  block[156] = type;
  std::memcpy(block.data() + 257, "ustar\0" "00", 8);
  std::memset(block.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : block) sum += c;
  std::snprintf(block.data() + 148, 8, "%06o", sum);
  return block;
}

std::string padded(std::string data) { return data + std::string((512 - data.size() % 512) % 512, '\0'); }

std::string pax(const std::string& records) { return header("pax", 'x', records.size()) + padded(records); }

std::string end_of_archive() { return std::string(1024, '\0'); }

Status extract(const std::string& bytes, const TempDir& dir) {
  std::istringstream in(bytes);
  return extract_tar(in, "bundle.tar", dir.path());
}

}  // namespace

TEST_CASE("tar: a well-formed pax path and size are used") {
  TempDir dir;
  std::string bytes = pax("20 path=renamed.txt\n" "10 size=2\n") + header("ignored", '0', 5) + padded("hi") +
                      end_of_archive();
  REQUIRE(extract(bytes, dir));
  std::ifstream in(dir / "renamed.txt");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  CHECK(text == "hi");
}

TEST_CASE("tar: malformed pax records are refused, not thrown") {
  for (std::string records : {"xx path=a\n", "99999999999999999999999 path=a\n", "5 path=a\n", "12 path=a\n",
                              "8 size\n", "13 size=abc\n", "12 size=-1\n", "33 size=99999999999999999999999\n"}) {
    CAPTURE(records);
    TempDir dir;
    Status s = Status::success();
    CHECK_NOTHROW(s = extract(pax(records) + header("a", '0', 0) + end_of_archive(), dir));
    CHECK_FALSE(s);
  }
}

TEST_CASE("tar: a pax header larger than any bundle writes is refused before it is read") {
  TempDir dir;
  Status s = extract(header("pax", 'x', 077777777777) + end_of_archive(), dir);
  REQUIRE_FALSE(s);
  CHECK(s.error().message.find("larger than any bundle writes") != std::string::npos);
}

TEST_CASE("tar: a directory over a file of the same name is refused, not thrown") {
  TempDir dir;
  Status s = Status::success();
  CHECK_NOTHROW(s = extract(header("a", '0', 0) + header("a/b", '5', 0) + end_of_archive(), dir));
  CHECK_FALSE(s);
  CHECK_NOTHROW(s = extract(header("c", '0', 0) + header("c/d", '0', 0) + end_of_archive(), dir));
  CHECK_FALSE(s);
}

TEST_CASE("tar: a pax path with a NUL in it is refused") {
  TempDir dir;
  std::string records = std::string("14 path=..\0/x\n", 14);
  Status s = extract(pax(records) + header("a", '0', 0) + end_of_archive(), dir);
  REQUIRE_FALSE(s);
  CHECK(s.error().message.find("unsafe path") != std::string::npos);
}
