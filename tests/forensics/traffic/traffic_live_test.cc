// Live traffic between two network namespaces made by the test: an attacker
// namespace scans and SYN-floods a victim namespace over a veth pair, and
// traffic.analyze, traffic.capture and traffic.watch run live on the
// victim's interface. Addresses are from 198.51.100.0/24 and exist only
// inside the two namespaces; all traffic is bounded in count and time. The
// namespaces are removed by an RAII guard even when a check fails.
//
// Without root, iproute2 or network namespaces the test cannot run at all:
// it prints "SKIPPED: <reason>" and exits with 77, which ctest reports as
// skipped (SKIP_RETURN_CODE), rather than passing without having run.
#include <doctest/doctest.h>

#include "forensics/evidence/immutable_file.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "forensics/traffic/traffic_analysis.h"
#include "responder/module.h"

using namespace responder;
using namespace responder::evidence;
using namespace responder::traffic;

namespace {

int run(const std::vector<std::string>& argv) {
  std::vector<char*> args;  // before fork: the child must not allocate
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Two namespaces joined by a veth pair; removed on destruction.
struct Lab {
  std::string attacker, victim, victim_if;
  bool ready = false, removed = false;
  std::string why_not;
  Lab() {
    std::string id = std::to_string(getpid() % 100000);
    attacker = "rsp-atk-" + id;
    victim = "rsp-vic-" + id;
    victim_if = "rspv" + id;
    std::string attacker_if = "rspa" + id;
    if (geteuid() != 0) {
      why_not = "not root: creating network namespaces needs CAP_SYS_ADMIN";
      return;
    }
    if (run({"ip", "-V"}) != 0) {
      why_not = "the `ip` command (iproute2) is not installed";
      return;
    }
    if (run({"ip", "netns", "add", attacker}) != 0) {
      why_not = "`ip netns add` failed: network namespaces are not available here";
      return;
    }
    std::vector<std::vector<std::string>> steps = {
        {"ip", "netns", "add", victim},
        {"ip", "-n", attacker, "link", "add", attacker_if, "type", "veth", "peer", "name", victim_if, "netns", victim},
        {"ip", "-n", attacker, "addr", "add", "198.51.100.1/24", "dev", attacker_if},
        {"ip", "-n", victim, "addr", "add", "198.51.100.2/24", "dev", victim_if},
        {"ip", "-n", attacker, "link", "set", attacker_if, "up"},
        {"ip", "-n", victim, "link", "set", victim_if, "up"},
        {"ip", "-n", attacker, "link", "set", "lo", "up"},
        {"ip", "-n", victim, "link", "set", "lo", "up"},
    };
    for (auto& s : steps)
      if (run(s) != 0) {
        why_not = "lab setup step failed:";
        for (auto& word : s) why_not += " " + word;
        return;
      }
    ready = true;
  }
  // Deletes both namespaces (and with them the veth pair); idempotent.
  void remove() {
    if (removed) return;
    removed = true;
    run({"ip", "netns", "del", attacker});
    run({"ip", "netns", "del", victim});
  }
  ~Lab() { remove(); }
};

// Runs `work` on a thread that has joined namespace `name`; the caller's
// thread stays where it was.
template <class F>
auto in_namespace(const std::string& name, F work) {
  return std::async(std::launch::async, [name, work]() {
    int fd = open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) throw std::runtime_error("cannot enter namespace " + name);
    close(fd);
    return work();
  });
}

void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

// A bounded connect scan of ports 1..ports, then `syns` raw SYNs to port 80.
int attack(int ports, int syns) {
  sockaddr_in victim{};
  victim.sin_family = AF_INET;
  inet_pton(AF_INET, "198.51.100.2", &victim.sin_addr);
  for (int port = 1; port <= ports; ++port) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    victim.sin_port = htons(static_cast<std::uint16_t>(port));
    connect(s, reinterpret_cast<sockaddr*>(&victim), sizeof victim);
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    close(s);
  }
  int raw = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (raw < 0) return -1;
  std::uint8_t packet[40] = {};
  packet[0] = 0x45;
  put16(packet + 2, 40);
  packet[8] = 64;
  packet[9] = IPPROTO_TCP;
  inet_pton(AF_INET, "198.51.100.1", packet + 12);
  inet_pton(AF_INET, "198.51.100.2", packet + 16);
  put16(packet + 22, 80);
  packet[32] = 0x50;
  packet[33] = 0x02;
  put16(packet + 34, 1024);
  victim.sin_port = 0;
  int sent = 0;
  for (int i = 0; i < syns; ++i) {
    put16(packet + 20, static_cast<std::uint16_t>(10000 + i % 50000));
    packet[24] = static_cast<std::uint8_t>(i);
    if (sendto(raw, packet, sizeof packet, 0, reinterpret_cast<sockaddr*>(&victim), sizeof victim) > 0) ++sent;
  }
  close(raw);
  return sent;
}

}  // namespace

