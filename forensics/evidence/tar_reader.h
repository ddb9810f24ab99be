// Unpacking a tar bundle for verification, safely.
//
// Reads ustar and pax ('x' path/size; 'g' ignored) headers, checks every
// header checksum, and accepts only regular files and directories whose
// paths stay inside the destination (no absolute paths, no "..", no links,
// devices or FIFOs): a bundle is data under examination, never trusted.
#pragma once

#include <filesystem>
#include <istream>
#include <string>

#include "responder/result.h"

namespace responder::evidence {

// Extracts `archive` under `destination` (which must exist and be empty).
Status extract_tar(const std::filesystem::path& archive, const std::filesystem::path& destination);
// The same from a stream; `origin` names the archive in failures.
Status extract_tar(std::istream& in, const std::string& origin, const std::filesystem::path& destination);

}  // namespace responder::evidence
