// credential.rotate: sets a new random password for each user, through
// chpasswd on standard input (never a command line, which every user can
// read in /proc). The passwords are written first to a root-only file in the
// incident home, so that a crash cannot lose a password already in force;
// they appear nowhere else: not in the receipt, the journal, the log, an
// error message or the report. The old passwords are gone for good, so the
// step cannot be undone; the receipt records who was rotated and when.
//
// With `keys: {credentials_recipient: CERT.pem}` in the configuration the
// file is sealed to that certificate (credentials_envelope.h) and the host
// keeps no readable copy at all.
#include <pwd.h>
#include <sys/stat.h>

#include <algorithm>

#include <openssl/crypto.h>

#include "containment/accounts/credentials_envelope.h"
#include "containment/accounts/credentials_file.h"
#include "containment/accounts/password_hash_check.h"
#include "containment/accounts/random_password.h"
#include "containment/accounts/shadow_file.h"
#include "responder/child_process.h"
#include "containment/accounts/responder_own_accounts.h"
#include "responder/clock.h"
#include "responder/config.h"
#include "responder/sha256.h"
#include "responder/module.h"

namespace responder::accounts {
namespace {

// Checks that every user exists and is not the account the responder works
// through; the names, deduplicated, in order.
Result<std::vector<std::string>> existing_users(const json::object& params) {
  const auto own = responder_own_accounts();
  std::vector<std::string> users;
  for (const auto& u : params.at("users").as_array()) {
    std::string name(u.as_string());
    if (name.empty() || name.find_first_of(":\n") != std::string::npos)
      return bad_input("credential.rotate: '" + name + "' is not a user name");
    if (!::getpwnam(name.c_str())) return bad_input("credential.rotate: no such user '" + name + "'");
    // The new password goes to a root-only file: once sudo's cached
    // credentials expire, the person behind sudo could no longer read it.
    if (std::find(own.begin(), own.end(), name) != own.end())
      return refusal("credential.rotate: '" + name + "' is the account the responder is working through " +
                     "(SUDO_USER or the process's own user); a new password only root can read would lock " +
                     "that person out of sudo");
    if (std::find(users.begin(), users.end(), name) == users.end()) users.push_back(std::move(name));
  }
  return users;
}

// The certificate the credentials are sealed to, or empty for plain text.
std::filesystem::path recipient_certificate(const StepContext& context) {
  if (!context.config) return {};
  auto it = context.config->keys.find("credentials_recipient");
  return it == context.config->keys.end() ? std::filesystem::path{} : it->second;
}

std::filesystem::path credentials_path(const StepContext& context) {
  if (context.incident_dir.empty()) return {};
  const char* suffix = recipient_certificate(context).empty() ? ".txt" : ".p7m";
  return context.incident_dir / "credentials" / (context.step_id + suffix);
}

bool sealed(const std::filesystem::path& file) { return file.extension() == ".p7m"; }

// SHA-256 of each user's current password hash, so that verify can tell the
// passwords changed even when it cannot read them (sealed file). Empty when
// /etc/shadow cannot be read (a plan run without root).
json::object hash_digests(const ShadowFile& shadow, const std::vector<std::string>& users) {
  json::object digests;
  for (const auto& u : users)
    if (auto hash = shadow.field(u, ShadowField::password)) digests[u] = sha256_hex(*hash);
  return digests;
}

// `text` with every password in `credentials` replaced, for error messages
// built from other programs' output.
std::string redacted(std::string text, const std::vector<Credential>& credentials) {
  for (const auto& c : credentials)
    for (auto at = text.find(c.password); !c.password.empty() && at != std::string::npos; at = text.find(c.password))
      text.replace(at, c.password.size(), "[redacted]");
  return text;
}

void forget(std::vector<Credential>& credentials) {
  for (auto& c : credentials) OPENSSL_cleanse(c.password.data(), c.password.size());
  credentials.clear();
}

Receipt receipt_for(const std::vector<std::string>& users, const std::filesystem::path& file, const std::string& when) {
  Receipt receipt;  // receipt.undo stays empty: nothing can bring the old passwords back
  json::array names;
  for (const auto& u : users) {
    names.emplace_back(u);
    receipt.changes.push_back("new password for " + u + " (kept in " + file.string() + ", root-only)");
  }
  receipt.output["users"] = std::move(names);
  receipt.output["file"] = file.string();
  receipt.output["rotated_at"] = when;
  return receipt;
}

// When a receipt is rebuilt after a crash (after chpasswd, before the
// receipt was journaled): the credentials file's time, which is when the
// passwords were made, seconds before they took effect.
std::string written_at(const std::filesystem::path& file) {
  struct stat st {};
  SystemTime when = ::stat(file.c_str(), &st) == 0 ? std::chrono::system_clock::from_time_t(st.st_mtime)
                                                   : std::chrono::system_clock::now();
  return format_rfc3339(when);
}

// The users whose password field is locked ('!', e.g. by account.lock):
// chpasswd replaces the lock with the new hash. The account stays closed to
// whoever held the old password (nobody but the credentials file knows the
// new one), but an undo of that lock will then refuse, and the plan says so.
std::vector<std::string> locked_users(const ShadowFile& shadow, const std::vector<std::string>& users) {
  std::vector<std::string> locked;
  for (const auto& u : users)
    if (auto hash = shadow.field(u, ShadowField::password); hash && password_locked(*hash))
      locked.push_back(u);
  return locked;
}

class CredentialRotate final : public Module {
 public:
  std::string_view name() const override { return "credential.rotate"; }
  bool undoable() const override { return false; }

