#include "responder/environment.h"
#include "responder/exit_code.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

namespace responder {

int report_error(const Error& error) {
  std::cerr << "responder: " << error.message << "\n";
  return exit_code_for(error.kind);
}

std::string current_actor() {
  if (const char* sudo = std::getenv("SUDO_USER"); sudo && *sudo) return sudo;
  if (passwd* pw = getpwuid(getuid()); pw && pw->pw_name) return pw->pw_name;
  if (const char* user = std::getenv("USER"); user && *user) return user;
  return "uid " + std::to_string(getuid());
}

namespace {
// SSH_CONNECTION is "client_ip client_port server_ip server_port";
// SSH_CLIENT is "client_ip client_port server_port".
std::optional<IpAddress> own_ssh_peer() {
  for (const char* name : {"SSH_CONNECTION", "SSH_CLIENT"}) {
    const char* value = std::getenv(name);
    if (!value || !*value) continue;
    std::istringstream words(value);
    std::string first;
    words >> first;
    if (auto ip = parse_ip(first)) return *ip;
  }
  return std::nullopt;
}
}  // namespace

Result<Environment> open_environment(const GlobalOptions& globals) {
  Environment env;
  env.json = globals.json;
  bool explicit_config = false;
  auto path = default_config_path(globals.config, &explicit_config);
  std::vector<Diagnostic> diagnostics;
  auto config = load_config(path, explicit_config, diagnostics);
  if (!config) {
    for (auto& d : diagnostics) std::cerr << d.format() << "\n";
    return config.error();
  }
  env.config = std::move(*config);
  env.safety.management = env.config.management;
  for (auto& text : globals.allow) {
    auto cidr = parse_cidr(text);
    if (!cidr) return bad_input("--allow " + text + ": " + cidr.error().message);
    env.safety.management.push_back(*cidr);
  }
  env.safety.own_ssh_peer = own_ssh_peer();
  if (!globals.home.empty()) env.home = globals.home;
  else if (const char* home = std::getenv("RESPONDER_HOME"); home && *home) env.home = home;
  else env.home = "incidents";
  env.actor = current_actor();
  return env;
}

}  // namespace responder
