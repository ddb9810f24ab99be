#include "responder/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace responder {
namespace {

std::filesystem::path directory_of(const std::filesystem::path& path) {
  auto dir = path.parent_path();
  return dir.empty() ? std::filesystem::path(".") : dir;
}

std::string errno_text() { return std::strerror(errno); }

Status write_all(int fd, std::string_view text, const std::filesystem::path& path) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failure("cannot write " + path.string() + ": " + errno_text());
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd) != 0) return failure("cannot fsync " + path.string() + ": " + errno_text());
  return {};
}

}  // namespace

Status fsync_directory(const std::filesystem::path& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return failure("cannot open " + directory.string() + ": " + errno_text());
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return failure("cannot fsync " + directory.string() + ": " + errno_text());
  return {};
}

Status write_file_atomically(const std::filesystem::path& path, std::string_view text, unsigned mode) {
  auto temporary = path;
  temporary += ".new";
  ::unlink(temporary.c_str());  // a leftover from a crash; never evidence
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return failure("cannot create " + temporary.string() + ": " + errno_text());
  Status written = write_all(fd, text, temporary);
  ::close(fd);
  if (!written) {
    ::unlink(temporary.c_str());
    return written;
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    Status error = failure("cannot replace " + path.string() + ": " + errno_text());
    ::unlink(temporary.c_str());
    return error;
  }
  return fsync_directory(directory_of(path));
}

Status write_new_file(const std::filesystem::path& path, std::string_view text, unsigned mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return failure("cannot create " + path.string() + ": " + errno_text());
  // The mode asked for, whatever the umask.
  Status written = ::fchmod(fd, mode) == 0 ? write_all(fd, text, path)
                                           : failure("cannot set the mode of " + path.string() + ": " + errno_text());
  ::close(fd);
  if (!written) {
    ::unlink(path.c_str());  // a partial file is nobody's copy
    return written;
  }
  return fsync_directory(directory_of(path));
}

Result<std::string> read_text_file(const std::filesystem::path& path, std::uint64_t limit) {
  // A device is never opened (opening some has effects of its own), and the
  // file opened must be the regular file looked at.
  struct stat seen {};
  if (::stat(path.c_str(), &seen) != 0) return failure("cannot read " + path.string() + ": " + errno_text());
  if (!S_ISREG(seen.st_mode))
    return bad_input("cannot read " + path.string() + ": " +
                     (S_ISDIR(seen.st_mode) ? "it is a directory" : "it is not a regular file (a device, FIFO or socket)"));
  // O_NONBLOCK: should it have become a FIFO since, opening must not wait.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return failure("cannot read " + path.string() + ": " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto why = errno_text();
    ::close(fd);
    return failure("cannot read " + path.string() + ": " + why);
  }
  if (!S_ISREG(st.st_mode) || st.st_dev != seen.st_dev || st.st_ino != seen.st_ino) {
    ::close(fd);
    return bad_input("cannot read " + path.string() + ": " +
                     (S_ISDIR(st.st_mode) ? "it is a directory" : "it is not a regular file (a device, FIFO or socket)"));
  }
  if (static_cast<std::uint64_t>(st.st_size) > limit) {
    ::close(fd);
    return bad_input("cannot read " + path.string() + ": it is " + std::to_string(st.st_size) + " bytes, more than the " +
                     std::to_string(limit) + " it may have");
  }
  std::string out;
  out.reserve(static_cast<std::size_t>(st.st_size));
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto why = errno_text();
      ::close(fd);
      return failure("cannot read " + path.string() + ": " + why);
    }
    if (n == 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
    // A file that grows while it is read is still held to the limit.
    if (out.size() > limit) {
      ::close(fd);
      return bad_input("cannot read " + path.string() + ": it grew past the " + std::to_string(limit) + " bytes it may have");
    }
  }
  ::close(fd);
  return out;
}

}  // namespace responder
