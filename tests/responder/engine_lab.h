// A throw-away incident home and the responder-test binary, for end-to-end
// engine tests through the real command line.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
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

// A test.mark step whose mark is "<incident> <id>" in lab.marks.
inline std::string mark_step(const EngineLab& lab, const std::string& id, const std::string& extra = "",
                             const std::string& with_extra = "") {
  return "    - id: " + id + "\n      module: test.mark\n      with: {file: " + lab.marks.string() + with_extra + "}\n" + extra;
}

// Polls `condition`; the test fails when it is still false after `limit`.
inline void wait_for(const std::function<bool()>& condition, std::chrono::seconds limit = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(condition());
}

// Until the run of incident `id` has journaled that it waits for approval.
inline void wait_until_waiting(const EngineLab& lab, const std::string& id) {
  wait_for([&] { return std::filesystem::exists(lab.journal(id)) && !lab.records(id, "approval.waiting").empty(); });
}

// Replaces the first `from` at or after the start of line `line_number`:
// how tests tamper with a journal.
inline void replace_in_line(const std::filesystem::path& file, std::size_t line_number, const std::string& from,
                            const std::string& to) {
  auto text = slurp(file);
  std::size_t pos = 0;
  for (std::size_t i = 1; i < line_number; ++i) pos = text.find('\n', pos) + 1;
  auto at = text.find(from, pos);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

}  // namespace responder::testing
