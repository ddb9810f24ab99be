// A real server a test starts (aiosmtpd, an HTTPS receiver, rsyslogd): run
// from an argv vector in a process group of its own, its output in a log
// file, killed with its whole group when the test ends, and also when the
// test process dies without unwinding (it gets SIGKILL as its parent dies).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace responder::testing {

class BackgroundServer {
 public:
  BackgroundServer() = default;
  ~BackgroundServer() { stop(); }
  BackgroundServer(const BackgroundServer&) = delete;
  BackgroundServer& operator=(const BackgroundServer&) = delete;

  // Starts `argv` (argv[0] a path) with standard output and error in `log`.
  void start(std::vector<std::string> argv, const std::filesystem::path& log) {
    stop();
    // Built before fork: the child of a threaded process must not allocate.
    argv_ = std::move(argv);
    std::vector<char*> args;
    for (auto& a : argv_) args.push_back(a.data());
    args.push_back(nullptr);
    std::string log_path = log.string();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::setpgid(0, 0);
      int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(out, 1);
      ::dup2(out, 2);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }

  // Polls `ready` every 50 ms until it holds (true), the server exits, or
  // `limit` passes (false either way).
  bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (ready()) return true;
      if (pid_ <= 0 || ::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  bool running() const { return pid_ > 0; }

  void stop() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }

 private:
  std::vector<std::string> argv_;
  pid_t pid_ = -1;
};

}  // namespace responder::testing
