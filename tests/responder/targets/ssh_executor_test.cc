// The ssh executor against real sshds in lab namespaces (sshd_lab.h): the
// answer and the far side's identity come back, progress lines arrive, host
// key refusals and unreachable hosts are told apart from failures, the
// deadline holds, one ControlMaster serves a host for the run, and the
// controller's own address is protected on the far side.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <mutex>

#include "responder/module.h"
#include "responder/targets/executor.h"
#include "responder/targets/ssh_executor.h"
#include "responder/targets/step_service.h"
#include "tests/responder/targets/sshd_lab.h"
#include "tests/support/skip.h"

namespace responder::targets {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class CollectedProgress final : public ProgressSink {
 public:
  void progress(std::uint64_t done, std::uint64_t total, const std::string& unit, const std::string&) override {
    std::lock_guard lock(mutex_);
    lines.push_back(std::to_string(done) + "/" + std::to_string(total) + " " + unit);
  }
  std::vector<std::string> lines;

 private:
  std::mutex mutex_;
};

StepRequest request(Operation op, const std::string& module, json::object params) {
  StepRequest r;
  r.operation = op;
  r.module = module;
  r.params = std::move(params);
  r.incident_id = "test-incident";
  r.step_id = "s1";
  r.actor = "test";
  return r;
}

// One request through `executor` from the lab's controller namespace.
Execution send(lab::SshdLab& lab, Executor& executor, const StepRequest& r, ProgressSink* progress = nullptr,
               std::chrono::milliseconds within = 30s) {
  lab::ScopedNetns in(lab.controller);
  return executor.execute(r, progress, Clock::now() + within);
}

std::vector<std::filesystem::path> sockets_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> found;
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.is_socket() && entry.path().filename().string().starts_with("ssh-")) found.push_back(entry.path());
  return found;
}

struct LabRun {
  lab::SshdLab lab;
  explicit LabRun(int hosts) : lab(hosts) { std::filesystem::create_directory(lab.run_dir()); }
};

#define REQUIRE_SSHD_LAB() RESPONDER_SKIP_WHEN(lab::sshd_lab_unavailable())

TEST_CASE("ssh executor: plan and apply of note.add answer with the far side's identity") {
  REQUIRE_SSHD_LAB();
  LabRun run(1);
  auto executor = make_ssh_executor(run.lab.target(0), run.lab.options());
  CHECK(executor->transport() == "ssh");
  CHECK(executor->describe() == "ssh root@198.51.100.11");

  auto planned = send(run.lab, *executor, request(Operation::plan, "note.add", {{"text", "seen on lab1"}}));
  INFO(planned.unreachable_why, " / ", run.lab.log(0));
  REQUIRE(planned.reached);
  INFO(planned.answer.error.message);
  REQUIRE(planned.answer.ok);
  REQUIRE(planned.answer.plan);
  CHECK(planned.answer.version == responder_version());
  auto local = this_host_identity();
  CHECK(planned.answer.identity.hostname == local.hostname);
  CHECK(planned.answer.identity.machine_id == local.machine_id);

  auto applied = send(run.lab, *executor, request(Operation::apply, "note.add", {{"text", "seen on lab1"}}));
  REQUIRE(applied.reached);
  REQUIRE(applied.answer.ok);
  REQUIRE(applied.answer.receipt);
  CHECK(applied.answer.identity.hostname == local.hostname);
  executor->close();
}

TEST_CASE("ssh executor: progress lines of a far-side wait reach the sink before the answer") {
  REQUIRE_SSHD_LAB();
  LabRun run(1);
  auto executor = make_ssh_executor(run.lab.target(0), run.lab.options());
  CollectedProgress progress;
  auto e = send(run.lab, *executor, request(Operation::apply, "wait", {{"for", "2s"}}), &progress);
  INFO(e.unreachable_why);
  REQUIRE(e.reached);
  INFO(e.answer.error.message);
  CHECK(e.answer.ok);
  CHECK(progress.lines.size() >= 3);
  if (!progress.lines.empty()) CHECK(progress.lines.front().ends_with(" s"));
  executor->close();
}

