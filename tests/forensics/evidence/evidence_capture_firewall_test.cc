// evidence.capture of the firewall in a network namespace with no ruleset:
// an empty ruleset is recorded as what was seen, not as a parse failure.
#include <doctest/doctest.h>

#include <unistd.h>

#include "tests/support/process.h"
#include "tests/support/skip.h"

using namespace responder::testing;

TEST_CASE("evidence.capture of an empty ruleset records it as empty, not as a failure") {
  RESPONDER_SKIP_WHEN(::geteuid() == 0 ? "" : "needs root to make a network namespace");
  TempDir dir;
  std::string ns = "rfw" + std::to_string(::getpid());
  REQUIRE(run_process({"ip", "netns", "add", ns}).exit_code == 0);
  struct Cleanup {
    std::string ns;
    std::filesystem::path dir;
    ~Cleanup() {
      run_process({"ip", "netns", "del", ns});
      run_process({"chattr", "-R", "-i", "-a", dir.string()});
    }
  } cleanup{ns, dir.path()};
  auto playbook = dir.write("p.yaml", "name: fw\nstages:\n  analyze:\n    - id: capture\n      module: evidence.capture\n"
                                      "      with: {artifacts: [firewall]}\n");
  auto run = run_process({"ip", "netns", "exec", ns, RESPONDER_BINARY, "--home", (dir / "incidents").string(), "run",
                          playbook.string(), "--incident", "FW-1"},
                         {"RESPONDER_CONFIG="});
  INFO(run.out, run.err);
  REQUIRE(run.exit_code == 0);
  std::string records;
  for (auto& item : std::filesystem::directory_iterator(dir / "incidents" / "FW-1" / "evidence" / "items"))
    if (item.path().filename().string().find("firewall") != std::string::npos) records += slurp(item.path());
  INFO(records);
  CHECK(records.find("\"ruleset\":\"empty\"") != std::string::npos);
  CHECK(records.find("could not be parsed") == std::string::npos);
}