TEST_CASE("live: a scan and a SYN flood from an attacker namespace are analysed, captured and watched live") {
  Lab lab;
  if (!lab.ready) {
    // std::exit skips destructors: take down what was set up first.
    lab.remove();
    std::cerr << "SKIPPED: live namespace test: " << lab.why_not << std::endl;
    std::exit(77);
  }
  std::string interface = lab.victim_if;
  auto analysis = in_namespace(lab.victim, [interface]() { return analyze_interface(interface, std::chrono::seconds(4), ""); });
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  int sent = in_namespace(lab.attacker, []() { return attack(300, 20000); }).get();
  CHECK(sent == 20000);
  auto finding = analysis.get();
  REQUIRE_MESSAGE(finding.ok(), (finding.ok() ? "" : finding.error().message));
  INFO(to_json_text(finding->to_json()));
  CHECK(finding->kind == "targeted");
  bool scan = false, flood = false;
  for (auto& a : finding->attacks) {
    if (a.type == "tcp-port-scan") scan = a.ports.size() >= 250;
    if (a.type == "syn-flood") flood = a.ports == std::vector<std::uint16_t>{80};
  }
  CHECK(scan);
  CHECK(flood);
  REQUIRE(finding->sources.size() == 1);
  CHECK(finding->sources[0].to_string() == "198.51.100.1");
  CHECK(finding->targets[0].to_string() == "198.51.100.2");
  CHECK(finding->capture.contains("kernel_drops"));
  std::string signature = finding->signature;

  // traffic.watch: quiet without the attack; recurring with it.
  const Module* watch = ModuleRegistry::instance().find("traffic.watch");
  REQUIRE(watch != nullptr);
  json::object params{{"signature", signature}, {"interface", interface}, {"duration", "5s"}, {"quiet", "1s"}};
  auto quiet = in_namespace(lab.victim, [&]() { StepContext c; return watch->apply(params, c); }).get();
  REQUIRE_MESSAGE(quiet.ok(), (quiet.ok() ? "" : quiet.error().message));
  CHECK(quiet->output.at("recurred") == false);
  CHECK(quiet->output.at("stopped") == true);
  params["quiet"] = "3s";
  auto recurring = in_namespace(lab.victim, [&]() { StepContext c; return watch->apply(params, c); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  in_namespace(lab.attacker, []() { return attack(0, 2000); }).get();
  auto recurred = recurring.get();
  REQUIRE(recurred.ok());
  INFO(to_json_text(recurred->output));
  CHECK(recurred->output.at("recurred") == true);
  CHECK(recurred->output.at("matches").to_number<std::uint64_t>() >= 2000);
  CHECK(recurred->output.contains("first_match"));

  // A bad filter is reported with its text.
  json::object bad{{"signature", "tcp and nonsense-word"}, {"interface", interface}, {"duration", "1s"}, {"quiet", "1s"}};
  auto rejected = in_namespace(lab.victim, [&]() { StepContext c; return watch->apply(bad, c); }).get();
  REQUIRE_FALSE(rejected.ok());
  CHECK(rejected.error().message.find("tcp and nonsense-word") != std::string::npos);

  // traffic.capture into an incident's evidence store.
  const Module* capture = ModuleRegistry::instance().find("traffic.capture");
  REQUIRE(capture != nullptr);
  auto incident = std::filesystem::temp_directory_path() / ("responder-live-" + std::to_string(getpid()));
  std::filesystem::create_directories(incident);
  json::object cparams{{"interface", interface}, {"filter", "tcp"}, {"duration", "3s"}, {"max_packets", 500}, {"snaplen", 262144}};
  auto captured = in_namespace(lab.victim, [&]() {
    StepContext c;
    c.incident_id = "live-test";
    c.step_id = "capture";
    c.actor = "test";
    c.incident_dir = incident;
    return capture->apply(cparams, c);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  in_namespace(lab.attacker, []() { return attack(0, 1000); }).get();
  auto item = captured.get();
  REQUIRE_MESSAGE(item.ok(), (item.ok() ? "" : item.error().message));
  INFO(to_json_text(item->output));
  CHECK(item->output.at("packets").to_number<std::uint64_t>() == 500);
  CHECK(item->output.at("stop_reason") == "max_packets reached");
  CHECK(item->output.contains("kernel_drops"));
  CHECK(item->output.at("sha256").as_string().size() == 64);
  auto stored = analyze_captures({std::string(item->output.at("path").as_string())});
  REQUIRE(stored.ok());
  CHECK(stored->capture.at("packets").to_number<std::uint64_t>() == 500);
  std::error_code ec;
  // The store makes items immutable and the custody log append-only; lift
  // both so the temporary incident can go.
  remove_write_once_tree(incident);
  CHECK_FALSE(std::filesystem::exists(incident));
}
