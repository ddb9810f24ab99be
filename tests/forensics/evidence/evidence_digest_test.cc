// Stream hashing (evidence_digest): the whole and per-chunk SHA-256 of what
// is written, inline or on a thread, and the sink that sees every byte.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>

#include "forensics/evidence/evidence_digest.h"

using namespace responder;
using namespace responder::evidence;

TEST_CASE("stream hashing: whole and per-chunk SHA-256 match one-shot hashes, threaded or not") {
  std::mt19937 random(7);
  for (bool threaded : {false, true}) {
    for (std::size_t size : {0, 1, 999, 1000, 1001, 2500, 4000, 4096 * 3 + 17}) {
      std::string data(size, '\0');
      for (auto& c : data) c = static_cast<char>(random());
      StreamHasher hasher(1000, threaded, 256, 3);
      std::size_t at = 0;
      while (at < size) {
        auto block = hasher.acquire();
        std::size_t n = std::min(block.size() - (at % 3), size - at);  // uneven blocks
        std::memcpy(block.data(), data.data() + at, n);
        hasher.submit(n);
        at += n;
      }
      auto digest = hasher.finish();
      INFO("size " << size << (threaded ? " threaded" : " inline"));
      CHECK(digest.size == size);
      CHECK(digest.sha256 == sha256_hex(data));
      std::size_t chunks = size == 0 ? 1 : (size + 999) / 1000;
      REQUIRE(digest.chunks.size() == chunks);
      for (std::size_t i = 0; i < chunks; ++i)
        CHECK(digest.chunks[i] == sha256_hex(std::string_view(data).substr(i * 1000, 1000)));
    }
  }
}

TEST_CASE("stream hashing: a sink sees every byte in order, and its first error stops it") {
  std::mt19937 random(11);
  std::string data(4096 * 5 + 333, '\0');
  for (auto& c : data) c = static_cast<char>(random());
  for (bool threaded : {false, true}) {
    INFO((threaded ? "threaded" : "inline"));
    std::string seen;
    StreamHasher hasher(1000, threaded, 4096, 3, [&](const std::byte* p, std::size_t n) {
      seen.append(reinterpret_cast<const char*>(p), n);
      return 0;
    });
    for (std::size_t at = 0; at < data.size();) {
      auto block = hasher.acquire();
      CHECK(reinterpret_cast<std::uintptr_t>(block.data()) % StreamHasher::kBlockAlignment == 0);
      std::size_t n = std::min(block.size(), data.size() - at);
      std::memcpy(block.data(), data.data() + at, n);
      hasher.submit(n);
      at += n;
    }
    auto digest = hasher.finish();
    CHECK(hasher.sink_error() == 0);
    CHECK(seen == data);
    CHECK(digest.sha256 == sha256_hex(data));

    int calls = 0;
    StreamHasher failing(1000, threaded, 4096, 3, [&](const std::byte*, std::size_t) { return ++calls == 2 ? EIO : 0; });
    for (int i = 0; i < 5; ++i) {
      failing.acquire();
      failing.submit(4096);
    }
    failing.finish();
    CHECK(failing.sink_error() == EIO);
    CHECK(calls == 2);
  }
}
