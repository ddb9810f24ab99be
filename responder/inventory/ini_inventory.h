// Ansible's INI inventory format, read as ansible/plugins/inventory/ini.py
// reads it: host lines `NAME[:PORT] [k=v ...]` (ranges expanded, values by
// python_literal.h), `[group]`, `[group:vars]` (`k=v` lines), and
// `[group:children]`; hosts before any section are `ungrouped`. Group names
// are kept as written (`web-eu` too: Ansible's default only warns).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "responder/diagnostic.h"
#include "responder/inventory/inventory.h"
#include "responder/result.h"

namespace responder::inventory {

// Adds what `text` (the contents of `file`) declares to `inventory`. On
// failure `diagnostics` ends with the error, FILE:LINE:COL, and the returned
// error's message is that same line; `inventory` then holds a part of the
// file and must be thrown away.
Status load_ini_inventory(std::string_view text, const std::string& file, Inventory& inventory,
                          std::vector<Diagnostic>& diagnostics);

}  // namespace responder::inventory
