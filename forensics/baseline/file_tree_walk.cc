#include "forensics/baseline/file_tree_walk.h"

#include "forensics/evidence/evidence_digest.h"
#include "forensics/baseline/host_text_file.h"

#include <fnmatch.h>
#include <fts.h>
#include <glob.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace responder::baseline {
namespace {

std::map<std::uint32_t, std::string> names_from(const std::filesystem::path& file, int id_field) {
  std::map<std::uint32_t, std::string> names;
  HostTextLines in(file);
  std::string line;
  while (in.getline(line)) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (int i = 0; i <= id_field; ++i) {
      auto colon = line.find(':', start);
      fields.push_back(line.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    if (static_cast<int>(fields.size()) <= id_field || fields[0].empty()) continue;
    try {
      auto id = static_cast<std::uint32_t>(std::stoul(fields[static_cast<std::size_t>(id_field)]));
      names.emplace(id, fields[0]);  // the first name for an id wins, as getpwuid does
    } catch (...) {
    }
  }
  return names;
}


std::string relative_to_root(const std::string& root_text, const char* disk) {
  std::string p(disk);
  if (root_text.empty()) return p;
  p = p.substr(root_text.size());
  return p.empty() ? "/" : p;
}

}  // namespace

IdNames read_id_names(const std::filesystem::path& root) {
  IdNames names;
  names.users = names_from(on_disk(root, "/etc/passwd"), 2);
  names.groups = names_from(on_disk(root, "/etc/group"), 2);
  return names;
}

std::string on_disk(const std::filesystem::path& root, const std::string& path) {
  std::string r = root.string();
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  if (r == "/" || r.empty()) return path;
  return r + path;
}

ExpandedPaths expand_paths(const std::filesystem::path& root, const std::vector<std::string>& patterns) {
  ExpandedPaths out;
  std::string prefix = on_disk(root, "");
  for (auto& pattern : patterns) {
    if (pattern.empty() || pattern[0] != '/') {
      out.missing.push_back(pattern);
      continue;
    }
    std::string normal = pattern;
    while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
    glob_t matches{};
    int rc = ::glob(on_disk(root, normal).c_str(), GLOB_NOSORT, nullptr, &matches);
    bool any = false;
    if (rc == 0) {
      for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
        struct stat st {};
        if (::lstat(matches.gl_pathv[i], &st) != 0) continue;
        out.existing.push_back(relative_to_root(prefix, matches.gl_pathv[i]));
        any = true;
      }
    }
    ::globfree(&matches);
    if (!any) out.missing.push_back(pattern);
  }
  std::sort(out.existing.begin(), out.existing.end());
  out.existing.erase(std::unique(out.existing.begin(), out.existing.end()), out.existing.end());
  // A path inside another one asked for is walked once, with its parent:
  // checked against every kept path, since "/etc-old" sorts between "/etc"
  // and "/etc/ssh".
  std::vector<std::string> outermost;
  auto inside = [](const std::string& p, const std::string& outer) {
    return p.size() > outer.size() && p.compare(0, outer.size(), outer) == 0 && (outer == "/" || p[outer.size()] == '/');
  };
  for (auto& p : out.existing)
    if (std::none_of(outermost.begin(), outermost.end(), [&](const std::string& outer) { return inside(p, outer); }))
      outermost.push_back(p);
  out.existing = std::move(outermost);
  return out;
}

bool path_in_scope(const std::string& path, const std::vector<std::string>& patterns) {
  for (auto& raw : patterns) {
    std::string pattern = raw;
    while (pattern.size() > 1 && pattern.back() == '/') pattern.pop_back();
    if (pattern.find_first_of("*?[") == std::string::npos) {
      if (pattern == "/" || path == pattern ||
          (path.size() > pattern.size() && path.compare(0, pattern.size(), pattern) == 0 && path[pattern.size()] == '/'))
        return true;
      continue;
    }
    // The path itself or one of its ancestors matches the glob.
    for (std::size_t end = path.size(); end > 0; end = path.rfind('/', end - 1)) {
      if (::fnmatch(pattern.c_str(), path.substr(0, end).c_str(), FNM_PATHNAME) == 0) return true;
      if (end == 0) break;
    }
  }
  return false;
}

FileEntry entry_from_stat(std::string path, const struct stat& st, const std::string& disk_path, const IdNames& names) {
  FileEntry e;
  e.path = std::move(path);
  e.type = S_ISREG(st.st_mode) ? FileEntry::Type::file
           : S_ISDIR(st.st_mode) ? FileEntry::Type::directory
           : S_ISLNK(st.st_mode) ? FileEntry::Type::symlink
                                  : FileEntry::Type::other;
  e.size = e.type == FileEntry::Type::directory ? 0 : static_cast<std::uint64_t>(st.st_size);
  e.mode = static_cast<std::uint32_t>(st.st_mode) & 07777u;
  e.uid = st.st_uid;
  e.gid = st.st_gid;
  if (auto it = names.users.find(e.uid); it != names.users.end()) e.owner = it->second;
  if (auto it = names.groups.find(e.gid); it != names.groups.end()) e.group = it->second;
  if (e.type == FileEntry::Type::symlink) {
    std::string target(4096, '\0');
    ssize_t n = ::readlink(disk_path.c_str(), target.data(), target.size());
    if (n >= 0) e.target.assign(target.data(), static_cast<std::size_t>(n));
  }
  return e;
}

std::string file_capabilities(int fd) {
  char caps[256];
  ssize_t n = ::fgetxattr(fd, "security.capability", caps, sizeof caps);
  return n > 0 ? evidence::hex_of(reinterpret_cast<const unsigned char*>(caps), static_cast<std::size_t>(n)) : "";
}

std::string file_capabilities(const std::string& disk_path) {
  char caps[256];
  ssize_t n = ::lgetxattr(disk_path.c_str(), "security.capability", caps, sizeof caps);
  return n > 0 ? evidence::hex_of(reinterpret_cast<const unsigned char*>(caps), static_cast<std::size_t>(n)) : "";
}

void walk_tree(const std::filesystem::path& root, const std::string& path, const IdNames& names,
               const std::function<void(FileEntry&&)>& visit,
               const std::function<void(const std::string& path, const std::string& why)>& unreadable,
               const std::function<bool()>& stop) {
  std::string prefix = on_disk(root, "");
  std::string start = on_disk(root, path);
  char* argv[] = {start.data(), nullptr};
  FTS* fts = ::fts_open(argv, FTS_PHYSICAL | FTS_NOCHDIR, nullptr);
  if (!fts) {
    unreadable(path, std::strerror(errno));
    return;
  }
  while (FTSENT* node = ::fts_read(fts)) {
    if (stop()) break;
    switch (node->fts_info) {
      case FTS_DP: continue;  // a directory after its contents
      case FTS_DNR:
      case FTS_ERR:
      case FTS_NS:
        unreadable(relative_to_root(prefix, node->fts_path), std::strerror(node->fts_errno));
        if (node->fts_info != FTS_DNR) continue;
        break;  // an unreadable directory is still recorded itself
      case FTS_DC: continue;  // a cycle: cannot happen without following links
      default: break;
    }
    if (!node->fts_statp) continue;
    visit(entry_from_stat(relative_to_root(prefix, node->fts_path), *node->fts_statp, node->fts_path, names));
  }
  ::fts_close(fts);
}

}  // namespace responder::baseline
