#include "containment/shares/mount_readonly.h"

#include <sys/mount.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "containment/shares/octal_escape.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

namespace responder::shares {
namespace {

std::vector<std::string> split_options(const std::string& options) {
  std::vector<std::string> out;
  std::stringstream in(options);
  for (std::string o; std::getline(in, o, ',');) out.push_back(o);
  return out;
}

}  // namespace

// The last mountinfo line for which `wanted` holds (later lines are
// mounted on top of earlier ones).
template <typename Wanted>
Result<std::optional<MountEntry>> find_mount(Wanted wanted) {
  std::ifstream in("/proc/self/mountinfo");
  if (!in) return failure("cannot read /proc/self/mountinfo: " + std::string(std::strerror(errno)));
  std::optional<MountEntry> found;
  for (std::string line; std::getline(in, line);) {
    // id parent major:minor root mount-point options ...
    std::istringstream fields(line);
    MountEntry e;
    std::string root, point;
    if (!(fields >> e.id >> e.parent_id >> e.device >> root >> point >> e.options)) continue;
    e.root = decode_octal_escapes(root);
    e.mount_point = decode_octal_escapes(point);
    if (wanted(e)) found = std::move(e);
  }
  return found;
}

Result<std::optional<MountEntry>> mount_at(const std::filesystem::path& path) {
  return find_mount([&](const MountEntry& e) { return e.mount_point == path.string(); });
}

Result<bool> is_self_bind(const MountEntry& mount) {
  auto parent = find_mount([&](const MountEntry& e) { return e.id == mount.parent_id; });
  if (!parent) return parent.error();
  if (!*parent || (*parent)->device != mount.device) return false;
  auto relative = std::filesystem::path(mount.mount_point).lexically_relative((*parent)->mount_point);
  if (relative.empty() || *relative.begin() == "..") return false;
  return std::filesystem::path((*parent)->root) / relative == std::filesystem::path(mount.root);
}

bool options_read_only(const std::string& options) {
  for (auto& o : split_options(options))
    if (o == "ro") return true;
  return false;
}

unsigned long remount_flags_of(const std::string& options) {
  unsigned long flags = 0;
  bool atime_given = false;
  for (auto& o : split_options(options)) {
    if (o == "ro") flags |= MS_RDONLY;
    else if (o == "nosuid") flags |= MS_NOSUID;
    else if (o == "nodev") flags |= MS_NODEV;
    else if (o == "noexec") flags |= MS_NOEXEC;
    else if (o == "nodiratime") flags |= MS_NODIRATIME;
    else if (o == "nosymfollow") flags |= MS_NOSYMFOLLOW;
    else if (o == "noatime") flags |= MS_NOATIME, atime_given = true;
    else if (o == "relatime") flags |= MS_RELATIME, atime_given = true;
  }
  // Without relatime or noatime the mount has strict atime. The atime mode
  // is always passed, so the result does not depend on the kernel's remount
  // defaults (since Linux 3.17 a remount without atime flags keeps the mode;
  // before, it fell back to relatime).
  if (!atime_given) flags |= MS_STRICTATIME;
  return flags;
}

Status remount(const std::filesystem::path& path, unsigned long flags) {
  if (::mount(nullptr, path.c_str(), nullptr, MS_REMOUNT | MS_BIND | flags, nullptr) == 0) return Status::success();
  int e = errno;
  if (e == EBUSY && (flags & MS_RDONLY))
    return failure("cannot remount " + path.string() +
                   " read-only: it is busy, a process holds a file open for writing there "
                   "(find it with `fuser -vm " + path.string() + "` or `lsof " + path.string() + "`)");
  return failure("cannot remount " + path.string() + ": " + std::strerror(e));
}

Status bind_onto_itself(const std::filesystem::path& path) {
  if (::mount(path.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) == 0) return Status::success();
  return failure("cannot bind-mount " + path.string() + " onto itself: " + std::strerror(errno));
}

Status remove_self_bind(const std::filesystem::path& path) {
  if (::umount2(path.c_str(), MNT_DETACH) == 0) return Status::success();
  return failure("cannot unmount the bind mount at " + path.string() + ": " + std::strerror(errno));
}

}  // namespace responder::shares
