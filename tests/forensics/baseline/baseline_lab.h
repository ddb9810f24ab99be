// Test support for the baseline tests: a signing key made with openssl, a
// small reference host tree under a TempDir, and a process listening inside
// a network namespace of its own (so its socket shows in /proc/PID/net and
// no traffic can leave it).
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../../support/process.h"

namespace responder::baseline::testing {

using responder::testing::TempDir;

struct TestKey {
  std::filesystem::path private_pem, public_pem;
};

// An Ed25519 key pair under `dir`, as an administrator would make one.
inline TestKey make_key(const std::filesystem::path& dir, const std::string& name = "baseline") {
  TestKey key{dir / (name + ".key"), dir / (name + ".pub")};
  auto a = responder::testing::run_process({"openssl", "genpkey", "-algorithm", "ed25519", "-out", key.private_pem.string()});
  auto b = responder::testing::run_process({"openssl", "pkey", "-in", key.private_pem.string(), "-pubout", "-out", key.public_pem.string()});
  if (a.exit_code != 0 || b.exit_code != 0) throw std::runtime_error("openssl could not make a key: " + a.err + b.err);
  return key;
}

inline void put(const std::filesystem::path& root, const std::string& path, const std::string& text, unsigned mode = 0644) {
  auto file = std::filesystem::path(root.string() + path);
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
  ::chmod(file.c_str(), mode);
}

inline void append(const std::filesystem::path& root, const std::string& path, const std::string& text) {
  std::ofstream(root.string() + path, std::ios::binary | std::ios::app) << text;
}

inline const char* kAliceKey =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAHDhUcIyoxOD9GTVRbYmlwd36FjJOaoaivtr3Ey9LZ alice@laptop";
inline const char* kMalloryKey =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAANGic0QU5baHWCj5yptsPQ3er3BBEeKzhFUl9seYaT mallory@evil";

// A small host: accounts, a binary, a library, a configuration file, root's
// authorized key, a crontab, and a dpkg database that owns some of it.
inline void build_reference_tree(const std::filesystem::path& root) {
  put(root, "/etc/passwd",
      "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
      "alice:x:1000:1000:Alice M\xfcller (Latin-1):/home/alice:/bin/bash\n");
  put(root, "/etc/shadow", "root:$y$j9T$abc$def:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nalice:!:19000:0:99999:7:::\n", 0640);
  put(root, "/etc/group", "root:x:0:\nsudo:x:27:alice\nalice:x:1000:\n");
  put(root, "/etc/hostname", "reference\n");
  put(root, "/etc/tool.conf", "threshold = 5\n");
  put(root, "/etc/crontab", "SHELL=/bin/sh\n# m h dom mon dow user command\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n");
  put(root, "/usr/bin/tool", "#!/bin/sh\necho a packaged tool\n", 0755);
  put(root, "/usr/bin/local-script", "#!/bin/sh\necho an administrator's script\n", 0755);
  put(root, "/usr/lib/libtool.so.1", "ELF pretend library\n", 0644);
  put(root, "/root/.ssh/authorized_keys", std::string(kAliceKey) + "\n", 0600);
  std::filesystem::create_directories(root.string() + "/home/alice/.ssh");
  std::filesystem::create_directories(root.string() + "/var/spool/cron/crontabs");
  std::filesystem::create_symlink("usr/bin", root.string() + "/bin");
  // dpkg: package "tool" owns /usr/bin/tool (md5 of its text) and the conffile /etc/tool.conf.
  put(root, "/var/lib/dpkg/info/tool.md5sums", "");
  put(root, "/var/lib/dpkg/status", "");
}

// MD5 hex of text, via openssl (to write the fake package database).
inline std::string md5_of_file(const std::filesystem::path& file) {
  auto r = responder::testing::run_process({"openssl", "dgst", "-md5", "-r", file.string()});
  return r.out.substr(0, 32);
}

inline void write_package_database(const std::filesystem::path& root) {
  std::string tool_md5 = md5_of_file(root.string() + "/usr/bin/tool");
  std::string lib_md5 = md5_of_file(root.string() + "/usr/lib/libtool.so.1");
  std::string conf_md5 = md5_of_file(root.string() + "/etc/tool.conf");
  // Listed as /bin/tool: the package predates merged /usr, and /bin -> usr/bin.
  put(root, "/var/lib/dpkg/info/tool.md5sums", tool_md5 + "  bin/tool\n" + lib_md5 + "  usr/lib/libtool.so.1\n");
  put(root, "/var/lib/dpkg/status",
      "Package: tool\nStatus: install ok installed\nVersion: 1.0\nConffiles:\n /etc/tool.conf " + conf_md5 +
          "\n /etc/tool-old.conf 0123456789abcdef0123456789abcdef obsolete\nDescription: a tool\n\n"
          "Package: gone\nStatus: deinstall ok config-files\nConffiles:\n /etc/gone.conf 0123456789abcdef0123456789abcdef\n\n");
}

// A child process in a network namespace of its own, which listens on a
// TCP port when asked. Killed and reaped at scope exit.
class NamespaceListener {
 public:
  NamespaceListener() {
    int to_child[2], from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(to_child[1]);
      ::close(from_child[0]);
      char ok = ::unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
      (void)!::write(from_child[1], &ok, 1);
      char command = 0;
      int fd = -1;
      while (::read(to_child[0], &command, 1) == 1) {
        if (command == 'l') {
          fd = ::socket(AF_INET, SOCK_STREAM, 0);
          sockaddr_in a{};
          a.sin_family = AF_INET;
          a.sin_port = htons(4444);
          a.sin_addr.s_addr = htonl(INADDR_ANY);
          char done = (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd, 1) == 0) ? 'y' : 'n';
          (void)!::write(from_child[1], &done, 1);
        }
      }
      ::_exit(0);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    to_child_ = to_child[1];
    from_child_ = from_child[0];
    char ok = 0;
    ready_ = ::read(from_child_, &ok, 1) == 1 && ok == 'y';
  }
  ~NamespaceListener() {
    if (to_child_ >= 0) ::close(to_child_);
    if (from_child_ >= 0) ::close(from_child_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool ready() const { return ready_; }
  // Starts listening on 0.0.0.0:4444 inside the namespace.
  bool listen() {
    char c = 'l', done = 0;
    return ::write(to_child_, &c, 1) == 1 && ::read(from_child_, &done, 1) == 1 && done == 'y';
  }
  std::filesystem::path net_dir() const { return "/proc/" + std::to_string(pid_) + "/net"; }

 private:
  pid_t pid_ = -1;
  int to_child_ = -1, from_child_ = -1;
  bool ready_ = false;
};

}  // namespace responder::baseline::testing
