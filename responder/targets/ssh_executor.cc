// The ssh transport: the user's own OpenSSH client, run as an argv vector,
// with their configuration, keys, agent and known_hosts. One ControlMaster
// connection per host for the whole run, its socket in the run directory.
#include "responder/targets/ssh_executor.h"

#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <thread>

#include "responder/child_process.h"
#include "responder/message_text.h"
#include "responder/sha256.h"
#include "responder/targets/step_channel.h"

namespace responder::targets {
namespace {

// An idle master ends by itself this long after its last session, also
// when the controller died without closing it.
constexpr const char* kControlPersist = "ControlPersist=10m";
// A unix socket path holds 107 bytes; the socket's name is "ssh-" and 16
// hex digits, and ssh adds ".<16 hex digits>" while it creates it.
constexpr std::size_t kMaxSocketPath = 107;
constexpr std::size_t kSocketName = std::char_traits<char>::length("/ssh-") + 16 + 17;

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Ok unless the option (as ssh would read `-o KEY=VALUE`, `-oKEY VALUE`,
// or the word after `-o`) turns host key checking off.
Status check_host_key_option(std::string_view arg, const std::string& where) {
  std::string text = lower(arg);
  if (text.starts_with("-o")) text.erase(0, 2);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.erase(0, 1);
  auto split = text.find_first_of("= \t");
  if (split == std::string::npos) return {};
  std::string key = text.substr(0, split);
  std::string value = text.substr(split);
  while (!value.empty() && (value.front() == '=' || value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
  if (!value.empty() && (value.front() == '"' || value.front() == '\'')) value.erase(0, 1);
  if (!value.empty() && (value.back() == '"' || value.back() == '\'')) value.pop_back();
  bool off = (key == "stricthostkeychecking" && value != "yes" && value != "ask") ||
             ((key == "userknownhostsfile" || key == "globalknownhostsfile") && value.find("/dev/") != std::string::npos) ||
             key == "knownhostscommand" || key == "hostkeyalias";
  if (!off) return {};
  return refusal("the ssh option `" + std::string(arg) + "` in " + where +
                 " turns host key checking off, which responder never does: record the host's key in known_hosts "
                 "(after checking its fingerprint) instead");
}

}  // namespace

// ssh's own reason for not connecting, from its standard error, said so that
// a refused host key reads as a refusal and not as a network problem.
std::string ssh_failure_reason(const std::string& err, const SshTarget& target) {
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < err.size()) {
    auto end = err.find('\n', at);
    if (end == std::string::npos) end = err.size();
    std::string line = err.substr(at, end - at);
    at = end + 1;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.erase(0, 1);
    if (line.empty() || line.front() == '@' || line.starts_with("Warning: Permanently added")) continue;
    lines.push_back(line);
  }
  auto mentions = [&](std::string_view what) { return err.find(what) != std::string::npos; };
  if (mentions("REMOTE HOST IDENTIFICATION HAS CHANGED"))
    return "ssh refused " + target.address + ": its host key has CHANGED since known_hosts recorded it (Host key "
           "verification failed); this may be an attack. Nothing was run there. If the change is expected, check "
           "the new key's fingerprint and replace the old one (ssh-keygen -R " + target.address + ")";
  if (mentions("Host key verification failed"))
    return "ssh refused " + target.address + ": its host key is not in known_hosts (Host key verification failed). "
           "Nothing was run there. Check the key's fingerprint and add it to known_hosts";
  std::string said;
  for (std::size_t i = 0; i < lines.size() && i < 3; ++i) said += (said.empty() ? "" : "; ") + lines[i];
  said = one_line(said);  // the far side's words reach a terminal
  if (said.size() > 400) said = said.substr(0, 400) + "…";
  if (said.empty()) said = "ssh exited with 255 and said nothing";
  if (mentions("Permission denied")) return "ssh could not log in to " + target.address + ": " + said;
  return "ssh could not reach " + target.address + ": " + said;
}

// ssh and the options every connection to an incident host carries, before
// any other (ssh keeps the first value it is given for an option): host keys
// are checked strictly whatever a config file or later argument says.
// ForwardAgent=no likewise: the hosts of an incident may be the attacker's,
// and must never reach the responder's agent.
std::vector<std::string> ssh_command_prefix(const SshTarget& target, const std::vector<std::string>& ssh_options,
                                            const std::vector<std::string>& connection_options) {
  std::vector<std::string> argv = {"ssh", "-o", "StrictHostKeyChecking=yes", "-o", "ForwardAgent=no", "-o", "BatchMode=yes"};
  argv.insert(argv.end(), connection_options.begin(), connection_options.end());
  if (target.port > 0) argv.insert(argv.end(), {"-p", std::to_string(target.port)});
  if (!target.user.empty()) argv.insert(argv.end(), {"-l", target.user});
  if (!target.private_key_file.empty()) argv.insert(argv.end(), {"-i", target.private_key_file});
  argv.insert(argv.end(), target.common_args.begin(), target.common_args.end());
  argv.insert(argv.end(), ssh_options.begin(), ssh_options.end());
  return argv;
}

namespace {

class SshExecutor final : public Executor {
 public:
  SshExecutor(SshTarget target, ExecutorOptions options) : target_(std::move(target)), options_(std::move(options)) {}
  ~SshExecutor() override { close(); }

  std::string_view transport() const override { return "ssh"; }

  std::string describe() const override {
    std::string where = target_.address;
    if (target_.port > 0)
      where = (where.find(':') != std::string::npos ? "[" + where + "]" : where) + ":" + std::to_string(target_.port);
    return "ssh " + (target_.user.empty() ? "" : target_.user + "@") + where;
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
    if (auto ok = check_ssh_target(target_, options_.ssh_options); !ok) {
      e.unreachable_why = ok.error().message;
      return e;
    }
    auto socket_dir = control_dir();
    if (!socket_dir) {
      e.unreachable_why = socket_dir.error().message;
      return e;
    }
    StepProgram program;
    program.argv = ssh_argv(*socket_dir);
    program.argv.push_back("-T");
    program.argv.push_back("--");
    program.argv.push_back(target_.address);
    program.argv.push_back(target_.remote_program);
    program.argv.push_back("step");
    auto channel = StepChannel::start(program);
    if (!channel) {
      e.unreachable_why = channel.error().message;
      return e;
    }
    {
      std::lock_guard lock(mutex_);
      used_ = true;
    }
    auto exchange = channel->exchange(to_json_text(request_to_json(request)), progress, deadline,
                                      std::chrono::seconds(2), options_.stop, arrivals,
                                      attachment_to_send(request));
    auto allowed = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - began);
    if (!exchange.answer && !exchange.deadline_passed) {
      // ssh's own failures: it never got a far side to run the step.
      bool ssh_failed = exchange.exit_code == 255 && !exchange.started_answering;
      bool not_installed = !exchange.started_answering &&
                           (exchange.exit_code == 127 || exchange.err.find("command not found") != std::string::npos);
      if (ssh_failed) {
        e.unreachable_why = ssh_failure_reason(exchange.err, target_);
        return e;
      }
      if (not_installed) {
        std::string err = exchange.err;
        while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
        e.unreachable_why = "`" + target_.remote_program + " step` cannot run on " + target_.address + " (" + err +
                            "): install responder " + std::string(responder_version()) +
                            " there (responder hosts prepare), or set the remote program's path";
        return e;
      }
    }
    Execution result = execution_from(exchange, target_.name.empty() ? target_.address : target_.name, allowed);
    if (result.reached)
      if (auto fits = answer_fits(request, result.answer); !fits) {
        result.answer.ok = false;
        result.answer.error = fits.error();
        result.outcome_unknown = true;
      }
    return result;
  }

  void close() override {
    std::string dir;
    bool used, made;
    {
      std::lock_guard lock(mutex_);
      used = std::exchange(used_, false);
      dir = socket_dir_;
      made = made_dir_;
    }
    if (!used || dir.empty()) return;
    // The socket's path is ours, literal (no % tokens): one ssh process per
    // host closes it, which is most of a fleet run's last half second.
    std::string socket = control_socket(dir);
    auto argv = ssh_argv(dir);
    argv.insert(argv.end(), {"-O", "exit", "--", target_.address});
    // Failure here leaves an idle master that ends by itself (ControlPersist).
    (void)run_program(argv, {}, std::chrono::seconds(10));
    // The master answers `exit` before it removes its socket: wait (briefly)
    // so that close() returns with the connection gone.
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    std::error_code ec;
    while (!socket.empty() && std::filesystem::exists(socket, ec) && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (made) {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
      std::lock_guard lock(mutex_);
      socket_dir_.clear();
      made_dir_ = false;
    }
  }

 private:
  // ssh and the options every invocation for this host shares (the master,
  // its sessions and `-O exit` must agree on %C: host, port and user).
  // One master per inventory host, named by everything that shapes the
  // connection: ssh's %C (host, port, user) would let two inventory hosts
  // with one address but other keys or jump hosts share a master.
  std::string control_socket(const std::string& socket_dir) const {
    std::string identity = target_.name + '\n' + target_.address + '\n' + std::to_string(target_.port) + '\n' + target_.user +
                           '\n' + target_.private_key_file;
    for (auto& a : target_.common_args) identity += '\n' + a;
    for (auto& a : options_.ssh_options) identity += '\n' + a;
    return socket_dir + "/ssh-" + sha256_hex(identity).substr(0, 16);
  }

  std::vector<std::string> ssh_argv(const std::string& socket_dir) const {
    // ssh expands '%' in ControlPath, so a literal one is doubled.
    std::string control_path;
    for (char c : control_socket(socket_dir)) {
      control_path += c;
      if (c == '%') control_path += '%';
    }
    return ssh_command_prefix(target_, options_.ssh_options,
                              {"-o", "ControlMaster=auto", "-o", "ControlPath=" + control_path, "-o", kControlPersist});
  }

  // The run directory when its path leaves room for the socket's name, else
  // a private directory under /tmp (removed by close()).
  Result<std::string> control_dir() {
    std::lock_guard lock(mutex_);
    if (!socket_dir_.empty()) return socket_dir_;
    std::string run_dir = options_.run_dir.string();
    // ssh splits ControlPath at white space: such a run directory is not used.
    bool has_space = std::any_of(run_dir.begin(), run_dir.end(), [](unsigned char c) { return std::isspace(c); });
    if (!run_dir.empty() && !has_space && run_dir.size() + kSocketName <= kMaxSocketPath) {
      socket_dir_ = run_dir;
      return socket_dir_;
    }
    char name[] = "/tmp/responder-ssh-XXXXXX";
    if (!::mkdtemp(name)) return failure(std::string("cannot make a directory for the ssh control socket: ") + std::strerror(errno));
    socket_dir_ = name;
    made_dir_ = true;
    return socket_dir_;
  }

  SshTarget target_;
  ExecutorOptions options_;
  std::mutex mutex_;
  std::string socket_dir_;
  bool made_dir_ = false;
  bool used_ = false;
};

// ansible_ssh_common_args comes from an inventory someone else may keep:
// only options that change how the connection is carried are taken, each as
// `-o Key=Value` (or -oKey=Value) or `-J host`. A bare word would become the
// destination and the remote command; -F, -G, -O, -W and host-key options
// could reach another host or skip the key check.
Status check_common_args(const std::vector<std::string>& args, const std::string& host) {
  static const std::vector<std::string> allowed = {
      "proxyjump",          "connecttimeout",       "connectionattempts", "serveraliveinterval",
      "serveralivecountmax", "tcpkeepalive",        "compression",        "ciphers",
      "macs",               "kexalgorithms",        "hostkeyalgorithms",  "pubkeyacceptedalgorithms",
      "pubkeyacceptedkeytypes", "identitiesonly",   "identityfile",
      "addressfamily",      "preferredauthentications", "loglevel",
      "requesttty",         "ipqos"};
  std::string where = "ansible_ssh_common_args of host " + host;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string option;
    if (args[i] == "-o" && i + 1 < args.size()) option = args[++i];
    else if (args[i].size() > 2 && args[i].compare(0, 2, "-o") == 0) option = args[i].substr(2);
    else if (args[i] == "-J" && i + 1 < args.size()) option = "ProxyJump=" + args[++i];
    else
      return bad_input(where + ": `" + args[i] + "` is not taken; only `-o Key=Value` options that carry the "
                       "connection (ProxyJump, ConnectTimeout, ServerAliveInterval, ciphers and algorithms, ...) and `-J host` are");
    if (auto ok = check_host_key_option(option, where); !ok) return ok;
    auto separator = option.find_first_of("= \t");
    std::string key = option.substr(0, separator);
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // OpenSSH turns a jump host into a command its shell reads: only
    // [user@]host[:port] lists, of the characters names hold.
    if (key == "proxyjump" && separator != std::string::npos) {
      std::string value = option.substr(separator + 1);
      auto jump_char = [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == ':' || c == '@' || c == ',' || c == '[' || c == ']';
      };
      if (value.empty() || value.front() == '-' || !std::all_of(value.begin(), value.end(), jump_char))
        return bad_input(where + ": the jump host `" + value + "` is not [user@]host[:port] (a list of them, by commas)");
    }
    if (separator == std::string::npos || std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      return refusal(where + ": the ssh option `" + option + "` is not taken from an inventory; put it in your "
                     "~/.ssh/config for that host instead, where it is yours");
  }
  return {};
}

}  // namespace

Status check_ssh_target(const SshTarget& target, const std::vector<std::string>& ssh_options) {
  std::string host = target.name.empty() ? target.address : target.name;
  if (target.address.empty()) return bad_input("host " + host + ": no address to connect to");
  // Only what a host name or address holds: the address reaches %h in a
  // user's ProxyCommand or Match exec, where a shell reads it.
  auto address_char = [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '_' || c == '%'; };
  if (target.address.front() == '-' || !std::all_of(target.address.begin(), target.address.end(), address_char))
    return bad_input("host " + host + ": the address `" + target.address +
                     "` is not a host name or address (letters, digits, '.', '-', '_', ':'; not starting with '-')");
  auto user_char = [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '-' || c == '_'; };
  if (!target.user.empty() &&
      (target.user.front() == '-' || !std::all_of(target.user.begin(), target.user.end(), user_char)))
    return bad_input("host " + host + ": the user `" + target.user +
                     "` must be a portable user name (letters, digits, '.', '-', '_'; not starting with '-')");
  if (target.port < 0 || target.port > 65535)
    return bad_input("host " + host + ": port " + std::to_string(target.port) + " is not 1..65535");
  if (std::any_of(target.private_key_file.begin(), target.private_key_file.end(),
                  [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    return bad_input("host " + host + ": the private key file's name holds control characters");
  auto plain = [](unsigned char c) { return std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '+' || c == '-'; };
  if (target.remote_program.empty() || target.remote_program.front() == '-' ||
      !std::all_of(target.remote_program.begin(), target.remote_program.end(), plain))
    return bad_input("host " + host + ": the remote program `" + target.remote_program +
                     "` must be a plain path (letters, digits and /._+-), since the far side's shell reads it");
  if (auto ok = check_common_args(target.common_args, host); !ok) return ok;
  for (std::size_t i = 0; i < ssh_options.size(); ++i) {
    std::string option = ssh_options[i] == "-o" && i + 1 < ssh_options.size() ? ssh_options[i + 1] : ssh_options[i];
    if (auto ok = check_host_key_option(option, "the controller's ssh options"); !ok) return ok;
  }
  return {};
}

std::unique_ptr<Executor> make_ssh_executor(const SshTarget& target, const ExecutorOptions& options) {
  return std::make_unique<SshExecutor>(target, options);
}

}  // namespace responder::targets
