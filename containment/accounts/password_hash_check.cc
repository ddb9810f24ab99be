#include "containment/accounts/password_hash_check.h"

#include <crypt.h>
#include <openssl/crypto.h>

#include <memory>

namespace responder::accounts {

bool password_matches_hash(const std::string& password, const std::string& hash) {
  if (hash.empty() || hash[0] == '!' || hash[0] == '*') return false;
  // crypt_r, not crypt: no static buffer shared between threads. The work
  // area is large (about 32 KiB), so it lives on the heap, zeroed.
  auto work = std::make_unique<crypt_data>();
  const char* computed = ::crypt_r(password.c_str(), hash.c_str(), work.get());
  bool matches = computed != nullptr && computed[0] != '*' && hash == computed;
  OPENSSL_cleanse(work.get(), sizeof(crypt_data));
  return matches;
}

}  // namespace responder::accounts
