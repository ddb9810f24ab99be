// Verify and the tamper matrix: every kind of change to a store, sealed or
// still open, is caught and named.
#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <utility>

#include "forensics/evidence/custody_log.h"
#include "forensics/evidence/evidence_sealer.h"
#include "forensics/evidence/evidence_signature.h"
#include "forensics/evidence/evidence_verifier.h"
#include "forensics/evidence/immutable_file.h"
#include "tests/forensics/evidence/evidence_lab.h"

using namespace responder;
using namespace responder::evidence;
using namespace responder::evidence::lab;
namespace fs = std::filesystem;

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

TEST_CASE("a bundle sealed under the older raw-key fingerprint still verifies, by either name of its key") {
  Incident incident;
  make_sealed_bundle(incident);
  auto dir = incident.evidence();
  auto pub = read_file(dir / "seal.pub");
  auto spki = *public_key_fingerprint(pub), raw = *raw_key_fingerprint(pub);
  auto options = copy_options();
  options.expected_fingerprint = raw;
  CHECK(verify_evidence(dir, options).holds());
  options.expected_fingerprint = spki;
  CHECK(verify_evidence(dir, options).holds());
  options.expected_fingerprint = std::string(64, 'b');
  CHECK_FALSE(verify_evidence(dir, options).holds());
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
