// baseline.compare against the real package database, beside dpkg --verify:
// a throw-away package is built with dpkg-deb, installed, one of its files
// and its conffile changed, and both must name the same files. The package
// is purged at scope exit, also when a check fails.
#include <doctest/doctest.h>
#include <unistd.h>

#include <set>
#include <sstream>

#include "baseline_lab.h"
#include "responder/module.h"
#include "../../support/skip.h"

using namespace responder;
using namespace responder::baseline::testing;
using responder::testing::run_process;

namespace {

class InstalledPackage {
 public:
  explicit InstalledPackage(std::string name) : name_(std::move(name)) {}
  ~InstalledPackage() { run_process({"dpkg", "--purge", name_}); }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

}  // namespace

TEST_CASE("baseline.compare: reports the same changed packaged files as dpkg --verify, conffiles apart") {
  RESPONDER_SKIP_WHEN(::geteuid() != 0 ? "needs root to install a package with dpkg -i" : "");
  RESPONDER_SKIP_WHEN(run_process({"dpkg-deb", "--version"}).exit_code != 0 ? "dpkg-deb is not installed" : "");
  std::string id = std::to_string(::getpid());
  std::string name = "responder-test-pkg-" + id;
  std::string share = "/usr/share/" + name, conf = "/etc/responder-test-" + id + ".conf";
  TempDir build;
  auto root = build / "pkg";
  put(root, "/DEBIAN/control",
      "Package: " + name + "\nVersion: 1.0\nArchitecture: all\nMaintainer: responder tests <tests@example.org>\n"
      "Description: throw-away package of the baseline tests\n");
  put(root, "/DEBIAN/conffiles", conf + "\n");
  put(root, share + "/kept.txt", "unchanged\n");
  put(root, share + "/changed.txt", "original\n");
  put(root, share + "/run.sh", "#!/bin/sh\necho original\n", 0755);
  put(root, conf, "setting = 1\n");
  // The MD5 sums dpkg keeps (as dh_md5sums writes them), for every file but the conffile.
  std::string sums;
  for (const char* f : {"/kept.txt", "/changed.txt", "/run.sh"})
    sums += md5_of_file(root.string() + share + f) + "  " + share.substr(1) + f + "\n";
  put(root, "/DEBIAN/md5sums", sums);
  auto deb = (build / (name + ".deb")).string();
  auto built = run_process({"dpkg-deb", "--root-owner-group", "--build", root.string(), deb});
  REQUIRE_MESSAGE(built.exit_code == 0, built.err);
  InstalledPackage package(name);
  auto installed = run_process({"dpkg", "-i", deb});
  REQUIRE_MESSAGE(installed.exit_code == 0, installed.err);

  const Module* module = ModuleRegistry::instance().find("baseline.compare");
  REQUIRE(module != nullptr);
  json::object params{{"packages", true}, {"paths", json::array{share, conf}}, {"root", "/"}};
  StepContext context;
  auto clean = module->apply(params, context);
  REQUIRE_MESSAGE(clean.ok(), (clean.ok() ? "" : clean.error().message));
  CHECK(clean->output.at("verdict") == "clean");

  put(std::filesystem::path("/"), share + "/changed.txt", "tampered\n");
  put(std::filesystem::path("/"), share + "/run.sh", "#!/bin/sh\necho tampered\n", 0755);
  put(std::filesystem::path("/"), conf, "setting = 2\n");
  auto verify = run_process({"dpkg", "--verify", name});
  std::set<std::string> by_dpkg, dpkg_conffiles;
  std::istringstream lines(verify.out);
  for (std::string line; std::getline(lines, line);) {
    auto slash = line.find(" /");
    if (slash == std::string::npos) continue;
    by_dpkg.insert(line.substr(slash + 1));
    if (line.find(" c /") != std::string::npos) dpkg_conffiles.insert(line.substr(slash + 1));
  }
  INFO(verify.out);
  REQUIRE(by_dpkg.size() == 3);

  auto found = module->apply(params, context);
  REQUIRE_MESSAGE(found.ok(), (found.ok() ? "" : found.error().message));
  INFO(to_json_text(found->output));
  std::set<std::string> by_us, our_conffiles;
  auto& packages = found->output.at("packages").as_object();
  for (auto& m : packages.at("changed").as_array()) by_us.insert(std::string(m.as_object().at("path").as_string()));
  for (auto& m : packages.at("changed_conffiles").as_array()) {
    by_us.insert(std::string(m.as_object().at("path").as_string()));
    our_conffiles.insert(std::string(m.as_object().at("path").as_string()));
  }
  CHECK(by_us == by_dpkg);
  CHECK(our_conffiles == dpkg_conffiles);
  CHECK(our_conffiles == std::set<std::string>{conf});
  CHECK(found->output.at("verdict") == "rebuild");
  auto& tampered = found->output.at("tampered").as_array();
  CHECK(std::find(tampered.begin(), tampered.end(), json::value(share + "/run.sh")) != tampered.end());
}

TEST_CASE("baseline.compare: the module refuses a tampered baseline at plan, before anything is read") {
  TempDir dir;
  auto key = make_key(dir.path());
  dir.write("b.jsonl.gz", "not even gzip");
  dir.write("b.jsonl.gz.sig", "{\"format\":\"responder-baseline-signature\",\"version\":1,\"sha256\":\"00\",\"size\":1}");
  const Module* module = ModuleRegistry::instance().find("baseline.compare");
  REQUIRE(module != nullptr);
  CHECK_FALSE(module->undoable());
  json::object params{{"baseline", (dir / "b.jsonl.gz").string()}, {"public_key", key.public_pem.string()}, {"packages", true}, {"root", "/"}};
  StepContext context;
  auto plan = module->plan(params, context);
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.error().kind == ErrorKind::refused);
  auto apply = module->apply(params, context);
  REQUIRE_FALSE(apply.ok());
  CHECK(apply.error().kind == ErrorKind::refused);
}