  Result<PlanResult> plan(const json::object& params, StepContext& context) const override {
    auto users = existing_users(params);
    if (!users) return users.error();
    PlanResult plan;
    json::array names;
    for (const auto& u : *users) {
      plan.changes.push_back("set a new random password for " + u + " (chpasswd)");
      names.emplace_back(u);
    }
    auto file = credentials_path(context);
    auto recipient = recipient_certificate(context);
    if (!file.empty()) {
      if (auto usable = check_credentials_directory(file.parent_path()); !usable) return usable.error();
      plan.changes.push_back("the new passwords go to " + file.string() + " (root-only" +
                             (recipient.empty() ? "" : ", sealed to " + recipient.string()) + ") first");
    }
    auto shadow = ShadowFile::read();
    if (shadow)
      for (const auto& u : locked_users(*shadow, *users))
        plan.changes.push_back(u + " is locked: the new password replaces the lock (an undo of that lock will refuse)");
    plan.detail["users"] = std::move(names);
    plan.detail["file"] = file.string();
    plan.detail["prior_hash_sha256"] = shadow ? hash_digests(*shadow, *users) : json::object();
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    auto users = existing_users(params);
    if (!users) return users.error();
    auto file = credentials_path(context);
    if (file.empty()) return failure("credential.rotate runs only inside an incident: the new passwords need its home");

    std::vector<Credential> credentials;
    for (const auto& u : *users) {
      auto password = random_password();
      if (!password) return password.error();
      credentials.push_back({u, std::move(*password)});
    }
    const std::string when = now_rfc3339();
    std::string content = format_credentials("credential.rotate step " + context.step_id + " of incident " +
                                                 context.incident_id + ", " + when + ", by " + context.actor,
                                             credentials);
    auto recipient = recipient_certificate(context);
    if (!recipient.empty()) {
      auto envelope = seal_to_certificate(content, recipient);
      OPENSSL_cleanse(content.data(), content.size());
      if (!envelope) {
        forget(credentials);
        return envelope.error();
      }
      content = std::move(*envelope);
    }
    auto written = write_credentials_file(file, content);
    OPENSSL_cleanse(content.data(), content.size());
    if (!written) {
      forget(credentials);
      return written.error();
    }

    std::string input;  // sized once, so no freed buffer keeps a password
    std::size_t size = 0;
    for (const auto& c : credentials) size += c.user.size() + c.password.size() + 2;
    input.reserve(size);
    for (const auto& c : credentials) input.append(c.user).append(":").append(c.password).append("\n");
    const std::vector<std::string> argv{"chpasswd"};
    auto run = run_program(argv, input, std::chrono::seconds(120));
    OPENSSL_cleanse(input.data(), input.size());
    std::string problem;
    if (!run) problem = run.error().message;
    else if (run->exit_code != 0) problem = describe_exit(argv, *run);
    if (!problem.empty()) {
      problem = redacted(problem, credentials);
      forget(credentials);
      return failure("credential.rotate: " + problem + "; " + file.string() +
                     " holds the passwords that were to be set; some may be in force (verify checks which)");
    }
    forget(credentials);
    auto receipt = receipt_for(*users, file, when);
    if (!recipient.empty()) receipt.output["sealed_to"] = recipient.string();
    return receipt;
  }

