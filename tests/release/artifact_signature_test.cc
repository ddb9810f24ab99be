// Detached signatures over a release artifact, made with the `openssl`
// commands artifact_signature.h gives a user, checked by our code; sha256sum
// is the reference for the hash of what verified.
#include "release/artifact_signature.h"

#include <doctest/doctest.h>

#include "tests/support/process.h"

using namespace responder;
using namespace responder::release;
using responder::testing::run_process;
using responder::testing::slurp;
using responder::testing::TempDir;

namespace {

constexpr std::uint64_t limit = 1 << 20;

void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_process(argv);
  INFO("openssl ", args.front(), ": ", r.err);
  REQUIRE(r.exit_code == 0);
}

// A signer's key pair, as the header's commands make it.
struct Signer {
  std::filesystem::path key, pub;
  Signer(const TempDir& dir, const std::string& name, const std::vector<std::string>& genpkey) {
    key = dir / (name + ".key");
    pub = dir / (name + ".pub");
    std::vector<std::string> args{"genpkey"};
    args.insert(args.end(), genpkey.begin(), genpkey.end());
    args.insert(args.end(), {"-out", key.string()});
    openssl(args);
    openssl({"pkey", "-in", key.string(), "-pubout", "-out", pub.string()});
  }
};

std::string sha256sum(const std::filesystem::path& file) {
  auto r = run_process({"sha256sum", file.string()});
  REQUIRE(r.exit_code == 0);
  return r.out.substr(0, 64);
}

std::filesystem::path artifact(const TempDir& dir) {
  std::string bytes;
  for (int i = 0; i < 70000; ++i) bytes += static_cast<char>((i * 131) % 256);
  return dir.write("fix_1.0.1_all.deb", bytes);
}

}  // namespace

TEST_CASE("release signature: Ed25519 signed with openssl pkeyutl verifies, raw and in base64") {
  TempDir dir;
  Signer signer(dir, "ed", {"-algorithm", "ed25519"});
  auto file = artifact(dir);
  auto sig = dir / "fix.sig";
  openssl({"pkeyutl", "-sign", "-rawin", "-inkey", signer.key.string(), "-in", file.string(), "-out", sig.string()});

  auto verified = verify_artifact_signature(file, sig, signer.pub, limit);
  REQUIRE_MESSAGE(verified.ok(), verified.error().message);
  CHECK(verified->algorithm == "ed25519");
  CHECK(verified->artifact_sha256 == sha256sum(file));
  CHECK(verified->artifact_size == std::filesystem::file_size(file));
  REQUIRE(verified->bytes);
  CHECK(*verified->bytes == slurp(file));
  CHECK(verified->key_sha256.size() == 64);

  auto b64 = dir / "fix.sig.b64";
  openssl({"base64", "-in", sig.string(), "-out", b64.string()});
  auto again = verify_artifact_signature(file, b64, signer.pub, limit);
  REQUIRE_MESSAGE(again.ok(), again.error().message);
  CHECK(again->key_sha256 == verified->key_sha256);
}

