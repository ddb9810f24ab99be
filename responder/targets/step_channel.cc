#include "responder/targets/step_channel.h"
#include "responder/targets/step_output_reader.h"

#include "responder/message_text.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <set>

#include "responder/child_process.h"
#include "responder/module.h"

extern char** environ;

namespace responder::targets {
namespace {

constexpr std::size_t kMaxErr = 64 * 1024;
constexpr std::size_t kMaxLine = 64 * 1024 * 1024;
// Items a far side may stream at once (evidence.collect uses 32 workers).
constexpr std::size_t kMaxOpenEvidence = 64;
// Refused items whose end has not come yet, beyond which the far side is
// not read any further.
constexpr std::size_t kMaxRefusedEvidence = 1024;

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// What the child reports on its error pipe when it cannot exec: which stage
// failed (the index of the namespace it could not join, or -1 for exec) and
// errno. Nothing arrives when exec succeeded (the pipe is close-on-exec).
struct ChildFailure {
  int stage;
  int error;
};

[[noreturn]] void child_fail(int report, int stage) {
  ChildFailure f{stage, errno};
  [[maybe_unused]] auto ignored = ::write(report, &f, sizeof f);
  ::_exit(127);
}

// The program, when a PID namespace was joined: joining one places only the
// joiner's children in it, so the child forks once more and stays between
// the controller and the program, passing the controller's stop signals on
// and its exit status back.
// The program is signalled through a pidfd: once reaped, its PID may be
// another process's, its pidfd never is.
// Where pidfds are missing (before Linux 5.3, or refused by seccomp) its
// PID serves: this process reaps it, so until then the PID stays its own.
volatile sig_atomic_t g_program_pidfd = -1;
volatile sig_atomic_t g_program_pid = 0;
void pass_signal_on(int signal) {
  int saved = errno;
  if (g_program_pidfd >= 0) ::syscall(SYS_pidfd_send_signal, static_cast<int>(g_program_pidfd), signal, nullptr, 0);
  else if (g_program_pid > 0) ::kill(static_cast<pid_t>(g_program_pid), signal);
  errno = saved;
}

int millis_until(std::chrono::steady_clock::time_point when) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(when - std::chrono::steady_clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 100));
}

}  // namespace

