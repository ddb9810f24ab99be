// The Ed25519 keys and signatures that seal a bundle.
#include <doctest/doctest.h>

#include "forensics/evidence/evidence_signature.h"

using namespace responder;
using namespace responder::evidence;

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
