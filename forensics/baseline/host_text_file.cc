#include "forensics/baseline/host_text_file.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace responder::baseline {

namespace {
constexpr int kOpenFlags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;

// `relative` opened under folder `root`, one name at a time, following no
// link and no "..": -1 with errno set (ELOOP for a link on the way).
int open_without_links(int root, const std::string& relative) {
  std::vector<std::string> names;
  for (std::size_t start = 0; start < relative.size();) {
    auto slash = relative.find('/', start);
    if (slash == std::string::npos) slash = relative.size();
    if (auto name = relative.substr(start, slash - start); !name.empty() && name != ".") names.push_back(name);
    start = slash + 1;
  }
  if (names.empty() || std::find(names.begin(), names.end(), "..") != names.end()) {
    errno = names.empty() ? EISDIR : ELOOP;
    return -1;
  }
  int at = ::dup(root);
  for (std::size_t i = 0; at >= 0 && i + 1 < names.size(); ++i) {
    int next = ::openat(at, names[i].c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    ::close(at);
    struct stat st {};
    if (next >= 0 && (::fstat(next, &st) != 0 || !S_ISDIR(st.st_mode))) {
      ::close(next);
      errno = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;
      return -1;
    }
    at = next;
  }
  if (at < 0) return -1;
  int fd = ::openat(at, names.back().c_str(), kOpenFlags | O_NOFOLLOW);
  int saved = errno;
  ::close(at);
  errno = saved;
  return fd;
}
}  // namespace

HostTextLines::HostTextLines(const std::filesystem::path& path, std::uint64_t limit) {
  int fd = ::open(path.c_str(), kOpenFlags);
  if (fd < 0) {
    if (errno != ENOENT && errno != ENOTDIR) refused_ = std::strerror(errno);
    return;
  }
  read_from(fd, limit);
}

HostTextLines::HostTextLines(const std::filesystem::path& root, const std::string& path, std::uint64_t limit) {
  std::string r = root.string();
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  if (r.empty() || r == "/") {
    *this = HostTextLines(std::filesystem::path(path), limit);
    return;
  }
  int dir = ::open(r.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    refused_ = "cannot open the root " + r + ": " + std::strerror(errno);
    return;
  }
  open_how how{};
  how.flags = kOpenFlags;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string relative = path;
  while (!relative.empty() && relative.front() == '/') relative.erase(0, 1);
  int fd = static_cast<int>(::syscall(SYS_openat2, dir, relative.empty() ? "." : relative.c_str(), &how, sizeof how));
  // A kernel before 5.6 has no openat2, and some container seccomp profiles
  // refuse it with EPERM: the path is walked a folder at a time inside the
  // root, and a link anywhere on it is refused rather than followed, which
  // could lead out of the image to this machine's own file.
  if (fd < 0 && (errno == ENOSYS || errno == EPERM)) fd = open_without_links(dir, relative);
  int saved = errno;
  ::close(dir);
  if (fd < 0) {
    if (saved != ENOENT && saved != ENOTDIR) refused_ = std::strerror(saved);
    return;
  }
  read_from(fd, limit);
}

void HostTextLines::read_from(int fd, std::uint64_t limit) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    refused_ = "not a regular file";
    ::close(fd);
    return;
  }
  if (static_cast<std::uint64_t>(st.st_size) > limit) {
    refused_ = "larger than " + std::to_string(limit) + " bytes";
    ::close(fd);
    return;
  }
  char buffer[65536];
  while (text_.size() <= limit) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      refused_ = std::strerror(errno);
      text_.clear();
      ::close(fd);
      return;
    }
    if (n == 0) break;
    text_.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  // A file that grew past the limit while it was read is cut there.
  if (text_.size() > limit) text_.resize(limit);
  opened_ = true;
}

bool HostTextLines::getline(std::string& line) {
  if (at_ < text_.size()) {
    auto end = text_.find('\n', at_);
    if (end == std::string::npos) end = text_.size();
    std::size_t from = at_;
    at_ = end + 1;
    line.assign(text_, from, end - from);
    return true;
  }
  return false;
}

}  // namespace responder::baseline
