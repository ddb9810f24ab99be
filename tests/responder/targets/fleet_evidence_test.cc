// Evidence from other hosts, end to end through the command line on ssh
// hosts of the lab (sshd_lab.h): evidence.collect, .capture (read inside the
// host's network namespace), .image and traffic.capture with `targets:` stream
// each host's items into the controller's one bundle, hashed on the far
// side before sending and again on arrival; the manifest names the source
// host; the bundle seals and verifies; an item whose bytes change on the
// way is refused and nothing of it is stored.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "responder/json.h"
#include "responder/module.h"
#include "tests/forensics/evidence/evidence_lab.h"
#include "tests/responder/targets/sshd_lab.h"
#include "tests/support/skip.h"

namespace responder::targets {
namespace {

struct EvidenceFleet {
  lab::SshdLab lab{2};
  std::filesystem::path dir = lab.dir;
  // Sealed items are immutable: the home is removed by a helper that can.
  evidence::lab::TempHome home_dir{"responder-fleet-evidence"};
  std::filesystem::path home = home_dir.root;
  std::filesystem::path config = dir / "responder.yaml";
  std::filesystem::path inventory = dir / "hosts.ini";
  std::filesystem::path logs = dir / "logs";

  EvidenceFleet() {
    lab.write_run_files(config, inventory);
    std::filesystem::create_directories(logs);
    std::ofstream(logs / "auth.log") << "Dec  3 03:12:09 web sshd[812]: Failed password for root from 203.0.113.7\n";
    // Several frames' worth, not a multiple of any block size.
    std::mt19937 random(7);
    std::string big(5 * 1024 * 1024 + 12345, '\0');
    for (auto& c : big) c = static_cast<char>(random());
    std::ofstream(logs / "core.bin", std::ios::binary) << big;
  }

