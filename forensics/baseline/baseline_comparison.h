// Comparing a host with its baseline and with its package database. Reads
// only: nothing on the host is changed, not even access times where the
// kernel allows that (O_NOATIME).
//
// Files are walked and hashed as for recording (every core, each file read
// once; MD5 only for files a package owns), and compared one by one against
// the baseline's index as they come, so memory holds the baseline and the
// differences, not the host's tree.
#pragma once

#include <functional>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "forensics/baseline/baseline_file_format.h"
#include "forensics/baseline/hashing_progress.h"
#include "forensics/baseline/host_inventory.h"

namespace responder::baseline {

struct CompareOptions {
  std::filesystem::path root = "/";
  // Empty: the baseline's own paths, else the default ones.
  std::vector<std::string> paths;
  bool packages = true;                      // check packaged files against dpkg's MD5 sums
  InventorySources inventory;                // its root is set to `root`
  unsigned workers = 0;
  ProgressReport progress;
  std::function<bool()> stop;               // true: stop early
};

// A file that differs from its baseline entry: `differs` names what
// ("type", "sha256", "mode", "owner", "group", "caps", "target").
struct FileChange {
  FileEntry baseline, host;
  std::vector<std::string> differs;
  // The package that owns it, if any, and whether the host's file is what
  // that package installed (a change an upgrade explains).
  std::string package;
  bool conffile = false;
  bool matches_package = false;
};

// A packaged file that is not what dpkg installed: "md5" (contents
// differ), "missing", "not a regular file" or "unreadable: …".
struct PackageMismatch {
  std::string path, package, problem;
  bool conffile = false;
};

struct InventoryChange {
  std::string key;
  json::object baseline, host;  // empty object for an added or removed one
};

struct InventoryDifferences {
  std::vector<InventoryChange> added, removed, changed;
  bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

struct BaselineComparison {
  bool had_baseline = false;
  std::string baseline_host, baseline_time;
  std::string root = "/";             // the file system compared
  std::vector<std::string> paths;     // compared, as asked
  std::vector<FileChange> changed;    // sorted by path
  std::vector<FileEntry> added;       // on the host, not in the baseline
  std::vector<FileEntry> removed;     // in the baseline, not on the host
  std::vector<FileEntry> new_setid;   // set-uid/set-gid now, and not so in the baseline (or not there)
  bool packages_checked = false;
  std::size_t packages = 0, packaged_files = 0;
  std::vector<PackageMismatch> package_mismatches;  // sorted by path
  std::map<std::string, InventoryDifferences> inventory;  // by kind
  std::vector<std::string> notes;     // what could not be checked, and why
  std::vector<std::string> unreadable;  // files in scope that could not be read (at most 1,000 named)
  std::uint64_t unreadable_count = 0;
  std::uint64_t files_checked = 0, bytes_hashed = 0;
};

// `baseline` null: the package database only (a host with no recorded
// baseline). Interrupted when `stop` was set.
Result<BaselineComparison> compare_host(const BaselineContents* baseline, const CompareOptions& options);

}  // namespace responder::baseline