TEST_CASE("ssh executor: a host whose key changed is refused and runs nothing") {
  REQUIRE_SSHD_LAB();
  LabRun run(2);
  run.lab.change_recorded_key(1);
  auto executor = make_ssh_executor(run.lab.target(1), run.lab.options());
  auto e = send(run.lab, *executor, request(Operation::apply, "note.add", {{"text", "must not run"}}));
  CHECK_FALSE(e.reached);
  INFO(e.unreachable_why);
  CHECK(e.unreachable_why.find("host key") != std::string::npos);
  CHECK(e.unreachable_why.find("CHANGED") != std::string::npos);
  CHECK(e.unreachable_why.find("Host key verification failed") != std::string::npos);
  CHECK(run.lab.logins(1) == 0);  // no login: the request never reached the far side
  // The other host, whose key is unchanged, is still reached.
  auto other = make_ssh_executor(run.lab.target(0), run.lab.options());
  CHECK(send(run.lab, *other, request(Operation::plan, "note.add", {{"text", "x"}})).reached);
  other->close();
}

TEST_CASE("ssh executor: an address nobody listens on is unreachable at once") {
  REQUIRE_SSHD_LAB();
  LabRun run(1);
  auto target = run.lab.target(0);
  target.port = 2222;
  auto executor = make_ssh_executor(target, run.lab.options());
  CHECK(executor->describe() == "ssh root@198.51.100.11:2222");
  auto began = Clock::now();
  auto e = send(run.lab, *executor, request(Operation::plan, "note.add", {{"text", "x"}}));
  CHECK(Clock::now() - began < 5s);
  CHECK_FALSE(e.reached);
  INFO(e.unreachable_why);
  CHECK(e.unreachable_why.find("Connection refused") != std::string::npos);
}

TEST_CASE("ssh executor: a step that outlives the deadline is stopped, and its outcome is unknown rather than nothing ran") {
  REQUIRE_SSHD_LAB();
  LabRun run(1);
  auto executor = make_ssh_executor(run.lab.target(0), run.lab.options());
  auto began = Clock::now();
  auto e = send(run.lab, *executor, request(Operation::apply, "wait", {{"for", "30s"}}), nullptr, 3s);
  auto took = Clock::now() - began;
  // The far side had the request and may have acted: not "unreachable"
  // (which would let a resume apply it again without asking), but an
  // interruption whose outcome resume must verify.
  CHECK(e.reached);
  CHECK_FALSE(e.answer.ok);
  CHECK(e.answer.error.kind == ErrorKind::interrupted);
  INFO(e.answer.error.message);
  CHECK(e.answer.error.message.find("was stopped after 3.0 s") != std::string::npos);
  CHECK(e.answer.error.message.find("unknown until verified") != std::string::npos);
  CHECK(took >= 3s);
  CHECK(took < 3s + 4s);  // the deadline plus ssh's SIGTERM grace, with room for a loaded machine
  executor->close();
}

TEST_CASE("ssh executor: a far side of another version refuses and says what to install") {
  REQUIRE_SSHD_LAB();
  LabRun run(1);
  auto executor = make_ssh_executor(run.lab.target(0), run.lab.options());
  auto r = request(Operation::apply, "note.add", {{"text", "x"}});
  r.version = "0.0.1-other";
  auto e = send(run.lab, *executor, r);
  REQUIRE(e.reached);
  CHECK_FALSE(e.answer.ok);
  CHECK(e.answer.version_mismatch);
  CHECK(e.answer.version == responder_version());
  INFO(e.answer.error.message);
  CHECK(e.answer.error.message.find("install") != std::string::npos);
  executor->close();
}

TEST_CASE("ssh executor: a host without responder is unreachable and the message says what to install") {
  REQUIRE_SSHD_LAB();
  LabRun run(1);
  auto target = run.lab.target(0);
  target.remote_program = "/nonexistent/responder";
  auto executor = make_ssh_executor(target, run.lab.options());
  auto e = send(run.lab, *executor, request(Operation::plan, "note.add", {{"text", "x"}}));
  CHECK_FALSE(e.reached);
  INFO(e.unreachable_why);
  CHECK(e.unreachable_why.find("install responder " + std::string(responder_version())) != std::string::npos);
  executor->close();
}