TEST_CASE("release signature: RSA with PKCS#1 v1.5 and with PSS, both as openssl dgst makes them") {
  TempDir dir;
  Signer signer(dir, "rsa", {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"});
  auto file = artifact(dir);
  auto pkcs1 = dir / "pkcs1.sig", pss = dir / "pss.sig";
  openssl({"dgst", "-sha256", "-sign", signer.key.string(), "-out", pkcs1.string(), file.string()});
  openssl({"dgst", "-sha256", "-sign", signer.key.string(), "-sigopt", "rsa_padding_mode:pss", "-out", pss.string(),
           file.string()});

  auto a = verify_artifact_signature(file, pkcs1, signer.pub, limit);
  REQUIRE_MESSAGE(a.ok(), a.error().message);
  CHECK(a->algorithm == "rsa-pkcs1-sha256");
  CHECK(a->artifact_sha256 == sha256sum(file));
  auto b = verify_artifact_signature(file, pss, signer.pub, limit);
  REQUIRE_MESSAGE(b.ok(), b.error().message);
  CHECK(b->algorithm == "rsa-pss-sha256");
}

TEST_CASE("release signature: one changed byte, another key or another file is refused and names the files") {
  TempDir dir;
  Signer signer(dir, "ed", {"-algorithm", "ed25519"});
  Signer other(dir, "other", {"-algorithm", "ed25519"});
  Signer rsa(dir, "rsa", {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"});
  auto file = artifact(dir);
  auto sig = dir / "fix.sig", rsa_sig = dir / "rsa.sig";
  openssl({"pkeyutl", "-sign", "-rawin", "-inkey", signer.key.string(), "-in", file.string(), "-out", sig.string()});
  openssl({"dgst", "-sha256", "-sign", rsa.key.string(), "-out", rsa_sig.string(), file.string()});

  std::string tampered = slurp(file);
  tampered[40000] = static_cast<char>(tampered[40000] ^ 1);
  auto changed = dir.write("changed.deb", tampered);
  auto r = verify_artifact_signature(changed, sig, signer.pub, limit);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::refused);
  CHECK(r.error().message.find("changed.deb") != std::string::npos);
  CHECK(r.error().message.find("does not verify") != std::string::npos);

  auto wrong_key = verify_artifact_signature(file, sig, other.pub, limit);
  REQUIRE_FALSE(wrong_key.ok());
  CHECK(wrong_key.error().kind == ErrorKind::refused);

  std::string flipped = slurp(rsa_sig);
  flipped[10] = static_cast<char>(flipped[10] ^ 0x40);
  auto bad_rsa = verify_artifact_signature(file, dir.write("flipped.sig", flipped), rsa.pub, limit);
  REQUIRE_FALSE(bad_rsa.ok());
  CHECK(bad_rsa.error().kind == ErrorKind::refused);

  // An Ed25519 signature is not an RSA one: the length alone says so.
  auto mixed = verify_artifact_signature(file, sig, rsa.pub, limit);
  REQUIRE_FALSE(mixed.ok());
  CHECK(mixed.error().kind == ErrorKind::bad_input);
  CHECK(mixed.error().message.find("256 bytes") != std::string::npos);
}

TEST_CASE("release signature: keys, signatures and artifacts that are not what they should be are bad input") {
  TempDir dir;
  Signer signer(dir, "ed", {"-algorithm", "ed25519"});
  auto file = artifact(dir);
  auto sig = dir / "fix.sig";
  openssl({"pkeyutl", "-sign", "-rawin", "-inkey", signer.key.string(), "-in", file.string(), "-out", sig.string()});

  auto expect_bad = [&](const std::filesystem::path& a, const std::filesystem::path& s, const std::filesystem::path& k,
                        std::uint64_t max, const std::string& says) {
    auto r = verify_artifact_signature(a, s, k, max);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::bad_input);
    CHECK_MESSAGE(r.error().message.find(says) != std::string::npos, r.error().message);
  };
  expect_bad(dir / "missing.deb", sig, signer.pub, limit, "missing.deb");
  expect_bad(dir.write("empty.deb", ""), sig, signer.pub, limit, "is empty");
  expect_bad(file, sig, signer.pub, 1000, "more than the 1000");
  expect_bad(dir.path(), sig, signer.pub, limit, "is a directory");
  expect_bad("/dev/zero", sig, signer.pub, limit, "not a regular file");
  expect_bad(file, dir.write("short.sig", "abc"), signer.pub, limit, "short.sig");
  expect_bad(file, dir.write("junk.sig", std::string(88, '!')), signer.pub, limit, "base64");
  // The private key is not a public key, and a certificate request is not a key.
  expect_bad(file, sig, signer.key, limit, "not a PEM public key");
  expect_bad(file, sig, dir.write("text.pub", "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"),
             limit, "not a PEM public key");

  Signer small(dir, "small", {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"});
  expect_bad(file, sig, small.pub, limit, "at least 2048");
  auto pkcs1 = dir / "pkcs1.pub";
  Signer rsa(dir, "rsa", {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"});
  openssl({"rsa", "-pubin", "-in", rsa.pub.string(), "-RSAPublicKey_out", "-out", pkcs1.string()});
  expect_bad(file, sig, pkcs1, limit, "-RSAPublicKey_in");
  Signer ec(dir, "ec", {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"});
  expect_bad(file, sig, ec.pub, limit, "neither Ed25519 nor RSA");
}
