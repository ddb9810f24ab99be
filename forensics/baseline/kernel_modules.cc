#include "forensics/baseline/kernel_modules.h"

#include <fstream>
#include <sstream>

namespace responder::baseline {

std::vector<InventoryRecord> read_kernel_modules(const std::filesystem::path& modules_file) {
  std::vector<InventoryRecord> out;
  std::ifstream in(modules_file);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name;
    if (!(fields >> name) || name.empty()) continue;
    InventoryRecord r;
    r.kind = "kernel_module";
    r.key = name;
    r.fields["name"] = name;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace responder::baseline
