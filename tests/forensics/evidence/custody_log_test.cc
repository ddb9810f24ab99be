// The custody log (forensics/evidence/custody_log.h) on the shared chained
// log: acts chained in order, a torn last line left by a crash neither
// counted as tampering nor lost, and payload keys that would shadow the
// header refused.
#include <doctest/doctest.h>

#include <fstream>

#include "forensics/evidence/custody_log.h"
#include "responder/chained_log/reader.h"
#include "tests/support/process.h"

using namespace responder;
using namespace responder::evidence;
using namespace responder::testing;

namespace {

CustodyAct act(const std::string& what, json::object details = {}) {
  return CustodyAct{what, "tester", "because", std::move(details)};
}

std::string slurp_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("custody: acts are chained records with their header, and a batch is one append") {
  TempDir dir;
  REQUIRE(append_custody(dir.path(), act("collected", {{"item", "0001"}})).ok());
  auto batch = append_custody(dir.path(), std::vector<CustodyAct>{act("verified"), act("exported")});
  REQUIRE(batch.ok());
  CHECK(batch->back().entry.at("seq").as_int64() == 3);
  auto lines = read_custody_lines(dir.path());
  REQUIRE(lines.ok());
  REQUIRE(lines->size() == 3);
  CHECK(lines->front().starts_with("{\"seq\":1,\"time\":"));
  CHECK(lines->front().find("\"act\":\"collected\",\"who\":\"tester\"") != std::string::npos);
  CHECK(custody_chain_problems(*lines).empty());
  CHECK(chained_log::verify(slurp_file(dir / "custody.jsonl")).intact);
}

TEST_CASE("custody: a torn last line is not a line of the chain, and the next act keeps it aside") {
  TempDir dir;
  REQUIRE(append_custody(dir.path(), act("collected")).ok());
  auto size = std::filesystem::file_size(dir / "custody.jsonl");
  std::ofstream(dir / "custody.jsonl", std::ios::app | std::ios::binary) << "{\"seq\":2,\"ti";
  auto lines = read_custody_lines(dir.path());
  REQUIRE(lines.ok());
  CHECK(lines->size() == 1);
  CHECK(custody_chain_problems(*lines).empty());
  REQUIRE(append_custody(dir.path(), act("sealed")).ok());
  CHECK(slurp_file(dir / ("custody.torn." + std::to_string(size))) == "{\"seq\":2,\"ti");
  lines = read_custody_lines(dir.path());
  REQUIRE(lines.ok());
  CHECK(lines->size() == 2);
  CHECK(custody_chain_problems(*lines).empty());
}

TEST_CASE("custody: details that would shadow the header (who, act, seq) are refused, nothing written") {
  TempDir dir;
  for (std::string key : {"who", "act", "seq", "prev"}) {
    CAPTURE(key);
    auto refused = append_custody(dir.path(), act("collected", {{key, "mallory"}}));
    CHECK_FALSE(refused.ok());
  }
  auto lines = read_custody_lines(dir.path());
  REQUIRE(lines.ok());
  CHECK(lines->empty());
}
