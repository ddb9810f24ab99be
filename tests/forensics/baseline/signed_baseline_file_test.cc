// The baseline file on disk: round trip, and every way a tampered, forged,
// truncated or malformed baseline is refused (3) or rejected as bad input
// (2) with the line it failed at.
#include <doctest/doctest.h>

#include "baseline_lab.h"
#include "forensics/baseline/baseline_file_format.h"
#include "forensics/baseline/signed_baseline_file.h"
#include "responder/sha256.h"

using namespace responder;
using namespace responder::baseline;
using namespace responder::baseline::testing;
using responder::testing::slurp;

namespace {

BaselineHeader header_for(std::uint64_t records) {
  BaselineHeader h;
  h.host = "web01";
  h.time = "2026-12-04T21:00:00Z";
  h.paths = {"/etc"};
  h.records = records;
  return h;
}

FileEntry file(const std::string& path) {
  FileEntry e;
  e.path = path;
  e.type = FileEntry::Type::file;
  e.size = 3;
  e.mode = 04755;
  e.sha256 = std::string(64, 'a');
  return e;
}

// Writes a signed baseline of the given lines (header first).
std::filesystem::path write_signed(const TempDir& dir, const TestKey& key, const std::vector<std::string>& lines) {
  auto signing = evidence::Ed25519Key::load(key.private_pem);
  REQUIRE(signing.ok());
  BaselineWriter writer;
  for (auto& l : lines) REQUIRE(writer.write_line(l).ok());
  auto path = dir / "b.jsonl.gz";
  REQUIRE(writer.finish(path, *signing).ok());
  return path;
}

TrustedKey trust(const TestKey& key) {
  auto t = trusted_baseline_key(key.public_pem.string(), "", nullptr);
  REQUIRE(t.ok());
  return *t;
}

}  // namespace

TEST_CASE("baseline file: written, signed and read back the same, with odd paths") {
  TempDir dir;
  auto key = make_key(dir.path());
  std::string odd = std::string("/etc/bad-\xff-name");
  InventoryRecord socket{"socket", "tcp 0.0.0.0:22", json::object{{"protocol", "tcp"}, {"port", 22}}};
  auto path = write_signed(dir, key, {header_line(header_for(3)), file_line(file("/etc/a")), file_line(file(odd)), inventory_line(socket)});
  auto contents = read_baseline(path, trust(key));
  REQUIRE_MESSAGE(contents.ok(), (contents.ok() ? "" : contents.error().message));
  REQUIRE(contents->files.size() == 2);
  CHECK(contents->files[1].path == odd);
  CHECK(contents->files[0].mode == 04755);
  CHECK(contents->files[0].setid());
  CHECK(contents->inventory["socket"].count("tcp 0.0.0.0:22") == 1);
  CHECK(contents->header.host == "web01");
  // It is gzip: zcat reads it, and its first line is the header.
  auto zcat = responder::testing::run_process({"zcat", path.string()});
  CHECK(zcat.out.rfind("{\"format\":\"responder-baseline\",\"version\":1", 0) == 0);
}

