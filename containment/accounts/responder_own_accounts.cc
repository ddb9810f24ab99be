#include "containment/accounts/responder_own_accounts.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace responder::accounts {

std::vector<std::string> responder_own_accounts() {
  std::vector<std::string> accounts;
  if (uid_t uid = ::getuid(); uid != 0)
    if (const passwd* pw = ::getpwuid(uid)) accounts.emplace_back(pw->pw_name);
  if (const char* sudo_user = std::getenv("SUDO_USER"); sudo_user && *sudo_user && std::string(sudo_user) != "root")
    accounts.emplace_back(sudo_user);
  return accounts;
}

}  // namespace responder::accounts
