// A lab for release.push end to end: ssh hosts of sshd_lab.h (network
// namespaces with real sshds), each with a scratch dpkg root of its own, a
// release signed with the openssl commands a user types, and the controller
// configuration that names the key.
//
// Lab hosts share this machine's files, so a real `dpkg -i` there would
// install onto this machine. Each host's sessions therefore get (sshd's
// SetEnv) a PATH whose first directory holds a `dpkg` and a `dpkg-query`
// that run the real ones with --root=<the host's scratch root>, after
// logging their arguments to <host>/calls; a RESPONDER_CONFIG of the host's
// own (release.state_dir under the host's directory, as hosts that share
// these files must not share their state); and a TMPDIR of its own, where the
// far side keeps the received artifact. The same directory holds the
// commands the playbooks run there: `lab-health` (fails while
// <host>/unhealthy exists) and `lab-note WORDS` (appends WORDS to
// <host>/calls). The test checks over the same ssh that the far side finds
// them before anything is run (require_far_side).
//
//   <scratch>/hostN/{root,bin,tmp,release-state,responder.yaml,calls}
//   <scratch>/release/{rfix_1.0.0_all.deb,rfix_1.0.1_all.deb,.sig,release.key,release.pub,*.yaml}
//   <scratch>/incidents, responder.yaml (controller), hosts.ini (group web: lab1..)
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "responder/json.h"
#include "tests/responder/targets/sshd_lab.h"
#include "tests/support/process.h"

namespace responder::release::lab_test {

using testing::ProcessResult;
using testing::TempDir;
using testing::run_process;
using testing::slurp;

// Why this lab's tools are missing here, or "".
inline std::string release_tools_missing() {
  if (run_process({"sh", "-c", "command -v dpkg-deb && command -v dpkg && command -v dpkg-query"}).exit_code != 0)
    return "dpkg-deb, dpkg or dpkg-query is missing (Debian package dpkg)";
  if (run_process({"openssl", "version"}).exit_code != 0) return "the openssl command is missing (Debian package openssl)";
  return "";
}

inline void write_script(const std::filesystem::path& file, const std::string& body) {
  std::ofstream(file) << "#!/bin/sh\n" << body;
  std::filesystem::permissions(file, std::filesystem::perms::owner_all);
}

// `'text'` for sh, whatever text holds.
inline std::string sh_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

inline void openssl(const std::vector<std::string>& args, const std::filesystem::path& cwd = {}) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_process(argv, {}, cwd);
  INFO("openssl ", args.front(), ": ", r.err);
  REQUIRE(r.exit_code == 0);
}

// One far-side host's files.
struct ReleaseHost {
  std::filesystem::path dir, root, bin, tmp, state, config, calls, unhealthy;

  // Each line of <host>/calls as its words.
  std::vector<std::vector<std::string>> calls_made() const {
    std::vector<std::vector<std::string>> out;
    std::istringstream in(slurp(calls));
    for (std::string line; std::getline(in, line);) {
      std::istringstream words(line);
      std::vector<std::string> call;
      for (std::string w; words >> w;) call.push_back(w);
      if (!call.empty()) out.push_back(std::move(call));
    }
    return out;
  }
  // The `dpkg -i`/`dpkg --install` calls made there, each as its last
  // argument (the package file).
  std::vector<std::string> installs() const {
    std::vector<std::string> out;
    for (auto& call : calls_made()) {
      if (call[0] != "dpkg") continue;
      bool install = false;
      for (auto& w : call) install = install || w == "-i" || w == "--install";
      if (install) out.push_back(call.back());
    }
    return out;
  }
  // The calls whose first word is `first` (a lab-note's tag, `health`, `dpkg-query`).
  std::vector<std::vector<std::string>> calls_of(const std::string& first) const {
    std::vector<std::vector<std::string>> out;
    for (auto& call : calls_made())
      if (call[0] == first) out.push_back(call);
    return out;
  }
  // What the host's dpkg database and the package's payload hold: equal
  // before and after means nothing was installed or removed there.
  std::string snapshot() const {
    return slurp(root / "var/lib/dpkg/status") + "\n--\n" + slurp(root / "usr/share/rfix/version");
  }
  // "Version: X" of rfix in this root, asked of the real dpkg from the test
  // (outside ssh); "" when not installed.
  std::string version() const {
    auto r = run_process({"/usr/bin/dpkg", "--root=" + root.string(), "-s", "rfix"});
    if (r.exit_code != 0) return "";
    auto at = r.out.find("\nVersion: ");
    if (at == std::string::npos) return "";
    at += 10;
    return r.out.substr(at, r.out.find('\n', at) - at);
  }
  bool installed_ok() const {
    return run_process({"/usr/bin/dpkg", "--root=" + root.string(), "-s", "rfix"}).out.find("Status: install ok installed") !=
           std::string::npos;
  }
  bool tmp_empty() const { return std::filesystem::is_empty(tmp); }
};

