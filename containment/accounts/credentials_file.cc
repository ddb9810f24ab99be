#include "containment/accounts/credentials_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "containment/file_snapshot.h"

namespace responder::accounts {
namespace {

std::string errno_text(const std::string& what, const std::filesystem::path& path) {
  return what + " " + path.string() + ": " + std::strerror(errno);
}

Error foreign_owner(const std::filesystem::path& dir, uid_t owner) {
  return refusal("the credentials directory " + dir.string() + " belongs to uid " + std::to_string(owner) +
                 ", not to the responder (uid " + std::to_string(::geteuid()) +
                 "); its owner could read the new passwords. Remove it or give it to the responder");
}

// Opens `dir` (creating it 0700 when missing) and makes sure it is a real
// directory of the responder's own that only it can enter: a directory
// someone else owns could be opened up again by its owner after the check.
Result<int> open_private_directory(const std::filesystem::path& dir) {
  bool created = ::mkdir(dir.c_str(), 0700) == 0;
  if (!created && errno != EEXIST) return failure(errno_text("cannot create the credentials directory", dir));
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return failure(errno_text("cannot open the credentials directory (a symlink is refused)", dir));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto e = failure(errno_text("cannot stat the credentials directory", dir));
    ::close(fd);
    return e;
  }
  if (st.st_uid != ::geteuid()) {
    ::close(fd);
    return foreign_owner(dir, st.st_uid);
  }
  if ((st.st_mode & 07777) != 0700 && ::fchmod(fd, 0700) != 0) {
    auto e = failure(errno_text("cannot make the credentials directory mode 0700:", dir));
    ::close(fd);
    return e;
  }
  if (created) {
    // The new directory entry must survive a crash as well as the file.
    if (int parent = ::open(dir.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); parent >= 0) {
      ::fsync(parent);
      ::close(parent);
    }
  }
  return fd;
}

}  // namespace

Status check_credentials_directory(const std::filesystem::path& dir) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::success();
    return failure(errno_text("cannot stat the credentials directory", dir));
  }
  if (!S_ISDIR(st.st_mode)) return refusal("the credentials directory " + dir.string() + " is not a directory (a symlink is refused)");
  if (st.st_uid != ::geteuid()) return foreign_owner(dir, st.st_uid);
  return Status::success();
}

std::string format_credentials(const std::string& header, const std::vector<Credential>& credentials) {
  // Sized once: a reallocation would free a buffer holding passwords
  // without wiping it.
  std::size_t size = header.size() + 3;
  for (const auto& c : credentials) size += c.user.size() + c.password.size() + 2;
  std::string text;
  text.reserve(size);
  text.append("# ").append(header).append("\n");
  for (const auto& c : credentials) text.append(c.user).append(":").append(c.password).append("\n");
  return text;
}

Status write_credentials_file(const std::filesystem::path& path, std::string_view content) {
  auto dir = open_private_directory(path.parent_path());
  if (!dir) return dir.error();
  int fd = ::openat(*dir, path.filename().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    auto e = errno == EEXIST ? failure(path.string() +
                                       " exists already: it may hold passwords of an earlier attempt that are in "
                                       "force; it is left as it is (move it aside to rotate again)")
                             : failure(errno_text("cannot create", path));
    ::close(*dir);
    return e;
  }
  std::size_t done = 0;
  bool ok = true;
  while (ok && done < content.size()) {
    ssize_t w = ::write(fd, content.data() + done, content.size() - done);
    if (w < 0 && errno == EINTR) continue;
    ok = w > 0;
    if (ok) done += static_cast<std::size_t>(w);
  }
  ok = ok && ::fchmod(fd, 0600) == 0 && ::fsync(fd) == 0;
  std::string error = ok ? "" : errno_text("cannot write", path);
  ::close(fd);
  if (ok) ok = ::fsync(*dir) == 0;
  if (!ok && error.empty()) error = errno_text("cannot fsync the directory of", path);
  ::close(*dir);
  if (!ok) {
    // A half-written file holds no password that is in force yet (chpasswd
    // has not run); leaving it would only block the next attempt.
    ::unlink(path.c_str());
    return failure(error);
  }
  return Status::success();
}

Result<std::vector<Credential>> read_credentials_file(const std::filesystem::path& path) {
  auto file = snapshot_file(path);
  if (!file) return file.error();
  if (!file->existed) return failure(path.string() + " does not exist");
  // Read in place (no stream copying the passwords), wiped on every return.
  std::vector<Credential> credentials;
  std::string_view rest(file->content);
  bool malformed = false;
  while (!rest.empty() && !malformed) {
    auto end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    if (line.empty() || line[0] == '#') continue;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) malformed = true;
    else credentials.push_back({std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
  }
  OPENSSL_cleanse(file->content.data(), file->content.size());
  if (malformed) {
    for (auto& c : credentials) OPENSSL_cleanse(c.password.data(), c.password.size());
    return failure(path.string() + " has a line that is not user:password");
  }
  return credentials;
}

}  // namespace responder::accounts
