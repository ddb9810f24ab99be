// The evidence.collect module (with evidence.image after it, per chunk).
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "forensics/evidence/evidence_digest.h"
#include "forensics/evidence/evidence_manifest.h"
#include "forensics/evidence/evidence_verifier.h"
#include "responder/module.h"
#include "responder/schema_catalog.h"
#include "tests/forensics/evidence/evidence_lab.h"

using namespace responder;
using namespace responder::evidence;
using namespace responder::evidence::lab;
namespace fs = std::filesystem;

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