class ReleaseLab {
 public:
  TempDir scratch;
  std::vector<ReleaseHost> far;
  std::unique_ptr<lab::SshdLab> lab;
  std::filesystem::path home = scratch / "incidents";
  std::filesystem::path config = scratch / "responder.yaml";
  std::filesystem::path inventory = scratch / "hosts.ini";
  std::filesystem::path release = scratch / "release";  // the playbooks' folder, with the artifacts
  std::filesystem::path old_deb, new_deb, signature, key, pub;

  explicit ReleaseLab(int count) {
    std::vector<std::string> extra;
    for (int i = 0; i < count; ++i) {
      ReleaseHost h;
      h.dir = scratch / ("host" + std::to_string(i + 1));
      h.root = h.dir / "root";
      h.bin = h.dir / "bin";
      h.tmp = h.dir / "tmp";
      h.state = h.dir / "release-state";
      h.config = h.dir / "responder.yaml";
      h.calls = h.dir / "calls";
      h.unhealthy = h.dir / "unhealthy";
      for (auto* d : {&h.bin, &h.tmp}) std::filesystem::create_directories(*d);
      std::filesystem::create_directories(h.root / "var/lib/dpkg/info");
      std::filesystem::create_directories(h.root / "var/lib/dpkg/updates");
      std::ofstream(h.root / "var/lib/dpkg/status");
      std::ofstream(h.calls);
      std::string log = "printf '%s\\n' \"$(basename \"$0\") $*\" >> " + sh_quote(h.calls.string()) + "\n";
      write_script(h.bin / "dpkg", log + "exec /usr/bin/dpkg --root=" + sh_quote(h.root.string()) + " \"$@\"\n");
      write_script(h.bin / "dpkg-query", log + "exec /usr/bin/dpkg-query --root=" + sh_quote(h.root.string()) + " \"$@\"\n");
      write_script(h.bin / "lab-health",
                   "printf 'health\\n' >> " + sh_quote(h.calls.string()) + "\ntest ! -e " + sh_quote(h.unhealthy.string()) + "\n");
      write_script(h.bin / "lab-note", "printf '%s\\n' \"$*\" >> " + sh_quote(h.calls.string()) + "\n");
      std::ofstream(h.config) << "release:\n  state_dir: " << h.state.string() << "\n";
      extra.push_back("SetEnv PATH=" + h.bin.string() + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TMPDIR=" +
                      h.tmp.string() + " RESPONDER_CONFIG=" + h.config.string());
      far.push_back(h);
    }
    lab = std::make_unique<lab::SshdLab>(count, extra);
    lab->write_run_files(config, inventory);
    std::filesystem::create_directories(release);
    old_deb = build_deb("rfix", "1.0.0");
    new_deb = build_deb("rfix", "1.0.1");
    key = release / "release.key";
    pub = release / "release.pub";
    // As a user makes and uses the key (release/artifact_signature.h).
    openssl({"genpkey", "-algorithm", "ed25519", "-out", key.string()});
    openssl({"pkey", "-in", key.string(), "-pubout", "-out", pub.string()});
    signature = sign(new_deb, key);
    // The controller's configuration gets the release key (write_run_files
    // writes `targets:` only).
    std::ofstream(config, std::ios::app) << "keys:\n  release: " << pub.string() << "\n";
  }

  // A package `name` of `version` (Architecture: all, no maintainer
  // scripts) whose payload is usr/share/<name>/version holding the version,
  // built with dpkg-deb in the playbooks' folder.
  std::filesystem::path build_deb(const std::string& name, const std::string& version) const {
    auto tree = scratch / ("tree-" + name + "-" + version);
    std::filesystem::create_directories(tree / "DEBIAN");
    std::filesystem::create_directories(tree / "usr/share" / name);
    std::ofstream(tree / "DEBIAN/control") << "Package: " << name << "\nVersion: " << version
                                           << "\nArchitecture: all\nMaintainer: test <test@example.org>\n"
                                              "Description: a stand-in for an emergency fix\n";
    std::ofstream(tree / "usr/share" / name / "version") << version << "\n";
    auto deb = release / (name + "_" + version + "_all.deb");
    auto built = run_process({"dpkg-deb", "--root-owner-group", "--build", tree.string(), deb.string()});
    INFO(built.err);
    REQUIRE(built.exit_code == 0);
    std::filesystem::remove_all(tree);
    return deb;
  }

