#include "responder/drill/lab_cgroup.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

namespace responder::drill {

std::string lab_cgroup_name(const std::string& token) { return "responder-drill-" + token; }

std::string lab_cgroup_enter_script(const std::string& name) {
  return "for h in /sys/fs/cgroup /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do\n"
         "  if [ -w \"$h/cgroup.procs\" ]; then mkdir -p \"$h/" + name + "\" && echo $$ > \"$h/" + name + "/cgroup.procs\"; fi\n"
         "done\n";
}

std::string remove_lab_cgroup(const std::string& name) {
  namespace fs = std::filesystem;
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") return {};
  std::error_code ec;
  std::vector<fs::path> roots{fs::path("/sys/fs/cgroup") / name};
  for (auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup", ec))
    if (hierarchy.is_directory(ec)) roots.push_back(hierarchy.path() / name);
  std::string left;
  for (auto& root : roots) {
    if (!fs::is_directory(root, ec)) continue;
    std::vector<fs::path> dirs{root};
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_directory(ec) && !it->is_symlink(ec)) dirs.push_back(it->path());
    std::sort(dirs.begin(), dirs.end(), [](auto& a, auto& b) { return a.string().size() > b.string().size(); });
    // A killed process leaves its cgroup a moment after its death is seen.
    for (int attempt = 0; attempt < 50 && !dirs.empty(); ++attempt) {
      std::erase_if(dirs, [](const fs::path& d) { return ::rmdir(d.c_str()) == 0 || errno == ENOENT; });
      if (!dirs.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!dirs.empty()) left += (left.empty() ? "" : ", ") + dirs.back().string();
  }
  return left;
}

std::string remove_lab_cgroups_of(const std::string& token) {
  namespace fs = std::filesystem;
  const std::string prefix = lab_cgroup_name(token + "-");
  std::vector<std::string> names;
  std::error_code ec;
  std::vector<fs::path> roots{"/sys/fs/cgroup"};
  for (auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup", ec))
    if (hierarchy.is_directory(ec)) roots.push_back(hierarchy.path());
  for (auto& root : roots)
    for (auto& entry : fs::directory_iterator(root, ec)) {
      auto name = entry.path().filename().string();
      if (name.starts_with(prefix) && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  std::string left;
  for (auto& name : names)
    if (auto e = remove_lab_cgroup(name); !e.empty()) left += (left.empty() ? "" : ", ") + e;
  return left;
}

}  // namespace responder::drill
