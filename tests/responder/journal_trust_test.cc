// A journal that fails verification is never acted on: every command that
// acts on an incident refuses it (exit 3) naming the first bad record, the
// read-only ones show it only with --force and then mark every line; and a
// witness kept elsewhere catches a cut or rewritten tail that the chain alone
// cannot show.
#include <doctest/doctest.h>

#include <csignal>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "responder/journal.h"
#include "responder/sha256.h"
#include "tests/responder/engine_lab.h"

using namespace responder;
using namespace responder::testing;

namespace {

// Replaces the first `from` at or after the start of line `line_number`.
std::size_t line_of_kind(const EngineLab& lab, const std::string& id, const std::string& kind) {
  auto records = lab.records(id, kind);
  REQUIRE_FALSE(records.empty());
  return records.front().line;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Two applied marks; the receipt of the first is then edited to name a line
// that someone else wrote into the same file.
struct TamperedIncident {
  EngineLab lab;
  TamperedIncident() {
    auto pb = lab.playbook("name: t\nstages:\n  isolate-and-contain:\n" + mark_step(lab, "one") + mark_step(lab, "two"));
    REQUIRE(lab.responder({"run", pb.string(), "--incident", "T1"}).exit_code == 0);
    std::ofstream(lab.marks, std::ios::app) << "someone else's line\n";
    auto line = line_of_kind(lab, "T1", "step.applied");
    replace_in_line(lab.journal("T1"), line, "\"mark\":\"T1 one\"", "\"mark\":\"someone else's line\"");
  }
  std::string marks() const { return slurp(lab.marks); }
};

}  // namespace

TEST_CASE("an edited receipt: undo refuses, names the record and removes nothing") {
  TamperedIncident t;
  auto before = t.marks();
  auto undo = t.lab.responder({"undo", "T1"});
  INFO(undo.out << undo.err);
  CHECK(undo.exit_code == 3);
  CHECK(undo.err.find("failed verification") != std::string::npos);
  CHECK(undo.err.find("record " + std::to_string(line_of_kind(t.lab, "T1", "step.applied") + 1)) != std::string::npos);
  CHECK(t.marks() == before);
  CHECK(t.marks().find("someone else's line") != std::string::npos);
  CHECK(t.lab.records("T1", "undo.started").empty());
}

TEST_CASE("an edited journal: resume, approve, confirm and undo --step refuse with exit 3") {
  TamperedIncident t;
  CHECK(t.lab.responder({"resume", "T1"}).exit_code == 3);
  CHECK(t.lab.responder({"resume", "T1", "--reconcile"}).exit_code == 3);
  CHECK(t.lab.responder({"approve", "T1", "one", "--as", "alice"}).exit_code == 3);
  CHECK(t.lab.responder({"confirm", "T1", "one"}).exit_code == 3);
  CHECK(t.lab.responder({"undo", "T1", "--step", "two"}).exit_code == 3);
  CHECK(t.lab.records("T1", "approval").empty());
  CHECK(t.lab.records("T1", "undo.started").empty());
}

TEST_CASE("an edited journal: status and journal refuse, and with --force mark every line") {
  TamperedIncident t;
  auto status = t.lab.responder({"status", "T1"});
  CHECK(status.exit_code == 3);
  CHECK(status.out.empty());
  CHECK(status.err.find("failed verification") != std::string::npos);
  CHECK(t.lab.responder({"journal", "T1"}).exit_code == 3);

  for (auto args : std::vector<std::vector<std::string>>{{"status", "T1", "--force"}, {"journal", "T1", "--force"}}) {
    auto forced = t.lab.responder(args);
    INFO(args[0] << "\n" << forced.out << forced.err);
    CHECK(forced.exit_code == 0);
    auto lines = lines_of(forced.out);
    REQUIRE(lines.size() > 3);
    for (auto& line : lines) CHECK(line.rfind("UNVERIFIED JOURNAL | ", 0) == 0);
    CHECK(forced.err.find("failed verification") != std::string::npos);
  }
  auto json = t.lab.responder({"status", "T1", "--force", "--json"});
  CHECK(json.exit_code == 0);
  for (auto& line : lines_of(json.out)) {
    CHECK(line.rfind("{\"journal_verified\":false,", 0) == 0);
    CHECK_NOTHROW(parse_json(line));
  }
}

TEST_CASE("force is not offered to commands that act") {
  TamperedIncident t;
  CHECK(t.lab.responder({"undo", "T1", "--force"}).exit_code == 2);
  CHECK(t.lab.responder({"resume", "T1", "--force"}).exit_code == 2);
  CHECK(t.marks().find("T1 one") != std::string::npos);
}

TEST_CASE("a torn last line after a crash is not tampering: status and resume go on") {
  EngineLab lab;
  auto pb = lab.playbook("name: c\nstages:\n  evaluate:\n" + mark_step(lab, "one"));
  REQUIRE(lab.responder({"run", pb.string(), "--incident", "C1"}).exit_code == 0);
  std::ofstream(lab.journal("C1"), std::ios::app) << "{\"seq\":99,\"ti";
  CHECK(lab.responder({"status", "C1"}).exit_code == 0);
  // verify judges the complete records and names the torn line after them.
  auto verified = lab.responder({"journal", "C1", "--verify"});
  CHECK(verified.exit_code == 0);
  CHECK(verified.out.find("is intact") != std::string::npos);
  CHECK(verified.out.find("torn") != std::string::npos);
  CHECK(lab.responder({"resume", "C1"}).exit_code == 0);
  CHECK(lab.responder({"journal", "C1", "--verify"}).exit_code == 0);
}

TEST_CASE("run and status print the journal head: a witness proves a cut or rewritten tail") {
  EngineLab lab;
  auto pb = lab.playbook("name: w\nstages:\n  evaluate:\n" + mark_step(lab, "one") + mark_step(lab, "two"));
  auto run = lab.responder({"run", pb.string(), "--incident", "W1"});
  REQUIRE(run.exit_code == 0);
  auto records = lab.records("W1");
  auto last_line = lab.lines(lab.journal("W1")).back();
  std::string head = std::to_string(records.size()) + ":" + sha256_hex(last_line);
  CHECK(run.out.find("journal head " + head) != std::string::npos);
  CHECK(lab.responder({"status", "W1"}).out.find("journal head " + head) != std::string::npos);

  auto held = lab.responder({"journal", "W1", "--verify", "--witness", head});
  INFO(held.out << held.err);
  CHECK(held.exit_code == 0);
  CHECK(held.out.find("still holds") != std::string::npos);

  SUBCASE("the last record removed") {
    auto lines = lab.lines(lab.journal("W1"));
    std::ofstream out(lab.journal("W1"), std::ios::trunc);
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) out << lines[i] << "\n";
    out.close();
    CHECK(lab.responder({"journal", "W1", "--verify"}).exit_code == 0);  // the chain alone cannot tell
    auto cut = lab.responder({"journal", "W1", "--verify", "--witness", head});
    CHECK(cut.exit_code == 1);
    CHECK(cut.out.find("was cut") != std::string::npos);
  }
  SUBCASE("the last record rewritten") {
    replace_in_line(lab.journal("W1"), records.size(), "\"outcome\":\"completed\"", "\"outcome\":\"failed\"");
    CHECK(lab.responder({"journal", "W1", "--verify"}).exit_code == 0);
    auto rewritten = lab.responder({"journal", "W1", "--verify", "--witness", head});
    CHECK(rewritten.exit_code == 1);
    CHECK(rewritten.out.find("rewritten") != std::string::npos);
  }
  SUBCASE("a malformed witness is bad input") {
    CHECK(lab.responder({"journal", "W1", "--witness", "12"}).exit_code == 2);
    CHECK(lab.responder({"journal", "W1", "--witness", "0:" + std::string(64, 'a')}).exit_code == 2);
    CHECK(lab.responder({"journal", "W1", "--witness", "3:xyz"}).exit_code == 2);
  }
}

