// The playbooks shipped to users validate, and in a build with every module
// they name, without a single warning.
#include <doctest/doctest.h>

#include <filesystem>

#include "responder/module.h"
#include "responder/playbook_loader.h"

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
