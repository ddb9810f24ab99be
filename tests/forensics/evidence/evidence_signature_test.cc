// The Ed25519 keys and signatures that seal a bundle.
#include <doctest/doctest.h>

#include "forensics/evidence/evidence_signature.h"
#include "tests/support/process.h"

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

TEST_CASE("the seal fingerprint is what openssl and sha256sum print for seal.pub") {
  auto key = Ed25519Key::generate();
  REQUIRE(key.ok());
  testing::TempDir dir;
  auto pub = dir.write("seal.pub", key->public_pem());
  auto r = testing::run_process({"sh", "-c", "openssl pkey -pubin -in \"$0\" -outform DER | sha256sum", pub.string()});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.substr(0, 64) == key->fingerprint());
  CHECK(*public_key_fingerprint(key->public_pem()) == key->fingerprint());
  // The older name of the same key (its raw bytes' hash) differs, and is still readable.
  CHECK(*raw_key_fingerprint(key->public_pem()) != key->fingerprint());
}
