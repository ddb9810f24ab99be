#include "forensics/baseline/package_database.h"
#include "forensics/baseline/host_text_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "forensics/baseline/file_tree_walk.h"

namespace responder::baseline {
namespace {

bool is_md5(std::string_view s) {
  return s.size() == 32 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// Normalises "a/./b/../c" without touching the file system.
std::string normal_path(const std::string& path) {
  std::vector<std::string> parts;
  std::istringstream in(path);
  for (std::string part; std::getline(in, part, '/');) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

class DirectoryResolver {
 public:
  explicit DirectoryResolver(const std::filesystem::path& root) : root_(root) {}
  std::string resolve(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) return path;
    std::string dir = path.substr(0, slash);
    auto it = cache_.find(dir);
    if (it == cache_.end()) it = cache_.emplace(dir, resolve_dir(dir)).first;
    return (it->second == "/" ? "" : it->second) + path.substr(slash);
  }

 private:
  std::string resolve_dir(const std::string& dir) {
    std::string done;  // resolved so far, "" meaning the root
    std::vector<std::string> todo;
    {
      std::istringstream in(dir);
      for (std::string part; std::getline(in, part, '/');)
        if (!part.empty()) todo.push_back(part);
    }
    std::reverse(todo.begin(), todo.end());
    int hops = 0;
    while (!todo.empty()) {
      std::string part = todo.back();
      todo.pop_back();
      if (part == ".") continue;
      if (part == "..") {
        auto s = done.rfind('/');
        done = s == std::string::npos ? "" : done.substr(0, s);
        continue;
      }
      std::string next = done + "/" + part;
      char target[4096];
      ssize_t n = ::readlink(on_disk(root_, next).c_str(), target, sizeof target);
      if (n <= 0 || ++hops > 40) {
        done = next;
        continue;
      }
      std::string link(target, static_cast<std::size_t>(n));
      if (link[0] == '/') done.clear();
      std::istringstream in(link);
      std::vector<std::string> parts;
      for (std::string p; std::getline(in, p, '/');)
        if (!p.empty()) parts.push_back(p);
      for (auto p = parts.rbegin(); p != parts.rend(); ++p) todo.push_back(*p);
    }
    return done.empty() ? "/" : done;
  }

  std::filesystem::path root_;
  std::unordered_map<std::string, std::string> cache_;
};

struct Diversion {
  std::string to, by;  // by ":" for a local (administrator's) diversion
};

std::map<std::string, Diversion> read_diversions(const std::filesystem::path& root) {
  std::map<std::string, Diversion> diversions;
  HostTextLines in(root, "/var/lib/dpkg/diversions");
  std::string from, to, by;
  while (in.getline(from) && in.getline(to) && in.getline(by)) diversions[from] = {to, by};
  return diversions;
}

}  // namespace

std::string resolve_directories(const std::filesystem::path& root, const std::string& path) {
  DirectoryResolver resolver(root);
  return resolver.resolve(normal_path(path));
}

const PackagedFile* PackageDatabase::find(std::string_view path) const {
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

Result<PackageDatabase> PackageDatabase::read(const std::filesystem::path& root, const std::vector<std::string>& paths) {
  PackageDatabase db;
  std::string info = on_disk(root, "/var/lib/dpkg/info");
  std::error_code ec;
  if (!std::filesystem::is_directory(info, ec)) return db;
  db.present_ = true;
  auto diversions = read_diversions(root);
  DirectoryResolver resolver(root);
  auto add = [&](const std::string& package, std::string dpkg_path, const std::string& md5, bool conffile) {
    dpkg_path = normal_path(dpkg_path);
    std::string actual = dpkg_path;
    // A file diverted by someone else lives, for this package, at the diversion's target.
    if (auto d = diversions.find(dpkg_path); d != diversions.end() && d->second.by != package) actual = d->second.to;
    actual = resolver.resolve(actual);
    if (!paths.empty() && !path_in_scope(actual, paths)) return;
    auto& f = db.files_[actual];
    if (!f.package.empty() && f.conffile && !conffile) return;  // the conffile entry is the one dpkg checks
    f = PackagedFile{package, md5, dpkg_path, conffile};
  };
  std::vector<std::filesystem::path> sums;
  for (auto& entry : std::filesystem::directory_iterator(info, ec))
    if (entry.path().extension() == ".md5sums") sums.push_back(entry.path());
  std::sort(sums.begin(), sums.end());
  for (auto& file : sums) {
    std::string package = file.stem().string();
    if (auto colon = package.find(':'); colon != std::string::npos) package.resize(colon);  // pkg:arch
    HostTextLines in(file);
    std::string line;
    while (in.getline(line)) {
      if (line.size() < 35 || !is_md5(std::string_view(line).substr(0, 32))) continue;
      std::size_t start = 32;
      while (start < line.size() && line[start] == ' ') ++start;
      add(package, "/" + line.substr(start), line.substr(0, 32), false);
    }
    ++db.packages_;
  }
  // status: Conffiles of installed packages.
  HostTextLines status(root, "/var/lib/dpkg/status", std::uint64_t{1} << 30);
  std::string line, package;
  bool installed = false, in_conffiles = false;
  std::vector<std::pair<std::string, std::string>> conffiles;
  auto flush = [&] {
    if (installed)
      for (auto& [path, md5] : conffiles) add(package, path, md5, true);
    package.clear();
    installed = in_conffiles = false;
    conffiles.clear();
  };
  while (status.getline(line)) {
    if (line.empty()) {
      flush();
      continue;
    }
    if (line[0] == ' ' && in_conffiles) {
      std::istringstream words(line);
      std::string path, md5, flag;
      words >> path >> md5 >> flag;
      // "obsolete" and "remove-on-upgrade" conffiles are no longer the package's to check.
      if (!path.empty() && is_md5(md5) && flag.empty()) conffiles.emplace_back(path, md5);
      continue;
    }
    in_conffiles = false;
    if (line.rfind("Package: ", 0) == 0) package = line.substr(9);
    else if (line.rfind("Status: ", 0) == 0) installed = line.size() > 10 && line.substr(line.size() - 10) == " installed";
    else if (line == "Conffiles:") in_conffiles = true;
  }
  flush();
  return db;
}

}  // namespace responder::baseline
