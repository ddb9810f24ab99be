// The namespace executor: `responder step` in a child that joined a lab
// host's namespaces. firewall.block acts in that host's ruleset and nowhere
// else; a PID host is entered with its uts and mount namespaces too; the
// deadline holds; hosts that cannot be entered are unreachable.
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "responder/module.h"
#include "responder/targets/executor.h"
#include "responder/targets/step_service.h"
#include "tests/containment/netns_lab.h"
#include "tests/support/process.h"
#include "tests/support/skip.h"

namespace responder::targets {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

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

ExecutorOptions options() {
  ExecutorOptions o;
  o.responder_program = RESPONDER_BINARY;  // this test binary has no `step` command
  return o;
}

// A network namespace made for one test and deleted after it.
class TestNetns {
 public:
  TestNetns() {
    static int counter = 0;
    name = "rsx" + std::to_string(getpid()) + "n" + std::to_string(counter++);
    auto r = lab::run({"ip", "netns", "add", name});
    if (r.status != 0) throw std::runtime_error("ip netns add: " + r.out);
    lab::run({"ip", "-n", name, "link", "set", "lo", "up"});
  }
  ~TestNetns() { lab::run({"ip", "netns", "del", name}); }
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;
  std::string name;
};

TEST_CASE("namespace executor: firewall.block plan, apply and undo act in the lab host's ruleset only") {
  RESPONDER_SKIP_WHEN(lab::lab_unavailable());
  RESPONDER_SKIP_WHEN(std::string(ModuleRegistry::instance().find("firewall.block") ? "" : "built without containment"));
  TestNetns ns;
  auto in_lab = [&] { return lab::run({"ip", "netns", "exec", ns.name, "nft", "list", "table", "inet", "responder"}); };
  auto on_host = [] { return lab::run({"nft", "list", "table", "inet", "responder"}); };
  auto host_before = on_host();

  auto executor = make_namespace_executor({.name = "lab1", .netns = ns.name}, options());
  CHECK(executor->transport() == "namespace");
  CHECK(executor->describe().find(ns.name) != std::string::npos);
  json::object params{{"addresses", json::array{"192.0.2.99"}}};
  auto plan = executor->execute(request(Operation::plan, "firewall.block", params), nullptr, Clock::now() + 30s);
  INFO(plan.unreachable_why);
  REQUIRE(plan.reached);
  INFO(plan.answer.error.message);
  REQUIRE(plan.answer.ok);
  REQUIRE(plan.answer.plan);
  CHECK(in_lab().status != 0);  // planning changed nothing

  auto apply = request(Operation::apply, "firewall.block", params);
  apply.planned = plan.answer.plan->detail;
  auto applied = executor->execute(apply, nullptr, Clock::now() + 30s);
  REQUIRE(applied.reached);
  INFO(applied.answer.error.message);
  REQUIRE(applied.answer.ok);
  REQUIRE(applied.answer.receipt);
  auto table = in_lab();
  CHECK(table.status == 0);
  CHECK(table.out.find("192.0.2.99") != std::string::npos);
  auto host_during = on_host();
  CHECK(host_during.status == host_before.status);
  CHECK(host_during.out == host_before.out);

  auto verify = request(Operation::verify, "firewall.block", params);
  verify.receipt = applied.answer.receipt;
  verify.planned = plan.answer.plan->detail;
  auto verified = executor->execute(verify, nullptr, Clock::now() + 30s);
  REQUIRE(verified.reached);
  REQUIRE(verified.answer.verification);
  CHECK(verified.answer.verification->in_effect);

  auto undo = request(Operation::undo, "firewall.block", params);
  undo.receipt = applied.answer.receipt;
  auto undone = executor->execute(undo, nullptr, Clock::now() + 30s);
  REQUIRE(undone.reached);
  INFO(undone.answer.error.message);
  CHECK(undone.answer.ok);
  CHECK(in_lab().out.find("192.0.2.99") == std::string::npos);
  auto host_after = on_host();
  CHECK(host_after.status == host_before.status);
  CHECK(host_after.out == host_before.out);
}

TEST_CASE("namespace executor: a PID host is entered with its net, mount and uts namespaces") {
  RESPONDER_SKIP_WHEN(lab::lab_unavailable());
  RESPONDER_SKIP_WHEN(std::string(lab::run({"unshare", "--version"}).status == 0 ? "" : "unshare is missing (util-linux)"));
  testing::TempDir dir;
  auto machine_id = dir.write("machine-id", "0123456789abcdef0123456789abcdef\n");
  // The lab host: its own hostname, network and mounts (another
  // /etc/machine-id, bind-mounted where only its mount namespace sees it).
  testing::Process host({"unshare", "--net", "--mount", "--uts", "--", "sh", "-c",
                         "hostname rsp-lab-host && mount --bind " + machine_id.string() +
                             " /etc/machine-id && exec sleep 60"});
  auto until = Clock::now() + 10s;
  std::string comm;
  while (Clock::now() < until) {
    std::ifstream in("/proc/" + std::to_string(host.pid()) + "/comm");
    std::getline(in, comm);
    if (comm == "sleep") break;
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(comm == "sleep");

  auto executor = make_namespace_executor({.name = "pidhost", .netns = "", .pid = host.pid()}, options());
  auto e = executor->execute(request(Operation::plan, "note.add", {{"text", "x"}}), nullptr, Clock::now() + 30s);
  INFO(e.unreachable_why);
  REQUIRE(e.reached);
  INFO(e.answer.error.message);
  CHECK(e.answer.ok);
  CHECK(e.answer.identity.hostname == "rsp-lab-host");
  CHECK(this_host_identity().hostname != "rsp-lab-host");
  CHECK(e.answer.identity.machine_id == "0123456789abcdef0123456789abcdef");
  CHECK(this_host_identity().machine_id != "0123456789abcdef0123456789abcdef");
}

TEST_CASE("namespace executor: a step that outlives the deadline is stopped, and its outcome is unknown rather than nothing ran") {
  RESPONDER_SKIP_WHEN(lab::lab_unavailable());
  TestNetns ns;
  auto executor = make_namespace_executor({.name = "lab1", .netns = ns.name}, options());
  auto began = Clock::now();
  auto e = executor->execute(request(Operation::apply, "wait", {{"for", "30s"}}), nullptr, Clock::now() + 1500ms);
  auto took = Clock::now() - began;
  // The far side had the request and may have acted: not "unreachable"
  // (which would let a resume apply it again without asking), but an
  // interruption whose outcome resume must verify.
  CHECK(e.reached);
  CHECK_FALSE(e.answer.ok);
  CHECK(e.answer.error.kind == ErrorKind::interrupted);
  INFO(e.answer.error.message);
  CHECK(e.answer.error.message.find("was stopped after 1.5 s") != std::string::npos);
  CHECK(e.answer.error.message.find("unknown until verified") != std::string::npos);
  CHECK(took < 1500ms + 3s);
}

TEST_CASE("namespace executor: a namespace that does not exist or a name with a slash is unreachable") {
  auto missing = make_namespace_executor({.name = "gone", .netns = "rsp-no-such-netns"}, options());
  auto e = missing->execute(request(Operation::plan, "note.add", {{"text", "x"}}), nullptr, Clock::now() + 5s);
  CHECK_FALSE(e.reached);
  CHECK(e.unreachable_why.find("/run/netns/rsp-no-such-netns") != std::string::npos);
  auto sneaky = make_namespace_executor({.name = "sneaky", .netns = "../../proc/1/ns/net"}, options());
  e = sneaky->execute(request(Operation::plan, "note.add", {{"text", "x"}}), nullptr, Clock::now() + 5s);
  CHECK_FALSE(e.reached);
  CHECK(e.unreachable_why.find("plain /run/netns name") != std::string::npos);
}

TEST_CASE("namespace executor: a host whose namespace is this machine's own is refused, nothing run") {
  // A lab process that died and whose PID went to a process of this machine.
  auto own = make_namespace_executor({.name = "stale", .netns = "", .pid = static_cast<int>(::getpid())}, options());
  auto e = own->execute(request(Operation::apply, "note.add", {{"text", "x"}}), nullptr, Clock::now() + 5s);
  CHECK_FALSE(e.reached);
  CHECK(e.unreachable_why.find("this machine's own") != std::string::npos);
}

}  // namespace
}  // namespace responder::targets
