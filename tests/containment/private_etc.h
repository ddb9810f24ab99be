// A private copy of /etc for one test process: a new mount namespace with a
// copy of /etc bind-mounted over /etc, so that useradd, chpasswd and the
// modules under test edit the copy and the machine's real /etc/passwd and
// /etc/shadow are never touched. The namespace ends with the process (each
// ctest test is its own process); the destructor unmounts and removes the
// copy earlier, also when the test fails.
#pragma once

#include "tests/support/skip.h"
#include <pwd.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "responder/child_process.h"
#include "tests/support/process.h"

namespace responder::testing {

// Exits the test case with ctest's skip code when a private /etc cannot be
// had here: only when not root (CI runs as root, where these tests must run).
#define RESPONDER_REQUIRE_ROOT_FOR_PRIVATE_ETC() \
  RESPONDER_SKIP_WHEN(::geteuid() == 0 ? "" : "needs root (a private /etc in a mount namespace)")

struct TestUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

class PrivateEtc {
 public:
  PrivateEtc() {
    if (::unshare(CLONE_NEWNS) != 0)
      throw std::runtime_error(std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno));
    // Mounts made from now on must not propagate back to the host.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      throw std::runtime_error(std::string("making / private: ") + std::strerror(errno));
    auto copy = run_process({"cp", "-a", "/etc", (dir_ / "etc").string()});
    if (copy.exit_code != 0) throw std::runtime_error("cp -a /etc: " + copy.err);
    if (::mount((dir_ / "etc").c_str(), "/etc", nullptr, MS_BIND, nullptr) != 0)
      throw std::runtime_error(std::string("bind-mounting the copy over /etc: ") + std::strerror(errno));
    mounted_ = true;
  }
  ~PrivateEtc() {
    if (mounted_) ::umount2("/etc", MNT_DETACH);
  }
  PrivateEtc(const PrivateEtc&) = delete;
  PrivateEtc& operator=(const PrivateEtc&) = delete;

  // Adds a user without home directory or lastlog/faillog entries (those
  // live in /var, outside the copy) and sets its password through chpasswd
  // on standard input. Throws when glibc does not then see the user. Tests
  // whose processes run as the user give a uid of their own (`uid`), so
  // that tests running in parallel, each with its own /etc, never share one.
  TestUser add_user(const std::string& name, const std::string& password, uid_t uid = 0) {
    std::vector<std::string> argv = {"useradd", "--no-log-init", "-M", "-s", "/bin/sh"};
    if (uid != 0) argv.insert(argv.end(), {"-u", std::to_string(uid)});
    argv.push_back(name);
    auto added = run_process(argv);
    if (added.exit_code != 0) throw std::runtime_error("useradd " + name + ": " + added.err);
    auto set = run_program({"chpasswd"}, name + ":" + password + "\n");
    if (!set || set->exit_code != 0) throw std::runtime_error("chpasswd for " + name + " failed");
    const passwd* pw = ::getpwnam(name.c_str());
    if (!pw) throw std::runtime_error("glibc does not see the new user " + name);
    return {name, pw->pw_uid, pw->pw_gid};
  }

  // The whole of /etc/shadow as it is now.
  static std::string shadow() { return slurp("/etc/shadow"); }

  // A field of the user's /etc/shadow entry (1 password, 7 expire), or
  // "<no entry>".
  static std::string shadow_field(const std::string& user, std::size_t index) {
    std::istringstream lines(shadow());
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(user + ":", 0) != 0) continue;
      std::istringstream fields(line);
      std::string field;
      for (std::size_t i = 0; i <= index && std::getline(fields, field, ':');) ++i;
      return field;
    }
    return "<no entry>";
  }

 private:
  TempDir dir_;
  bool mounted_ = false;
};

}  // namespace responder::testing
