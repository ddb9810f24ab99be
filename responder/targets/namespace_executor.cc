// The namespace transport: a lab host made of Linux namespaces on this
// machine. Each request runs `responder step` in a child that has joined the
// host's namespaces with setns(2) before exec, so the far side is a fresh
// single-threaded process (joining a mount namespace needs one) and reaches
// only that host's kernel state, exactly as over ssh.
//
// Which namespaces:
//   - a PID: its net, uts, IPC, PID and mount namespaces
//     (/proc/PID/ns/{net,uts,ipc,pid,mnt}), so the far side sees that host's
//     files, hostname, network and processes, and is one of them: a
//     host's systemd answers on its private socket only to processes of
//     its own PID namespace;
//   - a netns name (`ip netns add NAME`, /run/netns/NAME): its network
//     namespace only. Such a name carries no mount or uts namespace, so the
//     far side shares this machine's files and hostname (and reads this
//     machine's /etc/responder configuration); `ip netns exec`'s
//     /etc/netns/NAME overlay is not applied.
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "responder/targets/executor.h"
#include "responder/targets/step_channel.h"

namespace responder::targets {
namespace {

// Descriptors opened before fork and closed when the request is done.
class OpenFiles {
 public:
  OpenFiles() = default;
  OpenFiles(const OpenFiles&) = delete;
  OpenFiles& operator=(const OpenFiles&) = delete;
  ~OpenFiles() {
    for (int fd : fds_) ::close(fd);
  }
  // Opens `path` read-only, close-on-exec; -1 with errno set on failure.
  int open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) fds_.push_back(fd);
    return fd;
  }

 private:
  std::vector<int> fds_;
};

bool plain_netns_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.size() < 256 &&
         std::none_of(name.begin(), name.end(), [](unsigned char c) { return c == '/' || c <= 0x20 || c == 0x7f; });
}

class NamespaceExecutor final : public Executor {
 public:
  NamespaceExecutor(NamespaceTarget target, ExecutorOptions options)
      : target_(std::move(target)), options_(std::move(options)) {}

  std::string_view transport() const override { return "namespace"; }

  std::string describe() const override {
    if (target_.pid > 0) return "namespace of pid " + std::to_string(target_.pid) + " (net, mount, uts, ipc, pid)";
    return "namespace " + target_.netns + " (/run/netns, network only)";
  }

