// account.lock: locks accounts' passwords in /etc/shadow the way `usermod -L`
// does (a '!' in front of the hash), optionally expires them (`usermod -e 1`)
// and ends their processes. All accounts change in one atomic rewrite of
// /etc/shadow under the shadow lock, so a step is never half-applied; undo
// puts back exactly the prior fields, unless someone changed them since.
#include <pwd.h>

#include <algorithm>
#include <chrono>

#include "containment/accounts/account_lock_record.h"
#include "containment/accounts/responder_own_accounts.h"
#include "containment/accounts/shadow_file.h"
#include "containment/accounts/shadow_lock.h"
#include "containment/accounts/user_processes.h"
#include "responder/sha256.h"
#include "responder/module.h"

namespace responder::accounts {
namespace {

constexpr std::chrono::milliseconds kGrace{2000};

std::vector<std::string> user_names(const json::object& params) {
  std::vector<std::string> users;
  for (const auto& u : params.at("users").as_array()) {
    std::string name(u.as_string());
    if (std::find(users.begin(), users.end(), name) == users.end()) users.push_back(std::move(name));
  }
  return users;
}

bool flag(const json::object& params, const char* name) {
  const auto* v = params.if_contains(name);
  return v && v->is_bool() && v->get_bool();
}

// Checks every account against the safety rules and reads its prior state
// from `shadow`. Nothing is changed: an error here leaves every account as
// it was.
Result<std::vector<AccountLockRecord>> examine(const json::object& params, const ShadowFile& shadow) {
  const auto own = responder_own_accounts();
  const bool allow_root = flag(params, "allow_root");
  const bool kill_sessions = flag(params, "kill_sessions");
  const bool expire = flag(params, "expire");
  std::vector<AccountLockRecord> records;
  for (const auto& user : user_names(params)) {
    if (user.find_first_of(":\n") != std::string::npos)
      return bad_input("account.lock: '" + user + "' is not a user name");
    const passwd* pw = ::getpwnam(user.c_str());
    if (!pw) return bad_input("account.lock: no such user '" + user + "'");
    if (std::find(own.begin(), own.end(), user) != own.end())
      return refusal("account.lock: '" + user + "' is the account the responder is working through (" +
                     "SUDO_USER or the process's own user); locking it would cut the responder off");
    if (pw->pw_uid == 0 && !allow_root)
      return refusal("account.lock: '" + user + "' has uid 0 (root); set allow_root: true to lock it");
    if (pw->pw_uid == 0 && kill_sessions)
      return refusal("account.lock: kill_sessions for '" + user +
                     "' (uid 0) would end every root process, the system's and the responder's own");
    AccountLockRecord r;
    r.user = user;
    r.uid = pw->pw_uid;
    auto password = shadow.field(user, ShadowField::password);
    if (!password) return password.error();
    auto expire_field = shadow.field(user, ShadowField::expire);
    if (!expire_field) return expire_field.error();
    r.prior_password_sha256 = sha256_hex(*password);
    r.already_locked = password_locked(*password);
    r.prior_expire = *expire_field;
    r.set_expire = expire && *expire_field != kExpiredField;
    records.push_back(std::move(r));
  }
  return records;
}

json::array records_json(const std::vector<AccountLockRecord>& records) {
  json::array a;
  for (const auto& r : records) a.push_back(r.to_json());
  return a;
}

Result<std::vector<AccountLockRecord>> records_from(const json::object& o, const char* what) {
  const auto* accounts = o.if_contains("accounts");
  if (!accounts || !accounts->is_array())
    return failure(std::string("account.lock: the ") + what + " names no accounts");
  std::vector<AccountLockRecord> records;
  for (const auto& a : accounts->get_array()) {
    auto r = AccountLockRecord::from_json(a);
    if (!r) return r.error();
    records.push_back(std::move(*r));
  }
  return records;
}

// Whether every change the records describe is in /etc/shadow now; `detail`
// says, per account, what was found.
Result<bool> all_in_effect(const std::vector<AccountLockRecord>& records, std::string& detail) {
  auto shadow = ShadowFile::read();
  if (!shadow) return shadow.error();
  bool in_effect = true;
  for (const auto& r : records) {
    auto password = shadow->field(r.user, ShadowField::password);
    auto expire = shadow->field(r.user, ShadowField::expire);
    if (!password || !expire) {
      in_effect = false;
      detail += r.user + ": no longer in /etc/shadow; ";
      continue;
    }
    bool locked = r.locked_by_this_step(*password);
    bool expired = !r.set_expire || *expire == kExpiredField;
    in_effect = in_effect && locked && expired;
    detail += r.user + ": " + (locked ? "locked" : "not locked") +
              (r.set_expire ? std::string(expired ? ", expired" : ", not expired") : "") + "; ";
  }
  if (!detail.empty()) detail.resize(detail.size() - 2);
  return in_effect;
}

Receipt receipt_for(const std::vector<AccountLockRecord>& records) {
  Receipt receipt;
  receipt.undo["file"] = ShadowFile::kDefaultPath;
  receipt.undo["accounts"] = records_json(records);
  json::array locked, already, expired;
  for (const auto& r : records) {
    (r.already_locked ? already : locked).emplace_back(r.user);
    if (r.set_expire) expired.emplace_back(r.user);
    receipt.changes.push_back(r.already_locked ? r.user + " was already locked; left locked"
                                               : "locked the password of " + r.user);
    if (r.set_expire) receipt.changes.push_back("expired " + r.user + " (expire date 1970-01-02)");
  }
  receipt.output["locked"] = std::move(locked);
  receipt.output["already_locked"] = std::move(already);
  receipt.output["expired"] = std::move(expired);
  return receipt;
}

class AccountLock final : public Module {
 public:
  std::string_view name() const override { return "account.lock"; }

