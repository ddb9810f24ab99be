// The chained-log writer (responder/chained_log/writer.h): what it promises
// about torn lines, failed writes and syncs, header keys and modes, checked
// in process through the crash-test file system.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "responder/chained_log/format.h"
#include "responder/chained_log/writer.h"
#include "tests/support/fault_file_system.h"
#include "tests/support/process.h"
#include "tests/support/skip.h"

using namespace responder;
using namespace responder::testing;


namespace {

chained_log::Entry entry(const std::string& kind, json::object payload = {}) {
  chained_log::Entry e;
  e.header["kind"] = kind;
  e.payload = std::move(payload);
  return e;
}

std::string slurp_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Fault fault_of(const std::string& text) {
  auto fault = parse_fault(text);
  REQUIRE(fault);
  return *fault;
}

}  // namespace

TEST_CASE("chained log: records carry seq, the header, prev and the payload in that order") {
  TempDir dir;
  auto file = dir / "test.jsonl";
  auto writer = chained_log::Writer::open(file, chained_log::OpenMode::create_new, 0640);
  REQUIRE(writer.ok());
  REQUIRE(writer->append(entry("first", {{"n", 1}})).ok());
  auto second = writer->append(entry("second", {{"n", 2}}));
  REQUIRE(second.ok());
  auto text = slurp_file(file);
  auto first_line = text.substr(0, text.find('\n'));
  CHECK(first_line.starts_with("{\"seq\":1,\"kind\":\"first\",\"prev\":\"" + std::string(chained_log::kZeroHash) + "\",\"n\":1}"));
  CHECK(second->seq == 2);
  CHECK(writer->last_appended()->seq == 2);
  CHECK(writer->last_appended()->sha256 == second->hash);
  auto report = chained_log::verify(text);
  CHECK(report.intact);
  CHECK(report.records == 2);
  CHECK(report.head == second->hash);
}

TEST_CASE("chained log: a payload key that is a header key, seq or prev is refused and nothing is written") {
  TempDir dir;
  auto file = dir / "test.jsonl";
  auto writer = chained_log::Writer::open(file, chained_log::OpenMode::create_new, 0640);
  REQUIRE(writer.ok());
  for (std::string key : {"kind", "seq", "prev"}) {
    CAPTURE(key);
    auto refused = writer->append(entry("x", {{key, "forged"}}));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.find("'" + key + "'") != std::string::npos);
  }
  CHECK(std::filesystem::file_size(file) == 0);
}

TEST_CASE("chained log: a new file gets its mode whatever the umask, and is never created twice") {
  TempDir dir;
  auto file = dir / "test.jsonl";
  mode_t old = ::umask(0077);
  auto writer = chained_log::Writer::open(file, chained_log::OpenMode::create_new, 0644);
  ::umask(old);
  REQUIRE(writer.ok());
  struct stat st{};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644);
  CHECK_FALSE(chained_log::Writer::open(file, chained_log::OpenMode::create_new, 0644).ok());
  bool created = true;
  REQUIRE(chained_log::Writer::open(file, chained_log::OpenMode::create_if_missing, 0644, chained_log::default_file_system(), &created).ok());
  CHECK_FALSE(created);
}

TEST_CASE("chained log: several entries go in one append, chained after another writer's records") {
  TempDir dir;
  auto file = dir / "test.jsonl";
  auto a = chained_log::Writer::open(file, chained_log::OpenMode::create_new, 0640);
  auto b = chained_log::Writer::open(file, chained_log::OpenMode::existing, 0);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(a->append(entry("a1")).ok());
  auto batch = b->append(std::vector<chained_log::Entry>{entry("b1"), entry("b2"), entry("b3")});
  REQUIRE(batch.ok());
  CHECK(batch->front().seq == 2);
  CHECK(batch->back().seq == 4);
  REQUIRE(a->append(entry("a2")).ok());
  auto report = chained_log::verify(slurp_file(file));
  CHECK(report.intact);
  CHECK(report.records == 5);
}

