// What the controller learns about a release artifact once its signature
// verified, before any host is asked anything: its kind, and for a .deb the
// package and version it brings (read by dpkg-deb from the verified bytes).
#pragma once

#include <filesystem>
#include <string>

#include "responder/result.h"

namespace responder::release {

// "deb", "tarball" or "script", from the file's name.
std::string artifact_kind_from_name(const std::filesystem::path& artifact);

struct PackageFields {
  std::string package, version;
};

// The Package and Version fields of the .deb whose bytes are `deb`, as
// `dpkg-deb --field` reads them; bad input naming `shown_as` when the bytes
// are not a package.
Result<PackageFields> deb_fields(const std::string& deb, const std::string& shown_as);

}  // namespace responder::release
