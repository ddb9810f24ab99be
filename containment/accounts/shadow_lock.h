// Exclusive use of the shadow password database, the way shadow-utils and
// every other well-behaved writer of /etc/shadow take it: lckpwdf(3).
#pragma once

#include <optional>

#include "responder/result.h"

namespace responder::accounts {

class ShadowLock {
 public:
  // Takes the lock (lckpwdf waits up to 15 seconds for another holder).
  // Fails, naming the lock file, when it cannot be had.
  static Result<ShadowLock> acquire();

  ShadowLock(ShadowLock&& other) noexcept : held_(other.held_) { other.held_ = false; }
  ShadowLock& operator=(ShadowLock&&) = delete;
  ShadowLock(const ShadowLock&) = delete;
  ShadowLock& operator=(const ShadowLock&) = delete;
  // Releases the lock (ulckpwdf), also when the holder failed half-way.
  ~ShadowLock();

 private:
  ShadowLock() = default;
  bool held_ = false;
};

}  // namespace responder::accounts
