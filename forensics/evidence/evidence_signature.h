// Ed25519 signatures over the seal statement (OpenSSL EVP).
//
// The private key never leaves this object: it is not logged, not journaled,
// not written by this code. A generated key exists only in memory and is
// destroyed after signing, so nobody (us included) can sign a different
// bundle under the same public key later.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "responder/result.h"

namespace responder::evidence {

class Ed25519Key {
 public:
  static Result<Ed25519Key> generate();
  // A PEM private key file (PKCS#8, as `openssl genpkey -algorithm ed25519`
  // writes). Errors name the file, never its content.
  static Result<Ed25519Key> load(const std::filesystem::path& private_key_pem);
  Ed25519Key(Ed25519Key&&) noexcept;
  Ed25519Key& operator=(Ed25519Key&&) noexcept;
  ~Ed25519Key();

  // SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----").
  std::string public_pem() const;
  // Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo, as
  // `openssl pkey -pubin -in seal.pub -outform DER | sha256sum` prints it.
  std::string fingerprint() const;
  // The 64-byte signature.
  Result<std::string> sign(std::string_view message) const;

 private:
  explicit Ed25519Key(void* key) : key_(key) {}
  void* key_ = nullptr;  // EVP_PKEY*
};

// Success when `signature` is a valid Ed25519 signature of `message` under
// the PEM public key; the error says which part failed.
Status verify_ed25519(std::string_view public_pem, std::string_view message, std::string_view signature);
// Fingerprint (as above) of a PEM public key.
Result<std::string> public_key_fingerprint(std::string_view public_pem);
// The SHA-256 of the 32 raw key bytes: what seals made before 0.1.0 named
// their key by; still accepted when checking those bundles.
Result<std::string> raw_key_fingerprint(std::string_view public_pem);

}  // namespace responder::evidence
