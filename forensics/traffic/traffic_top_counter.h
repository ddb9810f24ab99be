// The heaviest keys of a stream in fixed memory (the Space-Saving algorithm
// of Metwally, Agrawal and El Abbadi).
//
// Guarantees: every key whose true count exceeds total/K is among the K
// entries; an entry's `count` overestimates its true count by at most its
// `error`. With at most K distinct keys, every count is exact.
//
// Cost: O(1) amortised per add, whatever the stream. This runs for every
// packet of a flood whose keys (spoofed sources) are nearly all new, so a
// miss must not walk the K entries twice. Keys are found through 32-bit
// fingerprints compared K at a time, and the entries holding the smallest
// count are kept as a bitmask that only needs rebuilding once all of them
// have grown. The entry replaced on a miss is the lowest-numbered one with
// the smallest count, and entries keep their slots, so the result (and the
// order `top` breaks ties in) is the same as a plain scan would give.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <type_traits>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace responder::traffic {

template <class Key, int K>
class TopCounter {
  static_assert(K > 0 && K <= 32 && K % 4 == 0, "entries are tracked in one 32-bit mask, fingerprints four at a time");

 public:
  struct Entry {
    Key key{};
    std::uint64_t count = 0;
    std::uint64_t error = 0;
  };

  void add(const Key& key, std::uint64_t weight = 1) {
    total_ += weight;
    const std::uint32_t tag = fingerprint(key);
    for (std::uint32_t candidates = matching(tag); candidates; candidates &= candidates - 1) {
      int i = std::countr_zero(candidates);
      if (keys_[i] == key) {
        grow(i, weight);
        return;
      }
    }
    if (used_ < K) {
      int i = used_++;
      keys_[i] = key;
      tags_[i] = tag;
      counts_[i] = weight;
      errors_[i] = 0;
      if (used_ == K) find_smallest();
      return;
    }
    int victim = std::countr_zero(smallest_);
    errors_[victim] = counts_[victim];
    keys_[victim] = key;
    tags_[victim] = tag;
    grow(victim, weight);
  }

  // Entries, heaviest first.
  std::vector<Entry> top() const {
    std::vector<Entry> out;
    out.reserve(static_cast<std::size_t>(used_));
    for (int i = 0; i < used_; ++i) out.push_back(Entry{keys_[i], counts_[i], errors_[i]});
    std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.count > b.count; });
    return out;
  }
  std::uint64_t total() const { return total_; }
  int size() const { return used_; }

 private:
  static std::uint32_t fingerprint(const Key& key) {
    if constexpr (std::is_integral_v<Key>) return static_cast<std::uint32_t>(key);
    else return key.fingerprint32();
  }

  // Bit i set when entry i (in use or not) has fingerprint `tag`.
  std::uint32_t matching(std::uint32_t tag) const {
    std::uint32_t mask = 0;
#if defined(__SSE2__)
    const __m128i wanted = _mm_set1_epi32(static_cast<int>(tag));
    for (int i = 0; i < K; i += 4) {
      __m128i four = _mm_load_si128(reinterpret_cast<const __m128i*>(tags_.data() + i));
      auto bits = static_cast<std::uint32_t>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(four, wanted))));
      mask |= bits << i;
    }
#else
    for (int i = 0; i < K; ++i) mask |= static_cast<std::uint32_t>(tags_[i] == tag) << i;
#endif
    // Unused entries can carry a stale or zero fingerprint; never report them.
    return used_ == K ? mask : mask & ((std::uint32_t{1} << used_) - 1);
  }

  void grow(int i, std::uint64_t weight) {
    counts_[i] += weight;
    // Only a full counter replaces entries, so only then is the minimum kept.
    if (used_ < K || !(smallest_ >> i & 1) || counts_[i] == smallest_count_) return;
    smallest_ &= ~(std::uint32_t{1} << i);
    if (!smallest_) find_smallest();
  }

  void find_smallest() {
    smallest_count_ = *std::min_element(counts_.begin(), counts_.end());
    smallest_ = 0;
    for (int i = 0; i < K; ++i) smallest_ |= static_cast<std::uint32_t>(counts_[i] == smallest_count_) << i;
  }

  alignas(16) std::array<std::uint32_t, K> tags_{};
  std::array<Key, K> keys_{};
  std::array<std::uint64_t, K> counts_{};
  std::array<std::uint64_t, K> errors_{};
  std::uint32_t smallest_ = 0;          // entries whose count is smallest_count_ (valid once full)
  std::uint64_t smallest_count_ = 0;
  int used_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace responder::traffic
