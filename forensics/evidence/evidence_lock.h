// Exclusive access to one evidence directory while records are written.
#pragma once

#include <filesystem>

#include "responder/result.h"

namespace responder::evidence {

// Holds flock(LOCK_EX) on the evidence directory itself (no lock file, so the
// bundle holds nothing but evidence) until destroyed. Creates the directory.
class EvidenceLock {
 public:
  static Result<EvidenceLock> acquire(const std::filesystem::path& evidence_directory);
  EvidenceLock(EvidenceLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  EvidenceLock& operator=(EvidenceLock&&) = delete;
  ~EvidenceLock();

 private:
  explicit EvidenceLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace responder::evidence
