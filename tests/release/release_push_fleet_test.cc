// release.push end to end through the command line, on three ssh hosts of
// the lab (release_lab.h: real sshds in network namespaces, each host's own
// scratch dpkg root behind `dpkg`/`dpkg-query` shims, its own far-side
// configuration and TMPDIR): a release signed with the openssl commands a
// user types is installed exactly once where it is needed and nowhere else,
// a host already patched is left alone, a host whose health check fails is
// rolled back and fails its step, undo runs the rollback where the release
// was installed, and a signature that does not verify stops the run before
// any host is contacted. Versions are read back from each host's dpkg
// database by the real dpkg, from the test.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "responder/json.h"
#include "responder/module.h"
#include "tests/release/release_lab.h"
#include "tests/support/skip.h"

namespace responder::release::lab_test {
namespace {

constexpr int kHosts = 3;

#define REQUIRE_RELEASE_LAB()                        \
  RESPONDER_SKIP_WHEN(lab::sshd_lab_unavailable());  \
  RESPONDER_SKIP_WHEN(release_tools_missing())

#define REQUIRE_RELEASE_PUSH()  \
  REQUIRE_RELEASE_LAB();        \
  RESPONDER_SKIP_WHEN(std::string(ModuleRegistry::instance().find("release.push") ? "" : "release.push is not in this build"))

// Hosts 1 and 2 at 1.0.0, host 3 at `third` ("" leaves it without rfix),
// each host's far side checked over ssh.
void set_up_hosts(const ReleaseLab& lab, const std::string& third = "1.0.1") {
  for (std::size_t i = 0; i < kHosts; ++i) lab.require_far_side(i);
  lab.preinstall(0, lab.old_deb);
  lab.preinstall(1, lab.old_deb);
  if (third == "1.0.1") lab.preinstall(2, lab.new_deb);
  REQUIRE(lab.far[0].version() == "1.0.0");
  REQUIRE(lab.far[1].version() == "1.0.0");
  REQUIRE(lab.far[2].version() == third);
}

// The step, with the backup recording the host placeholders it was given
// (filled on the host, word by word) and the health check of each host.
// The backup's script quotes ${Version} for sh (YAML's '' in a '...'
// scalar): unquoted, sh would expand it to nothing.
std::string push_step(const std::string& with_more) {
  return "  accelerated-release:\n"
         "    - id: patch\n"
         "      module: release.push\n"
         "      targets: web\n"
         "      with:\n"
         "        artifact: rfix_1.0.1_all.deb\n"
         "        backup: [sh, -c, 'dpkg-query -W -f=''${Version}'' rfix > \"$0/version\" && lab-note backup \"$0\" \"$1\" \"$2\" \"$3\"',\n"
         "                 '{{ backup_dir }}', '{{ package }}', '{{ version }}', '{{ previous_version }}']\n"
         "        health: [lab-health]\n"
         "        health_delay: 100ms\n" +
         with_more +
         "      register: patched\n"
         "    - id: record\n"
         "      module: note.add\n"
         "      with: {text: \"lab1={{ patched.hosts['lab1'].state }} lab2={{ patched.hosts['lab2'].state }} "
         "lab3={{ patched.hosts['lab3'].state }} from={{ patched.hosts['lab1'].version_before }} "
         "to={{ patched.hosts['lab1'].version }} package={{ patched.hosts['lab1'].package }}\"}\n";
}

std::string rollback_line(const ReleaseLab& lab) { return "        rollback: [dpkg, -i, " + lab.old_deb.string() + "]\n"; }

// What the note step recorded (the register read back through a template).
std::string noted(const ReleaseLab& lab, const std::string& id) {
  for (auto& r : lab.journal(id))
    if (r.at("kind").as_string() == "step.applied" && r.at("step").as_string() == "record") return to_json_text(r.at("receipt"));
  return "";
}

// The received copy: the host's own file, not the controller's.
void check_installed_copy(const ReleaseLab& lab, std::size_t i, const std::string& installed) {
  CAPTURE(installed);
  CHECK(installed != lab.new_deb.string());
  CHECK((installed.starts_with(lab.far[i].tmp.string() + "/") || installed.starts_with(lab.far[i].state.string() + "/")));
}

TEST_CASE("release push lab: shims, debs and signatures are what the release.push tests rely on") {
  REQUIRE_RELEASE_LAB();
  ReleaseLab lab(kHosts);
  // Each check is one login, which the sshd's log shows (what the refusal
  // test counts to say no host was contacted).
  for (std::size_t i = 0; i < kHosts; ++i) {
    CHECK(lab.logins(i) == 0);
    lab.require_far_side(i);
    CHECK(lab.logins(i) == 1);
  }
  // Built by dpkg-deb: the right fields, and no maintainer scripts.
  auto fields = run_process({"dpkg-deb", "--show", "--showformat", "${Package} ${Version} ${Architecture}", lab.new_deb.string()});
  CHECK(fields.out == "rfix 1.0.1 all");
  CHECK(run_process({"dpkg-deb", "--ctrl-tarfile", lab.new_deb.string()}).out.find("postinst") == std::string::npos);
  // openssl itself agrees with the signature, and refuses one changed byte and another key.
  CHECK(lab.openssl_verifies(lab.new_deb, lab.signature, lab.pub));
  CHECK(!lab.openssl_verifies(lab.old_deb, lab.signature, lab.pub));
  auto other = lab.release / "other.key";
  openssl({"genpkey", "-algorithm", "ed25519", "-out", other.string()});
  openssl({"pkey", "-in", other.string(), "-pubout", "-out", (lab.release / "other.pub").string()});
  CHECK(!lab.openssl_verifies(lab.new_deb, lab.signature, lab.release / "other.pub"));

  lab.preinstall(0, lab.old_deb);
  CHECK(lab.far[0].version() == "1.0.0");
  CHECK(lab.far[0].installed_ok());
  CHECK(testing::slurp(lab.far[0].root / "usr/share/rfix/version") == "1.0.0\n");
  CHECK(lab.far[1].version().empty());
  // A dpkg -i over ssh lands in the host's scratch root, is logged, and
  // never reaches this machine's own dpkg database.
  auto before_here = run_process({"dpkg-query", "-W", "rfix"});
  auto ssh = [&](std::size_t i, const std::string& command) {
    return lab.controller({"ssh", "-F", (lab.lab->dir / "ssh_config").string(), "-o", "BatchMode=yes", "-l", "root", "--",
                           lab.lab->hosts.at(i).address, command});
  };
  auto installed = ssh(0, "dpkg -i " + lab.new_deb.string() + " >/dev/null && dpkg-query -W -f='${db:Status-Abbrev}|${Version}' rfix");
  INFO(installed.err);
  CHECK(installed.out == "ii |1.0.1");
  CHECK(lab.far[0].version() == "1.0.1");
  CHECK(lab.far[0].installs() == std::vector<std::string>{lab.new_deb.string()});
  CHECK(lab.far[1].installs().empty());
  CHECK(run_process({"dpkg-query", "-W", "rfix"}).exit_code == before_here.exit_code);
  CHECK(ssh(1, "lab-health").exit_code == 0);
  std::ofstream(lab.far[1].unhealthy);
  CHECK(ssh(1, "lab-health").exit_code == 1);
  CHECK(ssh(0, "lab-health").exit_code == 0);
  CHECK(lab.far[1].calls_of("health").size() == 2);
}

TEST_CASE("release push: a signed release on 3 ssh hosts is installed once where needed, an already patched host is left alone, and undo rolls back") {
  REQUIRE_RELEASE_PUSH();
  ReleaseLab lab(kHosts);
  set_up_hosts(lab);
  auto before3 = lab.far[2].snapshot();
  auto book = lab.playbook("push", push_step("        health_retries: 1\n" + rollback_line(lab)));

  auto run = lab.responder({"run", book.string(), "--incident", "REL-1", "-i", lab.inventory.string()});
  INFO("RUN exit ", run.exit_code, "\n", run.out, run.err);
  CHECK(run.exit_code == 0);

  for (std::size_t i = 0; i < 2; ++i) {
    CAPTURE(i);
    auto& h = lab.far[i];
    INFO("calls:\n", testing::slurp(h.calls));
    CHECK(h.version() == "1.0.1");
    CHECK(h.installed_ok());
    CHECK(testing::slurp(h.root / "usr/share/rfix/version") == "1.0.1\n");
    auto installs = h.installs();
    REQUIRE(installs.size() == 1);
    check_installed_copy(lab, i, installs[0]);
    // The backup ran once, before the install, with every placeholder
    // filled on the host.
    auto backups = h.calls_of("backup");
    REQUIRE(backups.size() == 1);
    CHECK(backups[0].size() == 5);
    if (backups[0].size() == 5) {
      CHECK(backups[0][2] == "rfix");
      CHECK(backups[0][3] == "1.0.1");
      CHECK(backups[0][4] == "1.0.0");
      CHECK(testing::slurp(std::filesystem::path(backups[0][1]) / "version") == "1.0.0");
    }
    CHECK(h.calls_of("health").size() == 1);
    CHECK(h.tmp_empty());
  }
  // lab3 already has 1.0.1: nothing installed, backed up or checked there.
  CHECK(lab.far[2].snapshot() == before3);
  CHECK(lab.far[2].installs().empty());
  CHECK(lab.far[2].calls_of("backup").empty());
  CHECK(lab.far[2].calls_of("health").empty());
  CHECK(lab.far[2].tmp_empty());

  auto verified = lab.per_host("REL-1", "step.verified", "patch");
  CHECK(verified.size() == kHosts);
  for (auto& [host, records] : verified) CHECK_MESSAGE(records.size() == 1, host);
  CHECK(lab.per_host("REL-1", "step.failed", "patch").empty());
  auto out1 = lab.output("REL-1", "patch", "lab1");
  auto out3 = lab.output("REL-1", "patch", "lab3");
  INFO("lab1 output: ", to_json_text(out1), "\nlab3 output: ", to_json_text(out3));
  CHECK(text_of(out1, "state") == "patched");
  CHECK(text_of(out1, "version_before") == "1.0.0");
  CHECK(text_of(out1, "version") == "1.0.1");
  CHECK(text_of(out1, "package") == "rfix");
  CHECK(text_of(lab.output("REL-1", "patch", "lab2"), "state") == "patched");
  CHECK(text_of(out3, "state") == "already-patched");
  CHECK(text_of(out3, "version") == "1.0.1");
  auto note = noted(lab, "REL-1");
  INFO("note: ", note);
  CHECK(note.find("lab1=patched lab2=patched lab3=already-patched from=1.0.0 to=1.0.1 package=rfix") != std::string::npos);

  auto status = lab.responder({"status", "REL-1"});
  INFO("STATUS\n", status.out, status.err);
  CHECK(status.exit_code == 0);
  for (auto* host : {"lab1", "lab2", "lab3"}) CHECK_MESSAGE(status.out.find(std::string(host) + "  verified") != std::string::npos, host);

  auto undo = lab.responder({"undo", "REL-1"});
  INFO("UNDO exit ", undo.exit_code, "\n", undo.out, undo.err);
  CHECK(undo.exit_code == 0);
  for (std::size_t i = 0; i < 2; ++i) {
    CAPTURE(i);
    CHECK(lab.far[i].version() == "1.0.0");
    CHECK(lab.far[i].installed_ok());
    auto installs = lab.far[i].installs();
    CHECK(installs.size() == 2);
    if (installs.size() == 2) CHECK(installs[1] == lab.old_deb.string());
  }
  CHECK(lab.far[2].snapshot() == before3);
  CHECK(lab.far[2].installs().empty());
  auto undone = lab.per_host("REL-1", "step.undone", "patch");
  CHECK(undone.count("lab1") == 1);
  CHECK(undone.count("lab2") == 1);
}

TEST_CASE("release push: a host whose health check fails is rolled back and fails its step, the others are patched") {
  REQUIRE_RELEASE_PUSH();
  ReleaseLab lab(kHosts);
  set_up_hosts(lab);
  auto before3 = lab.far[2].snapshot();
  std::ofstream(lab.far[1].unhealthy);
  // The signature in base64 this time, named with the key explicitly.
  openssl({"base64", "-in", lab.signature.string(), "-out", (lab.release / "rfix_1.0.1_all.deb.sig.b64").string()});
  auto book = lab.playbook("health", push_step("        signature: rfix_1.0.1_all.deb.sig.b64\n"
                                               "        key: release\n"
                                               "        health_retries: 2\n" +
                                               rollback_line(lab)));

  auto run = lab.responder({"run", book.string(), "--incident", "REL-2", "-i", lab.inventory.string()});
  INFO("RUN exit ", run.exit_code, "\n", run.out, run.err);
  CHECK(run.exit_code == 1);

  {
    auto& h = lab.far[1];
    INFO("lab2 calls:\n", testing::slurp(h.calls));
    CHECK(h.version() == "1.0.0");
    CHECK(h.installed_ok());
    CHECK(testing::slurp(h.root / "usr/share/rfix/version") == "1.0.0\n");
    auto installs = h.installs();
    REQUIRE(installs.size() == 2);
    check_installed_copy(lab, 1, installs[0]);
    CHECK(installs[1] == lab.old_deb.string());  // the rollback
    CHECK(h.calls_of("health").size() == 2);  // health_retries: 2 tries in all
    CHECK(h.calls_of("backup").size() == 1);
    CHECK(h.tmp_empty());
  }
  CHECK(lab.far[0].version() == "1.0.1");
  CHECK(lab.far[0].installs().size() == 1);
  CHECK(lab.far[0].calls_of("health").size() == 1);
  CHECK(lab.far[2].snapshot() == before3);
  CHECK(lab.far[2].installs().empty());

  auto failed = lab.per_host("REL-2", "step.failed", "patch");
  REQUIRE(failed.count("lab2") == 1);
  CHECK(failed.size() == 1);
  auto& record = failed["lab2"].back();
  INFO("lab2 step.failed: ", to_json_text(record));
  CHECK(record.at("final").as_bool());
  // Said rolled back: in the failure, or in a receipt of lab2 saying so.
  std::string error = text_of(record, "error");
  CHECK((error.find("rolled back") != std::string::npos || error.find("rolled-back") != std::string::npos ||
         text_of(lab.output("REL-2", "patch", "lab2"), "state") == "rolled-back"));
  auto verified = lab.per_host("REL-2", "step.verified", "patch");
  CHECK(verified.count("lab1") == 1);
  CHECK(verified.count("lab3") == 1);
  CHECK(verified.count("lab2") == 0);

  auto status = lab.responder({"status", "REL-2"});
  INFO("STATUS\n", status.out, status.err);
  CHECK(status.out.find("lab1  verified") != std::string::npos);
  CHECK(status.out.find("lab2  failed") != std::string::npos);
  CHECK(status.out.find("lab3  verified") != std::string::npos);

  // Undo acts where the release is in force: lab1 only.
  auto undo = lab.responder({"undo", "REL-2"});
  INFO("UNDO exit ", undo.exit_code, "\n", undo.out, undo.err);
  CHECK(undo.exit_code == 0);
  CHECK(lab.far[0].version() == "1.0.0");
  CHECK(lab.far[1].version() == "1.0.0");
  CHECK(lab.far[1].installs().size() == 2);
  CHECK(lab.far[2].snapshot() == before3);
}

TEST_CASE("release push: a tampered artifact, another signer or another configured key is refused before any host is contacted") {
  REQUIRE_RELEASE_PUSH();
  ReleaseLab lab(kHosts);
  set_up_hosts(lab);
  std::vector<std::string> before;
  std::vector<int> logins;
  for (std::size_t i = 0; i < kHosts; ++i) {
    before.push_back(lab.far[i].snapshot());
    logins.push_back(lab.logins(i));
    std::ofstream(lab.far[i].calls, std::ios::trunc);  // what set-up's checks logged
  }

  // One byte of the artifact changed after signing, beside its signature.
  std::filesystem::create_directories(lab.release / "tampered");
  std::string bytes = testing::slurp(lab.new_deb);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 1);
  std::ofstream(lab.release / "tampered/rfix_1.0.1_all.deb", std::ios::binary) << bytes;
  std::filesystem::copy_file(lab.signature, lab.release / "tampered/rfix_1.0.1_all.deb.sig");
  REQUIRE(!lab.openssl_verifies(lab.release / "tampered/rfix_1.0.1_all.deb", lab.signature, lab.pub));
  // Signed by someone else's key.
  auto other_key = lab.release / "other.key", other_pub = lab.release / "other.pub";
  openssl({"genpkey", "-algorithm", "ed25519", "-out", other_key.string()});
  openssl({"pkey", "-in", other_key.string(), "-pubout", "-out", other_pub.string()});
  auto other_sig = lab.sign(lab.new_deb, other_key, lab.release / "rfix_1.0.1_all.deb.other.sig");
  REQUIRE(!lab.openssl_verifies(lab.new_deb, other_sig, lab.pub));
  // A controller that trusts another key as `release`.
  auto other_config = lab.scratch / "other-key.yaml";
  {
    std::string text = testing::slurp(lab.config);
    auto at = text.find(lab.pub.string());
    REQUIRE(at != std::string::npos);
    text.replace(at, lab.pub.string().size(), other_pub.string());
    std::ofstream(other_config) << text;
  }

