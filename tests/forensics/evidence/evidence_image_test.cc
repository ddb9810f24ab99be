// The evidence.image module: the image is the source byte for byte.
#include <doctest/doctest.h>

#include <cstddef>
#include <fstream>
#include <random>
#include <string>

#include "forensics/evidence/evidence_manifest.h"
#include "responder/module.h"
#include "responder/schema_catalog.h"
#include "tests/forensics/evidence/evidence_lab.h"

using namespace responder;
using namespace responder::evidence;
using namespace responder::evidence::lab;
namespace fs = std::filesystem;

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
