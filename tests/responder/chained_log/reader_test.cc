// The chained-log reader (responder/chained_log/reader.h): problems named by
// record, in order, a torn tail apart from breaks, and witnesses.
#include <doctest/doctest.h>

#include "responder/chained_log/format.h"
#include "responder/chained_log/reader.h"
#include "responder/sha256.h"

using namespace responder;

namespace {

std::string chain_of(int records) {
  std::string text, prev(chained_log::kZeroHash);
  for (int i = 1; i <= records; ++i) {
    std::string line = "{\"seq\":" + std::to_string(i) + ",\"prev\":\"" + prev + "\"}";
    prev = sha256_hex(line);
    text += line + "\n";
  }
  return text;
}

}  // namespace

TEST_CASE("chained log reader: an intact chain, its head, and a torn tail that is not a break") {
  auto text = chain_of(3);
  auto report = chained_log::verify(text);
  CHECK(report.intact);
  CHECK(report.records == 3);
  auto torn = chained_log::verify(text + "{\"seq\":4,");
  CHECK_FALSE(torn.intact);
  CHECK(torn.breaks == 0);
  CHECK(torn.head == report.head);
  auto parsed = chained_log::parse(text + "{\"seq\":4,", "test");
  REQUIRE(parsed.ok());
  CHECK(parsed->records.size() == 3);
  REQUIRE(parsed->torn_tail);
  CHECK(parsed->torn_tail->offset == text.size());
  CHECK(parsed->torn_tail->size == 9);
}

TEST_CASE("chained log reader: every problem reaches the reporter in order, named with the log's subject") {
  auto text = chain_of(4);
  auto second = text.find('\n') + 1;
  text.replace(second + 7, 1, "7");  // record 2's seq becomes 7
  std::vector<chained_log::Problem> seen;
  auto report = chained_log::verify(text, {}, "custody.jsonl", [&](const chained_log::Problem& p) { seen.push_back(p); });
  REQUIRE(seen.size() == report.problems.size());
  REQUIRE(seen.size() >= 2);
  CHECK(seen[0].line == 2);
  CHECK(seen[0].text.starts_with("custody.jsonl record 2 (line 2) has seq 7, expected 2"));
  CHECK(seen[1].line == 3);
  CHECK(seen[1].text.find("record 2 was changed") != std::string::npos);
  CHECK(report.first_break == seen[0].text);
}

TEST_CASE("chained log reader: witnesses catch a cut and a rewritten record: malformed ones are refused") {
  auto text = chain_of(5);
  auto full = chained_log::verify(text);
  auto witness = full.head_witness();
  CHECK(chained_log::verify(text, {witness}).intact);
  auto cut = text.substr(0, text.rfind('\n', text.size() - 2) + 1);
  auto report = chained_log::verify(cut, {witness});
  CHECK(report.breaks == 1);
  CHECK(report.first_break.find("which is gone") != std::string::npos);
  auto parsed = chained_log::parse_witness(witness.text());
  REQUIRE(parsed.ok());
  CHECK(parsed->seq == 5);
  for (std::string bad : std::vector<std::string>{"", "5", ":abc", "0:" + full.head, "5:" + full.head.substr(1), "x:" + full.head})
    CHECK_FALSE(chained_log::parse_witness(bad).ok());
}