TEST_CASE("chained log: a torn last line is copied aside, byte for byte, before it is cut") {
  TempDir dir;
  auto file = dir / "journal.jsonl";
  {
    auto writer = chained_log::Writer::open(file, chained_log::OpenMode::create_new, 0640);
    REQUIRE(writer.ok());
    REQUIRE(writer->append(entry("one")).ok());
  }
  auto size = std::filesystem::file_size(file);
  std::ofstream(file, std::ios::app | std::ios::binary) << "{\"seq\":2,\"kind\":\"tw";
  auto writer = chained_log::Writer::open(file, chained_log::OpenMode::existing, 0);
  REQUIRE(writer.ok());
  auto copy = dir / ("journal.torn." + std::to_string(size));
  REQUIRE(std::filesystem::exists(copy));
  CHECK(slurp_file(copy) == "{\"seq\":2,\"kind\":\"tw");
  CHECK(std::filesystem::file_size(file) == size);
  auto next = writer->append(entry("two"));
  REQUIRE(next.ok());
  CHECK(next->seq == 2);
  CHECK(chained_log::verify(slurp_file(file)).intact);

  SUBCASE("the same torn bytes found again (a crash between copy and cut) reuse the copy") {
    std::ofstream(file, std::ios::app | std::ios::binary) << "{\"partial";
    auto offset = std::filesystem::file_size(file) - 9;
    std::ofstream(dir / ("journal.torn." + std::to_string(offset)), std::ios::binary) << "{\"partial";
    REQUIRE(chained_log::Writer::open(file, chained_log::OpenMode::existing, 0).ok());
    CHECK_FALSE(std::filesystem::exists(dir / ("journal.torn." + std::to_string(offset) + ".1")));
  }
  SUBCASE("different bytes under the same name get a copy of their own") {
    std::ofstream(file, std::ios::app | std::ios::binary) << "{\"other";
    auto offset = std::filesystem::file_size(file) - 7;
    std::ofstream(dir / ("journal.torn." + std::to_string(offset)), std::ios::binary) << "not the same";
    REQUIRE(chained_log::Writer::open(file, chained_log::OpenMode::existing, 0).ok());
    CHECK(slurp_file(dir / ("journal.torn." + std::to_string(offset) + ".1")) == "{\"other");
  }
}

TEST_CASE("chained log: a write that fails is cut back, names the errno, and the log goes on") {
  TempDir dir;
  auto file = dir / "journal.jsonl";
  FaultFileSystem fs(fault_of("journal.jsonl:write-error:2:ENOSPC"), false);
  auto writer = chained_log::Writer::open(file, chained_log::OpenMode::create_new, 0640, fs);
  REQUIRE(writer.ok());
  REQUIRE(writer->append(entry("one")).ok());
  auto size = std::filesystem::file_size(file);
  auto failed = writer->append(entry("two", {{"text", std::string(300, 'x')}}));
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().message.find("No space left on device") != std::string::npos);
  CHECK(std::filesystem::file_size(file) == size);
  auto retried = writer->append(entry("two"));
  REQUIRE(retried.ok());
  CHECK(retried->seq == 2);
  CHECK(chained_log::verify(slurp_file(file)).intact);
}

TEST_CASE("chained log: after a failed sync the writer appends nothing more: the next process goes on") {
  TempDir dir;
  auto file = dir / "journal.jsonl";
  FaultFileSystem fs(fault_of("journal.jsonl:sync-error:2:EIO"), false);
  auto writer = chained_log::Writer::open(file, chained_log::OpenMode::create_new, 0640, fs);
  REQUIRE(writer.ok());
  REQUIRE(writer->append(entry("one")).ok());
  auto failed = writer->append(entry("two"));
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().message.find("Input/output error") != std::string::npos);
  auto after = writer->append(entry("three"));
  REQUIRE_FALSE(after.ok());
  CHECK(after.error().message.find("an earlier write or sync") != std::string::npos);
  // Another writer of the same file in this process refuses too (the
  // custody log opens one per batch).
  auto same_process = chained_log::Writer::open(file, chained_log::OpenMode::existing, 0);
  REQUIRE(same_process.ok());
  CHECK_FALSE(same_process->append(entry("three")).ok());
  chained_log::forget_failed_syncs_for_testing();  // what a new process starts with
  auto next = chained_log::Writer::open(file, chained_log::OpenMode::existing, 0);
  REQUIRE(next.ok());
  auto appended = next->append(entry("three"));
  REQUIRE(appended.ok());
  CHECK(chained_log::verify(slurp_file(file)).breaks == 0);
}

