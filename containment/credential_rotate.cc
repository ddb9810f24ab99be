// credential.rotate: sets a new random password for each user, through
// chpasswd on standard input (never a command line, which every user can
// read in /proc). The passwords are written first to a root-only file in the
// incident home, so that a crash cannot lose a password already in force;
// they appear nowhere else: not in the receipt, the journal, the log, an
// error message or the report. The old passwords are gone for good, so the
// step cannot be undone; the receipt records who was rotated and when.
#include <pwd.h>
#include <sys/stat.h>

#include <algorithm>

#include <openssl/crypto.h>

#include "containment/credentials_file.h"
#include "containment/password_hash_check.h"
#include "containment/random_password.h"
#include "containment/shadow_file.h"
#include "responder/child_process.h"
#include "responder/clock.h"
#include "responder/module.h"

namespace responder {
namespace {

// Checks that every user exists; the names, deduplicated, in order.
Result<std::vector<std::string>> existing_users(const json::object& params) {
  std::vector<std::string> users;
  for (const auto& u : params.at("users").as_array()) {
    std::string name(u.as_string());
    if (name.empty() || name.find_first_of(":\n") != std::string::npos)
      return bad_input("credential.rotate: '" + name + "' is not a user name");
    if (!::getpwnam(name.c_str())) return bad_input("credential.rotate: no such user '" + name + "'");
    if (std::find(users.begin(), users.end(), name) == users.end()) users.push_back(std::move(name));
  }
  return users;
}

std::filesystem::path credentials_path(const StepContext& context) {
  if (context.incident_dir.empty()) return {};
  return context.incident_dir / "credentials" / (context.step_id + ".txt");
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
    if (!file.empty()) plan.changes.push_back("the new passwords go to " + file.string() + " (root-only) first");
    plan.detail["users"] = std::move(names);
    plan.detail["file"] = file.string();
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
    if (auto s = write_credentials_file(file, "credential.rotate step " + context.step_id + " of incident " +
                                                  context.incident_id + ", " + when + ", by " + context.actor,
                                        credentials);
        !s) {
      forget(credentials);
      return s.error();
    }

    std::string input;
    for (const auto& c : credentials) input += c.user + ":" + c.password + "\n";
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
    return receipt_for(*users, file, when);
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
      // A crash after chpasswd, before the receipt: the file's time is when
      // the passwords were made, seconds before they took effect.
      struct stat st {};
      SystemTime when = ::stat(file.c_str(), &st) == 0 ? std::chrono::system_clock::from_time_t(st.st_mtime)
                                                       : std::chrono::system_clock::now();
      v.recovered = receipt_for(users, file, format_rfc3339(when));
    }
    return v;
  }

  Status undo(const Receipt&, StepContext&) const override { return {}; }
};

RESPONDER_MODULE(CredentialRotate);

}  // namespace
}  // namespace responder