  std::filesystem::path playbook(const std::string& name, const std::string& steps) const {
    auto file = dir / (name + ".yaml");
    std::ofstream(file) << "name: " << name << "\ndescription: fleet evidence test\nseverity: important\nstages:\n" << steps;
    return file;
  }
  testing::ProcessResult responder(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"ip", "netns", "exec", lab.controller, RESPONDER_BINARY, "--config", config.string(),
                                  "--home", home.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::run_process(argv);
  }
  json::array items(const std::string& id) const {
    std::ifstream in(home / id / "evidence" / "manifest.json");
    if (!in) return {};
    std::string text((std::istreambuf_iterator<char>(in)), {});
    return parse_json(text).as_object().at("items").as_array();
  }
  std::string sha256_of(const std::filesystem::path& file) const {
    auto r = lab::run({"sha256sum", file.string()});
    return r.out.substr(0, 64);
  }
};

#define REQUIRE_EVIDENCE_FLEET()                                 \
  RESPONDER_SKIP_WHEN(lab::sshd_lab_unavailable());              \
  RESPONDER_SKIP_WHEN(std::string(ModuleRegistry::instance().find("evidence.collect") ? "" : "built without forensics"))

TEST_CASE("fleet evidence: evidence.collect, capture, image and traffic.capture on ssh hosts stream every item into the controller's one bundle, which seals and verifies") {
  REQUIRE_EVIDENCE_FLEET();
  EvidenceFleet fleet;
  auto book = fleet.playbook(
      "collect", "  analyze:\n    - id: collect\n      module: evidence.collect\n      targets: web\n      with: {paths: [\"" +
                     (fleet.logs / "auth.log").string() + "\", \"" + (fleet.logs / "core.bin").string() +
                     "\"]}\n      register: got\n    - id: say\n      module: note.add\n      with: {text: \"from {{ got.ok }}: "
                     "{{ got.hosts['lab2'].failed }}\"}\n    - id: routes\n      module: evidence.capture\n      targets: lab2\n"
                     "      with: {artifacts: [routes]}\n    - id: image\n      module: evidence.image\n      targets: lab1\n"
                     "      with: {source: \"" + (fleet.logs / "core.bin").string() + "\"}\n"
                     "    - id: packets\n      module: traffic.capture\n      targets: lab1\n"
                     "      with: {interface: eth0, filter: \"tcp port 22\", duration: 1s}\n    - id: seal\n      module: evidence.seal\n      with: {}\n");
  auto run = fleet.responder({"run", book.string(), "--incident", "EV-1", "-i", fleet.inventory.string()});
  INFO("RUN exit ", run.exit_code, "\n", run.out, run.err);
  REQUIRE(run.exit_code == 0);

  auto items = fleet.items("EV-1");
  REQUIRE(items.size() == 7);
  std::set<std::string> hosts_seen;
  for (auto& v : items) {
    auto& item = v.as_object();
    std::string method(item.at("method").as_string());
    if (method.starts_with("evidence.image")) {
      CHECK(item.at("sha256").as_string() == fleet.sha256_of(fleet.logs / "core.bin"));
      CHECK(item.at("metadata").as_object().at("remote").as_object().at("host").as_string() == "lab1");
      continue;
    }
    if (method.starts_with("libpcap live capture on eth0")) {
      // lab1's own eth0: its ssh session with the controller, which tcpdump reads.
      CHECK(item.at("metadata").as_object().at("remote").as_object().at("host").as_string() == "lab1");
      auto pcap = fleet.home / "EV-1" / "evidence" / std::string(item.at("path").as_string());
      auto read = lab::run({"tcpdump", "-nr", pcap.string()});
      CHECK(read.out.find(fleet.lab.hosts[0].address + ".22") != std::string::npos);
      continue;
    }
    if (method.starts_with("evidence.capture")) {
      // Read inside lab2: its routes name its own address.
      std::ifstream in(fleet.home / "EV-1" / "evidence" / std::string(item.at("path").as_string()));
      std::string text((std::istreambuf_iterator<char>(in)), {});
      auto address = fleet.lab.hosts[1].address;
      CHECK(text.find(address.substr(0, address.rfind('.'))) != std::string::npos);
      CHECK(item.at("metadata").as_object().at("remote").as_object().at("host").as_string() == "lab2");
      continue;
    }
    auto& remote = item.at("metadata").as_object().at("remote").as_object();
    std::string host(remote.at("host").as_string());
    hosts_seen.insert(host);
    std::string source(item.at("source").as_string());
    CHECK(source.starts_with(host + ":" + fleet.logs.string()));
    auto original = fleet.logs / std::filesystem::path(source.substr(host.size() + 1)).filename();
    // Hashed there before sending, here on arrival, and the same as the file's own.
    CHECK(item.at("sha256").as_string() == fleet.sha256_of(original));
    CHECK(remote.at("sha256_there").as_string() == item.at("sha256").as_string());
    CHECK(!remote.at("hostname").as_string().empty());
    CHECK(remote.at("reach").as_string().find("ssh") != std::string::npos);
    CHECK(std::string(item.at("path").as_string()).find(host + "-") != std::string::npos);
    CHECK(std::string(item.at("method").as_string()).find("streamed from " + host) != std::string::npos);
  }
  CHECK(hosts_seen == std::set<std::string>{"lab1", "lab2"});
  // The far side's receipt names the controller's items.
  CHECK(run.out.find("items/0") != std::string::npos);

  auto sums = lab::run({"sh", "-c", "cd " + (fleet.home / "EV-1" / "evidence").string() + " && sha256sum -c manifest.sha256"});
  INFO(sums.out);
  CHECK(sums.status == 0);
  auto verify = fleet.responder({"evidence", "verify", "EV-1"});
  INFO("VERIFY\n", verify.out, verify.err);
  CHECK(verify.exit_code == 0);
  auto partials = lab::run({"sh", "-c", "ls -a " + (fleet.home / "EV-1" / "evidence" / "items").string() + " | grep -c partial"});
  CHECK(partials.out.starts_with("0"));
}

TEST_CASE("fleet evidence: an item whose bytes change on the way is refused, nothing of it is stored, and the host's step fails saying so") {
  REQUIRE_EVIDENCE_FLEET();
  EvidenceFleet fleet;
  // A far side whose output is altered in transit: one bit of every
  // evidence frame flipped after the far side hashed it.
  auto flip = fleet.dir / "flip.py";
  std::ofstream(flip) << "import json, sys\n"
                         "i, o = sys.stdin.buffer, sys.stdout.buffer\n"
                         "while True:\n"
                         "    line = i.readline()\n"
                         "    if not line: break\n"
                         "    o.write(line)\n"
                         "    if line.startswith(b'{\"evidence_data\":'):\n"
                         "        data = bytearray(i.read(json.loads(line)['evidence_data']['size']))\n"
                         "        data[0] ^= 1\n"
                         "        o.write(data)\n"
                         "    o.flush()\n";
  auto wrap = fleet.dir / "tamper.sh";
  std::ofstream(wrap) << "#!/bin/sh\n" << RESPONDER_BINARY << " \"$@\" | python3 " << flip.string() << "\n";
  ::chmod(wrap.c_str(), 0755);
  std::ofstream(fleet.inventory, std::ios::app) << "[tampered]\nlab2 responder_program=" << wrap.string() << "\n";
  auto book = fleet.playbook("tampered", "  analyze:\n    - id: collect\n      module: evidence.collect\n      targets: web\n"
                                         "      max_fail_percentage: 50\n      with: {paths: [\"" +
                                             (fleet.logs / "auth.log").string() + "\"]}\n");
  auto run = fleet.responder({"run", book.string(), "--incident", "EV-2", "-i", fleet.inventory.string()});
  INFO("RUN exit ", run.exit_code, "\n", run.out, run.err);
  CHECK(run.out.find("arrived with SHA-256") != std::string::npos);
  auto items = fleet.items("EV-2");
  REQUIRE(items.size() == 1);
  CHECK(items[0].as_object().at("metadata").as_object().at("remote").as_object().at("host").as_string() == "lab1");
  auto partials = lab::run({"sh", "-c", "ls -a " + (fleet.home / "EV-2" / "evidence" / "items").string() + " | grep -c partial"});
  CHECK(partials.out.starts_with("0"));
}

TEST_CASE("fleet evidence: evidence.seal with targets is bad input naming its place, nothing created") {
  REQUIRE_EVIDENCE_FLEET();
  EvidenceFleet fleet;
  auto book = fleet.playbook("sealfar", "  analyze:\n    - id: seal\n      module: evidence.seal\n      targets: web\n      with: {}\n");
  auto run = fleet.responder({"run", book.string(), "--incident", "EV-3", "-i", fleet.inventory.string()});
  INFO(run.out, run.err);
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("sealfar.yaml:8:") != std::string::npos);
  CHECK(!std::filesystem::exists(fleet.home / "EV-3"));
}

}  // namespace
}  // namespace responder::targets
