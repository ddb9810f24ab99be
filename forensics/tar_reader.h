// Unpacking a tar bundle for verification, safely.
//
// Reads ustar and pax ('x' path/size; 'g' ignored) headers, checks every
// header checksum, and accepts only regular files and directories whose
// paths stay inside the destination (no absolute paths, no "..", no links,
// devices or FIFOs): a bundle is data under examination, never trusted.
#pragma once

#include <filesystem>

#include "responder/result.h"

namespace responder {

// Extracts `archive` under `destination` (which must exist and be empty).
Status extract_tar(const std::filesystem::path& archive, const std::filesystem::path& destination);

}  // namespace responder
