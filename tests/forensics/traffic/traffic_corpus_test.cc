// traffic.analyze on the real captures in ../shared/corpus/pcaps/, held to
// what the corpus README says each one holds.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "forensics/traffic/traffic_analysis.h"
#include "forensics/traffic/traffic_signature.h"
#include "responder/module.h"

using namespace responder;
using namespace responder::traffic;

namespace {

std::filesystem::path corpus(const char* name) { return std::filesystem::path(RESPONDER_CORPUS_DIR) / "pcaps" / name; }

Finding analyze(const char* name) {
  auto path = corpus(name);
  REQUIRE_MESSAGE(std::filesystem::exists(path), "corpus capture missing: " << path);
  auto f = analyze_captures({path});
  REQUIRE_MESSAGE(f.ok(), (f.ok() ? "" : f.error().message));
  return *f;
}

std::vector<std::string> names(const std::vector<PacketAddress>& list) {
  std::vector<std::string> out;
  for (auto& a : list) out.push_back(a.to_string());
  return out;
}

}  // namespace

TEST_CASE("corpus: masscan -p0-1000 is a targeted TCP port scan by 172.31.15.102") {
  Finding f = analyze("tcp_0_1000_20190821.pcap");
  INFO(to_json_text(f.to_json()));
  CHECK(f.kind == "targeted");
  REQUIRE(!f.attacks.empty());
  CHECK(f.attacks[0].type == "tcp-port-scan");
  CHECK(f.attacks[0].ports.size() >= 950);
  CHECK(f.attacks[0].ports.size() <= 1001);
  CHECK(names(f.sources) == std::vector<std::string>{"172.31.15.102"});
  CHECK(f.recommendation == "block-sources");
  CHECK(f.signature.find("172.31.15.102") != std::string::npos);
  CHECK(check_filter(f.signature).ok());
}

TEST_CASE("corpus: nmap -p 80 -A is targeted reconnaissance by 10.87.1.10 against one host") {
  Finding f = analyze("nmap_80_all.pcap");
  INFO(to_json_text(f.to_json()));
  CHECK(f.kind == "targeted");
  REQUIRE(!f.attacks.empty());
  CHECK(f.attacks[0].type == "tcp-port-scan");
  CHECK(names(f.sources) == std::vector<std::string>{"10.87.1.10"});
  CHECK(names(f.targets) == std::vector<std::string>{"130.211.223.103"});
  CHECK(f.recommendation == "block-sources");
  CHECK(check_filter(f.signature).ok());
}

TEST_CASE("corpus: spoofed SYN flood is distributed, no sources to block, limit port 25565") {
  Finding f = analyze("pkt.TCP.synflood.spoofed.pcap");
  INFO(to_json_text(f.to_json()));
  CHECK(f.kind == "distributed");
  REQUIRE(f.attacks.size() == 1);
  CHECK(f.attacks[0].type == "syn-flood");
  CHECK(f.attacks[0].spoofed);
  CHECK(f.sources.empty());
  CHECK(f.ports == std::vector<std::uint16_t>{25565});
  CHECK(f.recommendation == "limit-port");
  CHECK(names(f.targets) == std::vector<std::string>{"10.10.10.10"});
  CHECK(f.signature.find("25565") != std::string::npos);
  CHECK(check_filter(f.signature).ok());
}

TEST_CASE("corpus: SNMP reflection is UDP amplification from source port 161") {
  Finding f = analyze("amp.UDP.snmp.src161.pcapng");
  INFO(to_json_text(f.to_json()));
  CHECK(f.kind == "distributed");
  REQUIRE(!f.attacks.empty());
  CHECK(f.attacks[0].type == "udp-amplification");
  CHECK(f.attacks[0].ports == std::vector<std::uint16_t>{161});
  CHECK(f.ports == std::vector<std::uint16_t>{161});
  CHECK(f.recommendation == "block-source-port");
  CHECK(f.sources.empty());
  CHECK(f.signature.find("src port 161") != std::string::npos);
  CHECK(check_filter(f.signature).ok());
}

TEST_CASE("corpus: an ordinary whois lookup is no attack") {
  Finding f = analyze("whois.pcap");
  INFO(to_json_text(f.to_json()));
  CHECK(f.kind == "none");
  CHECK(f.attacks.empty());
  CHECK(f.sources.empty());
  CHECK(f.recommendation == "none");
  CHECK(f.signature.empty());
}

TEST_CASE("corpus: all captures read as one give each attack - traffic.analyze registers the same object") {
  const Module* module = ModuleRegistry::instance().find("traffic.analyze");
  REQUIRE(module != nullptr);
  json::array files;
  for (auto* name : {"tcp_0_1000_20190821.pcap", "pkt.TCP.synflood.spoofed.pcap", "amp.UDP.snmp.src161.pcapng"})
    files.emplace_back(corpus(name).string());
  json::object params{{"pcap", files}};
  StepContext context;
  auto receipt = module->apply(params, context);
  REQUIRE_MESSAGE(receipt.ok(), (receipt.ok() ? "" : receipt.error().message));
  auto& out = receipt->output;
  INFO(to_json_text(out));
  for (auto* key : {"kind", "attacks", "sources", "targets", "ports", "recommendation", "signature"}) CHECK(out.contains(key));
  std::vector<std::string> types;
  for (auto& a : out.at("attacks").as_array()) types.emplace_back(a.as_object().at("type").as_string());
  CHECK(std::count(types.begin(), types.end(), "syn-flood") == 1);
  CHECK(std::count(types.begin(), types.end(), "udp-amplification") == 1);
  CHECK(std::count(types.begin(), types.end(), "tcp-port-scan") == 1);
  // The scanner is worth blocking even beside a spoofed flood.
  auto& sources = out.at("sources").as_array();
  CHECK(std::find(sources.begin(), sources.end(), json::value("172.31.15.102")) != sources.end());
  CHECK(module->undoable() == false);
}

TEST_CASE("corpus: responder analyze --json prints the conclusion - a missing file is bad input") {
  std::string command = std::string(RESPONDER_BINARY) + " analyze --json " + corpus("pkt.TCP.synflood.spoofed.pcap").string();
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  REQUIRE(pipe);
  std::string output;
  std::array<char, 4096> buffer{};
  while (auto n = fread(buffer.data(), 1, buffer.size(), pipe.get())) output.append(buffer.data(), n);
  int status = pclose(pipe.release());
  CHECK(WEXITSTATUS(status) == 0);
  auto value = parse_json(output);
  CHECK(value.as_object().at("kind") == "distributed");
  CHECK(value.as_object().at("recommendation") == "limit-port");

  int missing = std::system((std::string(RESPONDER_BINARY) + " analyze /nonexistent/capture.pcap 2>/dev/null").c_str());
  CHECK(WEXITSTATUS(missing) == 2);
}
