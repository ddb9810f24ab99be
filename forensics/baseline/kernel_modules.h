// Loaded kernel modules, by name, from /proc/modules of the live kernel.
#pragma once

#include <filesystem>
#include <vector>

#include "forensics/baseline/baseline_file_format.h"

namespace responder::baseline {

// Records keyed by module name; none when the file cannot be read (a kernel
// without modules), which the caller notes.
std::vector<InventoryRecord> read_kernel_modules(const std::filesystem::path& modules_file = "/proc/modules");

}  // namespace responder::baseline
