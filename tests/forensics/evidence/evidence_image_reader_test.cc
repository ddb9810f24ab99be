// The image reader: unreadable sectors are zero-filled and listed.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "forensics/evidence/evidence_image_reader.h"

using namespace responder;
using namespace responder::evidence;

TEST_CASE("image reads zero-fill unreadable sectors and list them") {
  // /proc/self/mem fails with EIO where nothing is mapped: three pages, the
  // middle one unmapped, stand in for a disk with a bad stretch.
  long page = sysconf(_SC_PAGESIZE);
  auto* region = static_cast<unsigned char*>(
      ::mmap(nullptr, static_cast<std::size_t>(3 * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  REQUIRE(region != MAP_FAILED);
  std::memset(region, 'A', static_cast<std::size_t>(page));
  std::memset(region + 2 * page, 'C', static_cast<std::size_t>(page));
  REQUIRE(::munmap(region + page, static_cast<std::size_t>(page)) == 0);
  int fd = ::open("/proc/self/mem", O_RDONLY);
  REQUIRE(fd >= 0);
  std::vector<std::byte> into(static_cast<std::size_t>(3 * page), std::byte{0x55});
  json::array errors;
  std::uint64_t zero_filled = 0;
  auto base = reinterpret_cast<std::uint64_t>(region);
  auto got = read_with_zero_fill(fd, into.data(), into.size(), base, errors, zero_filled);
  ::close(fd);
  ::munmap(region, static_cast<std::size_t>(page));
  ::munmap(region + 2 * page, static_cast<std::size_t>(page));
  CHECK(got == into.size());
  CHECK(zero_filled == static_cast<std::uint64_t>(page));
  REQUIRE(errors.size() == 1);  // one merged range, not one per sector
  CHECK(errors[0].at("offset").to_number<std::uint64_t>() == base + static_cast<std::uint64_t>(page));
  CHECK(errors[0].at("length").to_number<std::uint64_t>() == static_cast<std::uint64_t>(page));
  CHECK(std::string(errors[0].at("error").as_string()).find("Input/output error") != std::string::npos);
  CHECK(into[0] == std::byte{'A'});
  CHECK(into[static_cast<std::size_t>(page) + 5] == std::byte{0});
  CHECK(into[static_cast<std::size_t>(2 * page)] == std::byte{'C'});
}
