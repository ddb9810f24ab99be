// release.push on this machine (`targets: localhost`), through the command
// line as a responder types it, with real packages built by dpkg-deb,
// signed with the openssl commands the README gives, installed by the real
// dpkg. A `dpkg` and `dpkg-query` first in PATH run the real ones with
// --root=<the test's scratch root>, so this machine's own package database
// is never touched; every call is logged, and installs are counted from it.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "responder/json.h"
#include "responder/module.h"
#include "tests/support/process.h"
#include "tests/support/skip.h"

namespace responder::testing {
namespace {

std::string tools_missing() {
  for (const char* tool : {"dpkg-deb", "dpkg", "dpkg-query", "openssl"})
    if (run_process({"sh", "-c", std::string("command -v ") + tool}).exit_code != 0)
      return std::string(tool) + " is missing (Debian packages dpkg, openssl)";
  if (!ModuleRegistry::instance().find("release.push")) return "built without release/";
  return "";
}

void write_file(const std::filesystem::path& path, const std::string& text, bool executable = false) {
  std::ofstream(path) << text;
  if (executable) std::filesystem::permissions(path, std::filesystem::perms::owner_all);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct LocalRelease {
  TempDir temp;
  std::filesystem::path dir = temp.path();
  std::filesystem::path root = dir / "root", bin = dir / "bin", calls = dir / "calls";

  LocalRelease() {
    std::filesystem::create_directories(root / "var/lib/dpkg/info");
    std::filesystem::create_directories(root / "var/lib/dpkg/updates");
    std::filesystem::create_directories(bin);
    write_file(root / "var/lib/dpkg/status", "");
    write_file(bin / "dpkg", "#!/bin/sh\necho \"dpkg $*\" >> " + calls.string() + "\nexec /usr/bin/dpkg --root=" + root.string() + " \"$@\"\n", true);
    write_file(bin / "dpkg-query", "#!/bin/sh\nexec /usr/bin/dpkg-query --root=" + root.string() + " \"$@\"\n", true);
    for (const char* version : {"1.0.0", "1.0.1"}) build_deb(version);
    sh("openssl genpkey -algorithm ed25519 -out release.key && openssl pkey -in release.key -pubout -out release.pub && "
       "openssl pkeyutl -sign -rawin -inkey release.key -in rfix_1.0.1_all.deb -out rfix_1.0.1_all.deb.sig");
    write_file(dir / "responder.yaml", "keys:\n  release: " + (dir / "release.pub").string() + "\nrelease:\n  state_dir: " +
                                           (dir / "state").string() + "\n");
    write_file(dir / "hosts.ini", "localhost ansible_connection=local\n");
  }

  void sh(const std::string& command) const {
    auto r = run_process({"sh", "-c", "cd \"$0\" && " + command, dir.string()});
    INFO(command, r.err);
    REQUIRE(r.exit_code == 0);
  }
  void build_deb(const std::string& version) const {
    auto tree = dir / ("tree-" + version);
    std::filesystem::create_directories(tree / "DEBIAN");
    std::filesystem::create_directories(tree / "usr/share/rfix");
    write_file(tree / "DEBIAN/control", "Package: rfix\nVersion: " + version +
                                            "\nArchitecture: all\nMaintainer: Test <test@example.org>\nDescription: release test\n");
    write_file(tree / "usr/share/rfix/version", version + "\n");
    sh("dpkg-deb --root-owner-group --build tree-" + version + " rfix_" + version + "_all.deb >/dev/null");
  }
  // What this test's dpkg root holds of rfix, asked of the real dpkg.
  std::string installed() const {
    auto r = run_process({"/usr/bin/dpkg-query", "--root=" + root.string(), "-W", "-f=${Version}", "rfix"});
    return r.exit_code == 0 ? r.out : "";
  }
  void install_directly(const std::string& version) const {
    sh("/usr/bin/dpkg --root=" + root.string() + " -i rfix_" + version + "_all.deb >/dev/null");
  }
  int installs() const {
    std::istringstream lines(read_file(calls));
    int n = 0;
    for (std::string line; std::getline(lines, line);) n += line.rfind("dpkg -i ", 0) == 0;
    return n;
  }

  std::filesystem::path playbook(const std::string& extra) const {
    auto file = dir / "push.yaml";
    write_file(file,
               "name: push\ndescription: emergency patch\nseverity: important\nstages:\n"
               "  accelerated-release:\n"
               "    - id: patch\n"
               "      module: release.push\n"
               "      targets: localhost\n"
               "      with:\n"
               "        artifact: rfix_1.0.1_all.deb\n"
               "        backup: [sh, -c, 'dpkg-query -W -f=\\${Version} rfix > \"$0/version\"', '{{ backup_dir }}']\n"
               "        rollback: [dpkg, -i, " + (dir / "rfix_1.0.0_all.deb").string() + "]\n"
               "        health_delay: 10ms\n" + extra);
    return file;
  }
  ProcessResult responder(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{RESPONDER_BINARY, "--config", (dir / "responder.yaml").string(), "--home", (dir / "home").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, {"PATH=" + bin.string() + ":/usr/sbin:/usr/bin:/sbin:/bin"}, dir);
  }
};

TEST_CASE("release push (local): a signed .deb is backed up, installed and verified, and undo rolls it back") {
  RESPONDER_SKIP_WHEN(tools_missing());
  LocalRelease lab;
  lab.install_directly("1.0.0");
  auto book = lab.playbook("        health: [sh, -c, 'test \"$(cat \"$0\")\" = 1.0.1', " +
                           (lab.root / "usr/share/rfix/version").string() + "]\n");
  auto plan = lab.responder({"plan", book.string(), "-i", "hosts.ini"});
  INFO(plan.out, plan.err);
  CHECK(plan.exit_code == 0);
  CHECK(plan.out.find("install rfix 1.0.1 (has 1.0.0)") != std::string::npos);
  CHECK(lab.installs() == 0);

  auto run = lab.responder({"run", book.string(), "-i", "hosts.ini", "--incident", "REL-1"});
  INFO(run.out, run.err);
  CHECK(run.exit_code == 0);
  CHECK(lab.installed() == "1.0.1");
  CHECK(lab.installs() == 1);
  // The host's release directory: the incident id and its instance.
  std::filesystem::path release;
  for (auto& entry : std::filesystem::directory_iterator(lab.dir / "state"))
    if (entry.path().filename().string().rfind("REL-1-", 0) == 0) release = entry.path() / "patch";
  REQUIRE(!release.empty());
  CHECK(read_file(release / "backup/version") == "1.0.0");
  CHECK(read_file(release / "outcome.json").find("\"patched\"") != std::string::npos);
  // The compliance table, in status and in the report.
  auto status = lab.responder({"status", "REL-1"});
  CHECK(status.out.find("patch compliance:") != std::string::npos);
  CHECK(status.out.find("this host  patched  1.0.1") != std::string::npos);
  auto report = lab.responder({"report", "REL-1", "--format", "json"});
  INFO(report.err);
  REQUIRE(report.exit_code == 0);
  auto rows = parse_json(report.out).as_object().at("patch_compliance").as_array();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].at("state").as_string() == "patched");
  CHECK(rows[0].at("version").as_string() == "1.0.1");
  CHECK(rows[0].at("version_before").as_string() == "1.0.0");

