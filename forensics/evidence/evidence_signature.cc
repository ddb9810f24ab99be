#include "forensics/evidence/evidence_signature.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "forensics/evidence/evidence_digest.h"
#include "responder/public_key_fingerprint.h"

namespace responder::evidence {
namespace {

EVP_PKEY* as_key(void* p) { return static_cast<EVP_PKEY*>(p); }

std::string raw_fingerprint(EVP_PKEY* key) {
  unsigned char raw[64];
  size_t len = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1) return "";
  return sha256_hex(std::string_view(reinterpret_cast<const char*>(raw), len));
}

// Ed25519 keys only: what a seal is signed with.
std::string spki_fingerprint(EVP_PKEY* key) {
  return EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 ? public_key_sha256(key) : std::string();
}

EVP_PKEY* read_public(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return key;
}

}  // namespace

Ed25519Key::Ed25519Key(Ed25519Key&& other) noexcept : key_(other.key_) { other.key_ = nullptr; }
Ed25519Key& Ed25519Key::operator=(Ed25519Key&& other) noexcept {
  std::swap(key_, other.key_);
  return *this;
}
Ed25519Key::~Ed25519Key() { EVP_PKEY_free(as_key(key_)); }  // frees (and clears) the secret

Result<Ed25519Key> Ed25519Key::generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!key) return failure("OpenSSL could not generate an Ed25519 key");
  return Ed25519Key(key);
}

Result<Ed25519Key> Ed25519Key::load(const std::filesystem::path& private_key_pem) {
  FILE* file = std::fopen(private_key_pem.c_str(), "r");
  if (!file) return failure("cannot read the evidence signing key " + private_key_pem.string());
  EVP_PKEY* key = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  if (!key) return failure("the evidence signing key " + private_key_pem.string() + " is not a PEM private key");
  if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return failure("the evidence signing key " + private_key_pem.string() + " is not an Ed25519 key");
  }
  return Ed25519Key(key);
}

std::string Ed25519Key::public_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, as_key(key_));
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return pem;
}

std::string Ed25519Key::fingerprint() const { return spki_fingerprint(as_key(key_)); }

Result<std::string> Ed25519Key::sign(std::string_view message) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string signature(64, '\0');
  size_t len = signature.size();
  bool ok = EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, as_key(key_)) == 1 &&
            EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &len,
                           reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return failure("OpenSSL could not sign the seal");
  signature.resize(len);
  return signature;
}

Status verify_ed25519(std::string_view public_pem, std::string_view message, std::string_view signature) {
  EVP_PKEY* key = read_public(public_pem);
  if (!key) return failure("the public key is not a PEM public key");
  if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return failure("the public key is not an Ed25519 key");
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  int rc = EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1
               ? EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                  reinterpret_cast<const unsigned char*>(message.data()), message.size())
               : -1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  if (rc != 1) return failure("the signature does not verify");
  return {};
}

namespace {
Result<std::string> fingerprint_of(std::string_view public_pem, std::string (*fingerprint)(EVP_PKEY*)) {
  EVP_PKEY* key = read_public(public_pem);
  if (!key) return failure("not a PEM public key");
  std::string fp = fingerprint(key);
  EVP_PKEY_free(key);
  if (fp.empty()) return failure("not an Ed25519 public key");
  return fp;
}
}  // namespace

Result<std::string> public_key_fingerprint(std::string_view public_pem) {
  return fingerprint_of(public_pem, spki_fingerprint);
}

Result<std::string> raw_key_fingerprint(std::string_view public_pem) {
  return fingerprint_of(public_pem, raw_fingerprint);
}

}  // namespace responder::evidence
