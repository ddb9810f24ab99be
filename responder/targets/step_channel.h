// The controller's end of one remote `responder step`: a child process (ssh,
// or responder itself inside a lab host's namespaces) started from an argv
// vector with its standard streams on pipes, one request written to it, its
// progress lines passed on and its one answer line read back, all by a
// deadline. Both remote executors use this; neither talks to its child any
// other way.
#pragma once

#include <atomic>

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "responder/result.h"
#include "responder/targets/evidence_relay.h"
#include "responder/targets/executor.h"
#include "responder/targets/step_protocol.h"

namespace responder {
class ProgressSink;
}

namespace responder::targets {

// What to run. Everything here is prepared before fork: the child only
// calls async-signal-safe functions (setns, chdir, dup2, execve), so a
// controller with threads (forks) can start it safely.
struct StepProgram {
  // The program: an open file descriptor (executed with execveat, so it need
  // not exist as a path in the namespaces joined), or else `path` (looked up
  // in PATH, in this process, when it has no '/').
  int program_fd = -1;
  std::string path;
  std::vector<std::string> argv;  // argv[0] included
  // Namespaces to join, in this order, before exec: (open namespace file,
  // CLONE_NEW* type). The caller keeps the descriptors open until start()
  // returns.
  std::vector<std::pair<int, int>> join;
  // After joining, the root directory to take (the host process's
  // /proc/PID/root, opened): joining a mount namespace alone puts the child
  // at that namespace's real root, not at the root the host's processes
  // see (a chroot or container). -1: keep it.
  int root_fd = -1;
};

// How one exchange ended.
struct StepExchange {
  std::optional<StepAnswer> answer;  // the answer line, when one arrived and parsed
  std::string bad_answer;            // why an answer line did not parse
  // The far side said it has the request ({"started": true}) or answered:
  // from then on it may have acted. Other output (login noise) is not that.
  bool started_answering = false;
  bool deadline_passed = false;      // the child was stopped at the deadline
  int exit_code = -1;                // -1 when it ended by a signal
  int signal = 0;
  std::string err;                   // its standard error (at most 64 KiB)
};

class StepChannel {
 public:
  // Starts the program with standard input, output and error on fresh
  // pipes, with default signal handling and an empty signal mask. Fails
  // (nothing left running) when the program cannot be found, a namespace
  // cannot be joined or exec fails; the message names the errno.
  static Result<StepChannel> start(const StepProgram& program);

  StepChannel(StepChannel&& other) noexcept;
  StepChannel& operator=(StepChannel&&) = delete;
  StepChannel(const StepChannel&) = delete;
  // Kills and reaps a child that exchange() did not finish with.
  ~StepChannel();

  // Writes `request` (one line) and keeps standard input open until the
  // exchange ends (its end tells the far side to stop), passes each
  // {"progress": ...} line to `progress` (may be null) and parses the
  // {"answer": ...} line. Returns when the child has ended, or at the
  // deadline: then the child gets SIGTERM and, `grace` later, SIGKILL, and
  // is always reaped before this returns. Writing to a child that has gone
  // never raises SIGPIPE in the controller. Call once.
  // When `stop` becomes true (Ctrl-C), standard input is closed early, so
  // the far side stops at a safe point and answers.
  // Evidence the far side streams goes to `arrivals`, and each item's end is
  // answered on its standard input (evidence_relay.h); without arrivals,
  // evidence from the far side makes its answer unreadable.
  // `attachment`, when given, is written raw right after the request's
  // line (step_protocol.h), from the caller's buffer, never copied.
  StepExchange exchange(const std::string& request, ProgressSink* progress,
                        std::chrono::steady_clock::time_point deadline,
                        std::chrono::milliseconds grace = std::chrono::seconds(2),
                        const std::atomic<bool>* stop = nullptr, EvidenceArrivals* arrivals = nullptr,
                        const std::string* attachment = nullptr);

  pid_t pid() const { return pid_; }

 private:
  StepChannel() = default;
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;  // the controller's ends
};

// How an exchange reads for the runner, once transport-specific causes
// (ssh's own refusals) are ruled out: an answer is `reached` with it (also
// one that arrived as the far side was being stopped, a receipt included),
// except an interruption answered to the deadline's SIGTERM; the deadline
// with no other answer is unreachable, "no answer from HOST within N s"
// (naming the stopped far side's last word), unless the far side had said
// it had the request ({"started": true}): then, like a far side that
// ended without an answer (killed, crashed) was reached, and the answer is
// an `interrupted` error saying the outcome there is unknown, so that resume
// asks that host's verify.
Execution execution_from(const StepExchange& exchange, const std::string& host,
                         std::chrono::milliseconds allowed);

}  // namespace responder::targets
