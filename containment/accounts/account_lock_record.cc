#include "containment/accounts/account_lock_record.h"

#include "containment/accounts/shadow_file.h"

#include "responder/sha256.h"

namespace responder::accounts {

bool AccountLockRecord::locked_by_this_step(const std::string& current_password) const {
  if (already_locked) return password_locked(current_password);
  return password_locked(current_password) &&
         sha256_hex(std::string_view(current_password).substr(1)) == prior_password_sha256;
}

json::object AccountLockRecord::to_json() const {
  return json::object{{"user", user},
                      {"uid", static_cast<std::int64_t>(uid)},
                      {"prior_password_sha256", prior_password_sha256},
                      {"already_locked", already_locked},
                      {"prior_expire", prior_expire},
                      {"set_expire", set_expire}};
}

Result<AccountLockRecord> AccountLockRecord::from_json(const json::value& value) {
  AccountLockRecord r;
  try {
    const auto& o = value.as_object();
    r.user = std::string(o.at("user").as_string());
    r.uid = static_cast<uid_t>(o.at("uid").to_number<std::int64_t>());
    r.prior_password_sha256 = std::string(o.at("prior_password_sha256").as_string());
    r.already_locked = o.at("already_locked").as_bool();
    r.prior_expire = std::string(o.at("prior_expire").as_string());
    r.set_expire = o.at("set_expire").as_bool();
  } catch (const std::exception& e) {
    return failure(std::string("account.lock receipt: malformed account record: ") + e.what());
  }
  return r;
}

}  // namespace responder::accounts
