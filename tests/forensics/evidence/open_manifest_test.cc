// The manifest kept open in this process between the batches that add items.
#include <doctest/doctest.h>

#include <string>

#include "forensics/evidence/evidence_manifest.h"
#include "tests/forensics/evidence/evidence_lab.h"

using namespace responder;
using namespace responder::evidence;
using namespace responder::evidence::lab;
namespace fs = std::filesystem;

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
