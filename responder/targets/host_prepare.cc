#include "responder/targets/host_prepare.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <exception>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <thread>

#include "responder/child_process.h"
#include "responder/message_text.h"
#include "responder/targets/ssh_executor.h"
#include "responder/targets/step_protocol.h"

namespace responder::targets {
namespace {

using namespace std::chrono_literals;

// Far-side scripts, run as `sh -c '<script>'`: fixed text holding no single
// quote. The copy script reads the package on its standard input; its
// lines starting with the marker are what the controller reads back.
constexpr std::string_view kMarker = "responder-prepare:";
constexpr std::string_view kDirectoryPrefix = "responder-prepare.";
constexpr const char* kCopyScript =
    "umask 077\n"
    "u=$(id -u)\n"
    "if [ \"$u\" != 0 ]; then echo \"responder-prepare: uid $u\"; exit 3; fi\n"
    "d=$(mktemp -d \"${TMPDIR:-/tmp}/responder-prepare.XXXXXXXXXX\") || exit 1\n"
    "echo \"responder-prepare: dir $d\"\n"
    "if cat > \"$d/responder.deb\" && sha256sum \"$d/responder.deb\"; then exit 0; fi\n"
    "rm -rf \"$d\"\n"
    "exit 1\n";
// Followed by the directory (checked by is_prepare_directory) and kInstallTail.
constexpr const char* kInstallHead = "d=";
constexpr const char* kInstallTail =
    "\n"
    "DEBIAN_FRONTEND=noninteractive dpkg -i \"$d/responder.deb\" < /dev/null\n"
    "s=$?\n"
    "rm -rf \"$d\"\n"
    "exit $s\n";

constexpr std::size_t kMaxVersionText = 64;

std::string shell_command(std::string_view script) { return "sh -c '" + std::string(script) + "'"; }

// Exactly what the copy script makes: an absolute path of plain characters,
// no `..`, whose last part is responder-prepare. and mktemp's ten.
bool is_prepare_directory(std::string_view dir) {
  auto plain = [](unsigned char c) { return std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-'; };
  if (dir.size() < 2 || dir.size() > 1024 || dir.front() != '/' || !std::all_of(dir.begin(), dir.end(), plain)) return false;
  if (dir.find("..") != std::string_view::npos || dir.find("//") != std::string_view::npos) return false;
  std::string_view last = dir.substr(dir.rfind('/') + 1);
  if (!last.starts_with(kDirectoryPrefix) || last.size() != kDirectoryPrefix.size() + 10) return false;
  return std::all_of(last.begin() + static_cast<std::ptrdiff_t>(kDirectoryPrefix.size()), last.end(),
                     [](unsigned char c) { return std::isalnum(c); });
}

// The far side's words, safe to print and journal: one line, cut short.
std::string far_side_words(std::string_view text, std::size_t limit = 300) {
  std::string line(text);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.erase(0, 1);
  line = one_line(line);
  if (line.size() > limit) line = line.substr(0, limit) + "…";
  return line;
}

// The last few lines of a program's standard error, as one line.
std::string last_lines(const std::string& text, std::size_t count = 3) {
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < text.size()) {
    auto end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    std::string line = far_side_words(std::string_view(text).substr(at, end - at));
    if (!line.empty()) lines.push_back(line);
    at = end + 1;
  }
  std::string out;
  for (std::size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i)
    out += (out.empty() ? "" : "; ") + lines[i];
  return out.size() > 600 ? out.substr(0, 600) + "…" : out;
}

// The packages dpkg says are missing ("  Package libssl3 is not
// installed."), as "libssl3, libyaml-cpp0.7", or "" when it says none.
std::string missing_dependencies(const std::string& dpkg_err) {
  constexpr std::string_view kPackage = "Package ";
  constexpr std::string_view kNotInstalled = " is not installed.";
  std::vector<std::string> names;
  std::size_t at = 0;
  while (at < dpkg_err.size() && names.size() < 20) {
    auto end = dpkg_err.find('\n', at);
    if (end == std::string::npos) end = dpkg_err.size();
    std::string_view line(dpkg_err.data() + at, end - at);
    at = end + 1;
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (!line.starts_with(kPackage) || !line.ends_with(kNotInstalled)) continue;
    std::string name = far_side_words(line.substr(kPackage.size(), line.size() - kPackage.size() - kNotInstalled.size()), 80);
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  std::string out;
  for (auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// One remote command over ssh.
struct RemoteRun {
  bool finished = false;  // false: ssh could not start, or was killed at the time limit (`why`)
  std::string why;
  ProgramRun run;
  // ssh's own failure (it exits with 255): nothing reached the far side's command.
  bool ssh_failed() const { return finished && run.exit_code == 255; }
};

class SshPreparation {
 public:
  SshPreparation(const PrepareHost& host, const ResponderPackage& package, const TargetSettings& settings)
      : reach_(ssh_reach(host.name, host.reach, settings)), package_(package), connect_(settings.connect_timeout) {
    result_.host = host.name;
    result_.transport = "ssh";
  }

  HostPreparation run() {
    const std::string want(responder_version());
    const std::string& program = reach_.target.remote_program;
    auto before = ask_version();
    if (!before.reached) return unreachable(before.why);
    result_.version_before = before.version;
    if (before.version == want) return done(PrepareOutcome::current, "already has responder " + want);

    // Copy, and hash the copy there.
    auto copy = remote(shell_command(kCopyScript), package_.bytes, 10min);
    if (!copy.finished) return failed("copying the package: " + copy.why + "; nothing was installed");
    if (copy.ssh_failed()) return unreachable(ssh_failure_reason(copy.run.err, reach_.target));
    std::string dir, uid, far_sha;
    read_copy_answer(copy.run.out, dir, uid, far_sha);
    if (!uid.empty())
      return failed("logged in as uid " + uid + ", not root: `dpkg -i` needs root, and prepare runs it as the ssh user "
                    "(ansible_become/sudo is not honoured yet); reach the host as root (ansible_user=root). Nothing was copied");
    if (copy.run.exit_code == 0 && !far_sha.empty() && !is_prepare_directory(dir))
      return failed("the far side put the copy in " + in_quotes(dir) + ", which is not the plain path asked for "
                    "(check TMPDIR there): nothing was installed, and that directory is left for you to remove");
    if (copy.run.exit_code != 0 || far_sha.empty() || !is_prepare_directory(dir)) {
      if (is_prepare_directory(dir)) remove_directory(dir);
      return failed("could not copy the package there (exit " + std::to_string(copy.run.exit_code) + "): " +
                    (last_lines(copy.run.err).empty() ? far_side_words(copy.run.out) : last_lines(copy.run.err)) +
                    ". Nothing was installed");
    }
    if (far_sha != package_.sha256) {
      bool removed = remove_directory(dir);
      return failed("the copy there has SHA-256 " + far_sha + ", not " + package_.sha256 +
                    " as sent: nothing was installed" +
                    (removed ? " (the copy was removed)" : "; the copy could not be removed: " + dir));
    }

    // Install, then remove the copy.
    auto install = remote(shell_command(kInstallHead + dir + kInstallTail), {}, 10min);
    if (!install.finished || install.ssh_failed())
      return failed("the connection was lost during `dpkg -i` (" +
                    (install.finished ? ssh_failure_reason(install.run.err, reach_.target) : install.why) +
                    "); whether it installed is unknown: run prepare again to see");
    if (install.run.exit_code != 0) {
      auto after = ask_version();
      if (after.reached) result_.version_after = after.version;
      auto missing = missing_dependencies(install.run.err);
      if (!missing.empty())
        return failed("`dpkg -i` unpacked the package but left it unconfigured: its dependencies are not installed there (" +
                      missing + "); install them with `apt-get install -f` on the host, or install the package with "
                      "`apt-get install ./responder_*.deb`");
      return failed("`dpkg -i` exited with " + std::to_string(install.run.exit_code) + ": " +
                    last_lines(install.run.err.empty() ? install.run.out : install.run.err));
    }
    auto after = ask_version();
    if (!after.reached)
      return failed("`dpkg -i` succeeded, but the version could not be asked afterwards: " + after.why);
    result_.version_after = after.version;
    if (after.version != want)
      return failed("`dpkg -i` succeeded, but `" + program + " --version` now says " +
                    (after.version ? "responder " + *after.version : "nothing usable (" + after.said + ")") +
                    ", not responder " + want + ": set responder_program to where the package installs it (/usr/bin/responder)");
    return done(PrepareOutcome::installed,
                "installed responder " + want + " (had " + (before.version ? *before.version : std::string("none")) +
                    "; SHA-256 of the copy checked)");
  }

 private:
  struct VersionAnswer {
    bool reached = false;
    std::string why;                     // when not reached
    std::optional<std::string> version;  // "0.1.0" from "responder 0.1.0"
    std::string said;                    // when no version: what the far side said instead
  };

  VersionAnswer ask_version() {
    VersionAnswer a;
    auto asked = remote(reach_.target.remote_program + " --version", {}, 60s);
    if (!asked.finished) {
      a.why = asked.why;
      return a;
    }
    if (asked.ssh_failed()) {
      a.why = ssh_failure_reason(asked.run.err, reach_.target);
      return a;
    }
    a.reached = true;
    std::string out = asked.run.out.substr(0, asked.run.out.find('\n'));
    while (!out.empty() && (out.back() == '\r' || out.back() == ' ')) out.pop_back();
    if (asked.run.exit_code == 0 && out.starts_with("responder ") && out.size() > 10) {
      a.version = far_side_words(out.substr(10), kMaxVersionText);
      return a;
    }
    bool missing = asked.run.exit_code == 127 || asked.run.err.find("not found") != std::string::npos ||
                   asked.run.err.find("No such file") != std::string::npos;
    a.said = missing ? "not installed" : "exit " + std::to_string(asked.run.exit_code) + ": " +
                                             last_lines(asked.run.err.empty() ? asked.run.out : asked.run.err, 1);
    return a;
  }

  static void read_copy_answer(const std::string& out, std::string& dir, std::string& uid, std::string& sha) {
    std::size_t at = 0;
    while (at < out.size()) {
      auto end = out.find('\n', at);
      if (end == std::string::npos) end = out.size();
      std::string_view line(out.data() + at, end - at);
      at = end + 1;
      if (line.starts_with(kMarker)) {
        line.remove_prefix(kMarker.size());
        if (line.starts_with(" dir ")) dir = line.substr(5);
        if (line.starts_with(" uid ")) uid = far_side_words(line.substr(5), 20);
        continue;
      }
      // sha256sum: 64 lowercase hex digits, two spaces (or " *"), the name.
      if (line.size() > 66 && line[64] == ' ' &&
          std::all_of(line.begin(), line.begin() + 64, [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
        sha = std::string(line.substr(0, 64));
        std::transform(sha.begin(), sha.end(), sha.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      }
    }
  }

  bool remove_directory(const std::string& dir) {
    auto removed = remote(shell_command("rm -rf " + dir), {}, 60s);
    return removed.finished && removed.run.exit_code == 0;
  }

  RemoteRun remote(const std::string& command, std::string_view input, std::chrono::milliseconds limit) {
    auto argv = ssh_command_prefix(reach_.target, reach_.options);
    argv.insert(argv.end(), {"-T", "--", reach_.target.address, command});
    RemoteRun r;
    auto allowed = connect_ + limit;
    auto ran = run_program(argv, input, allowed);
    if (!ran) {
      // run_program's own message repeats the whole command line.
      bool late = ran.error().message.find("did not finish within") != std::string::npos;
      r.why = late ? "no answer within " + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(allowed).count()) +
                         " s (ssh was stopped)"
                   : ran.error().message;
      return r;
    }
    r.finished = true;
    r.run = std::move(*ran);
    return r;
  }

  HostPreparation done(PrepareOutcome outcome, std::string detail) {
    result_.outcome = outcome;
    result_.detail = std::move(detail);
    if (outcome == PrepareOutcome::current) result_.version_after = result_.version_before;
    return result_;
  }
  HostPreparation failed(std::string detail) { return done(PrepareOutcome::failed, std::move(detail)); }
  HostPreparation unreachable(std::string detail) { return done(PrepareOutcome::unreachable, std::move(detail)); }

  SshReach reach_;
  const ResponderPackage& package_;
  std::chrono::milliseconds connect_;
  HostPreparation result_;
};

HostPreparation this_program(const PrepareHost& host) {
  HostPreparation p;
  p.host = host.name;
  p.transport = host.reach.transport;
  std::string version(responder_version());
  if (host.reach.transport == "namespace") {
    // The namespace executor enters a namespace that must exist: a lab
    // host whose namespace is gone cannot be reached.
    std::filesystem::path entered = host.reach.netns.empty()
                                        ? std::filesystem::path("/proc") / std::to_string(host.reach.netns_pid) / "ns/net"
                                        : std::filesystem::path("/run/netns") / host.reach.netns;
    std::error_code ec;
    if (!std::filesystem::exists(entered, ec)) {
      p.outcome = PrepareOutcome::unreachable;
      p.detail = "the namespace " + one_line(entered.string()) + " does not exist";
      return p;
    }
    p.detail = "a namespace host shares this machine's files and runs this program: responder " + version +
               ", nothing to copy";
  } else {
    p.detail = "runs in this process: responder " + version + ", nothing to copy";
  }
  p.version_before = p.version_after = version;
  p.outcome = PrepareOutcome::current;
  return p;
}

}  // namespace

std::string_view outcome_name(PrepareOutcome outcome) {
  switch (outcome) {
    case PrepareOutcome::current: return "current";
    case PrepareOutcome::installed: return "installed";
    case PrepareOutcome::failed: return "failed";
    case PrepareOutcome::unreachable: return "unreachable";
  }
  return "failed";
}

Status check_prepare_hosts(const std::vector<PrepareHost>& hosts, const TargetSettings& settings) {
  for (auto& host : hosts) {
    if (host.reach.transport != "ssh") continue;
    auto reach = ssh_reach(host.name, host.reach, settings);
    if (auto ok = check_ssh_target(reach.target, reach.options); !ok) return ok;
  }
  return {};
}

HostPreparation prepare_host(const PrepareHost& host, const ResponderPackage& package, const TargetSettings& settings) {
  if (host.reach.transport != "ssh") return this_program(host);
  return SshPreparation(host, package, settings).run();
}

std::vector<HostPreparation> prepare_hosts(const std::vector<PrepareHost>& hosts, const ResponderPackage& package,
                                           const TargetSettings& settings, int forks,
                                           const std::function<void(const HostPreparation&)>& finished) {
  std::vector<HostPreparation> results(hosts.size());
  std::atomic<std::size_t> next{0};
  std::mutex reporting;
  auto work = [&] {
    for (std::size_t i; (i = next++) < hosts.size();) {
      HostPreparation p;
      try {
        p = prepare_host(hosts[i], package, settings);
      } catch (const std::exception& e) {
        p.host = hosts[i].name;
        p.transport = hosts[i].reach.transport;
        p.outcome = PrepareOutcome::failed;
        p.detail = "stopped by an unexpected error: " + one_line(e.what());
      }
      std::lock_guard lock(reporting);
      results[i] = p;
      if (finished) finished(results[i]);
    }
  };
  std::size_t workers = std::min<std::size_t>(hosts.size(), static_cast<std::size_t>(std::max(1, forks)));
  std::vector<std::thread> threads;
  try {
    for (std::size_t i = 1; i < workers; ++i) threads.emplace_back(work);
  } catch (const std::system_error&) {
    // No more threads to be had: the workers that started take every host.
  }
  work();  // this thread is one of the workers
  for (auto& t : threads) t.join();
  return results;
}

}  // namespace responder::targets