  // `openssl pkeyutl -sign -rawin`, into FILE.sig unless told otherwise.
  std::filesystem::path sign(const std::filesystem::path& file, const std::filesystem::path& with_key,
                             std::filesystem::path out = {}) const {
    if (out.empty()) out = file.string() + ".sig";
    openssl({"pkeyutl", "-sign", "-rawin", "-inkey", with_key.string(), "-in", file.string(), "-out", out.string()});
    return out;
  }
  // The check a user makes with openssl.
  bool openssl_verifies(const std::filesystem::path& file, const std::filesystem::path& sig,
                        const std::filesystem::path& with_pub) const {
    return run_process({"openssl", "pkeyutl", "-verify", "-rawin", "-pubin", "-inkey", with_pub.string(), "-in", file.string(),
                        "-sigfile", sig.string()})
               .exit_code == 0;
  }

  // Installs `deb` into host i's root with the real dpkg, from the test.
  void preinstall(std::size_t i, const std::filesystem::path& deb) const {
    auto r = run_process({"/usr/bin/dpkg", "--root=" + far.at(i).root.string(), "-i", deb.string()});
    INFO(r.out, r.err);
    REQUIRE(r.exit_code == 0);
  }

  // Over the lab's ssh, what host i's sessions find: the shims first in
  // PATH, the host's own configuration and TMPDIR. The test never lets a
  // real dpkg -i reach this machine's own root.
  void require_far_side(std::size_t i) const {
    auto found = controller({"ssh", "-F", (lab->dir / "ssh_config").string(), "-o", "BatchMode=yes", "-l", "root", "--",
                             lab->hosts.at(i).address,
                             "command -v dpkg; command -v dpkg-query; command -v lab-health; printf '%s\\n' \"$RESPONDER_CONFIG\" "
                             "\"$TMPDIR\""});
    INFO(found.err, lab->log(i));
    auto& h = far.at(i);
    REQUIRE(found.out == (h.bin / "dpkg").string() + "\n" + (h.bin / "dpkg-query").string() + "\n" +
                             (h.bin / "lab-health").string() + "\n" + h.config.string() + "\n" + h.tmp.string() + "\n");
  }

  // Host i's sshd has accepted this many logins so far.
  int logins(std::size_t i) const { return lab->logins(i); }

  std::filesystem::path playbook(const std::string& name, const std::string& steps) const {
    auto file = release / (name + ".yaml");
    std::ofstream(file) << "name: " << name << "\ndescription: release push test\nseverity: important\nstages:\n" << steps;
    return file;
  }

  ProcessResult controller(std::vector<std::string> argv) const {
    argv.insert(argv.begin(), {"ip", "netns", "exec", lab->controller});
    return run_process(argv);
  }
  // The command line as a responder types it, from the controller's
  // namespace, with this lab's configuration (or `with_config`).
  ProcessResult responder(const std::vector<std::string>& args, const std::filesystem::path& with_config = {}) const {
    std::vector<std::string> argv{RESPONDER_BINARY, "--config", (with_config.empty() ? config : with_config).string(), "--home",
                                  home.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return controller(argv);
  }

  std::vector<json::object> journal(const std::string& id) const {
    std::vector<json::object> records;
    std::ifstream in(home / id / "journal.jsonl");
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      try {
        records.push_back(parse_json(line).as_object());
      } catch (const std::exception&) {
      }
    }
    return records;
  }
  // Records of `kind` for `step`, by host.
  std::map<std::string, std::vector<json::object>> per_host(const std::string& id, const std::string& kind,
                                                             const std::string& step) const {
    std::map<std::string, std::vector<json::object>> out;
    for (auto& r : journal(id))
      if (r.at("kind").as_string() == kind && r.contains("host") && r.contains("step") && r.at("step").as_string() == step)
        out[std::string(r.at("host").as_string())].push_back(r);
    return out;
  }
  // The register output (`receipt.output`) journaled for `step` on `host`.
  json::object output(const std::string& id, const std::string& step, const std::string& host) const {
    auto applied = per_host(id, "step.applied", step);
    auto it = applied.find(host);
    if (it == applied.end() || it->second.empty()) return {};
    auto* receipt = it->second.back().if_contains("receipt");
    if (!receipt || !receipt->is_object()) return {};
    auto* out = receipt->as_object().if_contains("output");
    return out && out->is_object() ? out->as_object() : json::object{};
  }
};

inline std::string text_of(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace responder::release::lab_test
