#include "responder/targets/far_side_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <utility>

#include "responder/interrupt.h"
#include "responder/module.h"
#include "responder/sha256.h"

namespace responder::targets {
namespace {

// A directory only this user can write, made if absent; "" when there is
// none (a directory that exists and others may write, or is not ours).
std::string lock_directory() {
  std::string dir;
  if (::geteuid() == 0) {
    dir = "/run/responder";
  } else if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime && *runtime == '/') {
    dir = std::string(runtime) + "/responder";
  } else if (const char* home = std::getenv("HOME"); home && *home == '/') {
    dir = std::string(home) + "/.responder-locks";
  } else {
    return "";
  }
  ::mkdir(dir.c_str(), 0700);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return "";
  struct stat st {};
  bool ours = ::fstat(fd, &st) == 0 && st.st_uid == ::geteuid() && (st.st_mode & 022) == 0;
  ::close(fd);
  return ours ? dir : "";
}

}  // namespace

Result<FarSideLock> FarSideLock::acquire(const std::string& incident, const std::string& step, const std::string& host,
                                         std::chrono::steady_clock::time_point deadline, ProgressSink* progress) {
  std::string dir = lock_directory();
  if (dir.empty()) return failure("no private directory for the step lock (/run/responder for root, else $XDG_RUNTIME_DIR or $HOME)");
  std::string name = dir + "/step-" + sha256_hex(incident + '\n' + step + '\n' + host).substr(0, 32) + ".lock";
  int fd = ::open(name.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return failure("cannot open the step lock " + name + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) {
    ::close(fd);
    return failure("the step lock " + name + " is not a file of this user's");
  }
  bool waited = false;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int err = errno;
      ::close(fd);
      return failure("cannot lock " + name + ": " + std::strerror(err));
    }
    if (!waited && progress)
      progress->progress(0, 0, "", "waiting for an earlier responder step of this step on this host to finish");
    waited = true;
    if (interrupt_requested().load() || std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      return interruption("an earlier responder step of this step is still running on this host; its outcome is "
                          "unknown until it ends");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return FarSideLock(fd, waited);
}

int FarSideLock::fenced_attempt() const {
  char text[16] = {};
  ssize_t n = ::pread(fd_, text, sizeof text - 1, 0);
  if (n <= 0) return 0;
  int attempt = 0;
  for (ssize_t i = 0; i < n && text[i] >= '0' && text[i] <= '9' && attempt < 100'000'000; ++i) attempt = attempt * 10 + (text[i] - '0');
  return attempt;
}

Status FarSideLock::fence(int attempt) {
  if (attempt <= fenced_attempt()) return {};
  std::string text = std::to_string(attempt) + "\n";
  // Durable before the verify answers: a controller acts on that answer.
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()) ||
      ::fdatasync(fd_) != 0)
    return failure(std::string("cannot record the judged attempt in the step lock: ") + std::strerror(errno));
  return {};
}

FarSideLock::FarSideLock(FarSideLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)), waited_(other.waited_) {}

FarSideLock::~FarSideLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace responder::targets
