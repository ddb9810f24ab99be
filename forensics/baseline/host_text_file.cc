#include "forensics/baseline/host_text_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace responder::baseline {

HostTextLines::HostTextLines(const std::filesystem::path& path, std::uint64_t limit) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno != ENOENT && errno != ENOTDIR) refused_ = std::strerror(errno);
    return;
  }
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
  while (at_ < text_.size()) {
    auto end = text_.find('\n', at_);
    if (end == std::string::npos) end = text_.size();
    std::size_t from = at_;
    at_ = end + 1;
    if (end - from > kMaxLine) continue;
    line.assign(text_, from, end - from);
    return true;
  }
  return false;
}

}  // namespace responder::baseline
