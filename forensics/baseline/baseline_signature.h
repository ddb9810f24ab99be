// The detached signature of a baseline file (FILE.sig), made and checked
// with the evidence store's Ed25519 code (evidence_signature.h).
//
// FILE.sig is one JSON object:
//   {"format":"responder-baseline-signature","version":1,
//    "sha256":"<hex SHA-256 of FILE's bytes>","size":<bytes>,
//    "public_key":"-----BEGIN PUBLIC KEY-----…","public_key_sha256":"<hex>",
//    "signature":"<hex, 64 bytes>"}
// The signature covers the statement
//   "responder-baseline-signature v1\nsha256 <hex>\nsize <n>\nkey <fingerprint>\n"
// so it binds the file's exact compressed bytes and the key that vouches.
//
// Which key signs: the configuration's `keys.evidence_signing`, or
// `evidence.signing_key` (the key evidence.seal signs with), or one named
// on the command line. Which key is trusted when checking: a PEM public key
// named by the step (`public_key`) or the configuration (`baseline.public_key`),
// else the public half of the configured signing key, else a fingerprint
// (`key_fingerprint`) that the key in FILE.sig must have. The key inside
// FILE.sig is never trusted by itself: anyone can sign a forged baseline.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "forensics/evidence/evidence_signature.h"
#include "responder/result.h"

namespace responder {
struct Config;
}

namespace responder::baseline {

inline constexpr std::string_view kSignatureFormat = "responder-baseline-signature";
inline constexpr std::size_t kMaxSignatureFile = 64 * 1024;

// FILE.sig beside FILE.
std::filesystem::path signature_path(const std::filesystem::path& baseline_file);

// The text of FILE.sig for a file of `size` bytes whose SHA-256 is `sha256`.
Result<std::string> sign_baseline(const std::string& sha256, std::uint64_t size, const evidence::Ed25519Key& key);

// The key a baseline is trusted under: a PEM public key, or only the
// fingerprint the signer's key must have.
struct TrustedKey {
  std::string public_pem;   // empty: take the signer's key if its fingerprint matches
  std::string fingerprint;  // lowercase hex SHA-256 of the DER public key
  std::string origin;       // where it came from, for messages
};

// The configured signing key, from `explicit_key` when given, else the
// configuration (see above). Bad input naming what to set when there is none.
Result<std::filesystem::path> configured_signing_key(const std::filesystem::path& explicit_key, const Config* config);

// The trusted key from the step's `public_key` / `key_fingerprint`, else
// the configuration. Refused when there is none: an unchecked baseline
// proves nothing.
Result<TrustedKey> trusted_baseline_key(const std::string& public_key_file, const std::string& fingerprint,
                                        const Config* config);

// Success only when `signature_text` (FILE.sig) is well formed, names the
// SHA-256 and size of `file_bytes`, and is a valid signature by the trusted
// key. Every failure is a refusal that says what did not hold.
Status verify_baseline_signature(std::string_view file_bytes, std::string_view signature_text, const TrustedKey& trusted);

}  // namespace responder::baseline
