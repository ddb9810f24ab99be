#include "containment/shares/open_writers.h"

#include <fcntl.h>
#include <pwd.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "responder/process_stat.h"
#include "responder/message_text.h"

namespace responder::shares {
namespace {

bool under(const std::string& file, const std::string& directory) {
  if (file == directory) return true;
  std::string prefix = directory.ends_with('/') ? directory : directory + "/";
  return file.starts_with(prefix);
}

// The open flags of fd `fd` of `pid` (fdinfo's "flags:", octal); -1 when gone.
long open_flags(const std::string& pid, const std::string& fd) {
  std::ifstream info("/proc/" + pid + "/fdinfo/" + fd);
  for (std::string line; std::getline(info, line);)
    if (line.starts_with("flags:")) return std::strtol(line.c_str() + 6, nullptr, 8);
  return -1;
}

std::string user_of(const std::string& pid) {
  std::ifstream status("/proc/" + pid + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.starts_with("Uid:")) {
      std::istringstream words(line.substr(4));
      uid_t uid = 0;
      words >> uid;
      struct passwd pw {};
      struct passwd* found = nullptr;
      char buffer[4096];
      if (::getpwuid_r(uid, &pw, buffer, sizeof buffer, &found) == 0 && found) return found->pw_name;
      return std::to_string(uid);
    }
  return "?";
}

}  // namespace

std::vector<OpenWriter> open_writers_under(const std::string& directory) {
  std::vector<OpenWriter> out;
  // Only files of the filesystem being frozen keep it writable: /dev/null or
  // a tty under `/` is another filesystem's, and its holder is not a writer.
  struct stat frozen {};
  if (::stat(directory.c_str(), &frozen) != 0) return out;
  std::error_code ec;
  // Never responder itself, what started it, or init.
  const pid_t spared[] = {::getpid(), ::getppid(), 1};
  for (auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    std::string pid = entry.path().filename().string();
    if (pid.empty() || pid.size() > 9 || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (std::find(std::begin(spared), std::end(spared), static_cast<pid_t>(std::stol(pid))) != std::end(spared)) continue;
    std::error_code fd_ec;
    for (auto& fd : std::filesystem::directory_iterator(entry.path() / "fd", fd_ec)) {
      std::error_code link_ec;
      auto target = std::filesystem::read_symlink(fd.path(), link_ec);
      if (link_ec || !under(target.string(), directory)) continue;
      struct stat held {};
      if (::stat(fd.path().c_str(), &held) != 0 || held.st_dev != frozen.st_dev) continue;
      long flags = open_flags(pid, fd.path().filename().string());
      if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) continue;
      OpenWriter w;
      w.pid = static_cast<pid_t>(std::stol(pid));
      std::ifstream comm(entry.path() / "comm");
      std::getline(comm, w.command);
      // A process names itself, and the attacker names the files: shown,
      // never acting on a terminal or forging a line.
      w.command = one_line(w.command);
      w.user = one_line(user_of(pid));
      w.file = one_line(target.string());
      w.start_time = process_start_time(w.pid);
      out.push_back(std::move(w));
      break;
    }
  }
  return out;
}

std::string describe_writers(const std::vector<OpenWriter>& writers) {
  std::string text;
  for (auto& w : writers)
    text += (text.empty() ? "" : "; ") + std::string("pid ") + std::to_string(w.pid) + " (" + w.command + ", user " + w.user +
            ") holds " + w.file;
  return text;
}

Status end_writers(const std::vector<OpenWriter>& writers, std::chrono::milliseconds wait) {
  std::vector<int> pidfds;
  std::vector<OpenWriter> signalled;
  for (auto& w : writers) {
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, w.pid, 0));
    if (fd < 0) continue;  // gone since the scan
    // The pidfd holds the PID: once it is open, the start time says whether
    // it is still the writer that was scanned.
    if (process_start_time(w.pid) != w.start_time) {
      ::close(fd);
      continue;
    }
    if (::syscall(SYS_pidfd_send_signal, fd, SIGKILL, nullptr, 0) != 0) {
      ::close(fd);
      continue;
    }
    pidfds.push_back(fd);
    signalled.push_back(w);
  }
  auto until = std::chrono::steady_clock::now() + wait;
  std::vector<OpenWriter> alive;
  do {
    alive.clear();
    for (std::size_t i = 0; i < pidfds.size(); ++i) {
      pollfd p{pidfds[i], POLLIN, 0};
      // Readable once the process has exited; its files are closed by then.
      if (::poll(&p, 1, 0) == 1 || !process_running(signalled[i].pid)) continue;
      alive.push_back(signalled[i]);
    }
    if (alive.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < until);
  for (int fd : pidfds) ::close(fd);
  if (alive.empty()) return Status::success();
  return failure("still alive after SIGKILL: " + describe_writers(alive));
}

}  // namespace responder::shares