  Result<PlanResult> plan(const json::object& params, StepContext&) const override {
    auto shadow = ShadowFile::read();
    if (!shadow) return shadow.error();
    auto records = examine(params, *shadow);
    if (!records) return records.error();
    PlanResult plan;
    for (const auto& r : *records) {
      plan.changes.push_back(r.already_locked ? r.user + " is already locked; left as it is"
                                              : "lock the password of " + r.user + " (uid " + std::to_string(r.uid) +
                                                    ") in /etc/shadow");
      if (r.set_expire) plan.changes.push_back("expire " + r.user + " (expire date 1970-01-02)");
      if (flag(params, "kill_sessions"))
        plan.changes.push_back("end every process of " + r.user + " (SIGTERM, SIGKILL after 2 s)");
    }
    plan.detail["file"] = ShadowFile::kDefaultPath;
    plan.detail["accounts"] = records_json(*records);
    plan.detail["kill_sessions"] = flag(params, "kill_sessions");
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext&) const override {
    std::vector<AccountLockRecord> records;
    {
      auto lock = ShadowLock::acquire();
      if (!lock) return lock.error();
      auto shadow = ShadowFile::read();
      if (!shadow) return shadow.error();
      auto examined = examine(params, *shadow);
      if (!examined) return examined.error();
      records = std::move(*examined);
      bool changed = false;
      for (const auto& r : records) {
        if (!r.already_locked) {
          auto password = shadow->field(r.user, ShadowField::password);
          if (!password) return password.error();
          if (auto s = shadow->set_field(r.user, ShadowField::password, "!" + *password); !s) return s.error();
          changed = true;
        }
        if (r.set_expire) {
          if (auto s = shadow->set_field(r.user, ShadowField::expire, kExpiredField); !s) return s.error();
          changed = true;
        }
      }
      if (changed)
        if (auto s = shadow->write(); !s) return s.error();
    }
    Receipt receipt = receipt_for(records);
    if (!flag(params, "kill_sessions")) return receipt;

    // The accounts are locked and the receipt must reach the journal whatever
    // happens now, so that undo stays exact: a process that survives is
    // reported in the receipt, not as a failed step (a retry would find the
    // accounts "already locked" and lose the way back).
    std::size_t ended = 0;
    std::vector<uid_t> done;
    for (const auto& r : records) {
      if (std::find(done.begin(), done.end(), r.uid) != done.end()) continue;
      done.push_back(r.uid);
      auto ended_here = terminate_user_processes(r.uid, kGrace);
      if (!ended_here) {
        receipt.changes.push_back("WARNING: " + r.user + ": " + ended_here.error().message);
        // One entry per account: several can have survivors.
        if (!receipt.output.contains("survivors")) receipt.output["survivors"] = json::object{};
        receipt.output["survivors"].as_object()[r.user] = ended_here.error().message;
        continue;
      }
      std::size_t n = ended_here->terminated + ended_here->killed;
      ended += n;
      receipt.changes.push_back("ended " + std::to_string(n) + " process(es) of " + r.user + " (" +
                                std::to_string(ended_here->killed) + " needed SIGKILL)");
    }
    receipt.output["processes_ended"] = static_cast<std::uint64_t>(ended);
    return receipt;
  }