  // Reads the passwords back from the credentials file and checks each
  // against the user's hash in /etc/shadow: in effect when all are in force.
  Result<Verification> verify(const json::object&, const Receipt* receipt, const json::object& planned,
                              StepContext&) const override {
    const json::object& source = receipt ? receipt->output : planned;
    const auto* file_value = source.if_contains("file");
    Verification v;
    if (!file_value || !file_value->is_string() || file_value->get_string().empty()) {
      v.detail = "no credentials file is known: nothing was rotated";
      return v;
    }
    std::filesystem::path file = std::string(file_value->get_string());
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
      v.detail = file.string() + " does not exist: the passwords were not rotated";
      return v;
    }
    if (sealed(file)) return verify_sealed(file, receipt, planned);
    auto credentials = read_credentials_file(file);
    if (!credentials) return credentials.error();
    auto shadow = ShadowFile::read();
    if (!shadow) {
      forget(*credentials);
      return shadow.error();
    }
    bool all = !credentials->empty();
    std::vector<std::string> users;
    for (const auto& c : *credentials) {
      auto hash = shadow->field(c.user, ShadowField::password);
      bool in_force = hash && password_matches_hash(c.password, *hash);
      all = all && in_force;
      users.push_back(c.user);
      v.detail += c.user + (in_force ? ": new password in force; " : ": new password NOT in force; ");
    }
    forget(*credentials);
    if (!v.detail.empty()) v.detail.resize(v.detail.size() - 2);
    v.in_effect = all;
    if (!receipt && all) {
      v.recovered = receipt_for(users, file, written_at(file));
    }
    return v;
  }

  Status undo(const Receipt&, StepContext&) const override { return {}; }

 private:
  // A sealed file cannot be read here (the private key is elsewhere): the
  // passwords count as in force when every user's hash differs from the one
  // the plan saw.
  static Result<Verification> verify_sealed(const std::filesystem::path& file, const Receipt* receipt,
                                            const json::object& planned) {
    Verification v;
    const auto* digests = planned.if_contains("prior_hash_sha256");
    const auto* users = (receipt ? receipt->output : planned).if_contains("users");
    if (!digests || !digests->is_object() || !users || !users->is_array()) {
      v.detail = file.string() +
                 " is sealed and the plan recorded no prior hashes: cannot tell whether the passwords changed";
      return v;
    }
    auto shadow = ShadowFile::read();
    if (!shadow) return shadow.error();
    bool all = !users->get_array().empty();
    std::vector<std::string> names;
    for (const auto& u : users->get_array()) {
      std::string user(u.as_string());
      names.push_back(user);
      auto hash = shadow->field(user, ShadowField::password);
      const auto* prior = digests->get_object().if_contains(user);
      bool changed = hash && prior && prior->is_string() && sha256_hex(*hash) != prior->get_string() &&
                     !hash->empty() && !password_locked(*hash) && (*hash)[0] != '*';
      all = all && changed;
      v.detail += user + (changed ? ": password changed since the plan; " : ": password NOT changed; ");
    }
    v.detail += "passwords sealed in " + file.string();
    v.in_effect = all;
    if (!receipt && all) {
      v.recovered = receipt_for(names, file, written_at(file));
    }
    return v;
  }
};

RESPONDER_MODULE(CredentialRotate);

}  // namespace
}  // namespace responder::accounts
