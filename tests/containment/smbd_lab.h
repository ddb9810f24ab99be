// A real smbd for tests: listens on 127.0.0.1:4450 only, keeps every state
// directory inside its own temporary directory, serves one guest-writable
// share [test], and is killed (with its children) when the lab goes away -
// also when the test process dies without unwinding (a crash, an abort):
// smbd gets SIGKILL as its parent dies, and its own children exit when
// their parent smbd does.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <optional>
#include <thread>

#include "tests/support/process.h"

namespace responder::lab {

constexpr int kSmbdLabPort = 4450;

inline bool smbd_lab_port_open() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(kSmbdLabPort);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool open = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return open;
}

// Empty when smbd and smbclient are installed, else why not.
inline std::string smbd_lab_unavailable() {
  if (::geteuid() != 0) return "needs root to run smbd";
  for (auto* tool : {"/usr/sbin/smbd", "/usr/bin/smbclient", "/usr/bin/smbcontrol", "/usr/bin/testparm"})
    if (::access(tool, X_OK) != 0) return std::string(tool) + " is not installed (apt-get install samba smbclient)";
  if (smbd_lab_port_open()) return "127.0.0.1:4450 is already in use";
  return {};
}

// The [global] section of a lab smbd: on 127.0.0.1:`port` only, with every
// state file under `dir`, so it never meets the machine's own Samba.
inline std::string smbd_lab_global_section(int port, const std::string& dir) {
  return "[global]\n"
         "\tsmb ports = " + std::to_string(port) + "\n"
         "\tinterfaces = 127.0.0.1\n"
         "\tbind interfaces only = yes\n"
         "\tdisable netbios = yes\n"
         "\tserver role = standalone server\n"
         "\tmap to guest = Bad User\n"
         "\tlock directory = " + dir + "/lock\n"
         "\tstate directory = " + dir + "/state\n"
         "\tcache directory = " + dir + "/cache\n"
         "\tpid directory = " + dir + "/pid\n"
         "\tprivate dir = " + dir + "/private\n"
         "\tncalrpc dir = " + dir + "/ncalrpc\n"
         "\tlog file = " + dir + "/log.%m\n";
}

class SmbdLab {
 public:
  // `share_lines` go into the [test] section after its path.
  explicit SmbdLab(const std::string& share_lines = "\tguest ok = yes\n\tread only = no\n\tforce user = root\n") {
    auto d = dir_.path().string();
    std::filesystem::create_directories(dir_ / "share");
    std::filesystem::create_directories(dir_ / "private");
    ::chmod((dir_ / "share").c_str(), 0777);
    config_ = dir_.write("smb.conf",
                         "# smbd lab of the share.readonly tests\n" + smbd_lab_global_section(kSmbdLabPort, d) +
                         "\n[test]\n"
                         "\tpath = " + d + "/share\n" + share_lines +
                         "\n[other]\n"
                         "\tpath = " + d + "/share\n"
                         "\tguest ok = yes\n");
  }

  ~SmbdLab() {
    if (smbd_ > 0) {
      ::kill(-smbd_, SIGKILL);
      ::waitpid(smbd_, nullptr, 0);
    }
  }
  SmbdLab(const SmbdLab&) = delete;
  SmbdLab& operator=(const SmbdLab&) = delete;

  // Starts smbd and waits until it accepts connections; false on timeout.
  bool start() {
    auto log = dir_ / "smbd.out";
    smbd_ = ::fork();
    if (smbd_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::setpgid(0, 0);
      int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(out, 1);
      ::dup2(out, 2);
      ::execlp("smbd", "smbd", "--foreground", "--no-process-group", "--debug-stdout", "-s", config_.c_str(), nullptr);
      ::_exit(127);
    }
    return testing::eventually([] { return smbd_lab_port_open(); });
  }
  std::string log() const { return testing::slurp(dir_ / "smbd.out"); }

  // `smbclient //127.0.0.1/test -c 'put LOCAL NAME'` as guest.
  testing::ProcessResult put(const std::filesystem::path& local, const std::string& name) const {
    return testing::run_process({"smbclient", "//127.0.0.1/test", "-p", std::to_string(kSmbdLabPort), "-N", "-s",
                                 config_.string(), "-c", "put " + local.string() + " " + name});
  }

  const std::filesystem::path& config() const { return config_; }
  std::filesystem::path share_dir() const { return dir_ / "share"; }
  const testing::TempDir& dir() const { return dir_; }

 private:
  testing::TempDir dir_;  // removed after smbd is killed
  std::filesystem::path config_;
  pid_t smbd_ = -1;
};

// One smbclient connected for a long time: commands go to its standard input
// one at a time, so that a session opened before a change can act after it.
class SmbclientSession {
 public:
  explicit SmbclientSession(const SmbdLab& lab) {
    int in[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return;
    output_ = lab.dir() / "smbclient-session.out";
    std::string port = std::to_string(kSmbdLabPort), conf = lab.config().string();  // before fork
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      int out = ::open(output_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(in[0], 0);
      ::dup2(out, 1);
      ::dup2(out, 2);
      ::setpgid(0, 0);
      ::execlp("smbclient", "smbclient", "//127.0.0.1/test", "-p", port.c_str(), "-N", "-s", conf.c_str(), nullptr);
      ::_exit(127);
    }
    ::close(in[0]);
    stdin_ = in[1];
  }
  ~SmbclientSession() {
    if (stdin_ >= 0) ::close(stdin_);
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  // Sends one command line and gives smbclient time to run it.
  void command(const std::string& line, std::chrono::milliseconds settle = std::chrono::milliseconds(1500)) {
    std::string text = line + "\n";
    [[maybe_unused]] auto written = ::write(stdin_, text.data(), text.size());
    std::this_thread::sleep_for(settle);
  }
  // Ends the session (end of input) and returns everything smbclient
  // printed; its output is block-buffered, so it is complete only now.
  std::string finish(std::chrono::seconds limit = std::chrono::seconds(10)) {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
    auto deadline = std::chrono::steady_clock::now() + limit;
    bool ended = pid_ <= 0;
    while (!ended && std::chrono::steady_clock::now() < deadline) {
      ended = ::waitpid(pid_, nullptr, WNOHANG) == pid_;
      if (!ended) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!ended) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
    return testing::slurp(output_);
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  std::filesystem::path output_;
};

}  // namespace responder::lab
