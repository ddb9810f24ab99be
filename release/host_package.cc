#include "release/host_package.h"

#include <fstream>

#include "responder/child_process.h"

namespace responder::release {

Result<InstalledPackage> installed_package(const std::string& package) {
  std::vector<std::string> argv{"dpkg-query", "-W", "-f=${db:Status-Abbrev}\t${Version}", "--", package};
  auto run = run_program(argv, {}, std::chrono::seconds(60));
  if (!run) return run.error();
  InstalledPackage found;
  // Exit 1 with "no packages found": dpkg has never heard of it.
  if (run->exit_code == 1) return found;
  if (run->exit_code != 0) return failure(describe_exit(argv, *run));
  auto tab = run->out.find('\t');
  if (tab == std::string::npos) return failure("dpkg-query gave no status for " + package + ": " + run->out.substr(0, 200));
  found.status = run->out.substr(0, tab);
  found.version = run->out.substr(tab + 1);
  while (!found.version.empty() && (found.version.back() == '\n' || found.version.back() == ' ')) found.version.pop_back();
  found.installed = found.status.rfind("ii", 0) == 0;
  // "un": known only as not installed.
  found.present = !found.installed && found.status.rfind("un", 0) != 0 && !found.version.empty();
  return found;
}

Result<bool> compare_versions(const std::string& a, const std::string& op, const std::string& b) {
  std::vector<std::string> argv{"dpkg", "--compare-versions", a, op, b};
  auto run = run_program(argv, {}, std::chrono::seconds(30));
  if (!run) return run.error();
  if (run->exit_code == 0) return true;
  // 1: false (a version of odd syntax only warns); 2: one it cannot read.
  if (run->exit_code == 1) return false;
  return bad_input("dpkg cannot compare versions '" + a + "' and '" + b + "': " + describe_exit(argv, *run));
}

std::string os_release_group() {
  std::ifstream in("/etc/os-release");
  std::string id, version;
  auto unquoted = [](std::string v) {
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
    return v.substr(0, 64);
  };
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("ID=", 0) == 0) id = unquoted(line.substr(3));
    else if (line.rfind("VERSION_ID=", 0) == 0) version = unquoted(line.substr(11));
  }
  return version.empty() ? id : id + " " + version;
}

}  // namespace responder::release
