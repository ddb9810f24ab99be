// baseline.compare inside a run: the comparison is journaled, and what looks
// tampered with reaches evidence.collect through `register:` and `{{ }}`.
#include <doctest/doctest.h>

#include "baseline_lab.h"
#include <fstream>

#include "forensics/baseline/baseline_recorder.h"
#include "responder/json.h"

using namespace responder;
using namespace responder::baseline;
using namespace responder::baseline::testing;
using responder::testing::run_process;
using responder::testing::slurp;

TEST_CASE("baseline.compare in a playbook: the verdict is journaled and the tampered files are handed to evidence.collect") {
  TempDir work, tree;
  build_reference_tree(tree.path());
  auto key = make_key(work.path());
  work.write("responder.yaml", "keys: {evidence_signing: " + key.private_pem.string() + "}\n");
  auto config = (work / "responder.yaml").string();
  auto baseline_file = (work / "reference.jsonl.gz").string();
  auto recorded = run_process({RESPONDER_BINARY, "--config", config, "baseline", "record", "--quiet", "--out", baseline_file,
                               "--root", tree.path().string(), "--paths", "/etc", "/usr/bin", "/root/.ssh"});
  REQUIRE_MESSAGE(recorded.exit_code == 0, recorded.err);
  put(tree.path(), "/usr/bin/local-script", "#!/bin/sh\necho trojaned\n", 0755);

  work.write("check.yaml",
             "name: baseline-check\ndescription: check a host against its baseline\nseverity: important\n"
             "variables:\n  baseline: {type: string, required: true}\n  root: {type: string, required: true}\n"
             "stages:\n  remediate:\n"
             "    - id: check\n      module: baseline.compare\n"
             "      with: {baseline: \"{{ baseline }}\", root: \"{{ root }}\", packages: false}\n      register: check\n"
             "    - id: keep-tampered\n      module: evidence.collect\n      with: {paths: [\"{{ check.tampered }}\"]}\n"
             "      when: \"check.tampered\"\n"
             "    - id: say\n      module: note.add\n      with: {text: \"verdict {{ check.verdict }}\"}\n");
  auto home = (work / "incidents").string();
  auto run = run_process({RESPONDER_BINARY, "--config", config, "--home", home, "run", (work / "check.yaml").string(), "--incident",
                          "BL-1", "--var", "baseline=reference.jsonl.gz", "--var", "root=" + tree.path().string()});  // beside the playbook
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("rebuild binary-changed: /usr/bin/local-script (sha256)") != std::string::npos);
  auto journal = slurp(work.path() / "incidents" / "BL-1" / "journal.jsonl");
  CHECK(journal.find("\"verdict\":\"rebuild\"") != std::string::npos);
  CHECK(journal.find("verdict rebuild") != std::string::npos);
  auto list = run_process({RESPONDER_BINARY, "--config", config, "--home", home, "evidence", "list", "BL-1"});
  INFO(list.out << list.err);
  CHECK(list.out.find("local-script") != std::string::npos);
}

TEST_CASE("baseline.compare with targets: the controller checks the signature and sends the baseline with the request") {
  TempDir work, tree;
  build_reference_tree(tree.path());
  auto key = make_key(work.path());
  work.write("responder.yaml", "keys: {evidence_signing: " + key.private_pem.string() + "}\n");
  work.write("hosts.ini", "localhost ansible_connection=local\n");
  auto config = (work / "responder.yaml").string();
  auto baseline_file = (work / "reference.jsonl.gz").string();
  auto recorded = run_process({RESPONDER_BINARY, "--config", config, "baseline", "record", "--quiet", "--out", baseline_file,
                               "--root", tree.path().string(), "--paths", "/etc", "/usr/bin"});
  REQUIRE_MESSAGE(recorded.exit_code == 0, recorded.err);
  append(tree.path(), "/etc/passwd", "toor:x:0:0::/root:/bin/sh\n");
  work.write("check.yaml",
             "name: baseline-check\ndescription: check hosts against their baseline\nseverity: important\n"
             "variables:\n  baseline: {type: string, required: true}\n  root: {type: string, required: true}\n"
             "stages:\n  remediate:\n"
             "    - id: check\n      module: baseline.compare\n      targets: localhost\n"
             "      with: {baseline: \"{{ baseline }}\", root: \"{{ root }}\", packages: false}\n");
  auto home = (work / "incidents").string();
  auto run = [&](const std::string& id) {
    return run_process({RESPONDER_BINARY, "--config", config, "--home", home, "run", (work / "check.yaml").string(), "-i",
                        (work / "hosts.ini").string(), "--incident", id, "--var", "baseline=" + baseline_file, "--var",
                        "root=" + tree.path().string()});
  };
  auto ok = run("BL-2");
  INFO(ok.out << ok.err);
  REQUIRE(ok.exit_code == 0);
  auto journal = slurp(work.path() / "incidents" / "BL-2" / "journal.jsonl");
  CHECK(journal.find("\"verdict\":\"rebuild\"") != std::string::npos);
  CHECK(journal.find("account toor with uid 0") != std::string::npos);
  CHECK(journal.find("\"baseline_facts\"") != std::string::npos);

  auto bytes = slurp(baseline_file);
  bytes[bytes.size() / 2] ^= 1;
  std::ofstream(baseline_file, std::ios::binary | std::ios::trunc) << bytes;
  auto refused = run("BL-3");
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 3);
  CHECK((refused.out + refused.err).find("nothing was sent to any host") != std::string::npos);
}