  auto undo = lab.responder({"undo", "REL-1"});
  INFO(undo.out, undo.err);
  CHECK(undo.exit_code == 0);
  CHECK(lab.installed() == "1.0.0");
  CHECK(undo.out.find("the journaled rollback ran, for rfix 1.0.0 again") != std::string::npos);
}

TEST_CASE("release push (local): a host already at the fixed version is left alone") {
  RESPONDER_SKIP_WHEN(tools_missing());
  LocalRelease lab;
  lab.install_directly("1.0.1");
  auto before = lab.installs();
  auto run = lab.responder({"run", lab.playbook("").string(), "-i", "hosts.ini", "--incident", "REL-2"});
  INFO(run.out, run.err);
  CHECK(run.exit_code == 0);
  CHECK(lab.installs() == before);
  CHECK(run.out.find("already-patched") != std::string::npos);
}

TEST_CASE("release push (local): an unhealthy install is rolled back and the step fails") {
  RESPONDER_SKIP_WHEN(tools_missing());
  LocalRelease lab;
  lab.install_directly("1.0.0");
  auto run = lab.responder({"run", lab.playbook("        health: [sh, -c, 'exit 7']\n        health_retries: 2\n").string(), "-i",
                            "hosts.ini", "--incident", "REL-3"});
  INFO(run.out, run.err);
  CHECK(run.exit_code == 1);
  CHECK(run.out.find("unhealthy after installing rfix 1.0.1") != std::string::npos);
  CHECK(run.out.find("rolled back (had 1.0.0)") != std::string::npos);
  CHECK(lab.installed() == "1.0.0");
  CHECK(lab.installs() == 2);  // the patch, then the rollback
  auto status = lab.responder({"status", "REL-3"});
  CHECK(status.out.find("this host  rolled-back  1.0.0") != std::string::npos);
}

TEST_CASE("release push (local): a tampered artifact or a signature under another key is refused before anything runs") {
  RESPONDER_SKIP_WHEN(tools_missing());
  LocalRelease lab;
  lab.install_directly("1.0.0");
  auto book = lab.playbook("");
  SUBCASE("tampered") {
    // One byte changed after signing.
    lab.sh("printf X | dd of=rfix_1.0.1_all.deb bs=1 seek=200 conv=notrunc 2>/dev/null");
  }
  SUBCASE("another key") {
    lab.sh("openssl genpkey -algorithm ed25519 -out other.key && "
           "openssl pkeyutl -sign -rawin -inkey other.key -in rfix_1.0.1_all.deb -out rfix_1.0.1_all.deb.sig");
  }
  auto plan = lab.responder({"plan", book.string(), "-i", "hosts.ini"});
  CHECK(plan.exit_code == 3);
  auto run = lab.responder({"run", book.string(), "-i", "hosts.ini", "--incident", "REL-4"});
  INFO(run.out, run.err);
  CHECK(run.exit_code == 3);
  CHECK(run.out.find("does not verify") != std::string::npos);
  CHECK(lab.installs() == 0);
  CHECK(lab.installed() == "1.0.0");
  CHECK(read_file(lab.dir / "home/REL-4/journal.jsonl").find("step.started") == std::string::npos);
}

TEST_CASE("release push: a playbook may use the host placeholders only as themselves, and never set artifact_facts") {
  RESPONDER_SKIP_WHEN(tools_missing());
  LocalRelease lab;
  auto good = lab.playbook("        install: [dpkg, -i, '{{ artifact }}']\n");
  auto ok = lab.responder({"validate", good.string()});
  INFO(ok.out, ok.err);
  CHECK(ok.exit_code == 0);
  auto field = lab.playbook("        install: [dpkg, -i, '{{ artifact.path }}']\n");
  auto bad = lab.responder({"validate", field.string()});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("is filled on each host and has no fields") != std::string::npos);
  auto facts = lab.playbook("        artifact_facts: {sha256: x}\n");
  auto refused = lab.responder({"validate", facts.string()});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("set by the controller") != std::string::npos);
}