TEST_CASE("a killed runner: status and approve say no runner is alive") {
  EngineLab lab;
  auto pb = lab.playbook("name: k\nstages:\n  isolate-and-contain:\n" + mark_step(lab, "gated", "      approval: 1\n"));
  auto runner = lab.start({"run", pb.string(), "--incident", "K1"});
  wait_until_waiting(lab, "K1");
  auto alive = lab.responder({"status", "K1"});
  CHECK(alive.out.find("no runner is alive") == std::string::npos);
  CHECK(alive.out.find("running") != std::string::npos);

  runner->signal(SIGKILL);
  runner->wait();
  auto status = lab.responder({"status", "K1"});
  INFO(status.out);
  CHECK(status.exit_code == 0);
  CHECK(status.out.find("interrupted: no runner is alive") != std::string::npos);
  CHECK(status.out.find("responder resume K1") != std::string::npos);
  auto json = lab.responder({"status", "K1", "--json"});
  CHECK(json.out.find("\"outcome\":\"interrupted\"") != std::string::npos);
  CHECK(json.out.find("\"runner_alive\":false") != std::string::npos);

  auto approve = lab.responder({"approve", "K1", "gated", "--as", "alice"});
  CHECK(approve.exit_code == 0);
  CHECK(approve.out.find("no runner is alive") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(lab.marks));
  CHECK(lab.responder({"resume", "K1"}).exit_code == 0);
  CHECK(lab.lines(lab.marks) == std::vector<std::string>{"K1 gated"});
}