  struct Case {
    std::string id;
    std::string with;
    std::filesystem::path config;
  };
  std::vector<Case> cases = {
      {"BAD-1", "        artifact: tampered/rfix_1.0.1_all.deb\n", {}},
      {"BAD-2", "        artifact: rfix_1.0.1_all.deb\n        signature: rfix_1.0.1_all.deb.other.sig\n", {}},
      {"BAD-3", "        artifact: rfix_1.0.1_all.deb\n", other_config},
  };
  for (auto& c : cases) {
    CAPTURE(c.id);
    auto book = lab.playbook("bad-" + c.id,
                             "  accelerated-release:\n"
                             "    - id: patch\n"
                             "      module: release.push\n"
                             "      targets: web\n"
                             "      with:\n" +
                                 c.with + rollback_line(lab));
    auto run = lab.responder({"run", book.string(), "--incident", c.id, "-i", lab.inventory.string()}, c.config);
    INFO("RUN exit ", run.exit_code, "\n", run.out, run.err);
    CHECK(run.exit_code == 3);
    // Said by the step's report, with what was not done.
    CHECK((run.out + run.err).find("does not verify") != std::string::npos);
    CHECK((run.out + run.err).find("nothing was sent to any host") != std::string::npos);
    for (std::size_t i = 0; i < kHosts; ++i) {
      CAPTURE(i);
      CHECK(lab.logins(i) == logins[i]);
      CHECK(lab.far[i].snapshot() == before[i]);
      CHECK(testing::slurp(lab.far[i].calls).empty());
    }
    // The journal holds the refusal, and nothing of any host: no per-host
    // step record (incident.opened's `host` is this machine's name).
    auto journal = lab.journal(c.id);
    CHECK(!journal.empty());
    for (auto& r : journal) {
      INFO(to_json_text(r));
      std::string kind(r.at("kind").as_string());
      CHECK(!(kind.starts_with("step.") && r.contains("host")));
      CHECK(kind != "step.started");
      CHECK(kind != "step.planned");
      CHECK(kind != "step.hosts");
    }
  }
}

TEST_CASE("release push: a host without the package is not affected, and without rollback undo leaves the release in force and says why") {
  REQUIRE_RELEASE_PUSH();
  ReleaseLab lab(kHosts);
  set_up_hosts(lab, "");
  auto before3 = lab.far[2].snapshot();
  auto book = lab.playbook("norollback", push_step("        health_retries: 1\n"));

  auto run = lab.responder({"run", book.string(), "--incident", "REL-4", "-i", lab.inventory.string()});
  INFO("RUN exit ", run.exit_code, "\n", run.out, run.err);
  CHECK(run.exit_code == 0);
  CHECK(lab.far[0].version() == "1.0.1");
  CHECK(lab.far[1].version() == "1.0.1");
  CHECK(lab.far[2].version().empty());
  CHECK(lab.far[2].snapshot() == before3);
  CHECK(lab.far[2].installs().empty());
  CHECK(lab.far[2].calls_of("backup").empty());
  CHECK(text_of(lab.output("REL-4", "patch", "lab3"), "state") == "not-affected");
  CHECK(text_of(lab.output("REL-4", "patch", "lab1"), "state") == "patched");
  CHECK(lab.per_host("REL-4", "step.verified", "patch").size() == kHosts);
  auto note = noted(lab, "REL-4");
  INFO("note: ", note);
  CHECK(note.find("lab1=patched lab2=patched lab3=not-affected") != std::string::npos);

  auto undo = lab.responder({"undo", "REL-4"});
  INFO("UNDO exit ", undo.exit_code, "\n", undo.out, undo.err);
  // Not undone, and said so: the release stays in force for want of a rollback.
  CHECK(undo.exit_code != 0);
  CHECK((undo.out + undo.err).find("rollback") != std::string::npos);
  for (std::size_t i = 0; i < 2; ++i) {
    CAPTURE(i);
    CHECK(lab.far[i].version() == "1.0.1");
    CHECK(lab.far[i].installs().size() == 1);
  }
  CHECK(lab.far[2].snapshot() == before3);
}

}  // namespace
}  // namespace responder::release::lab_test
