#include "forensics/baseline/crontab_entries.h"
#include "forensics/baseline/host_text_file.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "forensics/baseline/file_tree_walk.h"

namespace responder::baseline {
namespace {

std::vector<std::string> regular_files_in(const std::filesystem::path& root, const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator(on_disk(root, dir), ec)) {
    std::error_code e;
    if (entry.is_regular_file(e) && !entry.is_symlink(e)) files.push_back(dir + "/" + entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::vector<InventoryRecord> read_crontab_entries(const std::filesystem::path& root) {
  // file -> whose crontab it is (empty: a system crontab, the user is the 6th field)
  std::vector<std::pair<std::string, std::string>> files{{"/etc/crontab", ""}};
  for (auto& f : regular_files_in(root, "/etc/cron.d")) files.emplace_back(f, "");
  for (auto& f : regular_files_in(root, "/var/spool/cron/crontabs")) files.emplace_back(f, f.substr(f.rfind('/') + 1));
  for (auto& f : regular_files_in(root, "/var/spool/cron")) files.emplace_back(f, f.substr(f.rfind('/') + 1));
  std::vector<InventoryRecord> out;
  std::set<std::string> keys;
  for (auto& [file, owner] : files) {
    HostTextLines in(root, file);
    std::string line;
    while (in.getline(line)) {
      if (line.size() > 65536) continue;
      std::istringstream words(line);
      std::vector<std::string> w;
      for (std::string word; words >> word;) w.push_back(word);
      if (w.empty() || w[0][0] == '#') continue;
      std::string normal;
      for (auto& word : w) normal += (normal.empty() ? "" : " ") + word;
      InventoryRecord r;
      r.kind = "cron";
      r.key = file + ": " + normal;
      if (!keys.insert(r.key).second) continue;
      std::string user = owner;
      bool variable = w[0].find('=') != std::string::npos && w[0][0] != '@' && w[0][0] != '*' && !std::isdigit(static_cast<unsigned char>(w[0][0]));
      if (user.empty() && !variable) user = w[0][0] == '@' ? (w.size() > 1 ? w[1] : "") : (w.size() > 5 ? w[5] : "");
      r.fields["file"] = file;
      r.fields["line"] = normal;
      r.fields["user"] = variable ? "" : user;
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace responder::baseline
