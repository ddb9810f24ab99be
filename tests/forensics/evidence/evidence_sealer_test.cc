// Sealing a store: it then refuses new evidence, verifies, and seals again
// to the same seal.
#include <doctest/doctest.h>

#include <string>

#include "forensics/evidence/evidence_sealer.h"
#include "forensics/evidence/evidence_verifier.h"
#include "tests/forensics/evidence/evidence_lab.h"

using namespace responder;
using namespace responder::evidence;
using namespace responder::evidence::lab;
namespace fs = std::filesystem;

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
