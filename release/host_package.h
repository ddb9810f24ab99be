// What a host's own dpkg says about a package: installed or not, at which
// version, and how two versions compare. Versions are compared by the
// host's dpkg (epochs, `~`, revisions), never by a copy of its rules here.
#pragma once

#include <string>
#include <string_view>

#include "responder/result.h"

namespace responder::release {

struct InstalledPackage {
  bool installed = false;  // dpkg's status is installed ("ii ", "hi "): unpacked and configured
  bool present = false;    // some of it is on disk, not configured (half-installed, unpacked, triggers)
  std::string status;      // dpkg's abbreviated status, e.g. "ii ", "rc ", "iF "
  std::string version;     // empty when dpkg has none
};

// `dpkg-query -W` of `package` on this host (PATH decides which dpkg).
Result<InstalledPackage> installed_package(const std::string& package);

// Reads `dpkg-query -W -f='${db:Status-Abbrev}\t${Version}\n'` output: one
// line per installed architecture of a Multi-Arch package. Any line not
// fully installed but with files on disk makes the package `present` and not
// `installed` (it needs the patch); config files only ("rc") or not
// installed ("un") is neither. The version is the first installed line's.
InstalledPackage read_dpkg_query(std::string_view output);

// `dpkg --compare-versions a op b`; `op` is one of lt le eq ge gt. Bad
// input when dpkg rejects a version.
Result<bool> compare_versions(const std::string& a, const std::string& op, const std::string& b);

// "ID VERSION_ID" from /etc/os-release (e.g. "debian 12"); "" when absent.
std::string os_release_group();

}  // namespace responder::release
