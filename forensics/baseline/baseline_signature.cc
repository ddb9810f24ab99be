#include "forensics/baseline/baseline_signature.h"

#include "forensics/baseline/baseline_file_format.h"
#include "forensics/evidence/evidence_digest.h"

#include <fstream>
#include <sstream>

#include "responder/config.h"
#include "responder/json.h"
#include "responder/sha256.h"

namespace responder::baseline {
namespace {

std::string statement(const std::string& sha256, std::uint64_t size, const std::string& fingerprint) {
  return std::string(kSignatureFormat) + " v1\nsha256 " + sha256 + "\nsize " + std::to_string(size) + "\nkey " + fingerprint + "\n";
}

std::string text_of(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The configured private key's path, or empty.
std::filesystem::path configured_key_path(const Config* config) {
  if (!config) return {};
  std::filesystem::path key;
  if (auto it = config->keys.find("evidence_signing"); it != config->keys.end()) key = config->beside(it->second);
  json::object section = config->section("evidence");
  if (auto* k = section.if_contains("signing_key"); k && k->is_string()) key = config->beside(std::string(k->get_string()));
  return key;
}

Result<TrustedKey> key_from_pem_file(const std::filesystem::path& file, const std::string& origin) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return bad_input("cannot read the public key " + file.string() + " (" + origin + ")");
  std::stringstream text;
  text << in.rdbuf();
  auto fingerprint = evidence::public_key_fingerprint(text.str());
  if (!fingerprint) return bad_input("the public key " + file.string() + " (" + origin + ") is not a PEM Ed25519 public key");
  return TrustedKey{text.str(), *fingerprint, origin + " " + file.string()};
}

}  // namespace

std::filesystem::path signature_path(const std::filesystem::path& baseline_file) {
  return std::filesystem::path(baseline_file.string() + ".sig");
}

Result<std::string> sign_baseline(const std::string& sha256, std::uint64_t size, const evidence::Ed25519Key& key) {
  std::string fingerprint = key.fingerprint();
  auto signature = key.sign(statement(sha256, size, fingerprint));
  if (!signature) return signature.error();
  json::object o;
  o["format"] = kSignatureFormat;
  o["version"] = 1;
  o["sha256"] = sha256;
  o["size"] = size;
  o["public_key"] = key.public_pem();
  o["public_key_sha256"] = fingerprint;
  o["signature"] = evidence::hex_of(reinterpret_cast<const unsigned char*>(signature->data()), signature->size());
  return to_json_text(o) + "\n";
}

Result<std::filesystem::path> configured_signing_key(const std::filesystem::path& explicit_key, const Config* config) {
  if (!explicit_key.empty()) return explicit_key;
  auto key = configured_key_path(config);
  if (key.empty())
    return bad_input("no key to sign the baseline with: set keys.evidence_signing (or evidence.signing_key) in the "
                     "configuration to a PEM Ed25519 private key (openssl genpkey -algorithm ed25519), or give --key");
  return key;
}

Result<TrustedKey> trusted_baseline_key(const std::string& public_key_file, const std::string& fingerprint, const Config* config) {
  if (!public_key_file.empty()) return key_from_pem_file(public_key_file, "the step's public_key");
  if (!fingerprint.empty()) {
    if (fingerprint.size() != 64 || fingerprint.find_first_not_of("0123456789abcdef") != std::string::npos)
      return bad_input("key_fingerprint must be 64 lowercase hex digits (the SHA-256 of the DER public key)");
    return TrustedKey{"", fingerprint, "the step's key_fingerprint"};
  }
  if (config) {
    json::object section = config->section("baseline");
    if (auto* k = section.if_contains("public_key"); k && k->is_string())
      return key_from_pem_file(config->beside(std::string(k->get_string())), "baseline.public_key in the configuration");
    if (auto key_path = configured_key_path(config); !key_path.empty()) {
      auto key = evidence::Ed25519Key::load(key_path);
      if (!key) return key.error();
      return TrustedKey{key->public_pem(), key->fingerprint(), "the configured signing key " + key_path.string()};
    }
  }
  return refusal("no trusted key to check the baseline's signature against: give the step a public_key (PEM) or "
                 "key_fingerprint, or set baseline.public_key or keys.evidence_signing in the configuration");
}

Status verify_baseline_signature(std::string_view file_bytes, std::string_view signature_text, const TrustedKey& trusted) {
  if (signature_text.size() > kMaxSignatureFile) return refusal("the baseline's signature file is too large to be one");
  json::value value;
  try {
    value = parse_json(signature_text);
  } catch (const std::exception&) {
    return refusal("the baseline's signature file is not JSON");
  }
  if (!value.is_object() || text_of(value.get_object(), "format") != kSignatureFormat)
    return refusal("the baseline's signature file is not a responder baseline signature");
  auto& o = value.get_object();
  std::string sha256 = text_of(o, "sha256"), signer_pem = text_of(o, "public_key"), signature_hex = text_of(o, "signature");
  auto* size = o.if_contains("size");
  if (!size || !(size->is_uint64() || size->is_int64())) return refusal("the baseline's signature names no size");
  std::uint64_t signed_size = size->is_uint64() ? size->get_uint64() : static_cast<std::uint64_t>(size->get_int64());
  std::string actual = sha256_hex(file_bytes);
  if (sha256 != actual || signed_size != file_bytes.size())
    return refusal("the baseline file is not the one that was signed: its SHA-256 is " + actual + ", the signature names " +
                   (sha256.empty() ? std::string("none") : sha256) + " (" + std::to_string(file_bytes.size()) + " bytes, signed " +
                   std::to_string(signed_size) + ")");
  std::string pem = trusted.public_pem;
  if (pem.empty()) {
    auto fingerprint = evidence::public_key_fingerprint(signer_pem);
    if (!fingerprint) return refusal("the baseline's signature carries no usable public key");
    if (*fingerprint != trusted.fingerprint)
      return refusal("the baseline is signed by key " + *fingerprint + ", not by the trusted key " + trusted.fingerprint);
    pem = signer_pem;
  }
  std::string signature;
  if (!from_hex(signature_hex, signature) || signature.size() != 64) return refusal("the baseline's signature is not 64 bytes of hex");
  if (Status s = evidence::verify_ed25519(pem, statement(sha256, signed_size, trusted.fingerprint), signature); !s)
    return refusal("the baseline's signature does not verify under " + trusted.origin + " (" + trusted.fingerprint + "): " +
                   s.error().message);
  return {};
}

}  // namespace responder::baseline
