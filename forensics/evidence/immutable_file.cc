#include "forensics/evidence/immutable_file.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace responder::evidence {
namespace {

long flag_bit(WriteOnceFlag flag) { return flag == WriteOnceFlag::immutable ? FS_IMMUTABLE_FL : FS_APPEND_FL; }

std::string errno_text(int err) { return std::string(std::strerror(err)) + " (errno " + std::to_string(err) + ")"; }

// O_NONBLOCK so that opening a FIFO or device to read its flags never hangs.
int open_for_flags(const std::filesystem::path& path) {
  return ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
}

}  // namespace

std::string write_once_name(WriteOnceFlag flag) { return flag == WriteOnceFlag::immutable ? "immutable" : "append-only"; }

Status set_write_once(int fd, WriteOnceFlag flag) {
  int flags = 0;
  if (::ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0)
    return failure("the file system does not support inode flags: " + errno_text(errno));
  flags |= static_cast<int>(flag_bit(flag));
  if (::ioctl(fd, FS_IOC_SETFLAGS, &flags) != 0) {
    int err = errno;
    std::string why = err == EPERM ? " (needs CAP_LINUX_IMMUTABLE)"
                      : err == EOPNOTSUPP || err == ENOTTY ? " (the file system has no such attribute)"
                                                           : "";
    return failure("cannot set the " + write_once_name(flag) + " attribute: " + errno_text(err) + why);
  }
  int check = 0;
  if (::ioctl(fd, FS_IOC_GETFLAGS, &check) != 0 || !(check & flag_bit(flag)))
    return failure("the file system accepted the " + write_once_name(flag) + " attribute but does not keep it");
  return {};
}

Status set_write_once(const std::filesystem::path& path, WriteOnceFlag flag) {
  int fd = open_for_flags(path);
  if (fd < 0) return failure("cannot open " + path.string() + ": " + errno_text(errno));
  Status status = set_write_once(fd, flag);
  ::close(fd);
  if (!status) return failure(path.string() + ": " + status.error().message);
  return status;
}

Result<bool> has_write_once(const std::filesystem::path& path, WriteOnceFlag flag) {
  int fd = open_for_flags(path);
  if (fd < 0) return failure("cannot open " + path.string() + ": " + errno_text(errno));
  int flags = 0;
  int rc = ::ioctl(fd, FS_IOC_GETFLAGS, &flags);
  int err = errno;
  ::close(fd);
  if (rc != 0) return failure(path.string() + ": inode flags unreadable: " + errno_text(err));
  return (flags & flag_bit(flag)) != 0;
}

Status clear_write_once(const std::filesystem::path& path) {
  int fd = open_for_flags(path);
  if (fd < 0) return failure("cannot open " + path.string() + ": " + errno_text(errno));
  int flags = 0;
  Status status;
  if (::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL))) {
    flags &= ~(FS_IMMUTABLE_FL | FS_APPEND_FL);
    if (::ioctl(fd, FS_IOC_SETFLAGS, &flags) != 0)
      status = failure(path.string() + ": cannot clear write-once attributes: " + errno_text(errno));
  }
  ::close(fd);
  return status;
}

void remove_write_once_tree(const std::filesystem::path& root) {
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    (void)clear_write_once(it->path());
  (void)clear_write_once(root);
  std::filesystem::remove_all(root, ec);
}

}  // namespace responder::evidence
