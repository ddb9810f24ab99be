// How the controller reaches one host: an executor per transport (local in
// process, ssh through the user's own OpenSSH client, namespace through
// setns in a child), all speaking step_protocol.h. The runner sees only
// this interface; modules do not know which transport ran them.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "responder/targets/step_protocol.h"

namespace responder {
class ProgressSink;
}

namespace responder::targets {

class EvidenceArrivals;

struct Execution {
  // False when the host could not be reached at all (connection refused,
  // host key unknown or changed, no answer before the deadline, the far
  // side's responder missing): the host is `unreachable`, not failed, and
  // nothing is known to have run there.
  bool reached = false;
  std::string unreachable_why;
  // When reached: the far side's answer (which may itself be a failure).
  StepAnswer answer;
  // Reached, but no answer that can be trusted came back (the far side
  // died, was stopped at the deadline, or answered something unreadable or
  // not fitting the request): it may have acted. Never a failure to
  // journal: the host is asked to verify, now or on resume.
  bool outcome_unknown = false;
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string_view transport() const = 0;  // "local", "ssh", "namespace"
  // How the host is reached, for `responder hosts` and messages.
  virtual std::string describe() const = 0;
  // Sends one request and waits for its answer, passing progress lines on.
  // Returns by `deadline` (plus the time to end the far side's process).
  // Evidence the far side collects goes to `arrivals` (the controller's
  // store); none is accepted without it.
  virtual Execution execute(const StepRequest& request, ProgressSink* progress,
                            std::chrono::steady_clock::time_point deadline, EvidenceArrivals* arrivals = nullptr) = 0;
  // Ends what the executor holds open for the run (the ssh ControlMaster).
  virtual void close() {}
};

// An ssh host as the inventory gives it (ansible_host, _port, _user,
// _ssh_private_key_file, _ssh_common_args).
struct SshTarget {
  std::string name;     // inventory name, for messages
  std::string address;  // what ssh connects to
  int port = 0;         // 0: ssh's default / ~/.ssh/config
  std::string user;
  std::string private_key_file;
  std::vector<std::string> common_args;  // extra ssh options, already split
  // The far side's responder program ("responder" on its PATH by default).
  std::string remote_program = "responder";
};

// A lab host made of Linux namespaces on this machine.
struct NamespaceTarget {
  std::string name;
  std::string netns;  // a name under /run/netns (ip netns add NAME)
  int pid = 0;        // or a process whose net, mount and uts namespaces to join
};

struct ExecutorOptions {
  // Where per-run state lives (the ControlMaster socket): the incident's
  // run directory, made 0700 by the caller.
  std::filesystem::path run_dir;
  // The responder program the namespace executor runs in its child (this
  // binary by default: /proc/self/exe).
  std::filesystem::path responder_program;
  // Extra arguments for ssh before the host (tests: -F CONFIG).
  std::vector<std::string> ssh_options;
  // When it becomes true (Ctrl-C), a request under way is asked to stop at
  // a safe point (its standard input is closed); it still answers.
  const std::atomic<bool>* stop = nullptr;
};

std::unique_ptr<Executor> make_ssh_executor(const SshTarget& target, const ExecutorOptions& options);
std::unique_ptr<Executor> make_namespace_executor(const NamespaceTarget& target, const ExecutorOptions& options);

}  // namespace responder::targets