  Execution execute(const StepRequest& request, ProgressSink* progress, std::chrono::steady_clock::time_point deadline,
                    EvidenceArrivals* arrivals = nullptr) override {
    const auto began = std::chrono::steady_clock::now();
    Execution e;
    // Nothing is started for a request whose attachment is not what it
    // announces: the far side would wait for bytes that never come.
    if (auto fits = check_attachment(request); !fits) {
      e.reached = true;
      e.answer.version = std::string(responder_version());
      e.answer.error = fits.error();
      return e;
    }
    const std::string host = target_.name.empty() ? describe() : target_.name;
    OpenFiles files;
    StepProgram program;
    program.argv = {"responder", "step"};
    if (target_.pid > 0 && target_.netns.empty()) {
      std::string base = "/proc/" + std::to_string(target_.pid) + "/ns/";
      // uts and net first: once the mount namespace is joined, nothing is
      // looked up by path any more (all is open already).
      for (auto [name, type] : {std::pair{"uts", CLONE_NEWUTS}, std::pair{"ipc", CLONE_NEWIPC}, std::pair{"net", CLONE_NEWNET},
                                std::pair{"pid", CLONE_NEWPID}, std::pair{"mnt", CLONE_NEWNS}}) {
        int fd = files.open(base + name);
        if (fd < 0) {
          e.unreachable_why = "cannot open " + base + name + " for host " + host + ": " + std::strerror(errno);
          return e;
        }
        program.join.emplace_back(fd, type);
      }
      // The host's processes may see another root than its mount
      // namespace's own (a chroot, a container): take theirs, as nsenter --root.
      program.root_fd = files.open(base.substr(0, base.size() - 3) + "root");
      if (program.root_fd < 0) {
        e.unreachable_why = "cannot open /proc/" + std::to_string(target_.pid) + "/root for host " + host + ": " + std::strerror(errno);
        return e;
      }
    } else if (target_.pid == 0 && plain_netns_name(target_.netns)) {
      int fd = files.open("/run/netns/" + target_.netns);
      if (fd < 0) {
        e.unreachable_why = "cannot open /run/netns/" + target_.netns + " for host " + host + ": " + std::strerror(errno);
        return e;
      }
      program.join.emplace_back(fd, CLONE_NEWNET);
    } else {
      e.unreachable_why = "host " + host + ": a namespace host needs either a PID or a plain /run/netns name, not `" +
                          target_.netns + "`" + (target_.pid ? " and pid " + std::to_string(target_.pid) : "");
      return e;
    }
    // A lab host's namespace that is this process's own or this machine's
    // (its process died and the PID went to a process of this machine, or
    // a name bound to the host's namespace) would make the step act on the
    // real machine. This machine's are its first process's: a controller
    // that itself runs in a namespace of its own (a management host) would
    // not see them as its own.
    for (auto& [fd, type] : program.join) {
      if (type != CLONE_NEWNET && type != CLONE_NEWNS) continue;
      const char* kind = type == CLONE_NEWNET ? "net" : "mnt";
      struct stat theirs {};
      if (::fstat(fd, &theirs) != 0) {
        e.unreachable_why = "host " + host + ": cannot read its " + kind + " namespace: " + std::strerror(errno);
        return e;
      }
      for (std::string mine : {std::string("/proc/self/ns/") + kind, std::string("/proc/1/ns/") + kind}) {
        struct stat ours {};
        // /proc/1 may be unreadable (another PID namespace's); the own one never is.
        if (::stat(mine.c_str(), &ours) != 0) {
          if (mine.starts_with("/proc/self")) {
            e.unreachable_why = "cannot read " + mine + ": " + std::strerror(errno);
            return e;
          }
          continue;
        }
        if (theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino) {
          e.unreachable_why = "host " + host + ": its " + std::string(type == CLONE_NEWNET ? "network" : "mount") +
                              " namespace is this machine's own (" + describe() +
                              "), so nothing was run there; the lab host is gone or the inventory names the wrong one";
          return e;
        }
      }
    }
    // The program is opened here, in this mount namespace, and executed from
    // the descriptor (fexecve): its path need not exist in the host's. It
    // must be a binary, not a script (a close-on-exec descriptor cannot be
    // handed to an interpreter).
    std::string path = options_.responder_program.empty() ? "/proc/self/exe" : options_.responder_program.string();
    program.program_fd = files.open(path);
    if (program.program_fd < 0) {
      e.unreachable_why = "cannot open the responder program " + path + ": " + std::strerror(errno);
      return e;
    }
    auto channel = StepChannel::start(program);
    if (!channel) {
      e.unreachable_why = "cannot enter host " + host + ": " + channel.error().message;
      return e;
    }
    auto exchange = channel->exchange(to_json_text(request_to_json(request)), progress, deadline,
                                      std::chrono::seconds(2), options_.stop, arrivals,
                                      attachment_to_send(request));
    Execution result = execution_from(exchange, host, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - began));
    if (result.reached)
      if (auto fits = answer_fits(request, result.answer); !fits) {
        result.answer.ok = false;
        result.answer.error = fits.error();
        result.outcome_unknown = true;
      }
    return result;
  }

 private:
  NamespaceTarget target_;
  ExecutorOptions options_;
};

}  // namespace

std::unique_ptr<Executor> make_namespace_executor(const NamespaceTarget& target, const ExecutorOptions& options) {
  return std::make_unique<NamespaceExecutor>(target, options);
}

}  // namespace responder::targets