TEST_CASE("chained log: the power cut inside a record leaves a torn line that the next writer keeps aside") {
  for (std::string kept : {"0", "1", "half", "all"}) {
    CAPTURE(kept);
    TempDir dir;
    auto file = dir / "journal.jsonl";
    {
      FaultFileSystem fs(fault_of("journal.jsonl:power-cut:3:" + kept), false);
      auto writer = chained_log::Writer::open(file, chained_log::OpenMode::create_new, 0640, fs);
      REQUIRE(writer.ok());
      REQUIRE(writer->append(entry("one")).ok());
      REQUIRE(writer->append(entry("two")).ok());
      CHECK_THROWS_AS((void)writer->append(entry("three")), FaultFileSystem::PowerCut);
    }
    auto before = chained_log::verify(slurp_file(file));
    CHECK(before.breaks == 0);
    CHECK(before.records == (kept == "all" ? 3u : 2u));
    auto writer = chained_log::Writer::open(file, chained_log::OpenMode::existing, 0);
    REQUIRE(writer.ok());
    auto next = writer->append(entry("after"));
    REQUIRE(next.ok());
    CHECK(next->seq == (kept == "all" ? 4u : 3u));
    auto after = chained_log::verify(slurp_file(file));
    CHECK(after.intact);
    bool copied = false;
    for (auto& e : std::filesystem::directory_iterator(dir.path()))
      copied = copied || e.path().filename().string().starts_with("journal.torn.");
    CHECK(copied == (kept == "1" || kept == "half"));
  }
}

TEST_CASE("chained log: an append-only log is opened up to cut a torn line, and made append-only again") {
  RESPONDER_SKIP_WHEN(std::string(::geteuid() != 0 ? "needs root (CAP_LINUX_IMMUTABLE) to set FS_APPEND_FL" : ""));
  TempDir dir;
  auto file = dir / "custody.jsonl";
  auto writer = chained_log::Writer::open(file, chained_log::OpenMode::create_new, 0644);
  REQUIRE(writer.ok());
  REQUIRE(writer->append(entry("one")).ok());
  std::ofstream(file, std::ios::app | std::ios::binary) << "{\"torn";
  int flags = 0;
  RESPONDER_SKIP_WHEN(std::string(::ioctl(writer->descriptor(), FS_IOC_GETFLAGS, &flags) != 0
                                       ? "this file system has no inode flags" : ""));
  flags |= FS_APPEND_FL;
  REQUIRE(::ioctl(writer->descriptor(), FS_IOC_SETFLAGS, &flags) == 0);
  auto next = writer->append(entry("two"));
  int now = 0;
  ::ioctl(writer->descriptor(), FS_IOC_GETFLAGS, &now);
  int cleared = now & ~FS_APPEND_FL;
  ::ioctl(writer->descriptor(), FS_IOC_SETFLAGS, &cleared);  // so TempDir can remove it
  REQUIRE(next.ok());
  CHECK((now & FS_APPEND_FL) != 0);
  CHECK(chained_log::verify(slurp_file(file)).intact);
  CHECK(std::filesystem::exists(dir / "custody.torn.0") == false);
  bool copied = false;
  for (auto& e : std::filesystem::directory_iterator(dir.path()))
    copied = copied || e.path().filename().string().starts_with("custody.torn.");
  CHECK(copied);
}
