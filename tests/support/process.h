// Test support: run a program with an argv vector, capture its output and
// exit status; make throw-away directories that are removed even when a test
// fails.
#pragma once

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace responder::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out, err;
};

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A child process; its output goes to files so that long output never blocks.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
          const std::filesystem::path& cwd = {}) {
    char templ[] = "/tmp/responder-proc-XXXXXX";
    dir_ = ::mkdtemp(templ);
    // Everything the child needs is built before fork: the child of a
    // process with threads must not allocate (a lock another thread held at
    // fork stays held in the child for ever).
    std::string out_path = (dir_ / "out").string(), err_path = (dir_ / "err").string();
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (char** e = environ; *e; ++e) {
      std::string_view entry(*e);
      bool replaced = false;
      for (auto& extra : env)
        replaced = replaced || entry.substr(0, entry.find('=') + 1) == extra.substr(0, extra.find('=') + 1);
      if (!replaced) envp.push_back(*e);
    }
    for (auto& extra : env) envp.push_back(const_cast<char*>(extra.c_str()));
    envp.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
      int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int in = ::open("/dev/null", O_RDONLY);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(err, 2);
      ::setpgid(0, 0);
      ::execvpe(args[0], args.data(), envp.data());
      ::_exit(127);
    }
  }
  ~Process() {
    if (pid_ > 0 && !done_) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void signal(int sig) { ::kill(pid_, sig); }
  pid_t pid() const { return pid_; }

  // Waits up to `limit`; kills the process group when it runs over.
  ProcessResult wait(std::chrono::seconds limit = std::chrono::seconds(60)) {
    ProcessResult result;
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (true) {
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        result.err = "[test harness: killed after time limit]\n";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    done_ = true;
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    result.out = slurp(dir_ / "out");
    result.err += slurp(dir_ / "err");
    return result;
  }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  bool done_ = false;
};

inline ProcessResult run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                                 const std::filesystem::path& cwd = {}) {
  Process p(argv, env, cwd);
  return p.wait();
}

// A directory under /tmp, removed with everything in it at scope exit.
// Evidence and custody files are made append-only or immutable, which even
// root cannot remove: the flags are cleared under `root` (itself included)
// so that a test's directory can go.
inline void clear_write_once_flags(const std::filesystem::path& root) {
  auto clear = [](const std::filesystem::path& p) {
    int fd = ::open(p.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    int flags = 0;
    if (::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL))) {
      flags &= ~(FS_IMMUTABLE_FL | FS_APPEND_FL);
      (void)::ioctl(fd, FS_IOC_SETFLAGS, &flags);
    }
    ::close(fd);
  };
  clear(root);
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(root, std::filesystem::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec))
    if (!it->is_symlink()) clear(it->path());
}

// Polls CONDITION every POLL until it holds or LIMIT has passed; true when it
// held. Limits are what a loaded 2-core CI machine under ASan needs, not what
// a quiet one does: a condition that holds returns at once.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(30),
                std::chrono::milliseconds poll = std::chrono::milliseconds(50)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
}

class TempDir {
 public:
  TempDir() {
    char templ[] = "/tmp/responder-test-XXXXXX";
    path_ = ::mkdtemp(templ);
  }
  ~TempDir() {
    std::error_code ec;
    if (std::filesystem::remove_all(path_, ec) == static_cast<std::uintmax_t>(-1) || std::filesystem::exists(path_)) {
      clear_write_once_flags(path_);
      std::filesystem::remove_all(path_, ec);
    }
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace responder::testing
