// Whether a password is the one a shadow(5) hash was made from.
#pragma once

#include <string>

namespace responder::accounts {

// crypt(3) (libxcrypt: yescrypt, SHA-512, ...) of `password` with the
// settings of `hash` gives `hash` back. False for locked ('!'), disabled
// ('*') or empty hashes, and for methods this libcrypt does not know.
bool password_matches_hash(const std::string& password, const std::string& hash);

}  // namespace responder::accounts
