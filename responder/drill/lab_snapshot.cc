#include "responder/drill/lab_snapshot.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "responder/child_process.h"
#include "responder/durable_file.h"
#include "responder/sha256.h"

namespace responder::drill {
namespace {

// The ruleset without the drill's own table, whose counters move.
std::string without_drill_table(const std::string& ruleset) {
  std::string out;
  std::istringstream in(ruleset);
  std::string line;
  bool skipping = false;
  while (std::getline(in, line)) {
    if (!skipping && line.rfind("table inet responder_drill", 0) == 0) {
      skipping = true;
      continue;
    }
    if (skipping) {
      if (line == "}") skipping = false;
      continue;
    }
    out += line + "\n";
  }
  return out;
}

// A shadow line without its password field and its last-change day: a
// rotation replaces both (a locked "*" or "!" password included, which the
// new password replaces).
std::string without_password(const std::string& line) {
  std::vector<std::string> fields;
  for (std::size_t start = 0;;) {
    auto colon = line.find(':', start);
    fields.push_back(line.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (fields.size() > 1) fields[1].clear();
  if (fields.size() > 2) fields[2].clear();
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? ":" : "") + fields[i];
  return out;
}

std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream x(a), y(b);
  std::string la, lb;
  while (true) {
    bool ga = static_cast<bool>(std::getline(x, la)), gb = static_cast<bool>(std::getline(y, lb));
    if (!ga && !gb) return {};
    if (!ga) la = "(end)";
    if (!gb) lb = "(end)";
    if (la != lb) return "`" + la + "` became `" + lb + "`";
  }
}

}  // namespace

Result<LabSnapshot> snapshot_lab(const DrillLab& lab, std::size_t host) {
  LabSnapshot snap;
  // Read through /proc/PID: only while that PID is still the victim's.
  const std::string name = lab.host(host).name;
  if (!lab.host_alive(host)) return failure("host " + name + " is gone");
  auto argv = lab.in_host_network(host, {"nft", "-s", "list", "ruleset"});
  auto rules = run_program(argv, {}, std::chrono::seconds(20));
  if (!rules) return rules.error();
  if (rules->exit_code != 0) return failure("cannot read " + name + "'s firewall: " + describe_exit(argv, *rules));
  snap.ruleset = without_drill_table(rules->out);

  const std::filesystem::path root = "/proc/" + std::to_string(lab.host(host).pid) + "/root";
  std::error_code ec;
  std::filesystem::recursive_directory_iterator it(root / "etc", std::filesystem::directory_options::skip_permission_denied, ec);
  if (ec) return failure("cannot read " + name + "'s /etc: " + ec.message());
  for (; it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return failure("cannot read " + name + "'s /etc: " + ec.message());
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    std::string what = std::to_string(st.st_mode) + " " + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid);
    if (S_ISREG(st.st_mode) && it->path() == root / "etc" / "shadow") {
      snap.shadow_file = what;
      auto text = read_text_file(it->path(), 64u << 20);
      if (!text) return failure("cannot read " + name + "'s /etc/shadow: " + text.error().message);
      std::istringstream lines(*text);
      for (std::string line; std::getline(lines, line);) {
        const std::string account = line.substr(0, line.find(':'));
        snap.shadow[account] = sha256_hex(line);
        snap.shadow_but_password[account] = sha256_hex(without_password(line));
      }
      continue;
    }
    if (S_ISREG(st.st_mode)) {
      auto text = read_text_file(it->path(), 64u << 20);
      what += " " + (text ? sha256_hex(*text) : std::string("unreadable"));
    } else if (S_ISLNK(st.st_mode)) {
      what += " -> " + std::filesystem::read_symlink(it->path(), ec).string();
    }
    snap.etc["/" + it->path().lexically_relative(root).string()] = what;
  }

  std::ifstream mountinfo("/proc/" + std::to_string(lab.host(host).pid) + "/mountinfo");
  std::string line;
  while (std::getline(mountinfo, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, source_root, point, options;
    fields >> id >> parent >> devno >> source_root >> point >> options;
    std::string rest, fstype;
    while (fields >> rest && rest != "-") {
    }
    fields >> fstype;
    // Namespace files bound by other programs (ip netns) come and go with
    // them; the victim's copies of those are not its state.
    if (fstype == "nsfs" || point.starts_with("/run/netns/") || point.starts_with("/proc/")) continue;
    snap.mounts[id] = {point, fstype + " " + options};
  }
  if (auto units = lab.watched_units(); !units.empty()) {
    std::vector<std::string> args{"systemctl", "show", "--property=Id,LoadState,ActiveState,UnitFileState"};
    args.insert(args.end(), units.begin(), units.end());
    auto argv = lab.in_host(host, args);
    auto shown = run_program(argv, {}, std::chrono::seconds(20));
    if (!shown) return shown.error();
    if (shown->exit_code != 0) return failure("cannot read " + name + "'s units: " + describe_exit(argv, *shown));
    // One block a unit, blank lines between: Id= first, then its states.
    std::istringstream lines(shown->out);
    std::string unit;
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("Id=")) unit = line.substr(3);
      else if (!unit.empty() && !line.empty()) snap.units[unit] += (snap.units[unit].empty() ? "" : " ") + line;
    }
  }
  if (!lab.host_alive(host)) return failure("host " + name + " ended while it was read");
  return snap;
}

std::vector<std::string> differences(const LabSnapshot& before, const LabSnapshot& after, const std::set<std::string>& rotated) {
  std::vector<std::string> out;
  if (before.shadow_file != after.shadow_file) out.push_back("/etc/shadow's mode or owner changed");
  for (auto& [account, line] : before.shadow) {
    auto now = after.shadow.find(account);
    if (now == after.shadow.end()) out.push_back("account " + account + " is gone from /etc/shadow");
    else if (rotated.count(account) ? after.shadow_but_password.at(account) != before.shadow_but_password.at(account) : now->second != line)
      out.push_back("account " + account + "'s /etc/shadow entry changed" + (rotated.count(account) ? " beyond its rotated password" : ""));
  }
  for (auto& [account, line] : after.shadow)
    if (!before.shadow.count(account)) out.push_back("account " + account + " was added to /etc/shadow");
  for (auto& [unit, state] : before.units) {
    auto now = after.units.find(unit);
    if (now == after.units.end()) out.push_back("unit " + unit + " is gone");
    else if (now->second != state) out.push_back("unit " + unit + ": " + state + " became " + now->second);
  }
  for (auto& [unit, state] : after.units)
    if (!before.units.count(unit)) out.push_back("unit " + unit + " appeared (" + state + ")");
  if (before.ruleset != after.ruleset)
    out.push_back("the firewall ruleset: " + first_difference(before.ruleset, after.ruleset));
  for (auto& [path, what] : before.etc) {
    auto now = after.etc.find(path);
    if (now == after.etc.end()) out.push_back(path + " was removed");
    else if (now->second != what) out.push_back(path + " changed");
  }
  for (auto& [path, what] : after.etc)
    if (!before.etc.count(path)) out.push_back(path + " was added");
  for (auto& [id, mount] : before.mounts) {
    auto& [point, what] = mount;
    auto now = after.mounts.find(id);
    if (now == after.mounts.end()) out.push_back("mount " + point + " is gone");
    else if (now->second.second != what) out.push_back("mount " + point + ": " + what + " became " + now->second.second);
  }
  for (auto& [id, mount] : after.mounts)
    if (!before.mounts.count(id)) out.push_back("mount " + mount.first + " was added");
  return out;
}

}  // namespace responder::drill
