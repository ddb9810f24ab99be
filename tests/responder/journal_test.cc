#include <doctest/doctest.h>

#include <fstream>

#include "responder/chained_log/format.h"
#include "responder/journal.h"
#include "responder/journal_format.h"
#include "responder/sha256.h"
#include "tests/responder/engine_lab.h"

using namespace responder;
using namespace responder::testing;

namespace {
std::filesystem::path make_journal(const TempDir& dir, int records) {
  auto incident = dir / "INC";
  auto writer = JournalWriter::open(incident, true);
  REQUIRE(writer.ok());
  for (int i = 0; i < records; ++i) REQUIRE(writer->append("note", "tester", {{"n", i}}).ok());
  return incident / kJournalFileName;
}

}  // namespace

TEST_CASE("records are chained with seq time actor kind prev and payload") {
  TempDir dir;
  auto file = make_journal(dir, 3);
  auto contents = read_journal(file);
  REQUIRE(contents.ok());
  REQUIRE(contents->records.size() == 3);
  CHECK(contents->records[0].text("prev") == chained_log::kZeroHash);
  auto lines = EngineLab{}.lines(file);
  CHECK(contents->records[1].text("prev") == sha256_hex(lines[0]));
  CHECK(contents->records[2].seq == 3);
  CHECK(contents->records[2].actor == "tester");
  CHECK(contents->records[2].fields.at("n") == 2);
  CHECK(lines[0].rfind("{\"seq\":1,\"time\":\"", 0) == 0);
  auto chain = verify_journal(file);
  CHECK(chain.intact);
  CHECK(chain.head == sha256_hex(lines[2]));
}

TEST_CASE("a changed byte in the middle is caught and the record named") {
  TempDir dir;
  auto file = make_journal(dir, 5);
  replace_in_line(file, 3, "\"n\":2", "\"n\":7");
  auto chain = verify_journal(file);
  CHECK_FALSE(chain.intact);
  REQUIRE_FALSE(chain.problems.empty());
  CHECK(chain.problems[0].find("record 4") != std::string::npos);
  CHECK(chain.problems[0].find("record 3 was changed") != std::string::npos);
}

TEST_CASE("a removed record breaks the chain") {
  TempDir dir;
  auto file = make_journal(dir, 4);
  auto lines = EngineLab{}.lines(file);
  std::ofstream out(file, std::ios::trunc);
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (i != 1) out << lines[i] << "\n";
  out.close();
  auto chain = verify_journal(file);
  CHECK_FALSE(chain.intact);
  CHECK(chain.problems[0].find("record 2") != std::string::npos);
}

TEST_CASE("a torn last line is reported and tolerated and kept aside on the next append") {
  TempDir dir;
  auto file = make_journal(dir, 2);
  auto size_before = std::filesystem::file_size(file);
  std::ofstream(file, std::ios::app) << "{\"seq\":3,\"time\":\"2026-";  // crash mid-write
  auto contents = read_journal(file);
  REQUIRE(contents.ok());
  CHECK(contents->records.size() == 2);
  REQUIRE(contents->torn_tail.has_value());
  CHECK(contents->torn_tail->first == size_before);
  CHECK_FALSE(verify_journal(file).intact);

  auto writer = JournalWriter::open(dir / "INC", false);
  REQUIRE(writer.ok());
  auto record = writer->append("after", "tester", {});
  REQUIRE(record.ok());
  CHECK(record->seq == 3);
  CHECK(verify_journal(file).intact);
  auto torn = dir / "INC" / ("journal.torn." + std::to_string(size_before));
  REQUIRE(std::filesystem::exists(torn));
  CHECK(slurp(torn) == "{\"seq\":3,\"time\":\"2026-");
}

TEST_CASE("two writers interleave without breaking the chain") {
  TempDir dir;
  make_journal(dir, 1);
  auto a = JournalWriter::open(dir / "INC", false);
  auto b = JournalWriter::open(dir / "INC", false);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  for (int i = 0; i < 10; ++i) {
    REQUIRE((i % 3 ? a : b)->append("x", "t", {{"i", i}}).ok());
  }
  auto chain = verify_journal(dir / "INC" / kJournalFileName);
  CHECK(chain.intact);
  CHECK(chain.records == 11);
}

TEST_CASE("creating an incident that exists is refused") {
  TempDir dir;
  make_journal(dir, 1);
  auto again = JournalWriter::open(dir / "INC", true);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().kind == ErrorKind::bad_input);
  CHECK(again.error().message.find("already exists") != std::string::npos);
}

TEST_CASE("journal --verify names the broken record and exits 1 where an intact one exits 0") {
  EngineLab lab;
  auto pb = lab.playbook(R"(name: j
stages:
  evaluate:
    - id: a
      module: note.add
      with: {text: one}
    - id: b
      module: note.add
      with: {text: two}
)");
  REQUIRE(lab.responder({"run", pb.string(), "--incident", "J1"}).exit_code == 0);
  auto ok = lab.responder({"journal", "J1", "--verify"});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("intact") != std::string::npos);
  replace_in_line(lab.journal("J1"), 5, "\"step\":\"a\"", "\"step\":\"A\"");
  auto broken = lab.responder({"journal", "J1", "--verify"});
  CHECK(broken.exit_code == 1);
  CHECK(broken.out.find("record 6") != std::string::npos);
  CHECK(broken.out.find("record 5 was changed") != std::string::npos);
}
