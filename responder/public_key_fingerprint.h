// The fingerprint of a public key as standard tools print it:
// `openssl pkey -pubin -in KEY.pub -outform DER | sha256sum`.
#pragma once

#include <openssl/types.h>

#include <string>

namespace responder {

// Lowercase hex SHA-256 of the key's DER SubjectPublicKeyInfo; empty when
// OpenSSL cannot encode it.
std::string public_key_sha256(EVP_PKEY* key);

}  // namespace responder
