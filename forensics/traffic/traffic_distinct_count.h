// Counting distinct things (sources, flows, hosts) in bounded memory.
//
// Exact while small: up to kExact hashes are kept inline, so the common case
// (one scanner, one target, a handful of flows) costs no allocation and has
// no error. Beyond that it switches to a HyperLogLog sketch with 2^precision
// one-byte registers (precision 10: 1 KiB, about 3% standard error; 14:
// 16 KiB, about 0.8%). This is what keeps memory bounded when a spoofed
// flood brings millions of distinct source addresses: the count stays
// accurate to a few percent while the memory stays fixed.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <memory>

namespace responder::traffic {

class DistinctCount {
 public:
  static constexpr int kExact = 8;
  explicit DistinctCount(int precision = 10) : precision_(static_cast<std::uint8_t>(precision)) {}
  DistinctCount(const DistinctCount& other);
  DistinctCount& operator=(const DistinctCount& other);
  DistinctCount(DistinctCount&&) noexcept = default;
  DistinctCount& operator=(DistinctCount&&) noexcept = default;

  // `hash` must be a well-mixed 64-bit hash (see mix64). Inline: it runs
  // three times for every packet.
  void add(std::uint64_t hash) {
    if (!registers_) {
      if (add_exact(hash)) return;
      promote();
    }
    std::uint64_t index = hash >> (64 - precision_);
    std::uint64_t rest = hash << precision_;
    // Rank of the first set bit in the remaining bits, capped for an all-zero rest.
    auto rank = static_cast<std::uint8_t>(rest == 0 ? 64 - precision_ + 1 : std::countl_zero(rest) + 1);
    if (rank > registers_[index]) registers_[index] = rank;
  }
  // Exact below kExact distinct values; an estimate above.
  std::uint64_t estimate() const;
  bool exact() const { return !registers_; }

 private:
  // Keeps `hash` in the exact list; false when the list is full without it.
  bool add_exact(std::uint64_t hash) {
    for (std::uint8_t i = 0; i < exact_count_; ++i)
      if (exact_[i] == hash) return true;
    if (exact_count_ == kExact) return false;
    exact_[exact_count_++] = hash;
    return true;
  }
  void promote();
  std::uint8_t precision_;
  std::uint8_t exact_count_ = 0;
  std::array<std::uint64_t, kExact> exact_{};
  std::unique_ptr<std::uint8_t[]> registers_;
};

}  // namespace responder::traffic