Result<StepChannel> StepChannel::start(const StepProgram& program) {
  if (program.argv.empty()) return failure("no program to run");
  std::string path;
  if (program.program_fd < 0) {
    path = resolve_in_path(program.path.empty() ? program.argv[0] : program.path);
    if (path.empty()) return failure("cannot run `" + program.argv[0] + "`: not found in PATH (is it installed?)");
  }
  // Everything the child touches is built here, before fork.
  std::vector<char*> args;
  for (auto& a : program.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  char** envp = environ;
  bool joins_mounts = std::any_of(program.join.begin(), program.join.end(),
                                  [](auto& j) { return j.second == CLONE_NEWNS; });
  // A PID namespace that is this process's own is not joined: nothing
  // would change, and the process between would see its own child.
  std::vector<std::pair<int, int>> join;
  for (auto& j : program.join) {
    struct stat theirs {}, ours {};
    if (j.second == CLONE_NEWPID && ::fstat(j.first, &theirs) == 0 && ::stat("/proc/self/ns/pid", &ours) == 0 &&
        theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev)
      continue;
    join.push_back(j);
  }
  bool joins_pids = std::any_of(join.begin(), join.end(), [](auto& j) { return j.second == CLONE_NEWPID; });

  // Standard input is a socket pair, not a pipe, so that the controller can
  // write with MSG_NOSIGNAL: a far side that has gone is EPIPE, not SIGPIPE.
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, report[2] = {-1, -1};
  auto close_all = [&] {
    for (int* p : {in, out, err, report}) {
      close_fd(p[0]);
      close_fd(p[1]);
    }
  };
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0 || ::pipe2(out, O_CLOEXEC) != 0 ||
      ::pipe2(err, O_CLOEXEC) != 0 || ::pipe2(report, O_CLOEXEC) != 0) {
    std::string why = std::strerror(errno);
    close_all();
    return failure("cannot create pipes for `" + program.argv[0] + "`: " + why);
  }
  sigset_t none, stops;
  sigemptyset(&none);
  sigemptyset(&stops);
  for (int signal : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&stops, signal);

  pid_t pid = ::fork();
  if (pid < 0) {
    std::string why = std::strerror(errno);
    close_all();
    return failure("cannot start `" + program.argv[0] + "`: " + why);
  }
  if (pid == 0) {
    // Its own process group: Ctrl-C at the responder's terminal is the
    // controller's to handle (it records the interruption), not a signal
    // that kills every ssh mid-step behind its back.
    ::setpgid(0, 0);
    // The child: async-signal-safe calls only.
    for (std::size_t i = 0; i < join.size(); ++i)
      if (::setns(join[i].first, join[i].second) != 0) child_fail(report[1], static_cast<int>(i));
    if (joins_pids) {
      // Stop signals wait until each process has its own handling of them:
      // the controller's handler, inherited, would swallow them.
      ::sigprocmask(SIG_BLOCK, &stops, nullptr);
      // The program learns of the process between's death by this pipe's
      // hang-up: a death before its parent-death signal was set sends none.
      int alive[2] = {-1, -1};
      if (::pipe2(alive, O_CLOEXEC) != 0) child_fail(report[1], -1);
      // _Fork: no atfork handlers in the child of a process with threads.
      pid_t program_pid = ::_Fork();
      if (program_pid < 0) child_fail(report[1], -1);
      if (program_pid > 0) {
        // Only the program holds the pipes open from here on (the
        // controller's ends too: its closing standard input must reach it),
        // and this process holds no other file: the controller's other
        // threads may have had other hosts' channels open at the fork, and
        // those must end when their own programs do. It keeps only its end
        // of `alive`, as its standard input.
        if (::dup2(alive[1], 0) < 0) ::_exit(127);
        if (::close_range(1, ~0U, 0) != 0)
          for (int fd = 1; fd < 65536; ++fd) ::close(fd);
        // Not yet reaped, so the PID is still the program's.
        g_program_pid = program_pid;
        g_program_pidfd = static_cast<int>(::syscall(SYS_pidfd_open, program_pid, 0));
        struct sigaction forward {};
        forward.sa_handler = pass_signal_on;
        for (int signal : {SIGTERM, SIGINT, SIGHUP}) ::sigaction(signal, &forward, nullptr);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        int status = 0;
        while (::waitpid(program_pid, &status, 0) < 0)
          if (errno != EINTR) ::_exit(127);
        if (WIFSIGNALED(status)) {
          // Ended as the program was, so the controller reads the signal
          // as from every other transport; without a core of this process.
          struct rlimit no_core {};
          ::setrlimit(RLIMIT_CORE, &no_core);
          struct sigaction default_action {};
          default_action.sa_handler = SIG_DFL;
          ::sigaction(WTERMSIG(status), &default_action, nullptr);
          ::kill(::getpid(), WTERMSIG(status));
        }
        ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
      }
      // Killed with the process between (the controller's SIGKILL at a
      // deadline); were it already gone, `alive` has hung up.
      ::close(alive[1]);
      if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(report[1], -1);
      struct pollfd hang_up {alive[0], 0, 0};
      if (::poll(&hang_up, 1, 0) != 0) {
        errno = ESRCH;  // the process between is gone
        child_fail(report[1], -1);
      }
      ::close(alive[0]);
    }
    if (program.root_fd >= 0 && (::fchdir(program.root_fd) != 0 || ::chroot(".") != 0)) child_fail(report[1], -1);
    if (joins_mounts && ::chdir("/") != 0) child_fail(report[1], -1);
    if (::dup2(in[1], 0) < 0 || ::dup2(out[1], 1) < 0 || ::dup2(err[1], 2) < 0) child_fail(report[1], -1);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; ++s) ::sigaction(s, &default_action, nullptr);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (program.program_fd >= 0) ::fexecve(program.program_fd, args.data(), envp);
    else ::execve(path.c_str(), args.data(), envp);
    child_fail(report[1], -1);
  }
  close_fd(in[1]);
  close_fd(out[1]);
  close_fd(err[1]);
  close_fd(report[1]);
  ChildFailure failed{};
  ssize_t got;
  while ((got = ::read(report[0], &failed, sizeof failed)) < 0 && errno == EINTR) {
  }
  close_fd(report[0]);
  if (got == static_cast<ssize_t>(sizeof failed)) {
    close_all();
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::string why = std::strerror(failed.error);
    if (failed.stage >= 0) return failure("cannot join namespace " + std::to_string(failed.stage + 1) + " of " +
                                          std::to_string(join.size()) + ": " + why);
    return failure("cannot run `" + program.argv[0] + "`: " + why);
  }
  StepChannel channel;
  channel.pid_ = pid;
  channel.in_ = in[0];
  channel.out_ = out[0];
  channel.err_ = err[0];
  ::fcntl(channel.in_, F_SETFL, O_NONBLOCK);
  return channel;
}

