// Write-once on ordinary Linux file systems: the inode flags that `chattr +i`
// and `chattr +a` set (FS_IOC_SETFLAGS with FS_IMMUTABLE_FL / FS_APPEND_FL).
//
// An immutable file cannot be written, truncated, renamed, linked or
// unlinked, even by root, until the flag is cleared (which needs
// CAP_LINUX_IMMUTABLE and is itself a visible act). An append-only file can
// only be opened for appending. Support depends on the file system (ext4,
// xfs, btrfs have it; tmpfs before 6.0, overlayfs, NFS and FUSE often not),
// so every call says exactly what happened.
#pragma once

#include <filesystem>
#include <string>

#include "responder/result.h"

namespace responder::evidence {

enum class WriteOnceFlag { immutable, append_only };

// Sets the flag on an open file descriptor (read-only descriptors work).
// Fails, naming the errno, when the file system or the process's
// capabilities refuse; the caller must then record that write-once is NOT
// in force.
Status set_write_once(int fd, WriteOnceFlag flag);
Status set_write_once(const std::filesystem::path& path, WriteOnceFlag flag);

// True when the flag is set; an error when the flags cannot be read at all
// (the file system has no such attribute).
Result<bool> has_write_once(const std::filesystem::path& path, WriteOnceFlag flag);

// Clears both flags. For tests and for an examiner's deliberate disposal of
// a bundle, never for normal operation.
Status clear_write_once(const std::filesystem::path& path);

// Clears both flags on `root` and everything below it, then removes it all.
// For tests and benchmarks that make throw-away bundles; never for a real
// incident's evidence. Best effort: what cannot be removed stays.
void remove_write_once_tree(const std::filesystem::path& root);

// The words used in records: "immutable" / "append-only".
std::string write_once_name(WriteOnceFlag flag);

}  // namespace responder::evidence
