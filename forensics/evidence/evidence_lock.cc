#include "forensics/evidence/evidence_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace responder::evidence {

Result<EvidenceLock> EvidenceLock::acquire(const std::filesystem::path& evidence_directory) {
  std::error_code ec;
  std::filesystem::create_directories(evidence_directory, ec);
  if (ec) return failure("cannot create " + evidence_directory.string() + ": " + ec.message());
  int fd = ::open(evidence_directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return failure("cannot open " + evidence_directory.string() + ": " + std::strerror(errno));
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int err = errno;
    ::close(fd);
    return failure("cannot lock " + evidence_directory.string() + ": " + std::strerror(err));
  }
  return EvidenceLock(fd);
}

EvidenceLock::~EvidenceLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

}  // namespace responder::evidence
