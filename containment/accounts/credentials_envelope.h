// Sealing a credentials file to a recipient, so that the passwords
// credential.rotate sets are readable only with a private key kept off the
// host (configuration: `keys: {credentials_recipient: CERT.pem}`).
//
// The envelope is CMS (RFC 5652) EnvelopedData in PEM, AES-256-CBC, to the
// X.509 certificate's key; the holder of the private key opens it with
//   openssl cms -decrypt -inform PEM -in STEP.p7m -inkey recipient.key
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "responder/result.h"

namespace responder::accounts {

// `plain` sealed to the certificate in `certificate_pem`. Fails naming the
// certificate file when it cannot be read or used; never echoes `plain`.
Result<std::string> seal_to_certificate(std::string_view plain, const std::filesystem::path& certificate_pem);

}  // namespace responder::accounts
