#include "containment/accounts/shadow_lock.h"

#include <shadow.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace responder::accounts {

Result<ShadowLock> ShadowLock::acquire() {
  if (::lckpwdf() != 0)
    return failure(std::string("cannot take the shadow password lock /etc/.pwd.lock (lckpwdf): ") +
                   std::strerror(errno) + "; another program may be editing users");
  ShadowLock lock;
  lock.held_ = true;
  return lock;
}

ShadowLock::~ShadowLock() {
  if (held_) ::ulckpwdf();
}

}  // namespace responder::accounts
