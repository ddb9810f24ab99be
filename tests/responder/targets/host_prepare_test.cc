// `responder hosts prepare` through the real command line, against real
// sshds in lab namespaces (sshd_lab.h): the version asked, the package
// streamed over ssh, its SHA-256 taken by the far side's sha256sum, real
// dpkg unpacking the copy, the version asked again, one journal record per
// host.
//
// Lab hosts share this machine's files, so a real `dpkg -i` there would
// install onto this machine. Each lab host's sessions therefore get a PATH
// (sshd's SetEnv) whose first directory holds a `dpkg` that runs the real
// /usr/bin/dpkg with --root=<the host's scratch root>: the package is
// installed by dpkg, but into a directory of the test; the test checks,
// over the same ssh, that the far side finds that `dpkg` before it runs
// anything. The host's responder_program points into that root, so the
// version asked after installing is the installed program's. Failures the
// lab cannot make by itself are made on the far side the same way: a `cat`
// that drops the last byte (a copy that arrives damaged) and an `id` that
// says uid 1000 (a login that is not root).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "responder/journal.h"
#include "responder/json.h"
#include "responder/sha256.h"
#include "responder/targets/step_protocol.h"
#include "tests/responder/targets/sshd_lab.h"
#include "tests/support/process.h"
#include "tests/support/skip.h"

