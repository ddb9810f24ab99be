// The Debian package of this build (`cpack -G DEB`), as `responder hosts
// prepare` copies it to hosts: read and checked once on the controller,
// before any host is touched.
#pragma once

#include <filesystem>
#include <string>

#include "responder/result.h"

namespace responder::targets {

struct ResponderPackage {
  std::filesystem::path file;
  std::string version;  // the package's own Version field: this build's
  std::string sha256;   // of `bytes`, lowercase hex
  std::string bytes;    // the whole file, as it is sent to each host
};

// The largest package read (a release build's is a few MiB).
inline constexpr std::uintmax_t kMaxPackageBytes = 512ull << 20;

// Reads `file` and its control fields (`dpkg-deb --field`, so dpkg-deb must
// be installed here). Bad input, saying what is wrong: a file that is
// missing, unreadable or larger than kMaxPackageBytes, that is not a Debian
// package, whose Package is not `responder`, or whose Version is not this
// build's (naming both versions): hosts must run exactly the controller's
// version. The bytes hashed are the bytes kept, so what is sent is what
// was checked.
Result<ResponderPackage> read_responder_package(const std::filesystem::path& file);

}  // namespace responder::targets
