// The detached signature over a release artifact, checked on the controller
// before any host is asked anything (OpenSSL EVP).
//
// An emergency patch is pushed with "only basic testing" to every affected
// machine: the one thing that must never be skipped is that it is the
// artifact its signer meant. The key is a PEM SubjectPublicKeyInfo
// ("-----BEGIN PUBLIC KEY-----"), Ed25519 or RSA of at least 2048 bits; the
// signature file holds the raw signature bytes or the same bytes in base64,
// as these commands make them:
//
//   openssl genpkey -algorithm ed25519 -out release.key
//   openssl pkey -in release.key -pubout -out release.pub
//   openssl pkeyutl -sign -rawin -inkey release.key -in fix.deb -out fix.deb.sig
//
//   openssl dgst -sha256 -sign rsa.key -out fix.deb.sig fix.deb          # RSA, PKCS#1 v1.5
//   openssl dgst -sha256 -sign rsa.key -sigopt rsa_padding_mode:pss -out fix.deb.sig fix.deb
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "responder/result.h"

namespace responder::release {

// What was proven, for the journal.
struct VerifiedArtifact {
  std::string algorithm;        // "ed25519", "rsa-pkcs1-sha256" or "rsa-pss-sha256"
  std::string key_sha256;       // SHA-256 (hex) of the key's DER SubjectPublicKeyInfo
  std::string artifact_sha256;  // SHA-256 (hex) of the bytes that verified
  std::uint64_t artifact_size = 0;
  // The bytes that verified. Whatever is sent to hosts comes from here, never
  // from the file again: the file may change after the check.
  std::shared_ptr<const std::string> bytes;
};

// Success only when `signature` is a valid signature of the whole of
// `artifact` under `public_key`. Errors name the file at fault and never
// print a key's or signature's bytes: a file that is missing, unreadable,
// empty, larger than `max_artifact_bytes` or not what it should be (not a
// PEM public key, an unsupported or short key, a signature of the wrong
// length) is bad input; a signature that does not verify is a refusal.
// The artifact is read once, into memory: `artifact_sha256` and `bytes` are
// exactly the bytes verified.
Result<VerifiedArtifact> verify_artifact_signature(const std::filesystem::path& artifact,
                                                   const std::filesystem::path& signature,
                                                   const std::filesystem::path& public_key,
                                                   std::uint64_t max_artifact_bytes);

}  // namespace responder::release
