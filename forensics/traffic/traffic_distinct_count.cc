#include "forensics/traffic/traffic_distinct_count.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace responder::traffic {

DistinctCount::DistinctCount(const DistinctCount& other)
    : precision_(other.precision_), exact_count_(other.exact_count_), exact_(other.exact_) {
  if (other.registers_) {
    std::size_t m = std::size_t{1} << precision_;
    registers_ = std::make_unique<std::uint8_t[]>(m);
    std::memcpy(registers_.get(), other.registers_.get(), m);
  }
}

DistinctCount& DistinctCount::operator=(const DistinctCount& other) {
  if (this != &other) {
    DistinctCount copy(other);
    *this = std::move(copy);
  }
  return *this;
}

void DistinctCount::promote() {
  registers_ = std::make_unique<std::uint8_t[]>(std::size_t{1} << precision_);
  std::memset(registers_.get(), 0, std::size_t{1} << precision_);
  std::uint8_t n = exact_count_;
  exact_count_ = 0;
  for (std::uint8_t i = 0; i < n; ++i) add(exact_[i]);
}

std::uint64_t DistinctCount::estimate() const {
  if (!registers_) return exact_count_;
  std::size_t m = std::size_t{1} << precision_;
  double sum = 0;
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < m; ++i) {
    sum += std::ldexp(1.0, -registers_[i]);
    if (registers_[i] == 0) ++zeros;
  }
  double alpha = 0.7213 / (1 + 1.079 / static_cast<double>(m));
  double raw = alpha * static_cast<double>(m) * static_cast<double>(m) / sum;
  // Linear counting is the better estimator while many registers are empty.
  if (raw <= 2.5 * static_cast<double>(m) && zeros > 0)
    raw = static_cast<double>(m) * std::log(static_cast<double>(m) / static_cast<double>(zeros));
  return static_cast<std::uint64_t>(std::llround(raw));
}

}  // namespace responder::traffic
