#include "responder/inventory/inventory_sources.h"

namespace responder::inventory {

std::vector<std::filesystem::path> inventory_sources(const Config& config, const std::vector<std::string>& from_command_line) {
  std::vector<std::filesystem::path> files;
  for (auto& file : config.inventories) files.push_back(config.beside(file));
  for (auto& file : from_command_line) files.emplace_back(file);
  return files;
}

}  // namespace responder::inventory
