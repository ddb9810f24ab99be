#include "containment/accounts/user_processes.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace responder::accounts {
namespace {

// True when /proc/PID/status shows a live (non-zombie) process with `uid`
// among its real, effective and saved uids.
bool runs_as(pid_t pid, uid_t uid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  if (!status) return false;  // gone meanwhile
  std::string line;
  bool zombie = false, matches = false;
  while (std::getline(status, line)) {
    if (line.rfind("State:", 0) == 0) {
      auto state = line.find_first_not_of(" \t", 6);
      zombie = state != std::string::npos && (line[state] == 'Z' || line[state] == 'X');
    } else if (line.rfind("Uid:", 0) == 0) {
      std::istringstream fields(line.substr(4));
      unsigned long real = 0, effective = 0, saved = 0;
      fields >> real >> effective >> saved;
      matches = real == uid || effective == uid || saved == uid;
    }
  }
  return matches && !zombie;
}

std::vector<pid_t> processes_of(uid_t uid) {
  std::vector<pid_t> found;
  const pid_t self = ::getpid();
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid != self && runs_as(pid, uid)) found.push_back(pid);
  }
  return found;
}

// Signals each pid that still runs as `uid`. Through a pidfd, so that a pid
// that ended and was reused by another user's process since the scan is
// never signalled: the pidfd is taken first, the uid checked after, and the
// signal goes to the process the pidfd holds (or fails if that one ended).
void signal_all(const std::vector<pid_t>& pids, uid_t uid, int sig) {
  for (pid_t pid : pids) {
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
      if (errno == ENOSYS && runs_as(pid, uid)) ::kill(pid, sig);  // kernel before 5.3
      continue;
    }
    if (runs_as(pid, uid)) ::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0);
    ::close(pidfd);
  }
}

}  // namespace

Result<ProcessTermination> terminate_user_processes(uid_t uid, std::chrono::milliseconds grace) {
  using namespace std::chrono_literals;
  ProcessTermination result;
  auto initial = processes_of(uid);
  if (initial.empty()) return result;
  signal_all(initial, uid, SIGTERM);
  signal_all(initial, uid, SIGCONT);  // a stopped process sees SIGTERM only once it runs

  auto deadline = std::chrono::steady_clock::now() + grace;
  std::vector<pid_t> left = processes_of(uid);
  while (!left.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    left = processes_of(uid);
  }
  // Processes that appeared meanwhile (forks) count among the killed ones.
  std::set<pid_t> all(initial.begin(), initial.end());
  std::set<pid_t> killed;
  // A fork bomb running as the user could keep one round busy; a few rounds
  // of SIGKILL with the account already locked settle it.
  for (int round = 0; round < 50 && !left.empty(); ++round) {
    signal_all(left, uid, SIGKILL);
    killed.insert(left.begin(), left.end());
    all.insert(left.begin(), left.end());
    std::this_thread::sleep_for(20ms);
    left = processes_of(uid);
  }
  if (!left.empty()) {
    std::string pids;
    for (pid_t pid : left) pids += (pids.empty() ? "" : ", ") + std::to_string(pid);
    return failure("processes of uid " + std::to_string(uid) + " survived SIGKILL: " + pids +
                   " (uninterruptible sleep, or not ours to signal)");
  }
  result.killed = killed.size();
  result.terminated = all.size() - killed.size();
  return result;
}

}  // namespace responder::accounts
