// Which inventory files a command reads: the configuration's
// `inventories:` (relative to the configuration file), then each
// `--inventory FILE` of the command line, in that order.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "responder/config.h"

namespace responder::inventory {

std::vector<std::filesystem::path> inventory_sources(const Config& config, const std::vector<std::string>& from_command_line);

}  // namespace responder::inventory
