#include "forensics/baseline/local_accounts.h"
#include "forensics/baseline/host_text_file.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>

#include "forensics/baseline/file_tree_walk.h"

namespace responder::baseline {
namespace {

std::vector<std::string> split_colons(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    auto colon = line.find(':', start);
    fields.push_back(line.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return fields;
}

// As glibc's files backend reads a uid or gid (strtoul, then cut to 32
// bits): " 0", "+0", "000" and "4294967296" are all uid 0 to the system,
// so they are to the check. Not a number at all: -1.
std::int64_t number(const std::string& text) {
  if (text.empty()) return -1;
  char* end = nullptr;
  unsigned long value = std::strtoul(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0') return -1;
  return static_cast<std::int64_t>(static_cast<std::uint32_t>(value));
}

}  // namespace

std::string_view password_state(std::string_view field) {
  if (field.empty()) return "empty";
  if (field[0] == '!' || field[0] == '*') return "locked";
  return "set";
}

bool is_administrative_group(std::string_view name) {
  return name == "root" || name == "sudo" || name == "wheel" || name == "admin";
}

std::vector<InventoryRecord> read_accounts(const std::filesystem::path& root) {
  std::map<std::string, std::string> shadow;
  bool shadow_readable = false;
  {
    HostTextLines in(root, "/etc/shadow");
    shadow_readable = static_cast<bool>(in);
    std::string line;
    while (in.getline(line)) {
      auto f = split_colons(line);
      if (f.size() >= 2 && !f[0].empty()) shadow.emplace(f[0], std::string(password_state(f[1])));
    }
  }
  std::vector<InventoryRecord> out;
  HostTextLines in(root, "/etc/passwd");
  std::string line;
  std::map<std::string, bool> seen;
  while (in.getline(line)) {
    if (line.empty() || line[0] == '#' || line[0] == '+' || line[0] == '-') continue;
    auto f = split_colons(line);
    if (f.size() < 7 || f[0].empty() || seen[f[0]]) continue;
    seen[f[0]] = true;
    InventoryRecord r;
    r.kind = "account";
    r.key = f[0];
    r.fields["uid"] = number(f[2]);
    r.fields["gid"] = number(f[3]);
    r.fields["gecos"] = f[4];
    r.fields["home"] = f[5];
    r.fields["shell"] = f[6];
    // "x" defers to the shadow file; anything else in passwd is itself a password field.
    if (f[1] == "x") {
      auto it = shadow.find(f[0]);
      r.fields["password"] = !shadow_readable ? "unknown (shadow unreadable)" : it == shadow.end() ? "no shadow entry" : it->second;
    } else {
      r.fields["password"] = password_state(f[1]);
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<InventoryRecord> read_groups(const std::filesystem::path& root) {
  std::vector<InventoryRecord> out;
  HostTextLines in(root, "/etc/group");
  std::string line;
  std::map<std::string, bool> seen;
  while (in.getline(line)) {
    if (line.empty() || line[0] == '#') continue;
    auto f = split_colons(line);
    if (f.size() < 4 || f[0].empty() || seen[f[0]]) continue;
    seen[f[0]] = true;
    std::vector<std::string> members;
    std::size_t start = 0;
    while (start <= f[3].size() && !f[3].empty()) {
      auto comma = f[3].find(',', start);
      std::string m = f[3].substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!m.empty()) members.push_back(m);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    std::sort(members.begin(), members.end());
    members.erase(std::unique(members.begin(), members.end()), members.end());
    InventoryRecord r;
    r.kind = "group";
    r.key = f[0];
    r.fields["gid"] = number(f[2]);
    r.fields["members"] = string_array(members);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace responder::baseline
