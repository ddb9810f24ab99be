#include "responder/chained_log/file_system.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "responder/durable_file.h"

namespace responder::chained_log {
namespace {

std::string errno_text(const std::string& what, const std::filesystem::path& path, int err = errno) {
  return what + " " + path.string() + ": " + std::strerror(err);
}

class PosixAppendFile final : public AppendFile {
 public:
  PosixAppendFile(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixAppendFile() override { ::close(fd_); }

  const std::filesystem::path& path() const override { return path_; }

  Status lock() override {
    while (::flock(fd_, LOCK_EX) != 0)
      if (errno != EINTR) return failure(errno_text("cannot lock", path_));
    return {};
  }
  void unlock() override { ::flock(fd_, LOCK_UN); }

  Result<std::uint64_t> size() override {
    struct stat st{};
    if (::fstat(fd_, &st) != 0) return failure(errno_text("cannot stat", path_));
    return static_cast<std::uint64_t>(st.st_size);
  }

  Result<std::string> read_from(std::uint64_t offset) override {
    std::string out;
    char buffer[1 << 16];
    while (true) {
      ssize_t n = ::pread(fd_, buffer, sizeof buffer, static_cast<off_t>(offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        return failure(errno_text("cannot read", path_));
      }
      if (n == 0) break;
      out.append(buffer, static_cast<std::size_t>(n));
      offset += static_cast<std::uint64_t>(n);
    }
    return out;
  }

  Status append(std::string_view bytes) override {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return failure(errno_text("cannot append to", path_));
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
  }

  Status sync() override {
    if (::fdatasync(fd_) != 0) return failure(errno_text("cannot sync", path_));
    return {};
  }

  Status cut(std::uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) == 0) return {};
    int err = errno;
    int flags = 0;
    if (err != EPERM || ::ioctl(fd_, FS_IOC_GETFLAGS, &flags) != 0 || !(flags & FS_APPEND_FL))
      return failure(errno_text("cannot cut", path_, err));
    int open_flags = flags & ~FS_APPEND_FL;
    if (::ioctl(fd_, FS_IOC_SETFLAGS, &open_flags) != 0)
      return failure(errno_text("cannot cut the append-only file", path_) + " (clearing its append-only attribute needs CAP_LINUX_IMMUTABLE)");
    int rc = ::ftruncate(fd_, static_cast<off_t>(size));
    err = errno;
    int restore = ::ioctl(fd_, FS_IOC_SETFLAGS, &flags);
    if (rc != 0) return failure(errno_text("cannot cut", path_, err));
    if (restore != 0) return failure(errno_text("cannot make append-only again", path_));
    return {};
  }

  int descriptor() const override { return fd_; }

 private:
  std::filesystem::path path_;
  int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<AppendFile>> open_append(const std::filesystem::path& file, OpenMode how, unsigned mode,
                                                  bool* created) override {
    int flags = O_RDWR | O_APPEND | O_CLOEXEC;
    if (how == OpenMode::create_new) flags |= O_CREAT | O_EXCL;
    int fd = ::open(file.c_str(), flags, mode);
    bool made = how == OpenMode::create_new;
    if (fd < 0 && how == OpenMode::create_if_missing && errno == ENOENT) {
      fd = ::open(file.c_str(), flags | O_CREAT | O_EXCL, mode);
      made = true;
    }
    if (fd < 0) {
      int err = errno;
      Error error = failure(errno_text(made ? "cannot create" : "cannot open", file, err));
      if (err == ENOENT) error.kind = ErrorKind::bad_input;
      if (err == EACCES || err == EPERM) error.kind = ErrorKind::refused;
      return error;
    }
    // The umask must not decide who may read a log.
    if (made && ::fchmod(fd, mode) != 0) {
      Error error = failure(errno_text("cannot set the mode of", file));
      ::close(fd);
      return error;
    }
    if (created) *created = made;
    return std::unique_ptr<AppendFile>(new PosixAppendFile(file, fd));
  }

  Result<std::string> read_file(const std::filesystem::path& file) override {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return failure(errno_text("cannot read", file));
    PosixAppendFile reader(file, fd);  // closes fd
    return reader.read_from(0);
  }

  Status write_new_file(const std::filesystem::path& file, std::string_view bytes, unsigned mode) override {
    return responder::write_new_file(file, bytes, mode);
  }

  Status sync_directory(const std::filesystem::path& directory) override { return fsync_directory(directory); }
};

FileSystem*& installed() {
  static FileSystem* fs = nullptr;
  return fs;
}

}  // namespace

FileSystem& posix_file_system() {
  static PosixFileSystem fs;
  return fs;
}

FileSystem& default_file_system() { return installed() ? *installed() : posix_file_system(); }

void install_file_system_for_testing(FileSystem* fs) { installed() = fs; }

}  // namespace responder::chained_log
