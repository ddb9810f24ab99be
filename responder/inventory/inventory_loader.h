// Reading inventory files, as `ansible-inventory -i A -i B` reads them: each
// file in turn into one inventory, then Ansible's reconciliation.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "responder/diagnostic.h"
#include "responder/inventory/inventory.h"
#include "responder/result.h"

namespace responder::inventory {

// The largest inventory file read.
inline constexpr std::uintmax_t kMaxInventoryBytes = 16 * 1024 * 1024;

enum class InventoryFormat { ini, yaml };

// `.yml`/`.yaml`/`.json` files are YAML, `.ini` files INI; any other file is
// YAML when its text parses as a YAML mapping of groups to mappings, else
// INI.
InventoryFormat detect_format(const std::filesystem::path& file, std::string_view text);

// Loads `files` in order into one finished inventory. Bad input (with
// FILE:LINE:COL in the message, and in `diagnostics` with any warnings) for
// a file that cannot be read, is larger than kMaxInventoryBytes, holds a
// NUL byte or bytes that are not UTF-8, or is not a valid inventory.
Result<Inventory> load_inventories(const std::vector<std::filesystem::path>& files, std::vector<Diagnostic>& diagnostics);

}  // namespace responder::inventory
