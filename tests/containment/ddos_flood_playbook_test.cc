// The shipped ddos-flood playbook end to end, in a namespace of its own,
// against the corpus's real attack captures: each of the analyzer's
// recommendations gets the containment it names (the reflector's source
// port for amplification, a limit on the port as a whole for a spoofed SYN
// flood), and an interface that cannot be watched is a note, not an abort,
// that leaves the containment in force.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/containment/netns_step.h"
#include "tests/forensics/traffic/synthetic_capture.h"
#include "tests/support/process.h"

using namespace responder;
using namespace responder::lab;
using namespace responder::testing;

namespace {

struct DdosRun {
  NetnsLab lab;
  TempDir home;
  std::string playbook = std::string(RESPONDER_SOURCE_DIR) + "/playbooks/ddos-flood.yaml";

  std::vector<std::string> argv(const std::string& capture, const std::string& id) const {
    return {"ip", "netns", "exec", lab.victim, RESPONDER_BINARY, "--home", (home / "incidents").string(), "run", playbook,
            "--incident", id, "--var",
            "capture=" + (capture.starts_with("/") ? capture : std::string(RESPONDER_CORPUS_DIR) + "/pcaps/" + capture),
            // No such interface here: the watch is skipped with a note.
            "--var", "interface=nowatch0"};
  }
  // In the victim's namespace, as the run: never this machine's firewall.
  ProcessResult responder(const std::vector<std::string>& args) const {
    std::vector<std::string> a{"ip", "netns", "exec", lab.victim, RESPONDER_BINARY, "--home", (home / "incidents").string()};
    a.insert(a.end(), args.begin(), args.end());
    return run_process(a, {"RESPONDER_CONFIG="});
  }
};

}  // namespace

TEST_CASE("ddos-flood on an SNMP amplification capture drops udp from source port 161, and keeps it when the watch cannot run") {
  RESPONDER_REQUIRE_LAB();
  DdosRun d;
  Process run(d.argv("amp.UDP.snmp.src161.pcapng", "AMP-1"), {"RESPONDER_CONFIG="});
  // block-source-port needs one approval.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  ProcessResult approved;
  while (std::chrono::steady_clock::now() < until) {
    approved = d.responder({"approve", "AMP-1", "block-source-port", "--as", "alice"});
    if (approved.exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  INFO(approved.out, approved.err);
  REQUIRE(approved.exit_code == 0);
  auto done = run.wait(std::chrono::seconds(60));
  INFO(done.out, done.err);
  CHECK(done.exit_code == 0);
  CHECK(done.out.find("recommendation block-source-port") != std::string::npos);
  CHECK(done.out.find("block-sources: skipped") != std::string::npos);
  CHECK(done.out.find("limit-port-total: skipped") != std::string::npos);
  CHECK(done.out.find("not watched: nowatch0 does not exist") != std::string::npos);
  CHECK(done.out.find("lift-containment: skipped") != std::string::npos);
  auto set = d.lab.in_victim({"nft", "list", "set", "inet", "responder", "insrcport"});
  INFO(set.out);
  CHECK(set.out.find("udp . 161") != std::string::npos);
  // And undo lifts it.
  auto undone = d.responder({"undo", "AMP-1"});
  INFO(undone.out, undone.err);
  CHECK(undone.exit_code == 0);
  CHECK(d.lab.in_victim({"nft", "list", "set", "inet", "responder", "insrcport"}).out.find("161") == std::string::npos);
}

TEST_CASE("ddos-flood on a spoofed SYN flood capture limits the port as a whole, not per forged source") {
  RESPONDER_REQUIRE_LAB();
  DdosRun d;
  auto done = run_process(d.argv("pkt.TCP.synflood.spoofed.pcap", "SYN-1"), {"RESPONDER_CONFIG="});
  INFO(done.out, done.err);
  CHECK(done.exit_code == 0);
  CHECK(done.out.find("recommendation limit-port") != std::string::npos);
  CHECK(done.out.find("limit-port-total: applied") != std::string::npos);
  CHECK(done.out.find("limit-port: skipped") != std::string::npos);
  CHECK(done.out.find("block-source-port: skipped") != std::string::npos);
  auto ruleset = d.lab.in_victim({"nft", "list", "table", "inet", "responder"});
  INFO(ruleset.out);
  CHECK(ruleset.out.find("dport 25565") != std::string::npos);
  CHECK(ruleset.out.find("limit rate") != std::string::npos);
  CHECK(done.out.find("to 500/second (burst 5) in total") != std::string::npos);
}

TEST_CASE("ddos-flood on a spoofed ICMP flood, which no port limit can hold, changes nothing and notes the call to the provider") {
  RESPONDER_REQUIRE_LAB();
  DdosRun d;
  std::mt19937 rng(7);
  traffic::lab::CaptureFile flood("ddos-icmp-spoofed");
  for (int i = 0; i < 3000; ++i) flood.add({traffic::lab::random_ipv4(rng), "192.0.2.85", 1, 0, 0, 0, 56, nullptr, 8}, 100);
  auto done = run_process(d.argv(flood.path().string(), "ICMP-1"), {"RESPONDER_CONFIG="});
  INFO(done.out, done.err);
  CHECK(done.exit_code == 0);
  CHECK(done.out.find("recommendation upstream") != std::string::npos);
  for (const char* step : {"block-sources", "block-source-port", "limit-port-total", "limit-port"})
    CHECK(done.out.find(std::string(step) + ": skipped") != std::string::npos);
  CHECK(done.out.find("ask-upstream: applied") != std::string::npos);
  CHECK(done.out.find("ask the network provider to filter it upstream") != std::string::npos);
  CHECK(d.lab.in_victim({"nft", "list", "table", "inet", "responder"}).status != 0);
}
