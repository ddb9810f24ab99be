#include "responder/inventory/host_reach.h"

#include <charconv>

#include "responder/inventory/shell_words.h"
#include "responder/message_text.h"

namespace responder::inventory {
namespace {

// The first of `names` the host sets; `found` (when given) says which, so
// that an error names the variable the inventory holds.
const json::value* variable(const Host& host, std::initializer_list<const char*> names, const char** found = nullptr) {
  for (auto* name : names)
    if (auto it = host.vars.find(name); it != host.vars.end() && !it->value().is_null()) {
      if (found) *found = name;
      return &it->value();
    }
  return nullptr;
}

Error wrong(const Host& host, const std::string& name, const std::string& what) {
  return bad_input("host " + in_quotes(host.name) + ": " + name + " " + what);
}

Result<std::string> text_variable(const Host& host, std::initializer_list<const char*> names) {
  const char* name = *names.begin();
  const json::value* v = variable(host, names, &name);
  if (!v) return std::string();
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64() || v->is_uint64() || v->is_double()) return to_json_text(*v);
  return wrong(host, name, "must be a text, found " + to_json_text(*v));
}

Result<long long> number_variable(const Host& host, std::initializer_list<const char*> names) {
  const char* name = *names.begin();
  const json::value* v = variable(host, names, &name);
  if (!v) return 0LL;
  if (v->is_int64()) return static_cast<long long>(v->get_int64());
  if (v->is_string()) {
    std::string_view text = v->get_string();
    long long n = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc() && p == text.data() + text.size()) return n;
  }
  return wrong(host, name, "must be a number, found " + to_json_text(*v));
}

}  // namespace

Result<HostReach> reach_of(const Host& host) {
  HostReach reach;
  auto connection = text_variable(host, {"ansible_connection"});
  if (!connection) return connection.error();
  auto address = text_variable(host, {"ansible_ssh_host", "ansible_host"});
  if (!address) return address.error();
  if (*connection == "local" || (connection->empty() && address->empty() && is_localhost_name(host.name))) {
    reach.transport = "local";
    reach.address = host.name;
    return reach;
  }
  if (*connection == "namespace") {
    reach.transport = "namespace";
    reach.address = host.name;
    auto netns = text_variable(host, {"responder_netns"});
    if (!netns) return netns.error();
    auto pid = number_variable(host, {"responder_netns_pid"});
    if (!pid) return pid.error();
    if (*pid < 0 || *pid > 0x3fffffff) return wrong(host, "responder_netns_pid", "must be a process id");
    reach.netns = *netns;
    reach.netns_pid = static_cast<int>(*pid);
    if (reach.netns.empty() && reach.netns_pid == 0)
      return wrong(host, "ansible_connection", "is namespace: set responder_netns (a name in /run/netns) or responder_netns_pid");
    if (reach.netns.find('/') != std::string::npos || reach.netns == "." || reach.netns == "..")
      return wrong(host, "responder_netns", "must be a name in /run/netns, not a path");
    return reach;
  }
  if (!connection->empty() && *connection != "ssh" && *connection != "smart" && *connection != "paramiko" &&
      *connection != "paramiko_ssh")
    return wrong(host, "ansible_connection", "is " + in_quotes(*connection) + "; responder reaches hosts by local, ssh or namespace");
  reach.transport = "ssh";
  reach.address = address->empty() ? host.name : *address;
  auto port = number_variable(host, {"ansible_ssh_port", "ansible_port"});
  if (!port) return port.error();
  if (*port < 0 || *port > 65535 || (*port == 0 && variable(host, {"ansible_port", "ansible_ssh_port"})))
    return wrong(host, "ansible_port", "must be 1-65535, found " + std::to_string(*port));
  reach.port = static_cast<int>(*port);
  auto user = text_variable(host, {"ansible_ssh_user", "ansible_user"});
  if (!user) return user.error();
  reach.user = *user;
  auto key = text_variable(host, {"ansible_ssh_private_key_file", "ansible_private_key_file"});
  if (!key) return key.error();
  reach.private_key_file = *key;
  auto args = text_variable(host, {"ansible_ssh_common_args"});
  if (!args) return args.error();
  auto words = split_shell_words(*args, false);
  if (!words) return wrong(host, "ansible_ssh_common_args", "cannot be split: " + words.error().message);
  for (auto& w : *words) reach.ssh_common_args.push_back(w.text);
  auto program = text_variable(host, {"responder_program"});
  if (!program) return program.error();
  reach.program = *program;
  // A value starting with `-` would be read by ssh as an option.
  if (!reach.address.empty() && reach.address[0] == '-') return wrong(host, "ansible_host", "cannot start with `-`");
  if (!reach.user.empty() && reach.user[0] == '-') return wrong(host, "ansible_user", "cannot start with `-`");
  return reach;
}

