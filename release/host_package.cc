#include "release/host_package.h"

#include <fstream>

#include "responder/child_process.h"

namespace responder::release {

InstalledPackage read_dpkg_query(std::string_view output) {
  InstalledPackage found;
  bool all_installed = true, any_line = false;
  std::string first_version;
  while (!output.empty()) {
    auto end = output.find('\n');
    std::string_view line = output.substr(0, end);
    output = end == std::string_view::npos ? std::string_view() : output.substr(end + 1);
    auto tab = line.find('\t');
    if (tab == std::string_view::npos || tab < 2) continue;
    std::string_view status = line.substr(0, tab), version = line.substr(tab + 1);
    while (!version.empty() && (version.back() == ' ' || version.back() == '\r')) version.remove_suffix(1);
    // The second letter is the package's state: n not installed, c config
    // files only, H half-installed, U unpacked, F half-configured, W/t
    // awaiting or pending triggers, i installed.
    char state = status[1];
    if (state == 'n' || state == 'c') continue;
    if (!any_line) {
      found.status = std::string(status);
      first_version = std::string(version);
    }
    any_line = true;
    if (state == 'i') {
      if (found.version.empty()) found.version = std::string(version);
    } else {
      all_installed = false;
      found.status = std::string(status);
    }
  }
  if (!any_line) return found;
  found.installed = all_installed;
  found.present = !all_installed;
  if (found.version.empty()) found.version = first_version;
  return found;
}

Result<InstalledPackage> installed_package(const std::string& package) {
  std::vector<std::string> argv{"dpkg-query", "-W", "-f=${db:Status-Abbrev}\t${Version}\n", "--", package};
  auto run = run_program(argv, {}, std::chrono::seconds(60));
  if (!run) return run.error();
  // Exit 1 with "no packages found": dpkg has never heard of it.
  if (run->exit_code == 1) return InstalledPackage{};
  if (run->exit_code != 0) return failure(describe_exit(argv, *run));
  if (run->out.find('\t') == std::string::npos)
    return failure("dpkg-query gave no status for " + package + ": " + run->out.substr(0, 200));
  return read_dpkg_query(run->out);
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
