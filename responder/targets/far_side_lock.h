// The far side's lock on one step of one incident: a `responder step`
// left running by a controller that died (or whose connection dropped)
// may still be applying when the controller's recovery asks this host to
// verify. Every operation on that step waits for the one before it, so a
// verify never reads a change half made and answers "not in effect".
#pragma once

#include <chrono>
#include <string>

#include "responder/result.h"

namespace responder {
class ProgressSink;
}

namespace responder::targets {

class FarSideLock {
 public:
  // Takes the lock of (incident, step, host), waiting while another far
  // side holds it, until `deadline` or an interruption (both: an
  // interruption error). The host is part of the key because lab hosts
  // (network namespaces) share one machine's lock directory. The lock
  // files live in /run/responder (root; only root can make it) or a 0700
  // directory of the user's (XDG_RUNTIME_DIR, else HOME), never a
  // directory others can write; a lock dies with its process.
  static Result<FarSideLock> acquire(const std::string& incident, const std::string& step, const std::string& host,
                                     std::chrono::steady_clock::time_point deadline, ProgressSink* progress);
  FarSideLock(FarSideLock&& other) noexcept;
  FarSideLock& operator=(FarSideLock&&) = delete;
  FarSideLock(const FarSideLock&) = delete;
  ~FarSideLock();
  // Whether another far side held the lock first.
  bool waited() const { return waited_; }
  // The highest attempt of this step a verify without a receipt has judged
  // here (0: none). Kept in the lock file, so it outlives every process.
  int fenced_attempt() const;
  // Records that `attempt` has been judged; never lowers the fence.
  Status fence(int attempt);

 private:
  FarSideLock(int fd, bool waited) : fd_(fd), waited_(waited) {}
  int fd_ = -1;
  bool waited_ = false;
};

}  // namespace responder::targets
