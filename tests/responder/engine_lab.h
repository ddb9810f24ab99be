// A throw-away incident home and the responder-test binary, for end-to-end
// engine tests through the real command line.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "responder/incident_state.h"
#include "responder/journal.h"
#include "tests/support/process.h"

namespace responder::testing {

struct EngineLab {
  TempDir dir;
  std::filesystem::path marks = dir / "marks";

  // Runs `responder-test --home HOME ARGS...`.
  ProcessResult responder(std::vector<std::string> args, std::vector<std::string> env = {}) const {
    args.insert(args.begin(), {RESPONDER_TEST_BINARY, "--home", (dir / "incidents").string()});
    env.push_back("RESPONDER_CONFIG=");
    return run_process(args, env);
  }
  std::unique_ptr<Process> start(std::vector<std::string> args, std::vector<std::string> env = {}) const {
    args.insert(args.begin(), {RESPONDER_TEST_BINARY, "--home", (dir / "incidents").string()});
    env.push_back("RESPONDER_CONFIG=");
    return std::make_unique<Process>(args, env);
  }
  std::filesystem::path playbook(const std::string& text) const { return dir.write("playbook.yaml", text); }
  std::filesystem::path journal(const std::string& id) const { return dir / "incidents" / id / "journal.jsonl"; }

  IncidentState state(const std::string& id) const {
    auto contents = read_journal(journal(id));
    REQUIRE(contents.ok());
    auto s = derive_state(id, *contents);
    REQUIRE(s.ok());
    return *s;
  }
  std::vector<JournalRecord> records(const std::string& id, const std::string& kind = "") const {
    auto contents = read_journal(journal(id));
    REQUIRE(contents.ok());
    std::vector<JournalRecord> out;
    for (auto& r : contents->records)
      if (kind.empty() || r.kind == kind) out.push_back(r);
    return out;
  }
  std::vector<std::string> lines(const std::filesystem::path& file) const {
    std::vector<std::string> out;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
};

}  // namespace responder::testing
