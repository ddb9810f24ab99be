// The evidence store: hashing while writing, Merkle roots, write-once, the
// store's records, and the tamper matrix (every kind of change is caught and
// named by verify).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <random>

#include "forensics/evidence/custody_log.h"
#include "forensics/evidence/evidence_digest.h"
#include "responder/durable_file.h"
#include "forensics/evidence/evidence_image_reader.h"
#include "forensics/evidence/evidence_manifest.h"
#include "forensics/evidence/evidence_sealer.h"
#include "forensics/evidence/evidence_signature.h"
#include "forensics/evidence/evidence_store.h"
#include "forensics/evidence/evidence_verifier.h"
#include "forensics/evidence/evidence_writer.h"
#include "forensics/evidence/immutable_file.h"
#include "forensics/evidence/merkle_tree.h"
#include "responder/module.h"
#include "responder/schema_catalog.h"
#include "tests/containment/private_mount_namespace.h"
#include "tests/support/process.h"

using namespace responder;
using namespace responder::evidence;
namespace fs = std::filesystem;

namespace {

// A private incident home on the machine's disk (/var/tmp: ext4 here, where
// the write-once attributes work; /tmp may be tmpfs). Removed on destruction
// even when the test failed, after clearing every write-once attribute:
// immutable files cannot otherwise be removed, even by root.
struct TempHome {
  fs::path root;
  TempHome() {
    std::string templ = "/var/tmp/responder-evidence-test-XXXXXX";
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    root = templ;
  }
  ~TempHome() {
    remove_write_once_tree(root);
  }
  TempHome(const TempHome&) = delete;
};

struct Incident {
  TempHome home;
  StepContext context;
  explicit Incident(const std::string& id = "INC-T") {
    context.incident_id = id;
    context.incident_dir = home.root / id;
    context.actor = "tester";
    context.step_id = "test";
    fs::create_directories(context.incident_dir);
  }
  fs::path evidence() const { return evidence_dir(context.incident_dir); }
};

std::string read_file(const fs::path& p) { return *read_text_file(p); }

void overwrite(const fs::path& p, const std::string& text) {
  (void)clear_write_once(p);
  fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

Result<EvidenceItem> add_text_item(const StepContext& context, const std::string& name, const std::string& text) {
  auto writer = EvidenceWriter::begin(context, name, false);
  if (!writer) return writer.error();
  if (auto s = (*writer)->write(text); !s) return s.error();
  json::object metadata;
  metadata["note"] = "test item";
  return (*writer)->finish("test:" + name, metadata, "unit test");
}

// A sealed bundle with three items.
void make_sealed_bundle(Incident& incident) {
  REQUIRE(add_text_item(incident.context, "alpha.txt", "alpha evidence\n").ok());
  REQUIRE(add_text_item(incident.context, "beta.log", std::string(5000, 'b')).ok());
  REQUIRE(add_text_item(incident.context, "gamma.jsonl", "{\"x\":1}\n{\"x\":2}\n").ok());
  SealOptions options;
  options.case_number = "2026-114";
  options.examiner = "E. Xaminer";
  auto sealed = seal_evidence(incident.context, options);
  REQUIRE_MESSAGE(sealed.ok(), (sealed.ok() ? "" : sealed.error().message));
}

// True when some broken finding is about `subject` and says `words`.
bool caught(const VerifyReport& report, const std::string& subject, const std::string& words) {
  for (auto& f : report.findings)
    if (f.outcome == Outcome::broken && f.subject.find(subject) != std::string::npos &&
        f.detail.find(words) != std::string::npos)
      return true;
  return false;
}

std::string broken_list(const VerifyReport& report) {
  std::string out;
  for (auto& f : report.findings)
    if (f.outcome == Outcome::broken) out += "  " + f.subject + ": " + f.detail + "\n";
  return out;
}

VerifyOptions copy_options() {
  VerifyOptions o;
  o.check_write_once = false;  // as for an unpacked copy: the hashes alone must catch it
  return o;
}

// Write-once needs CAP_LINUX_IMMUTABLE and a file system with inode flags.
std::string write_once_unavailable(const fs::path& dir) {
  if (geteuid() != 0) return "not root (CAP_LINUX_IMMUTABLE needed)";
  auto probe = dir / "probe";
  { std::ofstream(probe) << "x"; }
  Status s = set_write_once(probe, WriteOnceFlag::immutable);
  (void)clear_write_once(probe);
  fs::remove(probe);
  return s ? "" : s.error().message;
}

}  // namespace

TEST_CASE("stream hashing: whole and per-chunk SHA-256 match one-shot hashes, threaded or not") {
  std::mt19937 random(7);
  for (bool threaded : {false, true}) {
    for (std::size_t size : {0, 1, 999, 1000, 1001, 2500, 4000, 4096 * 3 + 17}) {
      std::string data(size, '\0');
      for (auto& c : data) c = static_cast<char>(random());
      StreamHasher hasher(1000, threaded, 256, 3);
      std::size_t at = 0;
      while (at < size) {
        auto block = hasher.acquire();
        std::size_t n = std::min(block.size() - (at % 3), size - at);  // uneven blocks
        std::memcpy(block.data(), data.data() + at, n);
        hasher.submit(n);
        at += n;
      }
      auto digest = hasher.finish();
      INFO("size " << size << (threaded ? " threaded" : " inline"));
      CHECK(digest.size == size);
      CHECK(digest.sha256 == sha256_hex(data));
      std::size_t chunks = size == 0 ? 1 : (size + 999) / 1000;
      REQUIRE(digest.chunks.size() == chunks);
      for (std::size_t i = 0; i < chunks; ++i)
        CHECK(digest.chunks[i] == sha256_hex(std::string_view(data).substr(i * 1000, 1000)));
    }
  }
}

TEST_CASE("stream hashing: a sink sees every byte in order, and its first error stops it") {
  std::mt19937 random(11);
  std::string data(4096 * 5 + 333, '\0');
  for (auto& c : data) c = static_cast<char>(random());
  for (bool threaded : {false, true}) {
    INFO((threaded ? "threaded" : "inline"));
    std::string seen;
    StreamHasher hasher(1000, threaded, 4096, 3, [&](const std::byte* p, std::size_t n) {
      seen.append(reinterpret_cast<const char*>(p), n);
      return 0;
    });
    for (std::size_t at = 0; at < data.size();) {
      auto block = hasher.acquire();
      CHECK(reinterpret_cast<std::uintptr_t>(block.data()) % StreamHasher::kBlockAlignment == 0);
      std::size_t n = std::min(block.size(), data.size() - at);
      std::memcpy(block.data(), data.data() + at, n);
      hasher.submit(n);
      at += n;
    }
    auto digest = hasher.finish();
    CHECK(hasher.sink_error() == 0);
    CHECK(seen == data);
    CHECK(digest.sha256 == sha256_hex(data));

    int calls = 0;
    StreamHasher failing(1000, threaded, 4096, 3, [&](const std::byte*, std::size_t) { return ++calls == 2 ? EIO : 0; });
    for (int i = 0; i < 5; ++i) {
      failing.acquire();
      failing.submit(4096);
    }
    failing.finish();
    CHECK(failing.sink_error() == EIO);
    CHECK(calls == 2);
  }
}

TEST_CASE("Merkle root follows RFC 6962") {
  auto h = [](const std::string& bytes) {
    std::string raw;
    auto hex = sha256_hex(bytes);
    for (std::size_t i = 0; i < 64; i += 2) raw += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return raw;
  };
  auto hex = [](const std::string& raw) {
    return hex_of(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  };
  CHECK(merkle_root_hex({}) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // The CT test vector: the leaf hash of the empty leaf.
  CHECK(merkle_root_hex({""}) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  std::string a = h(std::string(1, '\0') + "a"), b = h(std::string(1, '\0') + "b"), c = h(std::string(1, '\0') + "c");
  std::string ab = h("\x01" + a + b);
  CHECK(merkle_root_hex({"a", "b"}) == hex(ab));
  // Three leaves: k = 2, so the tree is (ab, c), not (a, bc).
  CHECK(merkle_root_hex({"a", "b", "c"}) == hex(h("\x01" + ab + c)));
}

TEST_CASE("Ed25519 seal signatures verify, and fail for other messages or keys") {
  auto key = Ed25519Key::generate();
  REQUIRE(key.ok());
  auto signature = key->sign("statement");
  REQUIRE(signature.ok());
  CHECK(signature->size() == 64);
  CHECK(verify_ed25519(key->public_pem(), "statement", *signature).ok());
  CHECK_FALSE(verify_ed25519(key->public_pem(), "statemenT", *signature).ok());
  auto other = Ed25519Key::generate();
  CHECK_FALSE(verify_ed25519(other->public_pem(), "statement", *signature).ok());
  CHECK(*public_key_fingerprint(key->public_pem()) == key->fingerprint());
}

TEST_CASE("add_evidence_file moves a staged file in, hashed, recorded, immutable") {
  Incident incident;
  auto staged = incident.home.root / "capture.pcap";
  std::string bytes(200000, 'p');
  { std::ofstream(staged, std::ios::binary) << bytes; }
  json::object metadata;
  metadata["source"] = "libpcap on lo";
  metadata["packets"] = 42;
  auto item = add_evidence_file(incident.context, staged, "capture.pcap", metadata, "libpcap live capture on lo");
  REQUIRE_MESSAGE(item.ok(), (item.ok() ? "" : item.error().message));
  CHECK_FALSE(fs::exists(staged));
  CHECK(item->path == "items/0001-capture.pcap");
  CHECK(item->sha256 == sha256_hex(bytes));
  CHECK(item->source == "libpcap on lo");
  CHECK(item->size == bytes.size());
  CHECK(read_file(incident.evidence() / item->path) == bytes);

  auto manifest = EvidenceManifest::read(incident.evidence());
  REQUIRE(manifest.ok());
  REQUIRE(manifest->items.size() == 1);
  CHECK(manifest->items[0].metadata.at("packets").as_int64() == 42);
  CHECK(manifest->bundle.at("host").as_object().contains("boot_id"));
  CHECK(read_file(incident.evidence() / "manifest.sha256") == item->sha256 + "  items/0001-capture.pcap\n");
  auto custody = read_custody_lines(incident.evidence());
  REQUIRE(custody->size() == 1);
  CHECK(custody->front().find("\"act\":\"collected\"") != std::string::npos);
  CHECK(custody_chain_problems(*custody).empty());
  if (auto why = write_once_unavailable(incident.home.root); why.empty()) {
    CHECK(item->write_once == "immutable");
    CHECK(*has_write_once(incident.evidence() / item->path, WriteOnceFlag::immutable));
    CHECK(*has_write_once(incident.evidence() / "custody.jsonl", WriteOnceFlag::append_only));
  } else {
    // Never a claim of write-once that is not in force.
    CHECK(item->write_once.rfind("NOT IN FORCE", 0) == 0);
  }
}

TEST_CASE("the manifest kept open between batches writes what a full render writes, and sees outside edits") {
  Incident incident;
  auto dir = incident.evidence();
  for (int i = 0; i < 5; ++i) REQUIRE(add_text_item(incident.context, "item" + std::to_string(i), std::string(i, 'x')).ok());
  auto manifest = *EvidenceManifest::read(dir);
  REQUIRE(manifest.items.size() == 5);
  CHECK(read_file(dir / "manifest.json") == manifest.text());
  CHECK(read_file(dir / "manifest.sha256") == manifest.sums(nullptr));

  // Someone else rewrites the manifest (here: a note in the bundle record);
  // the next item must be added to that manifest, not to the kept copy.
  manifest.bundle["examiner_note"] = "edited outside this process";
  REQUIRE(manifest.write(dir, false).ok());
  REQUIRE(add_text_item(incident.context, "after-edit", "y").ok());
  auto after = *EvidenceManifest::read(dir);
  REQUIRE(after.items.size() == 6);
  CHECK(after.items.back().id == 6);
  CHECK(after.bundle.contains("examiner_note"));
  CHECK(read_file(dir / "manifest.json") == after.text());
}

TEST_CASE("a sealed store refuses new evidence and verifies") {
  Incident incident;
  make_sealed_bundle(incident);
  auto refused = add_text_item(incident.context, "late.txt", "too late");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::refused);
  CHECK(fs::is_empty(incident.evidence() / "items") == false);
  for (auto& entry : fs::directory_iterator(incident.evidence() / "items"))
    CHECK(entry.path().filename().string().find("partial") == std::string::npos);
  auto report = verify_evidence(incident.evidence(), VerifyOptions{});
  INFO(broken_list(report));
  CHECK(report.holds());
  // Sealing twice is the same seal.
  auto again = seal_evidence(incident.context, SealOptions{});
  REQUIRE(again.ok());
  CHECK(again->already_sealed);
}

TEST_CASE("sealed files refuse write, rename and unlink with EPERM") {
  Incident incident;
  if (auto why = write_once_unavailable(incident.home.root); !why.empty()) {
    MESSAGE("SKIPPED: write-once attributes unavailable here: " << why);
    return;
  }
  make_sealed_bundle(incident);
  auto dir = incident.evidence();
  for (const char* name : {"items/0001-alpha.txt", "manifest.json", "manifest.sha256", "seal.json", "seal.sig", "seal.pub"}) {
    auto path = dir / name;
    INFO(name);
    errno = 0;
    CHECK(::open(path.c_str(), O_WRONLY) == -1);
    CHECK(errno == EPERM);
    errno = 0;
    CHECK(::rename(path.c_str(), (dir / "moved").c_str()) == -1);
    CHECK(errno == EPERM);
    errno = 0;
    CHECK(::unlink(path.c_str()) == -1);
    CHECK(errno == EPERM);
    errno = 0;
    CHECK(::truncate(path.c_str(), 0) == -1);
    CHECK(errno == EPERM);
  }
  // The custody log can only grow: no rewrite, no truncation, no removal.
  auto custody = dir / "custody.jsonl";
  errno = 0;
  CHECK(::open(custody.c_str(), O_WRONLY) == -1);
  CHECK(errno == EPERM);
  errno = 0;
  CHECK(::unlink(custody.c_str()) == -1);
  CHECK(errno == EPERM);
  int fd = ::open(custody.c_str(), O_WRONLY | O_APPEND);
  CHECK(fd >= 0);
  if (fd >= 0) ::close(fd);
}

TEST_CASE("tamper matrix: every change is caught and named") {
  struct Tamper {
    const char* what;
    void (*apply)(const fs::path& dir);
    const char* subject;
    const char* words;
  };
  static const Tamper matrix[] = {
      {"one byte of an item changed",
       [](const fs::path& d) {
         auto text = read_file(d / "items/0002-beta.log");
         text[1234] = 'X';
         overwrite(d / "items/0002-beta.log", text);
       },
       "items/0002-beta.log", "content changed; differs in chunk 1"},
      {"an item truncated",
       [](const fs::path& d) {
         auto text = read_file(d / "items/0002-beta.log");
         overwrite(d / "items/0002-beta.log", text.substr(0, 100));
       },
       "items/0002-beta.log", "truncated"},
      {"an item deleted",
       [](const fs::path& d) {
         (void)clear_write_once(d / "items/0001-alpha.txt");
         fs::remove(d / "items/0001-alpha.txt");
       },
       "items/0001-alpha.txt", "missing"},
      {"an item added",
       [](const fs::path& d) { std::ofstream(d / "items/0004-planted.txt") << "planted"; },
       "items/0004-planted.txt", "not in the manifest"},
      {"the manifest edited",
       [](const fs::path& d) {
         auto text = read_file(d / "manifest.json");
         auto at = text.find("test:beta.log");
         REQUIRE(at != std::string::npos);
         text.replace(at, 13, "test:BETA.log");
         overwrite(d / "manifest.json", text);
       },
       "manifest.json", "changed after sealing"},
      {"the manifest's hash of an item replaced (with the file)",
       [](const fs::path& d) {
         overwrite(d / "items/0001-alpha.txt", "forged\n");
         auto text = read_file(d / "manifest.json");
         auto old_hash = sha256_hex("alpha evidence\n");
         for (auto at = text.find(old_hash); at != std::string::npos; at = text.find(old_hash))
           text.replace(at, 64, sha256_hex("forged\n"));
         overwrite(d / "manifest.json", text);
       },
       "merkle root", "differs from the signed"},
      {"custody lines reordered",
       [](const fs::path& d) {
         auto lines = *read_custody_lines(d);
         std::swap(lines[1], lines[2]);
         std::string text;
         for (auto& l : lines) text += l + "\n";
         overwrite(d / "custody.jsonl", text);
       },
       "custody.jsonl", "custody.jsonl record 2 (line 2) has seq 3, expected 2"},
      {"a custody line edited",
       [](const fs::path& d) {
         auto lines = *read_custody_lines(d);
         auto at = lines[0].find("\"who\":\"tester\"");
         REQUIRE(at != std::string::npos);
         lines[0].replace(at, 14, "\"who\":\"mallet\"");
         std::string text;
         for (auto& l : lines) text += l + "\n";
         overwrite(d / "custody.jsonl", text);
       },
       "custody.jsonl", "custody.jsonl record 2 (line 2): prev does not match"},
      {"the signature replaced",
       [](const fs::path& d) {
         auto key = Ed25519Key::generate();
         overwrite(d / "seal.sig", *key->sign(read_file(d / "seal.json")));
       },
       "seal.sig", "does not verify"},
      {"the public key swapped",
       [](const fs::path& d) { overwrite(d / "seal.pub", Ed25519Key::generate()->public_pem()); },
       "seal.pub", "public key swapped"},
      {"the seal statement edited",
       [](const fs::path& d) {
         auto text = read_file(d / "seal.json");
         text.replace(text.find("2026-114"), 8, "2026-999");
         overwrite(d / "seal.json", text);
       },
       "seal.sig", "does not verify"},
      {"manifest.sha256 edited",
       [](const fs::path& d) { overwrite(d / "manifest.sha256", read_file(d / "manifest.sha256") + "\n"); },
       "manifest.sha256", "changed after sealing"},
  };
  for (auto& tamper : matrix) {
    SUBCASE(tamper.what) {
      Incident incident;
      make_sealed_bundle(incident);
      REQUIRE(verify_evidence(incident.evidence(), copy_options()).holds());
      tamper.apply(incident.evidence());
      auto report = verify_evidence(incident.evidence(), copy_options());
      INFO(tamper.what << "\n" << broken_list(report));
      CHECK_FALSE(report.holds());
      CHECK(caught(report, tamper.subject, tamper.words));
    }
  }
}

TEST_CASE("tamper: a bundle re-signed with another key is caught by the fingerprint kept apart") {
  Incident incident;
  make_sealed_bundle(incident);
  auto dir = incident.evidence();
  auto original = *public_key_fingerprint(read_file(dir / "seal.pub"));
  // A forger who rewrites seal.json to name their own key and signs it.
  auto forger = Ed25519Key::generate();
  auto text = read_file(dir / "seal.json");
  text.replace(text.find(original), 64, forger->fingerprint());
  overwrite(dir / "seal.json", text);
  overwrite(dir / "seal.sig", *forger->sign(text));
  overwrite(dir / "seal.pub", forger->public_pem());
  CHECK(verify_evidence(dir, copy_options()).holds());  // self-consistent, as a forgery would be
  auto options = copy_options();
  options.expected_fingerprint = original;
  auto report = verify_evidence(dir, options);
  INFO(broken_list(report));
  CHECK_FALSE(report.holds());
  CHECK(caught(report, "seal.pub", "not the key kept apart"));
}

TEST_CASE("tamper: a write-once attribute removed from a live store is named") {
  Incident incident;
  if (auto why = write_once_unavailable(incident.home.root); !why.empty()) {
    MESSAGE("SKIPPED: write-once attributes unavailable here: " << why);
    return;
  }
  make_sealed_bundle(incident);
  REQUIRE(clear_write_once(incident.evidence() / "items/0003-gamma.jsonl").ok());
  auto report = verify_evidence(incident.evidence(), VerifyOptions{});
  INFO(broken_list(report));
  CHECK_FALSE(report.holds());
  CHECK(caught(report, "items/0003-gamma.jsonl", "attribute has been removed"));
}

TEST_CASE("an edit to the open manifest before sealing is caught by the custody record, and sealing refuses it") {
  Incident incident;
  REQUIRE(add_text_item(incident.context, "alpha.txt", "alpha\n").ok());
  auto dir = incident.evidence();
  overwrite(dir / "items/0001-alpha.txt", "forged\n");
  auto text = read_file(dir / "manifest.json");
  auto old_hash = sha256_hex("alpha\n");
  text.replace(text.find(old_hash), 64, sha256_hex("forged\n"));
  overwrite(dir / "manifest.json", text);
  auto report = verify_evidence(dir, copy_options());
  CHECK(caught(report, "items/0001-alpha.txt", "differs from its custody record"));
  auto sealed = seal_evidence(incident.context, SealOptions{});
  REQUIRE_FALSE(sealed.ok());
  CHECK(sealed.error().kind == ErrorKind::refused);
}

TEST_CASE("evidence.collect records metadata and evidence.image hashes per chunk") {
  Incident incident;
  auto source = incident.home.root / "source.log";
  const std::string line = "Nov 23 sshd[1]: Accepted publickey for root\n";
  { std::ofstream(source) << line; }
  auto* collect = ModuleRegistry::instance().find("evidence.collect");
  REQUIRE(collect != nullptr);
  json::object with;
  with["paths"] = json::array{(incident.home.root / "*.log").string()};
  auto params = SchemaCatalog::instance().module("evidence.collect")->resolve(with);
  REQUIRE(params.ok());
  auto receipt = collect->apply(*params, incident.context);
  REQUIRE_MESSAGE(receipt.ok(), (receipt.ok() ? "" : receipt.error().message));
  auto manifest = *EvidenceManifest::read(incident.evidence());
  REQUIRE(manifest.items.size() == 1);
  auto& m = manifest.items[0].metadata;
  CHECK(m.at("size").to_number<std::uint64_t>() == line.size());
  CHECK(m.at("mode").as_string() == "0644");
  CHECK(m.at("mtime").as_object().contains("ns"));
  CHECK(m.at("mtime").as_object().at("utc").as_string().back() == 'Z');
  CHECK(m.contains("inode"));
  CHECK(m.contains("owner"));

  auto image_source = incident.home.root / "disk.raw";
  {
    std::ofstream out(image_source, std::ios::binary);
    std::string block(1 << 20, 'd');
    for (int i = 0; i < 70; ++i) out << block;  // 70 MiB: two chunks
  }
  auto* image = ModuleRegistry::instance().find("evidence.image");
  json::object image_with;
  image_with["source"] = image_source.string();
  auto image_params = SchemaCatalog::instance().module("evidence.image")->resolve(image_with);
  REQUIRE(image_params.ok());
  auto imaged = image->apply(*image_params, incident.context);
  REQUIRE_MESSAGE(imaged.ok(), (imaged.ok() ? "" : imaged.error().message));
  manifest = *EvidenceManifest::read(incident.evidence());
  auto& item = manifest.items.back();
  CHECK(item.size == 70u << 20);
  REQUIRE(item.chunks.size() == 2);
  CHECK(item.chunks[1] == sha256_hex(std::string(6u << 20, 'd')));
  CHECK(item.metadata.at("read_errors").as_array().empty());
  CHECK(verify_evidence(incident.evidence(), VerifyOptions{}).broken() == 1);  // only: not sealed
}

TEST_CASE("evidence.image writes the source byte for byte, whatever its size's alignment") {
  Incident incident;
  std::mt19937 random(3);
  auto* image = ModuleRegistry::instance().find("evidence.image");
  // Empty; under one block; several 4 MiB blocks with an unaligned tail, so
  // the direct writes hand over to buffered ones for the last block.
  for (std::size_t size : {std::size_t{0}, std::size_t{4097}, std::size_t{(9u << 20) + 13}}) {
    INFO("size " << size);
    std::string bytes(size, '\0');
    for (auto& c : bytes) c = static_cast<char>(random());
    auto source = incident.home.root / ("disk-" + std::to_string(size) + ".raw");
    { std::ofstream(source, std::ios::binary) << bytes; }
    json::object with;
    with["source"] = source.string();
    auto params = SchemaCatalog::instance().module("evidence.image")->resolve(with);
    REQUIRE(params.ok());
    auto imaged = image->apply(*params, incident.context);
    REQUIRE_MESSAGE(imaged.ok(), (imaged.ok() ? "" : imaged.error().message));
    auto item = EvidenceManifest::read(incident.evidence())->items.back();
    auto written = incident.evidence() / item.path;
    CHECK(fs::file_size(written) == size);
    CHECK(read_file(written) == bytes);
    CHECK(item.sha256 == sha256_hex(bytes));
  }
}

TEST_CASE("a large writer given a size it does not reach trims the file to what was written") {
  Incident incident;
  auto writer = EvidenceWriter::begin(incident.context, "short.img", true, 16u << 20);
  REQUIRE(writer.ok());
  std::string bytes((5u << 20) + 3, 'x');
  REQUIRE((*writer)->write(bytes).ok());
  auto item = (*writer)->finish("test:short", json::object{}, "unit test");
  REQUIRE_MESSAGE(item.ok(), (item.ok() ? "" : item.error().message));
  CHECK(item->size == bytes.size());
  CHECK(fs::file_size(incident.evidence() / item->path) == bytes.size());
  CHECK(item->sha256 == sha256_hex(bytes));
  CHECK(verify_evidence(incident.evidence(), VerifyOptions{}).broken() == 1);  // only: not sealed
}

TEST_CASE("a large item expected bigger than the store's free space takes only what it writes") {
  // A real 64 MiB ext4 volume (about 51 MiB free), in a private mount
  // namespace so it goes with the test process whatever happens.
  RESPONDER_REQUIRE_PRIVATE_MOUNTS();
  TempHome home;
  auto image = home.root / "volume.ext4";
  auto volume = home.root / "volume";
  fs::create_directories(volume);
  { std::ofstream(image, std::ios::binary).close(); }
  fs::resize_file(image, 64u << 20);
  auto made = testing::run_process({"mkfs.ext4", "-q", "-F", image.string()});
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  auto mounted = testing::run_process({"mount", "-o", "loop", image.string(), volume.string()});
  RESPONDER_SKIP_WHEN(mounted.exit_code == 0 ? std::string() : "no loop device to mount a test volume: " + mounted.err);
  struct Unmount {  // before the home is removed, even when a check fails
    fs::path at;
    ~Unmount() {
      remove_write_once_tree(at / "INC-FULL");
      ::umount2(at.c_str(), MNT_DETACH);
    }
  } unmount{volume};

  StepContext context;
  context.incident_id = "INC-FULL";
  context.incident_dir = volume / "INC-FULL";
  context.actor = "tester";
  context.step_id = "test";
  fs::create_directories(context.incident_dir);
  auto free_before = fs::space(volume).available;
  // Expected 200 MiB (an image source that ends early, a log truncated
  // while copied); 5 MiB arrive. Allocating the 200 MiB would fill the
  // volume and leave the file longer than its hash.
  auto writer = EvidenceWriter::begin(context, "short.img", true, 200u << 20);
  REQUIRE(writer.ok());
  std::string bytes((5u << 20) + 3, 'x');
  REQUIRE((*writer)->write(bytes).ok());
  auto item = (*writer)->finish("test:short", json::object{}, "unit test");
  REQUIRE_MESSAGE(item.ok(), (item.ok() ? "" : item.error().message));
  CHECK(fs::file_size(evidence_dir(context.incident_dir) / item->path) == bytes.size());
  CHECK(fs::space(volume).available + (8u << 20) > free_before);
  auto report = verify_evidence(evidence_dir(context.incident_dir), VerifyOptions{});
  INFO(broken_list(report));
  CHECK(report.broken() == 1);  // only: not sealed
}

TEST_CASE("image reads zero-fill unreadable sectors and list them") {
  // /proc/self/mem fails with EIO where nothing is mapped: three pages, the
  // middle one unmapped, stand in for a disk with a bad stretch.
  long page = sysconf(_SC_PAGESIZE);
  auto* region = static_cast<unsigned char*>(
      ::mmap(nullptr, static_cast<std::size_t>(3 * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  REQUIRE(region != MAP_FAILED);
  std::memset(region, 'A', static_cast<std::size_t>(page));
  std::memset(region + 2 * page, 'C', static_cast<std::size_t>(page));
  REQUIRE(::munmap(region + page, static_cast<std::size_t>(page)) == 0);
  int fd = ::open("/proc/self/mem", O_RDONLY);
  REQUIRE(fd >= 0);
  std::vector<std::byte> into(static_cast<std::size_t>(3 * page), std::byte{0x55});
  json::array errors;
  std::uint64_t zero_filled = 0;
  auto base = reinterpret_cast<std::uint64_t>(region);
  auto got = read_with_zero_fill(fd, into.data(), into.size(), base, errors, zero_filled);
  ::close(fd);
  ::munmap(region, static_cast<std::size_t>(page));
  ::munmap(region + 2 * page, static_cast<std::size_t>(page));
  CHECK(got == into.size());
  CHECK(zero_filled == static_cast<std::uint64_t>(page));
  REQUIRE(errors.size() == 1);  // one merged range, not one per sector
  CHECK(errors[0].at("offset").to_number<std::uint64_t>() == base + static_cast<std::uint64_t>(page));
  CHECK(errors[0].at("length").to_number<std::uint64_t>() == static_cast<std::uint64_t>(page));
  CHECK(std::string(errors[0].at("error").as_string()).find("Input/output error") != std::string::npos);
  CHECK(into[0] == std::byte{'A'});
  CHECK(into[static_cast<std::size_t>(page) + 5] == std::byte{0});
  CHECK(into[static_cast<std::size_t>(2 * page)] == std::byte{'C'});
}

TEST_CASE("where write-once is refused, records say so and never claim it") {
  if (geteuid() != 0) {
    MESSAGE("SKIPPED: needs root to drop CAP_LINUX_IMMUTABLE in a child");
    return;
  }
  Incident incident;
  // A child without CAP_LINUX_IMMUTABLE: the kernel refuses the attributes
  // exactly as a file system without them would.
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (::syscall(SYS_capget, &header, data) != 0) ::_exit(10);
    data[0].effective &= ~(1u << CAP_LINUX_IMMUTABLE);
    data[0].permitted &= ~(1u << CAP_LINUX_IMMUTABLE);
    if (::syscall(SYS_capset, &header, data) != 0) ::_exit(11);
    auto item = add_text_item(incident.context, "refused.txt", "no write-once here\n");
    if (!item) ::_exit(12);
    if (item->write_once.rfind("NOT IN FORCE", 0) != 0) ::_exit(13);
    if (item->write_once.find("CAP_LINUX_IMMUTABLE") == std::string::npos) ::_exit(14);
    auto sealed = seal_evidence(incident.context, SealOptions{});
    if (!sealed || sealed->warnings.empty()) ::_exit(15);
    auto seal = *read_text_file(incident.evidence() / "seal.json");
    if (seal.find("\"records_write_once\": \"NOT IN FORCE") == std::string::npos) ::_exit(16);
    if (seal.find("\"custody_write_once\": \"NOT IN FORCE\"") == std::string::npos) ::_exit(17);
    auto report = verify_evidence(incident.evidence(), VerifyOptions{});
    if (!report.holds()) ::_exit(18);  // honest records: notes, not mismatches
    bool noted = false;
    for (auto& f : report.findings) noted = noted || (f.outcome == Outcome::note && f.detail.find("NOT immutable") != std::string::npos);
    ::_exit(noted ? 0 : 19);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  INFO("child exit " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}
