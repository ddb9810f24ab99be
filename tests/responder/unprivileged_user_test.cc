// An approver or a reader who is not root: clear refusals instead of an
// uncaught exception (exit 134), an incident home shared with a group of
// approvers, and a run that checks what its playbook needs before anything
// happens. The unprivileged side runs as `nobody` through setpriv(1).
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <thread>

#include "tests/responder/engine_lab.h"
#include "tests/support/skip.h"

using namespace responder;
using namespace responder::testing;

namespace {

constexpr int kApproverGroup = 47111;  // a group only these tests use

std::string why_not_runnable() {
  if (::geteuid() != 0) return "switching to another user needs root";
  if (::access("/usr/bin/setpriv", X_OK) != 0) return "setpriv (util-linux) is not installed";
  return "";
}

// Runs the test binary as nobody, optionally with the approvers' group.
ProcessResult as_nobody(const EngineLab& lab, std::vector<std::string> args, bool in_group = false) {
  std::vector<std::string> argv{"/usr/bin/setpriv", "--reuid=65534", "--regid=65534"};
  argv.push_back(in_group ? "--groups=" + std::to_string(kApproverGroup) : "--clear-groups");
  argv.insert(argv.end(), {"--", RESPONDER_TEST_BINARY, "--home", (lab.dir / "incidents").string()});
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, {"RESPONDER_CONFIG=", "SUDO_USER="});
}

void no_abort(const ProcessResult& r) {
  CHECK(r.exit_code != 134);
  CHECK(r.err.find("terminate called") == std::string::npos);
}

}  // namespace

TEST_CASE("a user who may not read the incident gets exit 3 and a reason, never an abort") {
  RESPONDER_SKIP_WHEN(why_not_runnable());
  EngineLab lab;
  ::chmod(lab.dir.path().c_str(), 0755);
  auto pb = lab.playbook("name: p\nstages:\n  evaluate:\n" + mark_step(lab, "gated", "      approval: 1\n"));
  auto runner = lab.start({"run", pb.string(), "--incident", "P1"});
  wait_until_waiting(lab, "P1");
  for (auto args : std::vector<std::vector<std::string>>{{"status", "P1"},
                                                          {"approve", "P1", "gated", "--as", "mallory"},
                                                          {"journal", "P1", "--verify"},
                                                          {"journal", "P1"},
                                                          {"undo", "P1"}}) {
    auto r = as_nobody(lab, args);
    INFO(args[0] << ": " << r.err);
    no_abort(r);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("Permission denied") != std::string::npos);
  }
  CHECK(lab.records("P1", "approval").empty());
  runner->signal(SIGTERM);
  CHECK(runner->wait().exit_code == 4);
}

TEST_CASE("an incident home shared with a group: its members read status, and only root writes the journal") {
  RESPONDER_SKIP_WHEN(why_not_runnable());
  EngineLab lab;
  ::chmod(lab.dir.path().c_str(), 0755);
  auto home = lab.dir / "incidents";
  std::filesystem::create_directory(home);
  REQUIRE(::chown(home.c_str(), 0, kApproverGroup) == 0);
  REQUIRE(::chmod(home.c_str(), 02770) == 0);
  auto pb = lab.playbook("name: g\nstages:\n  isolate-and-contain:\n" + mark_step(lab, "gated", "      approval: 1\n"));
  auto old_umask = ::umask(077);  // a strict umask must not hide the incident from the group
  auto runner = lab.start({"run", pb.string(), "--incident", "G1"});
  ::umask(old_umask);
  wait_until_waiting(lab, "G1");

  struct stat journal_stat{}, dir_stat{};
  REQUIRE(::stat(lab.journal("G1").c_str(), &journal_stat) == 0);
  REQUIRE(::stat((home / "G1").c_str(), &dir_stat) == 0);
  // Group members read; only root writes: a chain of plain hashes is
  // recomputed by anyone who may write the file.
  CHECK((journal_stat.st_mode & 07777) == 0640);
  CHECK((dir_stat.st_mode & 07777) == 02750);
  CHECK(journal_stat.st_gid == static_cast<gid_t>(kApproverGroup));

  auto outsider = as_nobody(lab, {"status", "G1"});
  CHECK(outsider.exit_code == 3);
  auto status = as_nobody(lab, {"status", "G1"}, true);
  INFO(status.out << status.err);
  CHECK(status.exit_code == 0);
  CHECK(status.out.find("waiting for approval") != std::string::npos);
  CHECK(status.out.find("no runner is alive") == std::string::npos);
  CHECK(status.out.find("cannot tell") == std::string::npos);
  CHECK(as_nobody(lab, {"journal", "G1", "--verify"}, true).exit_code == 0);

  auto approve = as_nobody(lab, {"approve", "G1", "gated", "--as", "alice"}, true);
  INFO(approve.out << approve.err);
  CHECK(approve.exit_code == 3);
  CHECK(approve.err.find("sudo") != std::string::npos);
  CHECK(lab.records("G1", "approval").empty());
  auto by_root = lab.responder({"approve", "G1", "gated", "--as", "alice"}, {"SUDO_USER=nobody"});
  CHECK(by_root.exit_code == 0);
  CHECK(runner->wait().exit_code == 0);
  auto approvals = lab.records("G1", "approval");
  REQUIRE(approvals.size() == 1);
  CHECK(approvals[0].text("os_user") == "nobody");
}

TEST_CASE("run refuses up front, with the list, what this process cannot do") {
  RESPONDER_SKIP_WHEN(why_not_runnable());
  EngineLab lab;
  ::chmod(lab.dir.path().c_str(), 0755);
  auto home = lab.dir / "incidents";
  std::filesystem::create_directory(home);
  ::chmod(home.c_str(), 0777);
  auto pb = lab.playbook(R"(name: needs
stages:
  evaluate:
    - id: read-capture
      module: traffic.analyze
      with: {pcap: [/nonexistent.pcap]}
  isolate-and-contain:
    - id: gate
      module: note.add
      with: {text: waiting}
      approval: 1
    - id: block
      module: firewall.block
      with: {addresses: [203.0.113.7]}
    - id: lock
      module: account.lock
      with: {users: [mallory]}
)");
  auto run = as_nobody(lab, {"run", pb.string(), "--incident", "N1"});
  INFO(run.out << run.err);
  no_abort(run);
  CHECK(run.exit_code == 3);
  CHECK(run.err.find("block (firewall.block): needs CAP_NET_ADMIN") != std::string::npos);
  CHECK(run.err.find("lock (account.lock): needs root") != std::string::npos);
  CHECK(run.err.find("read-capture") == std::string::npos);  // a file needs no privilege
  CHECK_FALSE(std::filesystem::exists(home / "N1"));

  auto plan = as_nobody(lab, {"plan", pb.string()});
  CHECK(plan.out.find("`run` would refuse here") != std::string::npos);
  CHECK(plan.out.find("block (firewall.block): needs CAP_NET_ADMIN") != std::string::npos);
}
