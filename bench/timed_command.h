// What the benchmarks share: wall-clock timing, and running the tool a user
// would otherwise use (an argv vector, no shell) with its time and peak RSS.
#pragma once

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

namespace responder::bench {

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Timed {
  double seconds = -1;  // -1 when the tool failed or could not start
  long max_rss_kib = 0;
};

// Runs argv with its output discarded, or appended to `log` when given.
inline Timed run_tool(const std::vector<std::string>& argv, const std::string& log = {}) {
  auto start = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    int out = log.empty() ? ::open("/dev/null", O_WRONLY) : ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(out, 1);
    ::dup2(out, 2);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  Timed t;
  t.seconds = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? seconds_since(start) : -1;
  t.max_rss_kib = usage.ru_maxrss;
  return t;
}

}  // namespace responder::bench
