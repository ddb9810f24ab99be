// One runner per incident: run, resume and undo hold this lock while they
// drive an incident; approve and status do not need it.
#pragma once

#include <filesystem>
#include <optional>

#include "responder/result.h"

namespace responder {

class IncidentLock {
 public:
  // Fails at once (no waiting) when another process drives the incident,
  // naming its pid.
  static Result<IncidentLock> acquire(const std::filesystem::path& incident_dir);

  // Whether some process drives the incident now. Needs only read access to
  // the lock file, so approvers in the incident's group can ask. The probe
  // holds a shared lock for an instant; acquire() retries briefly so a
  // runner starting at that instant is not refused.
  // Empty when this user cannot tell (no read access to the lock file).
  static std::optional<bool> runner_alive(const std::filesystem::path& incident_dir);
  IncidentLock(IncidentLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  IncidentLock& operator=(IncidentLock&&) = delete;
  ~IncidentLock();

 private:
  explicit IncidentLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace responder