namespace responder::targets {
namespace {

using testing::Process;
using testing::ProcessResult;
using testing::TempDir;
using testing::run_process;
using testing::slurp;

std::string dpkg_deb_missing() {
  return run_process({"sh", "-c", "command -v dpkg-deb && command -v dpkg"}).exit_code == 0
             ? ""
             : "dpkg-deb or dpkg is missing (Debian package dpkg)";
}

// A package named `name` of `version` (Architecture: all) whose
// /usr/bin/responder says "responder VERSION", built with dpkg-deb.
std::filesystem::path small_package(const TempDir& dir, const std::string& version, const std::string& name = "responder") {
  auto tree = dir / ("package-" + name + "-" + version);
  std::filesystem::create_directories(tree / "DEBIAN");
  std::filesystem::create_directories(tree / "usr/bin");
  std::ofstream(tree / "DEBIAN/control") << "Package: " << name << "\nVersion: " << version
                                         << "\nArchitecture: all\nMaintainer: test <test@example.org>\n"
                                            "Description: a stand-in for the responder package\n";
  std::ofstream(tree / "usr/bin/responder") << "#!/bin/sh\necho \"responder " << version << "\"\n";
  std::filesystem::permissions(tree / "usr/bin/responder", std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                                               std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                                               std::filesystem::perms::others_exec);
  auto deb = dir / (name + "_" + version + "_all.deb");
  auto built = run_process({"dpkg-deb", "--root-owner-group", "--build", tree.string(), deb.string()});
  INFO(built.err);
  REQUIRE(built.exit_code == 0);
  return deb;
}

std::vector<json::object> json_lines(const std::string& out) {
  std::vector<json::object> objects;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) objects.push_back(parse_json(line).as_object());
  return objects;
}

const json::object* for_host(const std::vector<json::object>& objects, const std::string& host) {
  for (auto& o : objects)
    if (o.at("host").as_string() == host) return &o;
  return nullptr;
}

std::string text(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

void write_script(const std::filesystem::path& file, const std::string& body) {
  std::ofstream(file) << "#!/bin/sh\n" << body;
  std::filesystem::permissions(file, std::filesystem::perms::owner_all);
}

// A far-side host of the lab: its scratch dpkg root, the first directory of
// its sessions' PATH (where its `dpkg` is), and its TMPDIR.
struct FarSide {
  std::filesystem::path root, bin, tmp;
  std::filesystem::path program() const { return root / "usr/bin/responder"; }
  bool empty_tmp() const { return std::filesystem::is_empty(tmp); }
};

// The lab, the far sides, an incident home, a configuration and the
// inventory; the controller runs in the lab's controller namespace.
struct PrepareLab {
  TempDir scratch;
  std::vector<FarSide> far;
  std::unique_ptr<lab::SshdLab> lab;
  std::filesystem::path home = scratch / "incidents";
  std::filesystem::path config = scratch / "responder.yaml";

  explicit PrepareLab(int count) {
    std::vector<std::string> extra;
    for (int i = 0; i < count; ++i) {
      auto base = scratch / ("host" + std::to_string(i + 1));
      FarSide f{base / "root", base / "bin", base / "tmp"};
      for (auto* d : {&f.bin, &f.tmp}) std::filesystem::create_directories(*d);
      std::filesystem::create_directories(f.root / "var/lib/dpkg/info");
      std::filesystem::create_directories(f.root / "var/lib/dpkg/updates");
      std::ofstream(f.root / "var/lib/dpkg/status");
      write_script(f.bin / "dpkg", "exec /usr/bin/dpkg --root=" + f.root.string() + " \"$@\"\n");
      extra.push_back("SetEnv PATH=" + f.bin.string() + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TMPDIR=" +
                      f.tmp.string());
      far.push_back(f);
    }
    lab = std::make_unique<lab::SshdLab>(count, extra);
    std::ofstream(config) << "targets:\n  ssh_config: " << (lab->dir / "ssh_config").string() << "\n  connect_timeout: 5s\n";
  }

  // Over the lab's ssh, what host i's sessions find as `dpkg`: the test
  // never lets a real dpkg -i reach this machine's own root.
  void require_dpkg_shim(std::size_t i) const {
    auto found = controller({"ssh", "-F", (lab->dir / "ssh_config").string(), "-o", "BatchMode=yes", "-l", "root", "--",
                             lab->hosts.at(i).address, "command -v dpkg"});
    INFO(found.err, lab->log(i));
    REQUIRE(found.out == (far.at(i).bin / "dpkg").string() + "\n");
  }

  ProcessResult controller(std::vector<std::string> argv) const {
    argv.insert(argv.begin(), {"ip", "netns", "exec", lab->controller});
    return run_process(argv);
  }
  ProcessResult responder(std::vector<std::string> args) const {
    args.insert(args.begin(), {RESPONDER_TEST_BINARY, "--home", home.string(), "--config", config.string()});
    return controller(args);
  }
  std::string inventory_line(std::size_t i, const std::string& name, const std::string& program) const {
    return name + " ansible_host=" + lab->hosts.at(i).address + " ansible_user=root responder_program=" + program + "\n";
  }
  std::filesystem::path inventory(const std::string& text) const {
    std::filesystem::path file = scratch / "hosts.ini";
    std::ofstream(file) << text;
    return file;
  }
  void open_incident(const std::string& id) const {
    std::ofstream(scratch / "note.yaml") << "name: prepare\nstages:\n  evaluate:\n    - id: n\n      module: note.add\n"
                                            "      with: {text: hosts are being prepared}\n";
    auto run = responder({"run", (scratch / "note.yaml").string(), "--incident", id});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
  }
  std::vector<JournalRecord> records(const std::string& id, const std::string& kind) const {
    auto contents = read_journal(home / id / "journal.jsonl");
    REQUIRE(contents.ok());
    std::vector<JournalRecord> out;
    for (auto& r : contents->records)
      if (r.kind == kind) out.push_back(r);
    return out;
  }
};

#define REQUIRE_PREPARE_LAB()                                \
  RESPONDER_SKIP_WHEN(lab::sshd_lab_unavailable());          \
  RESPONDER_SKIP_WHEN(dpkg_deb_missing())

TEST_CASE("hosts prepare: a package that is not this version, not responder's or not there is bad input, before any host") {
  RESPONDER_SKIP_WHEN(dpkg_deb_missing());
  TempDir dir;
  const std::string version(responder_version());
  auto inventory = dir.write("hosts.ini",
                             "[here]\nlocalhost ansible_connection=local\n"
                             "[far]\nweb01 ansible_host=192.0.2.1\n"
                             "[lab]\nlabgone ansible_connection=namespace responder_netns=responder-test-no-such-netns\n"
                             "[careless]\nweb02 ansible_host=192.0.2.2 ansible_ssh_common_args=\"-o StrictHostKeyChecking=no\"\n");
  auto responder = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {RESPONDER_TEST_BINARY, "--home", (dir / "incidents").string()});
    return run_process(args, {"RESPONDER_CONFIG="});
  };

