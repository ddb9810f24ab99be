// Read-only remounts of one mount point, keeping every other per-mount flag:
// what share.readonly does to `mounts`.
//
// Only the per-mount (VFS) read-only flag changes (MS_REMOUNT|MS_BIND), never
// the filesystem's superblock, so other mounts of the same filesystem (bind
// mounts elsewhere, a container's view) keep writing.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "responder/result.h"

namespace responder::shares {

// One line of /proc/self/mountinfo, the fields this module needs.
struct MountEntry {
  int id = 0;                 // mount ID, unique while the mount exists
  int parent_id = 0;
  std::string device;         // major:minor of the filesystem
  std::string root;           // the directory of the filesystem mounted here, decoded
  std::string mount_point;    // octal escapes (\040) decoded
  std::string options;        // per-mount options, e.g. "rw,nosuid,nodev,relatime"
};

// The topmost mount whose mount point is exactly `path` (already canonical),
// as this process sees it; nullopt when `path` is not a mount point.
Result<std::optional<MountEntry>> mount_at(const std::filesystem::path& path);

// True when `mount` is a bind of its own mount point onto itself (what
// bind_onto_itself makes): the same filesystem and directory as its parent
// mount shows at that path.
Result<bool> is_self_bind(const MountEntry& mount);

// True when the per-mount options say "ro".
bool options_read_only(const std::string& options);

// The mount(2) flags that reproduce `options` on a MS_REMOUNT|MS_BIND
// (nosuid, nodev, noexec, atime handling, nosymfollow, ro), so that a
// remount changes nothing but what the caller adds.
unsigned long remount_flags_of(const std::string& options);

// Remounts `path` (a mount point) with MS_REMOUNT|MS_BIND|flags. A busy
// mount (EBUSY when going read-only) is reported as a process holding a file
// open for writing there.
Status remount(const std::filesystem::path& path, unsigned long flags);

// Bind-mounts `path` onto itself, so that a plain directory becomes a mount
// point whose flags can be changed without touching its parent mount.
Status bind_onto_itself(const std::filesystem::path& path);

// Removes such a self bind mount (lazily: processes inside keep their view
// until they leave, new lookups see the parent mount again at once).
Status remove_self_bind(const std::filesystem::path& path);

}  // namespace responder::shares