StepChannel::StepChannel(StepChannel&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      in_(std::exchange(other.in_, -1)),
      out_(std::exchange(other.out_, -1)),
      err_(std::exchange(other.err_, -1)) {}

StepChannel::~StepChannel() {
  close_fd(in_);
  close_fd(out_);
  close_fd(err_);
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

StepExchange StepChannel::exchange(const std::string& request, ProgressSink* progress,
                                   std::chrono::steady_clock::time_point deadline, std::chrono::milliseconds grace,
                                   const std::atomic<bool>* stop, EvidenceArrivals* arrivals,
                                   const std::string* attachment) {
  StepExchange result;
  // Standard input carries, in this order: the request's line, the
  // attachment's raw bytes, then the controller's answers to evidence items.
  std::string head = request;
  if (head.empty() || head.back() != '\n') head += '\n';
  std::size_t head_written = 0;
  std::string_view attachment_left = attachment ? std::string_view(*attachment) : std::string_view();
  std::string input;
  std::size_t written = 0;
  auto next_chunk = [&]() -> std::string_view {
    if (head_written < head.size()) return std::string_view(head).substr(head_written);
    if (!attachment_left.empty()) return attachment_left.substr(0, std::size_t{1} << 20);
    return std::string_view(input).substr(written);
  };
  auto sent = [&](std::size_t n) {
    if (head_written < head.size()) head_written += n;
    else if (!attachment_left.empty()) attachment_left.remove_prefix(n);
    else written += n;
  };
  auto pending = [&] { return !next_chunk().empty(); };
  // Items the controller would not take (its store refused them): their
  // data is dropped and their end is answered with the reason.
  std::map<std::uint64_t, std::string> refused_items;
  std::set<std::uint64_t> open_items;
  auto acknowledge = [&](const char* key, json::object body) {
    input += to_json_text(json::object{{key, std::move(body)}});
    input += '\n';
  };
  // A far side that announces items and never ends them, or floods refused
  // ones, is not read any further: it is stopped like one that hangs.
  bool stop_reading = false;
  auto refuse = [&](std::uint64_t item, std::string why) {
    refused_items[item] = std::move(why);
    if (refused_items.size() > kMaxRefusedEvidence) {
      if (result.bad_answer.empty()) result.bad_answer = "the far side kept sending evidence items that were refused";
      stop_reading = true;
    }
  };
  auto evidence_line = [&](const json::object& o) {
    auto item_of = [](const json::value& v) -> std::optional<std::uint64_t> {
      auto* i = v.is_object() ? v.get_object().if_contains("item") : nullptr;
      if (i && i->is_uint64()) return i->get_uint64();
      if (i && i->is_int64() && i->get_int64() >= 0) return static_cast<std::uint64_t>(i->get_int64());
      return std::nullopt;
    };
    // Once its standard input is closed (Ctrl-C, the deadline) the far side
    // cannot be told an item was stored: nothing more is stored.
    const bool can_answer = in_ >= 0;
    if (auto* b = o.if_contains("evidence")) {
      auto item = item_of(*b);
      auto* name = item ? b->get_object().if_contains("name") : nullptr;
      if (!item || !name || !name->is_string() || open_items.count(*item) || refused_items.count(*item)) {
        if (result.bad_answer.empty()) result.bad_answer = "the far side announced an evidence item badly or twice";
        if (item && !open_items.count(*item)) refuse(*item, "announced badly or twice");
        return;
      }
      if (!arrivals) {
        if (result.bad_answer.empty()) result.bad_answer = "the far side sent evidence for a step that collects none";
        return refuse(*item, "this step collects no evidence");
      }
      if (!can_answer) return refuse(*item, "the controller stopped listening");
      if (open_items.size() >= kMaxOpenEvidence)
        return refuse(*item, "more than " + std::to_string(kMaxOpenEvidence) + " items at once");
      if (auto begun = arrivals->begin(*item, std::string(name->get_string())); !begun)
        refuse(*item, begun.error().message);
      else
        open_items.insert(*item);
    } else if (auto* e = o.if_contains("evidence_end")) {
      auto item = item_of(*e);
      if (!item) return;
      std::optional<std::string> refusal;
      if (auto r = refused_items.find(*item); r != refused_items.end()) {
        refusal = r->second;
        refused_items.erase(r);
      } else if (!open_items.erase(*item)) {
        refusal = "it was not announced";
      } else if (!can_answer) {
        arrivals->abandon(*item);
        return;
      } else if (auto* d = e->get_object().if_contains("description"); !d || !d->is_object()) {
        arrivals->abandon(*item);
        refusal = "the far side did not describe it";
      } else {
        auto stored = arrivals->end(*item, d->get_object());
        if (stored) {
          acknowledge("evidence_stored", {{"item", *item}, {"record", std::move(*stored)}});
          return;
        }
        refusal = stored.error().message;
      }
      if (can_answer) acknowledge("evidence_refused", {{"item", *item}, {"error", *refusal}});
    } else if (auto* a = o.if_contains("evidence_abandoned")) {
      auto item = item_of(*a);
      if (item && open_items.erase(*item) && arrivals) arrivals->abandon(*item);
      if (item) refused_items.erase(*item);
    }
  };
  auto take_data = [&](std::uint64_t item, std::string_view bytes) {
    if (refused_items.count(item)) return;
    if (!arrivals || !open_items.count(item)) {
      if (result.bad_answer.empty()) result.bad_answer = "the far side sent data for an evidence item it did not announce";
      return;
    }
    if (auto s = arrivals->data(item, bytes); !s) {
      open_items.erase(item);
      arrivals->abandon(item);
      refuse(item, s.error().message);
    }
  };
  auto take_line = [&](std::string_view text) {
    if (text.empty()) return;
    json::value value;
    try {
      value = parse_json(text);
    } catch (const std::exception&) {
      if (!result.answer) result.bad_answer = "the far side wrote a line that is not JSON";
      return;
    }
    if (!value.is_object()) return;
    auto& o = value.get_object();
    if (o.contains("started") || o.contains("answer")) result.started_answering = true;
    if (o.contains("evidence") || o.contains("evidence_end") || o.contains("evidence_abandoned")) {
      evidence_line(o);
    } else if (auto* p = o.if_contains("progress"); p && p->is_object()) {
      if (!progress) return;
      auto& po = p->get_object();
      auto number = [&](const char* key) -> std::uint64_t {
        auto* v = po.if_contains(key);
        if (v && v->is_uint64()) return v->get_uint64();
        if (v && v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
        return 0;
      };
      auto text_of = [&](const char* key) -> std::string {
        auto* v = po.if_contains(key);
        // A far side may be compromised: its words reach a terminal.
        return v && v->is_string() ? one_line(std::string_view(v->get_string())) : std::string();
      };
      progress->progress(number("done"), number("total"), text_of("unit"), text_of("note"));
    } else if (auto* a = o.if_contains("answer")) {
      if (!result.bad_answer.empty()) return;
      if (result.answer) {
        // One request, one answer: a second one is a far side not to trust.
        result.answer.reset();
        result.bad_answer = "the far side answered twice";
        return;
      }
      auto parsed = answer_from_json(*a);
      if (parsed) result.answer = std::move(*parsed);
      else result.bad_answer = parsed.error().message;
      // Nothing more is said to a far side that answered: the end of its
      // input lets whatever stands between us and it (a wrapper, a login
      // shell) end too.
      close_fd(in_);
    }
  };

  StepOutputReader output(take_line, take_data, kMaxLine);
  bool reaped = false, stopping = false, killed = false;
  int status = 0;
  auto kill_at = std::chrono::steady_clock::time_point::max();
  char buffer[65536];
  while (true) {
    if (!reaped && ::waitpid(pid_, &status, WNOHANG) == pid_) reaped = true;
    if (reaped) {
      // Whatever it wrote before it ended is in the pipes already; a process
      // it left behind (an ssh ControlMaster) must not keep us waiting.
      for (int* fd : {&out_, &err_}) {
        while (*fd >= 0) {
          pollfd p{*fd, POLLIN, 0};
          if (::poll(&p, 1, 0) != 1) break;
          ssize_t r = ::read(*fd, buffer, sizeof buffer);
          if (r <= 0) break;
          if (fd == &out_) output.feed(std::string_view(buffer, static_cast<std::size_t>(r)));
          else result.err.append(buffer, std::min(static_cast<std::size_t>(r), kMaxErr - std::min(kMaxErr, result.err.size())));
        }
      }
      if (!output.finish() && !result.answer && result.bad_answer.empty()) result.bad_answer = output.error();
      break;
    }
    auto now = std::chrono::steady_clock::now();
    if (!stopping && now >= deadline) {
      ::kill(pid_, SIGTERM);
      stopping = true;
      result.deadline_passed = true;
      kill_at = now + grace;
      close_fd(in_);
    }
    // Asked to stop (Ctrl-C): the end of standard input tells the far side,
    // which stops at a safe point and still answers.
    // An attachment cut short is refused there with nothing run.
    if (stop && stop->load() && in_ >= 0 && head_written == head.size() && (!pending() || !attachment_left.empty()))
      close_fd(in_);
    if (stopping && !killed && now >= kill_at) {
      ::kill(pid_, SIGKILL);
      killed = true;
    }
    pollfd fds[3];
    int n = 0, out_at = -1, err_at = -1, in_at = -1;
    if (out_ >= 0) fds[out_at = n++] = {out_, POLLIN, 0};
    if (err_ >= 0) fds[err_at = n++] = {err_, POLLIN, 0};
    if (in_ >= 0 && pending()) fds[in_at = n++] = {in_, POLLOUT, 0};
    // Short waits: the child's end is seen by waitpid, which poll cannot wait on.
    int wait_ms = killed ? 20 : millis_until(stopping ? kill_at : deadline);
    if (stop && in_ >= 0) wait_ms = std::min(wait_ms, 50);
    if (out_ < 0 && err_ < 0) wait_ms = std::min(wait_ms, 20);
    int ready = ::poll(fds, static_cast<nfds_t>(n), std::max(wait_ms, 1));
    if (ready <= 0) continue;
    if (in_at >= 0 && fds[in_at].revents) {
      std::string_view chunk = next_chunk();
      ssize_t w = ::send(in_, chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w > 0) sent(static_cast<std::size_t>(w));
      // What the far side has read is not kept (acknowledgements accumulate).
      if (head_written == head.size() && attachment_left.empty() && written == input.size()) {
        input.clear();
        written = 0;
      }
      // Once written, standard input stays open until the exchange ends:
      // its end tells the far side that nobody listens any more.
      if (w < 0 && errno != EAGAIN && errno != EINTR) close_fd(in_);
    }
    if (out_at >= 0 && fds[out_at].revents) {
      ssize_t r = ::read(out_, buffer, sizeof buffer);
      if (r > 0) {
        if (!output.feed(std::string_view(buffer, static_cast<std::size_t>(r)))) {
          result.answer.reset();
          result.bad_answer = output.error();
          close_fd(out_);
        } else if (stop_reading) {
          result.answer.reset();
          close_fd(out_);
        }
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        close_fd(out_);
      }
    }
    if (err_at >= 0 && fds[err_at].revents) {
      ssize_t r = ::read(err_, buffer, sizeof buffer);
      if (r > 0) result.err.append(buffer, std::min(static_cast<std::size_t>(r), kMaxErr - std::min(kMaxErr, result.err.size())));
      else if (r == 0 || (errno != EINTR && errno != EAGAIN)) close_fd(err_);
    }
  }
  close_fd(in_);
  close_fd(out_);
  close_fd(err_);
  pid_ = -1;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

}  // namespace responder::targets

namespace responder::targets {

Execution execution_from(const StepExchange& exchange, const std::string& host, std::chrono::milliseconds allowed) {
  Execution e;
  // An interruption answered to the SIGTERM sent at the deadline says only
  // that the deadline passed: it reads like any other missed deadline.
  bool stopped_by_us = exchange.deadline_passed && exchange.answer && !exchange.answer->ok &&
                       exchange.answer->error.kind == ErrorKind::interrupted;
  if (exchange.answer && !stopped_by_us) {
    e.reached = true;
    e.answer = *exchange.answer;
    return e;
  }
  // The far side's own words, made printable: they reach a terminal.
  std::string last_said = [&] {
    std::string text = exchange.err;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    if (auto nl = text.rfind('\n'); nl != std::string::npos) text.erase(0, nl + 1);
    return text.size() > 300 ? text.substr(0, 300) + "…" : text;
  }();
  if (stopped_by_us) last_said = exchange.answer->error.message;
  last_said = one_line(last_said);
  if (exchange.deadline_passed && exchange.started_answering) {
    // It had the request and may have acted: stopped, not unreachable.
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", static_cast<double>(allowed.count()) / 1000.0);
    e.reached = true;
    e.outcome_unknown = true;
    e.answer.ok = false;
    e.answer.error = interruption("responder step on " + host + " was stopped after " + seconds +
                                  " s, before it answered; what it did there is unknown until verified" +
                                  (last_said.empty() ? "" : " (it said: " + last_said + ")"));
    return e;
  }
  if (exchange.deadline_passed) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", static_cast<double>(allowed.count()) / 1000.0);
    e.reached = false;
    e.unreachable_why = "no answer from " + host + " within " + seconds + " s; its responder step was stopped" +
                        (last_said.empty() ? "" : " (it said: " + last_said + ")");
    return e;
  }
  e.reached = true;
  e.outcome_unknown = true;
  e.answer.ok = false;
  std::string how = exchange.signal ? "was killed by signal " + std::to_string(exchange.signal)
                                    : "exited with " + std::to_string(exchange.exit_code);
  if (!exchange.bad_answer.empty()) {
    e.answer.error = failure("the answer from " + host + " cannot be read: " + exchange.bad_answer);
    return e;
  }
  e.answer.error = interruption("responder step on " + host + " " + how +
                                " without answering; what it did there is unknown until verified" +
                                (last_said.empty() ? "" : " (it said: " + last_said + ")"));
  return e;
}

}  // namespace responder::targets
