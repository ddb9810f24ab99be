// Accounts, groups and sessions; kernel modules; mounts.
#include <utmpx.h>

#include <sstream>

#include "forensics/evidence/evidence_artifacts.h"
#include "forensics/evidence/evidence_time.h"

namespace responder::evidence {
namespace {

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(line);
  while (std::getline(in, part, sep)) parts.push_back(part);
  if (!line.empty() && line.back() == sep) parts.emplace_back();
  return parts;
}

}  // namespace

void read_users(const ArtifactRequest&, const ArtifactEmit& emit) {
  for (auto& line : file_lines("/etc/passwd")) {
    auto f = split(line, ':');
    if (f.size() < 7) continue;
    json::object u;
    u["kind"] = "account";
    u["name"] = f[0];
    u["uid"] = f[2];
    u["gid"] = f[3];
    u["gecos"] = f[4];
    u["home"] = f[5];
    u["shell"] = f[6];
    emit(std::move(u));
  }
  for (auto& line : file_lines("/etc/group")) {
    auto f = split(line, ':');
    if (f.size() < 4) continue;
    json::object g;
    g["kind"] = "group";
    g["name"] = f[0];
    g["gid"] = f[2];
    json::array members;
    for (auto& m : split(f[3], ',')) if (!m.empty()) members.emplace_back(m);
    g["members"] = std::move(members);
    emit(std::move(g));
  }
  setutxent();
  while (utmpx* u = getutxent()) {
    if (u->ut_type != USER_PROCESS && u->ut_type != LOGIN_PROCESS && u->ut_type != BOOT_TIME) continue;
    json::object s;
    s["kind"] = u->ut_type == USER_PROCESS ? "session" : u->ut_type == BOOT_TIME ? "boot" : "login";
    s["user"] = std::string(u->ut_user, strnlen(u->ut_user, sizeof u->ut_user));
    s["line"] = std::string(u->ut_line, strnlen(u->ut_line, sizeof u->ut_line));
    s["host"] = std::string(u->ut_host, strnlen(u->ut_host, sizeof u->ut_host));
    s["pid"] = u->ut_pid;
    timespec t{};
    t.tv_sec = u->ut_tv.tv_sec;
    t.tv_nsec = static_cast<long>(u->ut_tv.tv_usec) * 1000;
    s["since"] = format_utc_ns(t);
    emit(std::move(s));
  }
  endutxent();
}

void read_modules(const ArtifactRequest&, const ArtifactEmit& emit) {
  auto tainted = file_lines("/proc/sys/kernel/tainted");
  json::object t;
  t["kind"] = "kernel";
  t["tainted"] = tainted.empty() ? "unavailable" : tainted.front();
  emit(std::move(t));
  for (auto& line : file_lines("/proc/modules")) {
    std::istringstream in(line);
    std::string name, size, refs, used_by, state, address;
    in >> name >> size >> refs >> used_by >> state >> address;
    json::object m;
    m["kind"] = "module";
    m["name"] = name;
    m["size"] = std::stoll(size);
    m["refcount"] = std::stoll(refs);
    json::array users;
    for (auto& u : split(used_by, ',')) if (!u.empty() && u != "-") users.emplace_back(u);
    m["used_by"] = std::move(users);
    m["state"] = state;
    std::string rest;
    std::getline(in, rest);
    if (!rest.empty()) m["taint"] = rest.substr(rest.find_first_not_of(' ') == std::string::npos ? 0 : rest.find_first_not_of(' '));
    emit(std::move(m));
  }
}

void read_mounts(const ArtifactRequest&, const ArtifactEmit& emit) {
  for (auto& line : file_lines("/proc/self/mountinfo")) {
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream head(line.substr(0, dash)), tail(line.substr(dash + 3));
    std::string id, parent, dev, root, point, options;
    head >> id >> parent >> dev >> root >> point >> options;
    std::string fstype, source, super;
    tail >> fstype >> source >> super;
    json::object m;
    m["mount_id"] = std::stoll(id);
    m["parent_id"] = std::stoll(parent);
    m["device"] = dev;
    m["root"] = root;
    m["mount_point"] = point;
    m["options"] = options;
    m["fstype"] = fstype;
    m["source"] = source;
    m["super_options"] = super;
    emit(std::move(m));
  }
}

}  // namespace responder::evidence
