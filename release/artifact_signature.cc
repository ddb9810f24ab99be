#include "release/artifact_signature.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cctype>
#include <memory>

#include "responder/durable_file.h"
#include "responder/public_key_fingerprint.h"
#include "responder/sha256.h"

namespace responder::release {
namespace {

// Keys and signatures are small; anything larger is not one.
constexpr std::uint64_t small_file_limit = 64 * 1024;

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
struct DigestFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using Digest = std::unique_ptr<EVP_MD_CTX, DigestFree>;

// The whole of a regular file (durable_file.h: never a device or a FIFO,
// never past `limit`), or bad input naming what it was meant to be.
Result<std::string> read_regular_file(const std::filesystem::path& path, std::string_view what, std::uint64_t limit) {
  auto bytes = read_text_file(path, limit);
  if (!bytes) return bad_input("the " + std::string(what) + ": " + bytes.error().message);
  if (bytes->empty()) return bad_input("the " + std::string(what) + " " + path.string() + " is empty");
  return bytes;
}

Result<Key> read_public_key(const std::filesystem::path& path) {
  auto pem = read_regular_file(path, "release public key", small_file_limit);
  if (!pem) return pem.error();
  if (pem->find("-----BEGIN RSA PUBLIC KEY-----") != std::string::npos)
    return bad_input("the release public key " + path.string() +
                     " is a PKCS#1 RSA key; convert it with `openssl rsa -RSAPublicKey_in -in " + path.string() +
                     " -pubout` (a \"BEGIN PUBLIC KEY\" file)");
  BIO* bio = BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size()));
  Key key(PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  if (!key)
    return bad_input("the release public key " + path.string() +
                     " is not a PEM public key (\"-----BEGIN PUBLIC KEY-----\", as `openssl pkey -pubout` writes)");
  int id = EVP_PKEY_get_id(key.get());
  if (id == EVP_PKEY_RSA) {
    if (EVP_PKEY_get_bits(key.get()) < 2048)
      return bad_input("the release public key " + path.string() + " is RSA of " +
                       std::to_string(EVP_PKEY_get_bits(key.get())) + " bits; at least 2048 are needed");
  } else if (id != EVP_PKEY_ED25519) {
    return bad_input("the release public key " + path.string() + " is neither Ed25519 nor RSA");
  }
  return key;
}

// The signature's raw bytes: the file as it is when it has the key's
// signature length, else its base64 (whitespace ignored) decoded to that
// length.
Result<std::string> read_signature(const std::filesystem::path& path, std::size_t expected) {
  auto bytes = read_regular_file(path, "release signature", small_file_limit);
  if (!bytes) return bytes.error();
  if (bytes->size() == expected) return std::move(*bytes);
  std::string text;
  for (char c : *bytes)
    if (!std::isspace(static_cast<unsigned char>(c))) text += c;
  bool base64 = !text.empty() && text.size() % 4 == 0;
  for (char c : text)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') base64 = false;
  if (base64) {
    std::string decoded(text.size() / 4 * 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                            reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (n >= 0) {
      std::size_t padding = (text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0);
      decoded.resize(static_cast<std::size_t>(n) - padding);
      if (decoded.size() == expected) return decoded;
    }
  }
  return bad_input("the release signature " + path.string() + " is neither the " + std::to_string(expected) +
                   " bytes of a signature under this key nor those bytes in base64");
}

bool verify_with(EVP_PKEY* key, const std::string& message, const std::string& signature, int rsa_padding) {
  Digest ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* digest = rsa_padding == 0 ? nullptr : EVP_sha256();
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, digest, nullptr, key) != 1) return false;
  if (rsa_padding != 0) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, rsa_padding) != 1) return false;
    if (rsa_padding == RSA_PKCS1_PSS_PADDING && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1)
      return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

}  // namespace

Result<VerifiedArtifact> verify_artifact_signature(const std::filesystem::path& artifact,
                                                   const std::filesystem::path& signature,
                                                   const std::filesystem::path& public_key,
                                                   std::uint64_t max_artifact_bytes) {
  auto key = read_public_key(public_key);
  if (!key) return key.error();
  bool ed25519 = EVP_PKEY_get_id(key->get()) == EVP_PKEY_ED25519;
  auto signature_bytes = read_signature(signature, ed25519 ? 64 : static_cast<std::size_t>(EVP_PKEY_get_size(key->get())));
  if (!signature_bytes) return signature_bytes.error();
  auto bytes = read_regular_file(artifact, "release artifact", max_artifact_bytes);
  if (!bytes) return bytes.error();

  VerifiedArtifact verified;
  if (ed25519 && verify_with(key->get(), *bytes, *signature_bytes, 0)) {
    verified.algorithm = "ed25519";
  } else if (!ed25519 && verify_with(key->get(), *bytes, *signature_bytes, RSA_PKCS1_PADDING)) {
    verified.algorithm = "rsa-pkcs1-sha256";
  } else if (!ed25519 && verify_with(key->get(), *bytes, *signature_bytes, RSA_PKCS1_PSS_PADDING)) {
    verified.algorithm = "rsa-pss-sha256";
  } else {
    return refusal("the signature " + signature.string() + " of " + artifact.string() +
                   " does not verify under the release key " + public_key.string() + " (key SHA-256 " +
                   public_key_sha256(key->get()) + "): the artifact is not what its signer signed");
  }
  verified.key_sha256 = public_key_sha256(key->get());
  verified.artifact_sha256 = sha256_hex(*bytes);
  verified.artifact_size = bytes->size();
  verified.bytes = std::make_shared<const std::string>(std::move(*bytes));
  return verified;
}

}  // namespace responder::release