TEST_CASE("baseline file: a tampered, forged, unsigned or differently signed baseline is refused") {
  TempDir dir;
  auto key = make_key(dir.path());
  auto other = make_key(dir.path(), "other");
  auto path = write_signed(dir, key, {header_line(header_for(1)), file_line(file("/etc/a"))});
  REQUIRE(read_baseline(path, trust(key)).ok());

  SUBCASE("one byte changed") {
    auto bytes = slurp(path);
    bytes[bytes.size() / 2] ^= 1;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    auto r = read_baseline(path, trust(key));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::refused);
    CHECK(r.error().message.find("not the one that was signed") != std::string::npos);
  }
  SUBCASE("no signature") {
    std::filesystem::remove(signature_path(path));
    auto r = read_baseline(path, trust(key));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::refused);
    CHECK(r.error().message.find("no signature") != std::string::npos);
  }
  SUBCASE("re-signed by someone else's key") {
    auto forged = write_signed(dir, other, {header_line(header_for(1)), file_line(file("/etc/b"))});
    auto r = read_baseline(forged, trust(key));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::refused);
    // Trusting only a fingerprint does not let the forger's key in either.
    auto by_fingerprint = trusted_baseline_key("", trust(key).fingerprint, nullptr);
    REQUIRE(by_fingerprint.ok());
    auto f = read_baseline(forged, *by_fingerprint);
    REQUIRE_FALSE(f.ok());
    CHECK(f.error().kind == ErrorKind::refused);
    CHECK(f.error().message.find("not by the trusted key") != std::string::npos);
  }
  SUBCASE("the signature itself altered, the file and its SHA-256 as signed: Ed25519 refuses it, by key and by fingerprint alone") {
    auto sig = slurp(signature_path(path));
    auto at = sig.find("\"signature\":\"");
    REQUIRE(at != std::string::npos);
    at += 13;
    sig[at] = sig[at] == '0' ? '1' : '0';
    std::ofstream(signature_path(path), std::ios::binary | std::ios::trunc) << sig;
    auto r = read_baseline(path, trust(key));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::refused);
    auto by_fingerprint = trusted_baseline_key("", trust(key).fingerprint, nullptr);
    REQUIRE(by_fingerprint.ok());
    auto f = read_baseline(path, *by_fingerprint);
    REQUIRE_FALSE(f.ok());
    CHECK(f.error().kind == ErrorKind::refused);
  }
  SUBCASE("no trusted key at all") {
    auto t = trusted_baseline_key("", "", nullptr);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().kind == ErrorKind::refused);
  }
}

TEST_CASE("baseline file: malformed content is bad input naming the line, never a crash") {
  auto parse = [](const std::string& text) { return parse_baseline_text(text); };
  std::string head = header_line(header_for(2)) + "\n";
  struct Case {
    std::string text, message;
  } cases[] = {
      {"", "empty"},
      {"not json\n", "line 1: not a JSON object"},
      {"{\"format\":\"something-else\",\"version\":1,\"records\":0}\n", "line 1: not a responder baseline"},
      {"{\"format\":\"responder-baseline\",\"version\":9,\"records\":0}\n", "version 9"},
      {head + file_line(file("/etc/b")) + "\n" + file_line(file("/etc/a")) + "\n", "line 3: file records are not sorted"},
      {head + file_line(file("/etc/a")) + "\n", "truncated"},
      {head + "{\"kind\":\"rootkit\",\"key\":\"x\"}\n", "line 2: unknown record kind"},
      {head + "{\"kind\":\"file\",\"path\":\"relative\",\"type\":\"file\"}\n", "line 2: file path is not absolute"},
      {head + "{\"kind\":\"file\",\"path\":\"/a\",\"type\":\"file\",\"mode\":\"0999\",\"size\":1,\"uid\":0,\"gid\":0}\n", "line 2: file mode is not octal"},
      {head + "{\"kind\":\"file\",\"path\":\"/a\",\"type\":\"file\",\"mode\":\"0644\",\"size\":1,\"uid\":0,\"gid\":0}\n", "without a SHA-256"},
      {head + std::string(kMaxBaselineLine + 10, 'x') + "\n", "line 2: longer than"},
      {head + file_line(file("/etc/a")) + "\n" + file_line(file("/etc/b")) + "\n" + file_line(file("/etc/c")) + "\n", "more records"},
  };
  for (auto& c : cases) {
    auto r = parse(c.text);
    INFO(c.text.substr(0, 200));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::bad_input);
    CHECK_MESSAGE(r.error().message.find(c.message) != std::string::npos, r.error().message);
  }
  // Truncated compressed data (even if someone signed it) is bad input.
  TempDir dir;
  auto key = make_key(dir.path());
  auto path = write_signed(dir, key, {head.substr(0, head.size() - 1), file_line(file("/etc/a")), file_line(file("/etc/b"))});
  auto bytes = slurp(path);
  auto cut = parse_compressed_baseline(std::string_view(bytes).substr(0, bytes.size() - 12));
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.error().kind == ErrorKind::bad_input);
  auto garbage = parse_compressed_baseline("this is not gzip");
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.error().kind == ErrorKind::bad_input);
}
