// What a host's own dpkg says about a package: installed or not, at which
// version, and how two versions compare. Versions are compared by the
// host's dpkg (epochs, `~`, revisions), never by a copy of its rules here.
#pragma once

#include <string>

#include "responder/result.h"

namespace responder::release {

struct InstalledPackage {
  bool installed = false;  // dpkg's status is "ii": unpacked and configured
  bool present = false;    // dpkg knows it in some other state (half-installed, config files only)
  std::string status;      // dpkg's abbreviated status, e.g. "ii ", "rc ", "iF "
  std::string version;     // empty when dpkg has none
};

// `dpkg-query -W` of `package` on this host (PATH decides which dpkg).
Result<InstalledPackage> installed_package(const std::string& package);

// `dpkg --compare-versions a op b`; `op` is one of lt le eq ge gt. Bad
// input when dpkg rejects a version.
Result<bool> compare_versions(const std::string& a, const std::string& op, const std::string& b);

// "ID VERSION_ID" from /etc/os-release (e.g. "debian 12"); "" when absent.
std::string os_release_group();

}  // namespace responder::release