TEST_CASE("release export and import (local): Ansible runs the exported release, and its results come back into the journal") {
  RESPONDER_SKIP_WHEN(tools_missing());
  RESPONDER_SKIP_WHEN(run_process({"sh", "-c", "command -v ansible-playbook"}).exit_code == 0
                          ? ""
                          : "ansible-playbook is missing (Debian package ansible-core)");
  LocalRelease lab;
  lab.install_directly("1.0.0");
  // The release step is not run by responder here: only exported.
  auto book = lab.dir / "export.yaml";
  write_file(book,
             "name: push\ndescription: emergency patch\nseverity: important\nvariables:\n  natively: {type: bool, default: false}\n"
             "stages:\n  accelerated-release:\n"
             "    - id: patch\n      module: release.push\n      targets: localhost\n      when: natively\n"
             "      with:\n        artifact: rfix_1.0.1_all.deb\n"
             // $1 becomes {"v": "1.0.1"}, which Ansible's non-native
             // templating would make a dict of if templated alone; $2 has a
             // quote and a backslash, which Ansible's own escaping of
             // backslashes in {{ }} would change in a Jinja string literal,
             // and $HOME and ~root, which its command module would expand.
             "        backup: [sh, -c, 'dpkg-query -W -f=\\${Version} rfix > \"$0/version\"; printf %s \"$1\" > \"$0/word\"; "
             "printf %s \"$2\" > \"$0/word2\"', '{{ backup_dir }}', '{\"v\": \"{{ version }}\"}', 'it''s \\ {{ package }} $HOME ~root']\n"
             "        health: [sh, -c, 'test \"$(cat \"$0\")\" = 1.0.1', " +
                 (lab.root / "usr/share/rfix/version").string() + "]\n"
             "        rollback: [dpkg, -i, " + (lab.dir / "rfix_1.0.0_all.deb").string() + "]\n");
  auto run = lab.responder({"run", book.string(), "-i", "hosts.ini", "--incident", "REL-X"});
  INFO(run.out, run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(lab.installs() == 0);

  auto exported = lab.responder({"release", "export", "REL-X", "--ansible", "ansible", "-i", "hosts.ini"});
  INFO(exported.out, exported.err);
  REQUIRE(exported.exit_code == 0);
  CHECK(read_file(lab.dir / "ansible/release.yml").find("max_fail_percentage: 0") != std::string::npos);
  CHECK(read_file(lab.dir / "ansible/inventory.yml").find("responder_canary:\n      hosts:\n        \"localhost\": {}") != std::string::npos);
  // Exported again: the host is already with Ansible, nothing is written.
  auto written = read_file(lab.dir / "ansible/release.yml");
  auto again_export = lab.responder({"release", "export", "REL-X", "--ansible", "ansible", "-i", "hosts.ini"});
  CHECK(again_export.exit_code == 0);
  CHECK(again_export.out.find("already with Ansible") != std::string::npos);
  CHECK(read_file(lab.dir / "ansible/release.yml") == written);

  auto ansible = run_process({"ansible-playbook", "-i", "inventory.yml", "release.yml"},
                             {"PATH=" + lab.bin.string() + ":/usr/sbin:/usr/bin:/sbin:/bin", "ANSIBLE_NOCOLOR=1"},
                             lab.dir / "ansible");
  INFO(ansible.out, ansible.err);
  REQUIRE(ansible.exit_code == 0);
  CHECK(lab.installed() == "1.0.1");
  CHECK(lab.installs() == 1);
  // The backup ran once with its words as written, the placeholders filled.
  std::vector<std::filesystem::path> words;
  for (auto& e : std::filesystem::recursive_directory_iterator(lab.dir / "state"))
    if (e.path().filename() == "word") words.push_back(e.path());
  REQUIRE(words.size() == 1);
  CHECK(read_file(words.front()) == "{\"v\": \"1.0.1\"}");
  CHECK(read_file(words.front().parent_path() / "word2") == "it's \\ rfix $HOME ~root");
  CHECK(read_file(words.front().parent_path() / "version") == "1.0.0");

  auto imported = lab.responder({"release", "import", "REL-X", "ansible/results"});
  INFO(imported.out, imported.err);
  CHECK(imported.exit_code == 0);
  CHECK(imported.out.find("imported 1 host result") != std::string::npos);
  auto status = lab.responder({"release", "status", "REL-X"});
  CHECK(status.out.find("localhost  patched  1.0.1") != std::string::npos);
  // Importing again changes nothing.
  auto again = lab.responder({"release", "import", "REL-X", "ansible/results"});
  CHECK(again.out.find("imported 0 host result(s)") != std::string::npos);
  // A result of another artifact is refused, nothing journaled.
  auto forged = read_file(lab.dir / "ansible/results/localhost.json");
  auto at = forged.find("\"sha256\": \"");
  REQUIRE(at != std::string::npos);
  forged[at + 12] = forged[at + 12] == 'a' ? 'b' : 'a';
  write_file(lab.dir / "forged.json", forged);
  auto refused = lab.responder({"release", "import", "REL-X", "forged.json"});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("another artifact") != std::string::npos);
  // responder undo rolls back what Ansible installed, with the journaled rollback.
  auto undo = lab.responder({"undo", "REL-X"});
  INFO(undo.out, undo.err);
  CHECK(undo.exit_code == 0);
  CHECK(lab.installed() == "1.0.0");
}

}  // namespace
}  // namespace responder::testing