TEST_CASE("a waiting runner does not count approvals slipped into a journal whose chain breaks") {
  EngineLab lab;
  auto pb = lab.playbook("name: s\nstages:\n  isolate-and-contain:\n" + mark_step(lab, "gated", "      approval: 2\n"));
  auto runner = lab.start({"run", pb.string(), "--incident", "S1"});
  wait_until_waiting(lab, "S1");
  auto seq = lab.records("S1").size();
  {
    std::ofstream out(lab.journal("S1"), std::ios::app);
    for (auto who : {"mallory", "eve"})
      out << "{\"seq\":" << ++seq << ",\"time\":\"2026-12-03T00:00:00.000Z\",\"actor\":\"" << who
          << "\",\"kind\":\"approval\",\"prev\":\"" << std::string(64, '0') << "\",\"step\":\"gated\",\"by\":\"" << who
          << "\",\"os_user\":\"" << who << "\"}\n";
  }
  auto result = runner->wait();
  INFO(result.out << result.err);
  CHECK(result.exit_code != 0);
  CHECK(result.out.find("changed under the runner") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(lab.marks));
}

TEST_CASE("a forged record with a carriage return and terminal escapes cannot hide the UNVERIFIED mark") {
  TamperedIncident t;
  replace_in_line(t.lab.journal("T1"), 1, "\"actor\":\"", "\"actor\":\"root\\r\\u001b[2KOK all good ");
  auto forced = t.lab.responder({"journal", "T1", "--force"});
  CHECK(forced.exit_code == 0);
  CHECK(forced.out.find('\r') == std::string::npos);
  CHECK(forced.out.find('\x1b') == std::string::npos);
  for (auto& line : lines_of(forced.out)) CHECK(line.rfind("UNVERIFIED JOURNAL | ", 0) == 0);
}

TEST_CASE("a plan of the waiting step that the runner did not write stops the run before any approval counts") {
  EngineLab lab;
  auto pb = lab.playbook("name: p\nstages:\n  isolate-and-contain:\n" + mark_step(lab, "gated", "      approval: 1\n"));
  auto runner = lab.start({"run", pb.string(), "--incident", "P2"});
  wait_until_waiting(lab, "P2");
  {
    auto writer = JournalWriter::open(lab.dir / "incidents" / "P2", false);
    REQUIRE(writer.ok());
    json::object detail{{"planned_after_attempts", 7}};
    REQUIRE(writer->append("step.planned", "mallory", {{"step", "gated"}, {"detail", detail}}).ok());
  }
  CHECK(lab.responder({"approve", "P2", "gated", "--as", "alice"}).exit_code == 0);
  auto result = runner->wait();
  INFO(result.out << result.err);
  CHECK(result.exit_code != 0);
  CHECK(result.out.find("this runner did not write it") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(lab.marks));
}