TEST_CASE("ssh executor: one ControlMaster per host serves every request until close") {
  REQUIRE_SSHD_LAB();
  LabRun run(1);
  auto executor = make_ssh_executor(run.lab.target(0), run.lab.options());
  REQUIRE(send(run.lab, *executor, request(Operation::plan, "note.add", {{"text", "one"}})).reached);
  auto sockets = sockets_in(run.lab.run_dir());
  REQUIRE(sockets.size() == 1);
  REQUIRE(send(run.lab, *executor, request(Operation::plan, "note.add", {{"text", "two"}})).reached);
  CHECK(sockets_in(run.lab.run_dir()) == sockets);
  CHECK(run.lab.logins(0) == 1);  // the second request rode the first one's connection
  {
    lab::ScopedNetns in(run.lab.controller);
    executor->close();
  }
  CHECK(sockets_in(run.lab.run_dir()).empty());
}

TEST_CASE("ssh executor: options that switch host key checking off are refused before ssh runs") {
  SshTarget target;
  target.name = "web01";
  target.address = "192.0.2.10";
  CHECK(check_ssh_target(target));
  for (std::vector<std::string> args : {std::vector<std::string>{"-o", "StrictHostKeyChecking=no"},
                                        {"-oStrictHostKeyChecking=off"},
                                        {"-o", "stricthostkeychecking no"},
                                        {"-o", "UserKnownHostsFile=/dev/null"}}) {
    target.common_args = args;
    auto status = check_ssh_target(target);
    CAPTURE(args.back());
    REQUIRE_FALSE(status);
    CHECK(status.error().kind == ErrorKind::refused);
    CHECK(status.error().message.find("web01") != std::string::npos);
    CHECK(status.error().message.find("host key checking off") != std::string::npos);
    auto executor = make_ssh_executor(target, {});
    auto e = executor->execute(request(Operation::plan, "note.add", {{"text", "x"}}), nullptr, Clock::now() + 5s);
    CHECK_FALSE(e.reached);
    CHECK(e.unreachable_why == status.error().message);
  }
  target.common_args = {"-o", "ServerAliveInterval=5", "-J", "bastion", "-oConnectTimeout=3"};
  CHECK(check_ssh_target(target));
  // Anything else an inventory could slip in: another destination and
  // command (a bare word), another config file, bundled flags, a key check
  // spelled another way.
  for (std::vector<std::string> args : {std::vector<std::string>{"otherhost", "touch", "/x"},
                                        {"-F", "/tmp/cfg"},
                                        {"-4oStrictHostKeyChecking=no"},
                                        {"-o", "StrictHostKeyChecking=false"},
                                        {"-o", "StrictHostKeyChecking=accept-new"},
                                        {"-o", "UserKnownHostsFile=/dev//null"},
                                        {"-o", "KnownHostsCommand=/bin/true"},
                                        {"-o", "ProxyCommand=nc %h %p"},
                                        {"-o", "ForwardAgent=yes"},
                                        {"-o", "IdentityAgent=/tmp/agent"},
                                        {"-J", "bastion;touch /x"},
                                        {"-o", "ProxyJump=$(id)"}}) {
    target.common_args = args;
    CAPTURE(args.front());
    CHECK_FALSE(check_ssh_target(target));
  }
  target.common_args.clear();
  CHECK_FALSE(check_ssh_target(target, {"-o", "StrictHostKeyChecking=no"}));
}

TEST_CASE("ssh executor: addresses, users and remote programs that ssh or a shell would misread are bad input") {
  SshTarget target;
  target.address = "-oProxyCommand=touch /tmp/x";
  CHECK(check_ssh_target(target).error().kind == ErrorKind::bad_input);
  for (std::string address : {"", "host name", "a@b", "host\n", "-host"}) {
    target.address = address;
    CAPTURE(address);
    CHECK_FALSE(check_ssh_target(target));
  }
  target.address = "2001:db8::1";
  CHECK(check_ssh_target(target));
  target.user = "-lroot";
  CHECK_FALSE(check_ssh_target(target));
  target.user = "ops";
  for (std::string program : {"responder; rm -rf /", "$(id)", "-x", "resp onder", ""}) {
    target.remote_program = program;
    CAPTURE(program);
    CHECK_FALSE(check_ssh_target(target));
  }
  target.remote_program = "/opt/responder-0.1/bin/responder";
  CHECK(check_ssh_target(target));
  target.port = 70000;
  CHECK_FALSE(check_ssh_target(target));
}