std::string describe(const HostReach& reach) {
  if (reach.transport == "local") return "local";
  if (reach.transport == "namespace")
    return "namespace " + (reach.netns.empty() ? "pid " + std::to_string(reach.netns_pid) : "netns " + reach.netns);
  std::string host = reach.address.find(':') != std::string::npos && reach.port ? "[" + reach.address + "]" : reach.address;
  std::string out = "ssh " + (reach.user.empty() ? "" : reach.user + "@") + host;
  if (reach.port) out += ":" + std::to_string(reach.port);
  if (!reach.private_key_file.empty()) out += " key " + reach.private_key_file;
  if (!reach.ssh_common_args.empty()) {
    out += " args";
    for (auto& a : reach.ssh_common_args) out += " " + (a.find_first_of(" \t'\"") == std::string::npos && !a.empty() ? a : "'" + a + "'");
  }
  return out;
}

json::object reach_to_json(const HostReach& reach) {
  json::object out{{"transport", reach.transport}, {"address", reach.address}};
  if (reach.transport == "ssh") {
    if (reach.port) out["port"] = reach.port;
    if (!reach.user.empty()) out["user"] = reach.user;
    if (!reach.private_key_file.empty()) out["private_key_file"] = reach.private_key_file;
    if (!reach.ssh_common_args.empty()) out["ssh_common_args"] = string_array(reach.ssh_common_args);
    if (!reach.program.empty()) out["program"] = reach.program;
  }
  if (reach.transport == "namespace") {
    if (!reach.netns.empty()) out["netns"] = reach.netns;
    if (reach.netns_pid) out["netns_pid"] = reach.netns_pid;
  }
  return out;
}

Result<HostReach> reach_from_json(const json::value& value) {
  if (!value.is_object()) return bad_input("a host's reach is not an object");
  auto& o = value.get_object();
  HostReach reach;
  auto text = [&](const char* key, std::string& into) -> Status {
    auto* v = o.if_contains(key);
    if (!v) return {};
    if (!v->is_string()) return bad_input(std::string("a host's reach: `") + key + "` is not text");
    into = v->get_string();
    return {};
  };
  auto number = [&](const char* key, int& into, long long max) -> Status {
    auto* v = o.if_contains(key);
    if (!v) return {};
    if (!v->is_int64() || v->get_int64() < 0 || v->get_int64() > max)
      return bad_input(std::string("a host's reach: `") + key + "` is not a number in 0.." + std::to_string(max));
    into = static_cast<int>(v->get_int64());
    return {};
  };
  for (auto s : {text("transport", reach.transport), text("address", reach.address), text("user", reach.user),
                 text("private_key_file", reach.private_key_file), text("netns", reach.netns), text("program", reach.program),
                 number("port", reach.port, 65535), number("netns_pid", reach.netns_pid, 0x3fffffff)})
    if (!s) return s.error();
  if (reach.transport != "local" && reach.transport != "ssh" && reach.transport != "namespace")
    return bad_input("a host's reach: transport `" + reach.transport + "` is not local, ssh or namespace");
  if (auto* args = o.if_contains("ssh_common_args")) {
    if (!args->is_array()) return bad_input("a host's reach: `ssh_common_args` is not a list");
    for (auto& a : args->get_array()) {
      if (!a.is_string()) return bad_input("a host's reach: `ssh_common_args` holds something that is not text");
      reach.ssh_common_args.emplace_back(a.get_string());
    }
  }
  return reach;
}

}  // namespace responder::inventory
