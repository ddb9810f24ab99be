// The evidence store: a staged file moved in, hashed, recorded in the
// manifest and the custody log, and made write-once.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "forensics/evidence/custody_log.h"
#include "forensics/evidence/evidence_manifest.h"
#include "forensics/evidence/evidence_store.h"
#include "forensics/evidence/immutable_file.h"
#include "tests/forensics/evidence/evidence_lab.h"

using namespace responder;
using namespace responder::evidence;
using namespace responder::evidence::lab;
namespace fs = std::filesystem;

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