TEST_CASE("a writer refuses to append to a journal cut since it last read it") {
  TempDir dir;
  auto writer = JournalWriter::open(dir / "INC", true);
  REQUIRE(writer.ok());
  for (int i = 0; i < 3; ++i) REQUIRE(writer->append("note", "tester", {{"n", i}}).ok());
  auto file = writer->file();
  auto lines = EngineLab{}.lines(file);
  {
    std::ofstream out(file, std::ios::trunc);
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) out << lines[i] << "\n";
  }
  auto appended = writer->append("note", "tester", {{"n", 3}});
  REQUIRE_FALSE(appended.ok());
  CHECK(appended.error().kind == ErrorKind::refused);
  CHECK(appended.error().message.find("records were removed") != std::string::npos);
  CHECK(EngineLab{}.lines(file).size() == 2);
}

TEST_CASE("records inserted, duplicated, reordered, removed or cut: verify names the first bad one: resume and undo refuse") {
  struct Tampering {
    const char* what;
    std::function<void(std::vector<std::string>&)> apply;
    std::size_t first_bad;
    const char* says;
  };
  std::vector<Tampering> tamperings = {
      {"a record duplicated", [](auto& l) { l.insert(l.begin() + 5, l[4]); }, 6, "has seq 5, expected 6"},
      {"a forged record inserted with a valid link",
       [](auto& l) {
         auto forged = "{\"seq\":5,\"time\":\"2026-01-01T00:00:00.000Z\",\"actor\":\"mallory\",\"kind\":\"step.undone\","
                       "\"prev\":\"" + sha256_hex(l[3]) + "\",\"step\":\"one\"}";
         l.insert(l.begin() + 4, forged);
       },
       6, "has seq 5, expected 6"},
      {"two records reordered", [](auto& l) { std::swap(l[4], l[5]); }, 5, "has seq 6, expected 5"},
      {"a record removed", [](auto& l) { l.erase(l.begin() + 4); }, 5, "has seq 6, expected 5"},
      {"a record cut short", [](auto& l) { l[4].resize(l[4].size() / 2); }, 5, "is not valid JSON"},
  };
  for (auto& t : tamperings) {
    CAPTURE(t.what);
    EngineLab lab;
    auto pb = lab.playbook("name: t\nstages:\n  isolate-and-contain:\n" + mark_step(lab, "one") + mark_step(lab, "two") +
                           "  remediate:\n" + mark_step(lab, "three"));
    REQUIRE(lab.responder({"run", pb.string(), "--incident", "T"}).exit_code == 0);
    auto lines = lab.lines(lab.journal("T"));
    REQUIRE(lines.size() > 10);
    t.apply(lines);
    std::string text;
    for (auto& l : lines) text += l + "\n";
    std::ofstream(lab.journal("T"), std::ios::binary | std::ios::trunc) << text;
    auto marks = slurp(lab.marks);

    auto verify = lab.responder({"journal", "T", "--verify"});
    INFO(verify.out << verify.err);
    CHECK(verify.exit_code == 1);
    std::string first = "record " + std::to_string(t.first_bad) + " (line " + std::to_string(t.first_bad) + ")";
    auto at = verify.out.find(first);
    CHECK(at != std::string::npos);
    CHECK(verify.out.find(t.says) != std::string::npos);
    // The first problem printed is the first bad record.
    for (std::size_t earlier = 1; earlier < t.first_bad; ++earlier)
      CHECK(verify.out.find("record " + std::to_string(earlier) + " (line") == std::string::npos);

    auto resume = lab.responder({"resume", "T"});
    CHECK(resume.exit_code == 3);
    CHECK(resume.err.find(first) != std::string::npos);
    auto undo = lab.responder({"undo", "T"});
    CHECK(undo.exit_code == 3);
    CHECK(undo.err.find(first) != std::string::npos);
    CHECK(slurp(lab.marks) == marks);
  }
}
