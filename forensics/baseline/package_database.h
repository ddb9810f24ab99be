// What Debian's package database says each packaged file should hold, read
// from the root's /var/lib/dpkg the way `dpkg --verify` and `debsums` use
// it: MD5 sums of packaged files (info/*.md5sums), of configuration files
// (`Conffiles:` in status, which the administrator may change), and
// diversions (a file moved aside by another package or the administrator is
// checked where it now lives, not flagged at its old place).
//
// Paths are as the host sees them: a package path under a directory that
// is a symbolic link in the root (merged /usr: /bin -> usr/bin) is resolved
// to where the file really is, so the walk of /usr/bin finds it.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "responder/result.h"

namespace responder::baseline {

struct PackagedFile {
  std::string package;
  std::string md5;          // lowercase hex, as dpkg recorded it
  std::string dpkg_path;    // the path as the package lists it
  bool conffile = false;
  mutable bool seen = false;  // found by a comparison's walk
};

class PackageDatabase {
 public:
  // Reads the database under `root`, keeping only files under `paths`
  // (absolute, as seen from the root, globs allowed; empty: every file). A root without a
  // dpkg database yields an empty one with `present` false.
  static Result<PackageDatabase> read(const std::filesystem::path& root, const std::vector<std::string>& paths);

  bool present() const { return present_; }
  // The packaged file at this host path, or nullptr.
  const PackagedFile* find(std::string_view path) const;
  const std::map<std::string, PackagedFile, std::less<>>& files() const { return files_; }
  std::size_t packages() const { return packages_; }

 private:
  bool present_ = false;
  std::size_t packages_ = 0;
  std::map<std::string, PackagedFile, std::less<>> files_;
};

// `path` with every symbolic link among its directories resolved inside
// `root` (never outside it): "/bin/ls" -> "/usr/bin/ls" on merged /usr.
// The last component is left as it is.
std::string resolve_directories(const std::filesystem::path& root, const std::string& path);

}  // namespace responder::baseline
