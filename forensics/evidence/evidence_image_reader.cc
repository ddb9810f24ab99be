#include "forensics/evidence/evidence_image_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace responder::evidence {

std::size_t read_with_zero_fill(int fd, std::byte* into, std::size_t n, std::uint64_t offset, json::array& errors,
                                std::uint64_t& zero_filled) {
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, into + got, n - got, static_cast<off_t>(offset + got));
    if (r > 0) {
      got += static_cast<std::size_t>(r);
      continue;
    }
    if (r == 0) return got;  // end of source
    if (errno == EINTR) continue;
    int err = errno;
    // Retry up to the next sector boundary (absolute offsets, as devices see them).
    std::uint64_t at = offset + got;
    std::size_t end = std::min<std::size_t>(n, got + static_cast<std::size_t>(kImageSector - at % kImageSector));
    ssize_t one = ::pread(fd, into + got, end - got, static_cast<off_t>(at));
    if (one > 0) {
      got += static_cast<std::size_t>(one);
      continue;
    }
    if (one == 0) return got;
    std::string why = std::strerror(one < 0 ? errno : err);
    std::memset(into + got, 0, end - got);
    std::uint64_t length = end - got;
    zero_filled += length;
    got = end;
    if (!errors.empty()) {
      auto& last = errors.back().as_object();
      std::uint64_t last_end = last["offset"].to_number<std::uint64_t>() + last["length"].to_number<std::uint64_t>();
      if (last_end == at && last["error"].as_string() == why) {
        last["length"] = last["length"].to_number<std::uint64_t>() + length;
        continue;
      }
    }
    json::object range;
    range["offset"] = at;
    range["length"] = length;
    range["error"] = why;
    errors.emplace_back(std::move(range));
  }
  return got;
}

}  // namespace responder::evidence