TEST_CASE("ssh executor: firewall.block through ssh acts in the far side's own ruleset and undoes exactly") {
  REQUIRE_SSHD_LAB();
  RESPONDER_SKIP_WHEN(std::string(ModuleRegistry::instance().find("firewall.block") ? "" : "built without containment"));
  LabRun run(1);
  auto table = [&] { return lab::run({"ip", "netns", "exec", run.lab.hosts[0].ns, "nft", "list", "table", "inet", "responder"}); };
  auto executor = make_ssh_executor(run.lab.target(0), run.lab.options());
  json::object params{{"addresses", json::array{"192.0.2.99"}}};
  auto plan = send(run.lab, *executor, request(Operation::plan, "firewall.block", params));
  REQUIRE(plan.reached);
  INFO(plan.answer.error.message);
  REQUIRE(plan.answer.ok);
  auto r = request(Operation::apply, "firewall.block", params);
  r.planned = plan.answer.plan->detail;
  auto applied = send(run.lab, *executor, r);
  REQUIRE(applied.reached);
  INFO(applied.answer.error.message);
  REQUIRE(applied.answer.ok);
  CHECK(table().out.find("192.0.2.99") != std::string::npos);
  auto undo = request(Operation::undo, "firewall.block", params);
  undo.receipt = applied.answer.receipt;
  auto undone = send(run.lab, *executor, undo);
  REQUIRE(undone.reached);
  INFO(undone.answer.error.message);
  CHECK(undone.answer.ok);
  CHECK(table().out.find("192.0.2.99") == std::string::npos);
  executor->close();
}

TEST_CASE("ssh executor: a far-side firewall.block or firewall.isolate never cuts the controller off") {
  REQUIRE_SSHD_LAB();
  RESPONDER_SKIP_WHEN(std::string(ModuleRegistry::instance().find("firewall.block") ? "" : "built without containment"));
  LabRun run(1);
  auto executor = make_ssh_executor(run.lab.target(0), run.lab.options());
  for (auto op : {Operation::plan, Operation::apply}) {
    // The controller's lab address is what the far side's SSH_CONNECTION names.
    auto e = send(run.lab, *executor, request(op, "firewall.block", {{"addresses", json::array{"198.51.100.0/24"}}}));
    REQUIRE(e.reached);
    CHECK_FALSE(e.answer.ok);
    CHECK(e.answer.error.kind == ErrorKind::refused);
    INFO(e.answer.error.message);
    CHECK(e.answer.error.message.find(lab::SshdLab::kController) != std::string::npos);
  }
  {
    auto e = send(run.lab, *executor, request(Operation::apply, "firewall.isolate", {}));
    REQUIRE(e.reached);
    INFO(e.answer.error.message);
    // Isolation on the far side keeps the controller's session open, or is refused; never cuts it off.
    if (e.answer.ok) {
      CHECK(send(run.lab, *executor, request(Operation::plan, "note.add", {{"text", "still here"}})).reached);
      CHECK(lab::tcp_connects(run.lab.controller, run.lab.hosts[0].address, 22));  // a new connection, too
      auto undo = request(Operation::undo, "firewall.isolate", {});
      undo.receipt = e.answer.receipt;
      CHECK(send(run.lab, *executor, undo).answer.ok);
    } else {
      CHECK(e.answer.error.kind == ErrorKind::refused);
    }
  }
  auto table = lab::run({"ip", "netns", "exec", run.lab.hosts[0].ns, "nft", "list", "table", "inet", "responder"});
  CHECK(table.out.find("198.51.100.0") == std::string::npos);
  executor->close();
}

}  // namespace
}  // namespace responder::targets
