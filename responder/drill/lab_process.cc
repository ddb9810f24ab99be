#include "responder/drill/lab_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "responder/child_process.h"

namespace responder::drill {

Result<LabProcess> LabProcess::start(const std::vector<std::string>& argv, const std::filesystem::path& output, bool tied) {
  if (argv.empty()) return failure("lab process: empty argv");
  // Everything the child needs is made before fork: a child of a process
  // with threads must not allocate.
  std::string program = resolve_in_path(argv[0]);
  if (program.empty()) return failure("cannot start " + argv[0] + ": not found in PATH");
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int out = -1;
  if (!output.empty()) {
    out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (out < 0) return failure("cannot open " + output.string() + ": " + std::strerror(errno));
  }
  int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    if (out >= 0) ::close(out);
    if (null >= 0) ::close(null);
    return failure(std::string("cannot fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    if (tied) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      // The drill died between fork and prctl: nothing would kill us later.
      if (::getppid() != parent) ::_exit(127);
    } else {
      ::setsid();
    }
    // The drill's Ctrl-C is the drill's to handle: the lab's programs are
    // ended by it, in order, not by the terminal all at once. (After
    // setsid the process leads a group of its own already.)
    if (tied) ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (null >= 0) ::dup2(null, 0);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    ::execv(program.c_str(), args.data());
    ::_exit(127);
  }
  if (out >= 0) ::close(out);
  if (null >= 0) ::close(null);
  LabProcess p;
  p.pid_ = pid;
  p.group_ = tied;
  return p;
}

LabProcess::LabProcess(LabProcess&& other) noexcept : pid_(other.pid_), group_(other.group_), exit_(other.exit_) {
  other.pid_ = -1;
}

LabProcess& LabProcess::operator=(LabProcess&& other) noexcept {
  if (this != &other) {
    stop(std::chrono::milliseconds(0));
    pid_ = other.pid_;
    exit_ = other.exit_;
    group_ = other.group_;
    other.pid_ = -1;
  }
  return *this;
}

LabProcess::~LabProcess() { stop(std::chrono::milliseconds(0)); }

std::optional<int> LabProcess::poll() {
  if (exit_ || pid_ <= 0) return exit_;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  else if (r < 0 && errno == ECHILD) exit_ = -1;
  return exit_;
}

std::optional<int> LabProcess::wait(std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!poll()) {
    if (std::chrono::steady_clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return exit_;
}

void LabProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0 || poll()) return;
  // The whole group: what nsenter forked into the victim ends with it.
  const pid_t target = group_ ? -pid_ : pid_;
  ::kill(target, grace.count() > 0 ? SIGTERM : SIGKILL);
  if (grace.count() > 0 && wait(grace)) return;
  ::kill(target, SIGKILL);
  int status = 0;
  pid_t r;
  do r = ::waitpid(pid_, &status, 0);
  while (r < 0 && errno == EINTR);
  exit_ = r == pid_ && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace responder::drill
