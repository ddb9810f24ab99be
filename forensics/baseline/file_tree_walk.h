// Walking the recorded paths under a root directory: every file system
// object's metadata (type, size, mode, owner, capabilities, link target),
// never following a symbolic link, so a tree is read as it is on disk.
//
// A root other than "/" is how a test (or an examiner with a mounted disk
// image) points the baseline at a tree of its own: paths are recorded as
// seen from that root ("/usr/bin/ls"), read from ROOT/usr/bin/ls.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "forensics/baseline/baseline_file_format.h"

namespace responder::baseline {

// User and group names by id, from the root's /etc/passwd and /etc/group.
struct IdNames {
  std::map<std::uint32_t, std::string> users, groups;
};
IdNames read_id_names(const std::filesystem::path& root);

// `root` joined with an absolute path seen from it.
std::string on_disk(const std::filesystem::path& root, const std::string& path);

struct ExpandedPaths {
  std::vector<std::string> existing;  // absolute, as seen from the root; sorted, no duplicates
  std::vector<std::string> missing;   // patterns that matched nothing
};
// Expands globs ("/home/*/.ssh") under the root.
ExpandedPaths expand_paths(const std::filesystem::path& root, const std::vector<std::string>& patterns);

// Whether `path` (absolute, as seen from the root) lies at or under one of
// the patterns, globs included ("/home/alice/.ssh/id" is under "/home/*/.ssh").
bool path_in_scope(const std::string& path, const std::vector<std::string>& patterns);

// The entry for one object from its lstat; sha256 empty (hashing is apart),
// and for a regular file caps empty too: the hashing reads them from the
// open file (file_capabilities), or the caller when it does not hash.
FileEntry entry_from_stat(std::string path, const struct stat& st, const std::string& disk_path, const IdNames& names);

// The security.capability attribute as lowercase hex; empty when none.
std::string file_capabilities(int fd);
std::string file_capabilities(const std::string& disk_path);

// Calls `visit` for `path` and, when it is a directory, for everything
// under it, depth first. Objects that vanish or cannot be read are passed
// to `unreadable` with the reason. Stops early when `stop` returns true.
void walk_tree(const std::filesystem::path& root, const std::string& path, const IdNames& names,
               const std::function<void(FileEntry&&)>& visit,
               const std::function<void(const std::string& path, const std::string& why)>& unreadable,
               const std::function<bool()>& stop);

}  // namespace responder::baseline