  Result<Verification> verify(const json::object&, const Receipt* receipt, const json::object& planned,
                              StepContext&) const override {
    auto records = receipt ? records_from(receipt->undo, "receipt") : records_from(planned, "plan");
    if (!records) return records.error();
    Verification v;
    auto in_effect = all_in_effect(*records, v.detail);
    if (!in_effect) return in_effect.error();
    v.in_effect = *in_effect;
    if (!receipt && v.in_effect) {
      // A crash after the rewrite of /etc/shadow, before the receipt: the
      // plan saw the prior state, and the digests prove it is still the one
      // locking left, so undo stays exact. Which processes were ended is not
      // known any more.
      v.recovered = receipt_for(*records);
      v.recovered->changes.push_back("recovered after a crash: processes ended, if any, were not counted");
    }
    return v;
  }

  std::vector<std::string> undone_lines(const Receipt& receipt) const override {
    std::vector<std::string> lines;
    auto records = records_from(receipt.undo, "receipt");
    if (!records) return Module::undone_lines(receipt);
    for (const auto& r : *records) {
      lines.push_back(r.already_locked ? r.user + " was locked before the incident: left locked"
                                       : "unlocked the password of " + r.user + " (as before the incident)");
      if (r.set_expire)
        lines.push_back("restored the expiry of " + r.user +
                        (r.prior_expire.empty() ? " (none, as before)" : " (day " + r.prior_expire + " since 1970, as before)"));
    }
    for (auto& change : receipt.changes)
      if (change.starts_with("ended ")) lines.push_back("not given back: " + change);
    return lines;
  }

  Status undo(const Receipt& receipt, StepContext&) const override {
    auto records = records_from(receipt.undo, "receipt");
    if (!records) return records.error();
    auto lock = ShadowLock::acquire();
    if (!lock) return lock.error();
    auto shadow = ShadowFile::read();
    if (!shadow) return shadow.error();
    // Every account is checked before any is touched: undo is whole or not at all.
    bool changed = false;
    for (const auto& r : *records) {
      auto password = shadow->field(r.user, ShadowField::password);
      if (!password) return refusal("account.lock undo: " + password.error().message + "; left /etc/shadow as it is");
      auto expire = shadow->field(r.user, ShadowField::expire);
      if (!expire) return expire.error();
      if (!r.already_locked && !r.locked_by_this_step(*password))
        return refusal("account.lock undo: the password of '" + r.user +
                       "' was changed since it was locked (someone reset or unlocked it); "
                       "left /etc/shadow as it is rather than undo that change");
      if (r.set_expire && *expire != kExpiredField)
        return refusal("account.lock undo: the expire date of '" + r.user + "' was changed since (now '" + *expire +
                       "'); left /etc/shadow as it is rather than undo that change");
      if (!r.already_locked) {
        if (auto s = shadow->set_field(r.user, ShadowField::password, password->substr(1)); !s) return s;
        changed = true;
      }
      if (r.set_expire) {
        if (auto s = shadow->set_field(r.user, ShadowField::expire, r.prior_expire); !s) return s;
        changed = true;
      }
    }
    if (changed) return shadow->write();
    return Status::success();
  }
};

RESPONDER_MODULE(AccountLock);

}  // namespace
}  // namespace responder::accounts
