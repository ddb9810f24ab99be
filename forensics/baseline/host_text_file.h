// The lines of a small text file of the host being checked (accounts, keys,
// crontabs, dpkg's database). Anyone with an account can shape some of
// these (~/.ssh/authorized_keys): a FIFO there would block the check for
// ever, a link to /dev/zero or a sparse terabyte would never end. So only
// a regular file is read (opened without blocking, checked after opening),
// at most `limit` bytes of it. Every line is given whole, however long: the
// system reads a padded /etc/passwd line whole too.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace responder::baseline {

class HostTextLines {
 public:
  static constexpr std::uint64_t kDefaultLimit = std::uint64_t{64} << 20;

  explicit HostTextLines(const std::filesystem::path& path, std::uint64_t limit = kDefaultLimit);
  // `path` of the file system at `root` (a mounted image): its links are
  // followed inside that root (openat2 RESOLVE_IN_ROOT), so an image's
  // absolute link never reads the examining machine's own file.
  HostTextLines(const std::filesystem::path& root, const std::string& path, std::uint64_t limit = kDefaultLimit);
  // The next line, without its '\n'; false once there is none.
  bool getline(std::string& line);
  // The file was a regular file and could be read.
  explicit operator bool() const { return opened_; }
  // Why it was not read ("not a regular file", "larger than N bytes", an
  // errno text); empty when it was, or when it does not exist.
  const std::string& refused() const { return refused_; }

 private:
  void read_from(int fd, std::uint64_t limit);
  std::string text_;
  std::size_t at_ = 0;
  bool opened_ = false;
  std::string refused_;
};

}  // namespace responder::baseline
