#include "responder/public_key_fingerprint.h"

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "responder/sha256.h"

namespace responder {

std::string public_key_sha256(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int length = i2d_PUBKEY(key, &der);
  if (length <= 0) return "";
  std::string fingerprint = sha256_hex(std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length)));
  OPENSSL_free(der);
  return fingerprint;
}

}  // namespace responder
