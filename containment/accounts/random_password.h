// New passwords for rotated credentials.
#pragma once

#include <cstddef>
#include <string>

#include "responder/result.h"

namespace responder::accounts {

// `length` characters drawn uniformly from a 64-symbol alphabet (A-Z, a-z,
// 0-9, '-', '_': 6 bits each, 144 bits for the default 24) with OpenSSL's
// CSPRNG. None of them is ':' or a newline, so the password is safe in
// chpasswd's "user:password" lines. Fails only when the CSPRNG does.
Result<std::string> random_password(std::size_t length = 24);

}  // namespace responder::accounts
