#include "containment/file_snapshot.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace responder {
namespace {

constexpr std::size_t kMaxConfigFile = 8u << 20;

std::string errno_text(const std::string& what, const std::filesystem::path& path) {
  return what + " " + path.string() + ": " + std::strerror(errno);
}

std::string to_base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Result<std::string> from_base64(std::string_view text) {
  if (text.size() % 4 != 0) return failure("receipt: file content is not base64");
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return failure("receipt: file content is not base64");
  // EVP_DecodeBlock counts the '=' padding as zero bytes.
  std::size_t padding = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '=' && padding < 2; ++it) ++padding;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

}  // namespace

json::object FileSnapshot::to_json() const {
  json::object o;
  o["path"] = path.string();
  o["existed"] = existed;
  if (existed) {
    o["content_base64"] = to_base64(content);
    o["mode"] = static_cast<std::int64_t>(mode & 07777);
    o["owner"] = static_cast<std::int64_t>(owner);
    o["group"] = static_cast<std::int64_t>(group);
  }
  return o;
}

Result<FileSnapshot> FileSnapshot::from_json(const json::object& o) {
  FileSnapshot s;
  try {
    s.path = std::string(o.at("path").as_string());
    s.existed = o.at("existed").as_bool();
    if (s.existed) {
      auto content = from_base64(o.at("content_base64").as_string());
      if (!content) return content.error();
      s.content = std::move(*content);
      s.mode = static_cast<mode_t>(o.at("mode").to_number<std::int64_t>());
      s.owner = static_cast<uid_t>(o.at("owner").to_number<std::int64_t>());
      s.group = static_cast<gid_t>(o.at("group").to_number<std::int64_t>());
    }
  } catch (const std::exception& e) {
    return failure(std::string("receipt: malformed file snapshot: ") + e.what());
  }
  return s;
}

Result<FileSnapshot> snapshot_file(const std::filesystem::path& path) {
  FileSnapshot s;
  s.path = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return s;
    return failure(errno_text("cannot read", path));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return failure(path.string() + " is not a regular file");
  }
  if (static_cast<std::size_t>(st.st_size) > kMaxConfigFile) {
    ::close(fd);
    return failure(path.string() + " is larger than 8 MiB; that is not a configuration file");
  }
  s.existed = true;
  s.mode = st.st_mode & 07777;
  s.owner = st.st_uid;
  s.group = st.st_gid;
  char buffer[65536];
  for (;;) {
    ssize_t r = ::read(fd, buffer, sizeof buffer);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      auto e = failure(errno_text("cannot read", path));
      ::close(fd);
      return e;
    }
    if (r == 0) break;
    s.content.append(buffer, static_cast<std::size_t>(r));
  }
  ::close(fd);
  return s;
}

Status replace_file(const std::filesystem::path& path, std::string_view content, mode_t mode, uid_t owner,
                    gid_t group) {
  auto temporary = path;
  temporary += ".responder-new";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return failure(errno_text("cannot write", temporary));
  auto fail = [&](const std::string& what) {
    auto e = failure(errno_text(what, temporary));
    ::close(fd);
    ::unlink(temporary.c_str());
    return e;
  };
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t w = ::write(fd, content.data() + done, content.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return fail("cannot write");
    done += static_cast<std::size_t>(w);
  }
  if (::fchown(fd, owner, group) != 0) return fail("cannot set the owner of");
  if (::fchmod(fd, mode) != 0) return fail("cannot set the mode of");
  if (::fsync(fd) != 0) return fail("cannot fsync");
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    auto e = failure(errno_text("cannot rename the new file over", path));
    ::unlink(temporary.c_str());
    return e;
  }
  auto parent = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  if (int dir = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::success();
}

Status restore_file(const FileSnapshot& snapshot) {
  if (!snapshot.existed) {
    if (::unlink(snapshot.path.c_str()) != 0 && errno != ENOENT) return failure(errno_text("cannot remove", snapshot.path));
    return Status::success();
  }
  return replace_file(snapshot.path, snapshot.content, snapshot.mode, snapshot.owner, snapshot.group);
}

}  // namespace responder
