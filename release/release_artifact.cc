#include "release/release_artifact.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "responder/child_process.h"

namespace responder::release {
namespace {

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

// A private copy of bytes for a program that reads files; removed with it.
class PrivateCopy {
 public:
  static Result<PrivateCopy> of(const std::string& bytes) {
    std::string name = (std::filesystem::temp_directory_path() / "responder-artifact-XXXXXX").string();
    int fd = ::mkstemp(name.data());
    if (fd < 0) return failure("cannot make a private copy of the artifact: " + std::string(std::strerror(errno)));
    PrivateCopy copy(name);
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        int err = errno;
        ::close(fd);
        return failure("cannot write a private copy of the artifact: " + std::string(std::strerror(err)));
      }
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return copy;
  }
  PrivateCopy(PrivateCopy&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  PrivateCopy(const PrivateCopy&) = delete;
  ~PrivateCopy() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  explicit PrivateCopy(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace

std::string artifact_kind_from_name(const std::filesystem::path& artifact) {
  std::string name = artifact.filename().string();
  if (ends_with(name, ".deb")) return "deb";
  if (ends_with(name, ".tar") || ends_with(name, ".tgz") || name.find(".tar.") != std::string::npos) return "tarball";
  return "script";
}

Result<PackageFields> deb_fields(const std::string& deb, const std::string& shown_as) {
  auto copy = PrivateCopy::of(deb);
  if (!copy) return copy.error();
  std::vector<std::string> argv{"dpkg-deb", "--field", copy->path(), "Package", "Version"};
  auto run = run_program(argv, {}, std::chrono::seconds(60));
  if (!run) return run.error();
  if (run->exit_code != 0) {
    std::string why = run->err.substr(0, run->err.find('\n'));
    return bad_input(shown_as + " is not a Debian package dpkg-deb can read" + (why.empty() ? "" : ": " + why));
  }
  PackageFields fields;
  std::istringstream lines(run->out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Package: ", 0) == 0) fields.package = line.substr(9);
    else if (line.rfind("Version: ", 0) == 0) fields.version = line.substr(9);
  }
  if (fields.package.empty() || fields.version.empty())
    return bad_input(shown_as + " has no Package or Version field");
  return fields;
}

}  // namespace responder::release
