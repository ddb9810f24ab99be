// Reading a source for a forensic image: every readable byte as it is, and
// unreadable sectors replaced by zeros and listed, so the image keeps the
// source's layout and says exactly where it differs from it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "responder/json.h"

namespace responder::evidence {

inline constexpr std::size_t kImageSector = 512;

// Reads [offset, offset + n) of `fd` into `into` with pread(2). A stretch that
// fails is retried once up to the next 512-byte boundary; if it still fails,
// that sector is zero-filled and recorded in `errors` as
// {"offset", "length", "error"} (adjacent sectors with the same error are
// merged), and `zero_filled` grows by its length. Returns the bytes placed:
// n, or fewer only at the end of the source.
std::size_t read_with_zero_fill(int fd, std::byte* into, std::size_t n, std::uint64_t offset, json::array& errors,
                                std::uint64_t& zero_filled);

}  // namespace responder::evidence
