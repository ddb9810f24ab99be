// What account.lock found and did for one account: enough to undo it exactly
// and to tell whether someone changed the account since.
//
// The prior password field is kept as a SHA-256 digest, not as the crypt
// hash itself: receipts and plans go into the journal and the report, which
// are shared, and a crypt hash there could be cracked offline. Locking only
// prefixes the field with '!', so undo gets the hash back from /etc/shadow
// itself once the digest confirms the field is still what locking left.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "responder/json.h"
#include "responder/result.h"

namespace responder::accounts {

struct AccountLockRecord {
  std::string user;
  uid_t uid = 0;
  std::string prior_password_sha256;  // hex SHA-256 of the password field before
  bool already_locked = false;        // the field began with '!' already: left alone
  std::string prior_expire;           // the expire field before (days since 1970, or empty)
  bool set_expire = false;            // this step set the expire field to 1

  // The password field locking leaves (the prior one with '!' in front)
  // is what `current` is: true only when nobody changed it since.
  bool locked_by_this_step(const std::string& current_password) const;

  json::object to_json() const;
  static Result<AccountLockRecord> from_json(const json::value& value);
};

// The expire field account.lock writes: day 1 after the epoch, as `usermod -e 1`.
inline constexpr const char* kExpiredField = "1";

}  // namespace responder::accounts
