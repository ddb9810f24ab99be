#include "responder/incident_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace responder {

Result<IncidentLock> IncidentLock::acquire(const std::filesystem::path& incident_dir) {
  auto path = incident_dir / "runner.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    int err = errno;
    std::string why = "cannot open " + path.string() + ": " + std::strerror(err);
    if (err == EACCES || err == EPERM) return refusal(why + "; driving an incident needs write access to its directory (run as root)");
    return failure(why);
  }
  ::fchmod(fd, 0640);  // what the umask allows is not what approvers need to read
  int locked = -1;
  for (int attempt = 0; attempt < 10 && locked != 0; ++attempt) {
    if (attempt) ::usleep(20'000);
    locked = ::flock(fd, LOCK_EX | LOCK_NB);
  }
  if (locked != 0) {
    char pid[32] = {};
    ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
    ::close(fd);
    std::string holder = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : "another process";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    return refusal("incident " + incident_dir.filename().string() + " is being driven by pid " + holder +
                   "; wait for it or stop it (Ctrl-C leaves it resumable)");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The lock is what matters; the pid is only a courtesy for the message.
  }
  return IncidentLock(fd);
}

std::optional<bool> IncidentLock::runner_alive(const std::filesystem::path& incident_dir) {
  int fd = ::open((incident_dir / "runner.lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? std::optional<bool>(false) : std::nullopt;
  bool alive = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // also drops the shared lock if we got it
  return alive;
}

IncidentLock::~IncidentLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace responder
