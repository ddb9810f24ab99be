// NFS export files and the export table, private to a test: inside the
// test's private mount namespace (private_mount_namespace.h) an overlay over
// /etc takes every write to /etc (the exports files, /etc/exports.d), and a
// temporary directory is bind-mounted over /var/lib/nfs (etab), so the
// host's real files are never touched. exportfs then works on these as it
// would on the real ones; no kernel NFS server is needed for etab.
#pragma once

#include <sys/mount.h>

#include <fstream>

#include "tests/support/process.h"

namespace responder::lab {

class NfsExportsLab {
 public:
  NfsExportsLab() {
    for (auto* d : {"etc-upper", "etc-work", "nfs-state", "export"}) std::filesystem::create_directories(dir_ / d);
    std::string options = "lowerdir=/etc,upperdir=" + (dir_ / "etc-upper").string() + ",workdir=" + (dir_ / "etc-work").string();
    if (::mount("overlay", "/etc", "overlay", 0, options.c_str()) != 0) {
      error_ = std::string("overlay over /etc: ") + std::strerror(errno);
      return;
    }
    etc_mounted_ = true;
    if (::mount((dir_ / "nfs-state").c_str(), "/var/lib/nfs", nullptr, MS_BIND, nullptr) != 0) {
      error_ = std::string("bind mount over /var/lib/nfs: ") + std::strerror(errno);
      return;
    }
    state_mounted_ = true;
    std::filesystem::create_directories("/etc/exports.d");
  }
  ~NfsExportsLab() {
    if (state_mounted_) ::umount2("/var/lib/nfs", MNT_DETACH);
    if (etc_mounted_) ::umount2("/etc", MNT_DETACH);
  }
  const std::string& error() const { return error_; }

  // A directory to export.
  std::filesystem::path export_dir(const std::string& name) const {
    std::filesystem::create_directories(dir_ / "export" / name);
    return dir_ / "export" / name;
  }
  static void write(const std::filesystem::path& file, const std::string& text) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
  }
  static std::string etab() { return testing::slurp("/var/lib/nfs/etab"); }

 private:
  testing::TempDir dir_;
  std::string error_;
  bool etc_mounted_ = false, state_mounted_ = false;
};

}  // namespace responder::lab
