// The playbooks shipped to users validate, and in a build with every module
// they name, without a single warning.
#include <doctest/doctest.h>

#include <filesystem>

#include "responder/module.h"
#include "responder/playbook_loader.h"
#include "tests/support/process.h"

using namespace responder;

TEST_CASE("every shipped playbook validates") {
  int count = 0;
  for (auto& entry : std::filesystem::directory_iterator(std::filesystem::path(RESPONDER_SOURCE_DIR) / "playbooks")) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    CAPTURE(entry.path().string());
    auto loaded = load_playbook_file(entry.path());
    for (auto& d : loaded.diagnostics) {
      INFO(d.format());
      bool module_missing = d.message.find("is not in this build yet") != std::string::npos;
      CHECK((d.warning && module_missing));
    }
    REQUIRE(loaded.playbook.has_value());
    bool complete = true;
    for (const Step* step : loaded.playbook->all_steps())
      complete = complete && ModuleRegistry::instance().find(step->module) != nullptr;
    if (complete) CHECK(loaded.diagnostics.empty());
  }
  CHECK(count >= 2);
}

TEST_CASE("worm-outbreak and emergency-patch plan over an inventory: company-wide notice, the worm's ports blocked both ways, services masked, the patch canary first, and nothing changes") {
  responder::testing::TempDir dir;
  auto inventory = dir.write("hosts.ini", "localhost ansible_connection=local\n");
  auto patch = dir.write("fix_1.0.1_all.deb", "not a real package\n");
  const std::string source(RESPONDER_SOURCE_DIR);
  auto worm = responder::testing::run_process({RESPONDER_BINARY, "plan", source + "/playbooks/worm-outbreak.yaml", "-i",
                                               inventory.string(), "--var", "patch=" + patch.string()},
                                              {"RESPONDER_CONFIG="});
  INFO(worm.out, worm.err);
  CHECK(worm.out.find("tell-everyone [notify.send], on failure continue") != std::string::npos);
  CHECK(worm.out.find("block-worm-ports [firewall.block] on all, needs 1 approval(s)") != std::string::npos);
  CHECK(worm.out.find("on port(s) 139,445 (tcp)") != std::string::npos);
  CHECK(worm.out.find("stop-vulnerable-services [service.stop] on all") != std::string::npos);
  CHECK(worm.out.find("push-patch [release.push] on all") != std::string::npos);
  CHECK(worm.out.find("nothing was changed.") != std::string::npos);
  auto patching = responder::testing::run_process({RESPONDER_BINARY, "plan", source + "/playbooks/emergency-patch.yaml", "-i",
                                                   inventory.string(), "--var", "patch=" + patch.string()},
                                                  {"RESPONDER_CONFIG="});
  INFO(patching.out, patching.err);
  CHECK(patching.out.find("push-patch [release.push] on all, needs 1 approval(s)") != std::string::npos);
  // Without the release key nothing could be checked, and the plan says what to configure.
  CHECK(patching.out.find("the configuration has no key `release` under `keys:`") != std::string::npos);
}
