#include "responder/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <tuple>

extern char** environ;

namespace responder {
namespace {

constexpr std::size_t kMaxOut = 16u << 20;
constexpr std::size_t kMaxErr = 1u << 20;

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  bool open() { return ::pipe2(fd, O_CLOEXEC) == 0; }
  void close(int end) {
    if (fd[end] >= 0) ::close(fd[end]);
    fd[end] = -1;
  }
};

// A child that exits before reading all its input (chpasswd refusing a
// line) makes write(2) raise SIGPIPE, which would kill the responder in the
// middle of a step. SIGPIPE is held back on this thread while input is
// written; one it caused is discarded, one already pending is left alone.
class SigpipeHeld {
 public:
  SigpipeHeld() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    already_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &previous_);
  }
  ~SigpipeHeld() {
    if (caused_ && !already_pending_) {
      timespec none{0, 0};
      ::sigtimedwait(&pipe_, nullptr, &none);
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  void caused() { caused_ = true; }

 private:
  sigset_t pipe_, previous_;
  bool already_pending_ = false;
  bool caused_ = false;
};

std::string command_text(const std::vector<std::string>& argv) {
  std::string text;
  for (auto& a : argv) text += (text.empty() ? "" : " ") + a;
  return text;
}

}  // namespace

Result<ProgramRun> run_program(const std::vector<std::string>& argv, std::string_view input,
                               std::chrono::milliseconds timeout) {
  if (argv.empty()) return failure("run_program: empty argv");
  Pipe in, out, err;
  if (!in.open() || !out.open() || !err.open()) return failure(std::string("cannot create pipes: ") + std::strerror(errno));

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.fd[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], 2);
  // The child must not inherit the parent's blocked SIGINT/SIGTERM handling.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  // A process group of its own: Ctrl-C at the terminal asks responder to
  // stop at a safe point, and must not kill an `nft`, `dpkg` or `ip` it
  // runs half-way through its work. Its input and output are pipes, so it
  // never needs the terminal.
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int spawned = ::posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0)
    return failure("cannot run `" + argv[0] + "`: " + std::strerror(spawned) +
                   (spawned == ENOENT ? " (is the package that provides it installed?)" : ""));
  in.close(0);
  out.close(1);
  err.close(1);
  if (input.empty()) in.close(1);
  else ::fcntl(in.fd[1], F_SETFL, O_NONBLOCK);

  ProgramRun run;
  SigpipeHeld sigpipe;
  std::size_t written = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  char buffer[65536];
  while (out.fd[0] >= 0 || err.fd[0] >= 0) {
    pollfd fds[3];
    int n = 0;
    int out_at = -1, err_at = -1, in_at = -1;
    if (out.fd[0] >= 0) fds[out_at = n++] = {out.fd[0], POLLIN, 0};
    if (err.fd[0] >= 0) fds[err_at = n++] = {err.fd[0], POLLIN, 0};
    if (in.fd[1] >= 0) fds[in_at = n++] = {in.fd[1], POLLOUT, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    int ready = ::poll(fds, n, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    if (in_at >= 0 && fds[in_at].revents) {
      ssize_t w = ::write(in.fd[1], input.data() + written, input.size() - written);
      if (w > 0) written += static_cast<std::size_t>(w);
      if (w < 0 && errno == EPIPE) sigpipe.caused();
      if (w < 0 && errno != EAGAIN && errno != EINTR) in.close(1);
      if (written == input.size()) in.close(1);
    }
    for (auto [at, pipe, text, cap] : {std::tuple{out_at, &out, &run.out, kMaxOut}, std::tuple{err_at, &err, &run.err, kMaxErr}}) {
      if (at < 0 || !fds[at].revents) continue;
      ssize_t r = ::read(pipe->fd[0], buffer, sizeof buffer);
      if (r > 0) text->append(buffer, std::min(static_cast<std::size_t>(r), cap - std::min(cap, text->size())));
      else if (r == 0 || (errno != EINTR && errno != EAGAIN)) pipe->close(0);
    }
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out)
    return failure("`" + command_text(argv) + "` did not finish within " + std::to_string(timeout.count() / 1000) +
                   " s and was killed");
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string describe_exit(const std::vector<std::string>& argv, const ProgramRun& run) {
  std::string first = run.err.empty() ? run.out : run.err;
  if (auto nl = first.find('\n'); nl != std::string::npos) first.resize(nl);
  std::string how = run.exit_code < 0 ? "was killed by a signal" : "exited with " + std::to_string(run.exit_code);
  return "`" + command_text(argv) + "` " + how + (first.empty() ? "" : ": " + first);
}

std::string resolve_in_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t at = 0;
  while (at <= dirs.size()) {
    std::size_t end = dirs.find(':', at);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(at, end - at);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    at = end + 1;
  }
  return {};
}

Status run_program_checked(const std::vector<std::string>& argv, const std::string& what, std::chrono::milliseconds timeout) {
  auto run = run_program(argv, {}, timeout);
  if (!run) return failure(what + ": " + run.error().message);
  if (run->exit_code != 0) return failure(what + ": " + describe_exit(argv, *run));
  return {};
}

}  // namespace responder
