#include "containment/accounts/random_password.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <vector>

namespace responder::accounts {

Result<std::string> random_password(std::size_t length) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  static_assert(sizeof kAlphabet - 1 == 64, "6 bits per character: 256 is a multiple of 64, no modulo bias");
  std::vector<unsigned char> bytes(length);
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    return failure("OpenSSL RAND_bytes failed: no random password could be made");
  std::string password(length, '\0');
  for (std::size_t i = 0; i < length; ++i) password[i] = kAlphabet[bytes[i] & 63];
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return password;
}

}  // namespace responder::accounts
