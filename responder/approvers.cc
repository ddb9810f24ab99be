#include "responder/approvers.h"

#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <set>

namespace responder {

std::string normalise_approver_name(std::string_view name) {
  std::string out;
  bool space = false;
  for (char c : name) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool valid_approver_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (!std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '@';
    if (!ok) return false;
  }
  return true;
}

Result<std::string> parse_ssh_public_key(std::string_view line) {
  static const std::set<std::string, std::less<>> kTypes = {
      "ssh-ed25519",         "ssh-rsa",
      "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
      "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
      "sk-ecdsa-sha2-nistp256@openssh.com"};
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
  if (line.find('\n') != std::string_view::npos)
    return bad_input("give one public key per approver entry (found more than one line)");
  auto space = line.find_first_of(" \t");
  if (space == std::string_view::npos) return bad_input("an SSH public key is 'TYPE BASE64 [COMMENT]', e.g. the one line of ~/.ssh/id_ed25519.pub");
  std::string_view type = line.substr(0, space);
  if (!kTypes.contains(type))
    return bad_input("'" + std::string(type.substr(0, 40)) +
                     "' is not an SSH public key type (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa, sk-ssh-ed25519@openssh.com, ...)");
  std::string_view rest = line.substr(space);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  std::string_view blob = rest.substr(0, rest.find_first_of(" \t"));
  if (blob.size() < 16) return bad_input("the key after '" + std::string(type) + "' is missing or too short");
  for (char c : blob)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=')
      return bad_input("the key after '" + std::string(type) + "' is not base64");
  return std::string(type) + " " + std::string(blob);
}

std::string allowed_signers_text(const Approvers& approvers) {
  std::string out;
  for (auto& [name, approver] : approvers)
    for (auto& key : approver.ssh_keys) out += name + " namespaces=\"responder-approval\" " + key + "\n";
  return out;
}

std::string invoking_os_user() {
  uid_t uid = ::getuid();
  if (uid == 0)
    if (const char* sudo = std::getenv("SUDO_USER"); sudo && *sudo) return sudo;
  if (passwd* pw = ::getpwuid(uid); pw && pw->pw_name) return pw->pw_name;
  return "uid " + std::to_string(uid);
}

}  // namespace responder