  auto older = small_package(dir, "0.0.1");
  auto r = responder({"hosts", "prepare", "far", "-i", inventory.string(), "--package", older.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("is responder 0.0.1, but this responder is " + version) != std::string::npos);
  CHECK(r.out.empty());  // web01 (192.0.2.1, nobody there) was never asked

  auto other = small_package(dir, version, "not-responder");
  r = responder({"hosts", "prepare", "far", "-i", inventory.string(), "--package", other.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("not-responder") != std::string::npos);

  r = responder({"hosts", "prepare", "far", "-i", inventory.string(), "--package", inventory.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("is not a Debian package") != std::string::npos);

  auto good = small_package(dir, version);
  r = responder({"hosts", "prepare", "far", "-i", inventory.string(), "--package", (dir / "missing.deb").string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("does not exist") != std::string::npos);
  r = responder({"hosts", "prepare", "nosuchgroup", "-i", inventory.string(), "--package", good.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("nosuchgroup") != std::string::npos);
  r = responder({"hosts", "prepare", "far", "--package", good.string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no inventory") != std::string::npos);
  r = responder({"hosts", "prepare", "far", "-i", inventory.string(), "--package", good.string(), "--incident", "NOPE"});
  CHECK(r.exit_code == 2);
  r = responder({"hosts", "prepare", "far", "-i", inventory.string(), "--package", good.string(), "--forks", "0"});
  CHECK(r.exit_code == 2);
  // Host keys are never unchecked: refused before any host is asked.
  r = responder({"hosts", "prepare", "far:careless", "-i", inventory.string(), "--package", good.string()});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("turns host key checking off") != std::string::npos);
  CHECK(r.out.empty());

  // This machine and its namespaces run this very program: nothing to copy.
  r = responder({"hosts", "prepare", "here", "-i", inventory.string(), "--package", good.string()});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("localhost  current") != std::string::npos);
  CHECK(r.out.find("responder " + version + ", nothing to copy") != std::string::npos);
  // A namespace that is gone is unreachable, not failed: exit 1.
  r = responder({"--json", "hosts", "-i", inventory.string(), "prepare", "here:lab", "--package", good.string()});
  CHECK(r.exit_code == 1);
  auto objects = json_lines(r.out);
  REQUIRE(objects.size() == 2);
  REQUIRE(for_host(objects, "labgone"));
  CHECK(text(*for_host(objects, "labgone"), "outcome") == "unreachable");
  CHECK(text(*for_host(objects, "localhost"), "outcome") == "current");
  CHECK(text(*for_host(objects, "localhost"), "package_sha256") == sha256_hex(slurp(good)));
}

TEST_CASE("hosts prepare: over ssh a host without this version gets the package copied, checked and installed, a current one is left alone, each is journaled") {
  REQUIRE_PREPARE_LAB();
  PrepareLab lab(2);
  lab.require_dpkg_shim(0);
  const std::string version(responder_version());
  auto package = small_package(lab.scratch, version);
  auto inventory = lab.inventory("[lab]\n" + lab.inventory_line(0, "lab1", lab.far[0].program().string()) +
                                 lab.inventory_line(1, "lab2", RESPONDER_BINARY) +
                                 // sshd listens on 22 only: nothing answers there
                                 "down ansible_host=" + lab.lab->hosts[0].address + " ansible_port=2222 ansible_user=root\n");
  lab.open_incident("P1");

  auto r = lab.responder({"--json", "hosts", "prepare", "lab", "-i", inventory.string(), "--package", package.string(),
                          "--incident", "P1", "--forks", "3"});
  INFO(r.out, r.err, lab.lab->log(0));
  CHECK(r.exit_code == 1);  // `down` was not prepared
  auto objects = json_lines(r.out);
  REQUIRE(objects.size() == 3);
  auto* lab1 = for_host(objects, "lab1");
  auto* lab2 = for_host(objects, "lab2");
  auto* down = for_host(objects, "down");
  REQUIRE((lab1 && lab2 && down));

  CHECK(text(*lab1, "outcome") == "installed");
  CHECK(lab1->at("version_before").is_null());
  CHECK(text(*lab1, "version_after") == version);
  CHECK(text(*lab1, "package_sha256") == sha256_hex(slurp(package)));
  CHECK(std::filesystem::exists(lab.far[0].program()));
  CHECK(run_process({"/usr/bin/dpkg", "--root=" + lab.far[0].root.string(), "-s", "responder"}).out.find("Status: install ok installed") !=
        std::string::npos);
  CHECK(lab.far[0].empty_tmp());  // the copy's private directory was removed

  CHECK(text(*lab2, "outcome") == "current");
  CHECK(text(*lab2, "detail") == "already has responder " + version);
  CHECK(lab.lab->logins(1) == 1);  // asked its version, nothing more
  CHECK(!std::filesystem::exists(lab.far[1].program()));

  CHECK(text(*down, "outcome") == "unreachable");
  CHECK(text(*down, "detail").find("could not reach") != std::string::npos);
  CHECK(down->at("version_after").is_null());

  auto records = lab.records("P1", "host.prepared");
  REQUIRE(records.size() == 3);
  for (auto& record : records) {
    auto* printed = for_host(objects, record.text("host"));
    REQUIRE(printed);
    CHECK(record.text("outcome") == text(*printed, "outcome"));
    CHECK(record.text("package_sha256") == sha256_hex(slurp(package)));
    CHECK(printed->at("seq").as_int64() == static_cast<std::int64_t>(record.seq));
  }
  CHECK(lab.responder({"journal", "P1", "--verify"}).exit_code == 0);

  // Again: both now have this version, and nothing is copied.
  int logins = lab.lab->logins(0);
  r = lab.responder({"hosts", "prepare", "lab1:lab2", "-i", inventory.string(), "--package", package.string()});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("lab1  current      already has responder " + version) != std::string::npos);
  CHECK(r.out.find("2 of 2 hosts have responder " + version) != std::string::npos);
  CHECK(lab.lab->logins(0) == logins + 1);
  CHECK(lab.records("P1", "host.prepared").size() == 3);  // without --incident, printed only
}

TEST_CASE("hosts prepare: a copy whose SHA-256 differs is not installed, and a login that is not root is told so before anything is copied") {
  REQUIRE_PREPARE_LAB();
  PrepareLab lab(2);
  lab.require_dpkg_shim(0);
  lab.require_dpkg_shim(1);
  // Host 1 receives one byte short; host 2 logs its user in as uid 1000.
  write_script(lab.far[0].bin / "cat", "exec head -c -1\n");
  write_script(lab.far[1].bin / "id", "echo 1000\n");
  const std::string version(responder_version());
  auto package = small_package(lab.scratch, version);
  // Both say an older version first.
  for (auto& f : lab.far) {
    std::filesystem::create_directories(f.program().parent_path());
    write_script(f.program(), "echo 'responder 0.0.1'\n");
  }
  auto inventory = lab.inventory("[lab]\n" + lab.inventory_line(0, "lab1", lab.far[0].program().string()) +
                                 lab.inventory_line(1, "lab2", lab.far[1].program().string()));
  auto r = lab.responder({"--json", "hosts", "prepare", "all", "-i", inventory.string(), "--package", package.string()});
  INFO(r.out, r.err, lab.lab->log(0));
  CHECK(r.exit_code == 1);
  auto objects = json_lines(r.out);
  REQUIRE(objects.size() == 2);
  auto* damaged = for_host(objects, "lab1");
  auto* not_root = for_host(objects, "lab2");
  REQUIRE((damaged && not_root));

  CHECK(text(*damaged, "outcome") == "failed");
  CHECK(text(*damaged, "version_before") == "0.0.1");
  CHECK(text(*damaged, "detail").find("SHA-256") != std::string::npos);
  CHECK(text(*damaged, "detail").find("not " + sha256_hex(slurp(package))) != std::string::npos);
  CHECK(text(*damaged, "detail").find("nothing was installed (the copy was removed)") != std::string::npos);
  CHECK(lab.far[0].empty_tmp());
  CHECK(run_process({"/usr/bin/dpkg", "--root=" + lab.far[0].root.string(), "-s", "responder"}).exit_code != 0);
  CHECK(slurp(lab.far[0].program()) == "#!/bin/sh\necho 'responder 0.0.1'\n");

  CHECK(text(*not_root, "outcome") == "failed");
  CHECK(text(*not_root, "detail").find("uid 1000, not root") != std::string::npos);
  CHECK(text(*not_root, "detail").find("ansible_become") != std::string::npos);
  CHECK(lab.far[1].empty_tmp());
  CHECK(run_process({"/usr/bin/dpkg", "--root=" + lab.far[1].root.string(), "-s", "responder"}).exit_code != 0);
}

TEST_CASE("hosts prepare: the package cpack builds is installed by dpkg and answers with this build's version, or names its missing dependencies") {
  REQUIRE_PREPARE_LAB();
  RESPONDER_SKIP_WHEN(std::string(run_process({"sh", "-c", "command -v cpack && command -v dpkg-shlibdeps"}).exit_code == 0
                                      ? ""
                                      : "cpack or dpkg-shlibdeps is not installed (apt-get install cmake dpkg-dev)"));
  PrepareLab lab(2);
  lab.require_dpkg_shim(0);
  lab.require_dpkg_shim(1);
  std::filesystem::path build = std::filesystem::path(RESPONDER_BINARY).parent_path();
  // An ASan build's binary is large and compressing it slow on a loaded
  // machine: more than run_process's default minute.
  auto made = Process({"cpack", "-G", "DEB", "--config", (build / "CPackConfig.cmake").string(), "-B", (lab.scratch / "cpack").string()})
                  .wait(std::chrono::seconds(600));
  INFO(made.out, made.err);
  REQUIRE(made.exit_code == 0);
  const std::string version(responder_version());
  auto package = lab.scratch / "cpack" / ("responder_" + version + "_amd64.deb");
  REQUIRE(std::filesystem::exists(package));

  // Host 1's dpkg database holds the package's dependencies as this
  // machine has them installed (their files are this machine's, which the
  // lab shares); host 2's is empty, as on a host that lacks them.
  auto depends = run_process({"dpkg-deb", "--field", package.string(), "Depends"}).out;
  auto database = run_process({"dpkg-query", "--show", "--showformat", "${db:Status-Abbrev}|${Package}|${Provides}\n"}).out;
  auto first_word = [](std::string text) {
    text.erase(0, text.find_first_not_of(" \n"));
    return text.substr(0, text.find_first_of(" :(\n"));
  };
  // The installed package that is `name` or provides it (libspdlog1.10
  // provides libspdlog1.10-fmt9).
  auto provider = [&](const std::string& name) -> std::string {
    std::istringstream lines(database);
    for (std::string line; std::getline(lines, line);) {
      auto bar = line.find('|'), second = line.find('|', bar + 1);
      if (!line.starts_with("ii") || bar == std::string::npos || second == std::string::npos) continue;
      std::string package = line.substr(bar + 1, second - bar - 1);
      if (package == name) return package;
      std::istringstream provides(line.substr(second + 1));
      for (std::string item; std::getline(provides, item, ',');)
        if (first_word(item) == name) return package;
    }
    return "";
  };
  std::string status;
  std::istringstream list(depends);
  for (std::string item; std::getline(list, item, ',');) {
    std::string name = first_word(item.substr(0, item.find('|')));
    INFO(name);
    std::string package = provider(name);
    REQUIRE(!package.empty());
    auto stanza = run_process({"dpkg-query", "--status", package});
    REQUIRE(stanza.exit_code == 0);
    status += stanza.out + "\n";
  }
  std::ofstream(lab.far[0].root / "var/lib/dpkg/status") << status;

  auto inventory = lab.inventory("[lab]\n" + lab.inventory_line(0, "lab1", lab.far[0].program().string()) +
                                 lab.inventory_line(1, "lab2", lab.far[1].program().string()));
  auto r = lab.responder({"hosts", "prepare", "all", "-i", inventory.string(), "--package", package.string()});
  INFO(r.out, r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("lab1  installed    installed responder " + version + " (had none") != std::string::npos);
  auto installed = run_process({lab.far[0].program().string(), "--version"});
  CHECK(installed.out == run_process({RESPONDER_BINARY, "--version"}).out);
  CHECK(std::filesystem::exists(lab.far[0].root / "usr/share/responder/playbooks/targeted-intrusion.yaml"));

  // The list is sorted and a sanitizer build adds libasan8 ahead of libc6, so only its presence is checked.
  CHECK(r.out.find("lab2  failed       `dpkg -i` unpacked the package but left it unconfigured: its dependencies are not "
                   "installed there (") != std::string::npos);
  CHECK(r.out.find("libc6") != std::string::npos);
  CHECK(r.out.find("libssl3") != std::string::npos);
  CHECK(r.out.find("apt-get install -f") != std::string::npos);
  CHECK(lab.far[0].empty_tmp());
  CHECK(lab.far[1].empty_tmp());
}

}  // namespace
}  // namespace responder::targets
