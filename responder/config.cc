#include "responder/config.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "responder/durable_file.h"
#include "responder/playbook_loader.h"
#include "responder/printable_text.h"
#include "responder/schema_catalog.h"
#include "responder/yaml_json.h"

namespace responder {

std::filesystem::path default_config_path(const std::string& from_command_line, bool* explicit_choice) {
  *explicit_choice = true;
  if (!from_command_line.empty()) return from_command_line;
  if (const char* env = std::getenv("RESPONDER_CONFIG"); env && *env) return env;
  *explicit_choice = false;
  return "/etc/responder/responder.yaml";
}

Result<std::string> Config::secret(std::string_view name) const {
  auto it = secrets.find(std::string(name));
  if (it == secrets.end()) return bad_input("no secret named '" + std::string(name) + "' in the configuration's secrets:");
  const SecretSource& source = it->second;
  if (!source.env.empty()) {
    const char* value = std::getenv(source.env.c_str());
    if (!value) return bad_input("secret '" + std::string(name) + "': environment variable " + source.env + " is not set");
    return std::string(value);
  }
  auto read = read_text_file(source.file, 1u << 20);
  if (!read) return bad_input("secret '" + std::string(name) + "': " + read.error().message);
  std::string value = std::move(*read);
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

json::object Config::section(std::string_view name) const {
  if (auto* v = sections.if_contains(name); v && v->is_object()) return v->get_object();
  return {};
}

namespace {

struct Loader {
  std::string file;
  SourceMap positions;
  std::vector<Diagnostic>& out;

  void error(const std::string& path, const std::string& message) {
    SourcePosition p;
    if (auto it = positions.find(path); it != positions.end()) p = it->second;
    else if (auto k = positions.find(path + "#key"); k != positions.end()) p = k->second;
    out.push_back({file, p.line, p.column, message});
  }

  std::vector<std::string> string_list(const json::value& v, const std::string& path) {
    std::vector<std::string> items;
    if (!v.is_array()) {
      error(path, path + " must be a list");
      return items;
    }
    std::size_t i = 0;
    for (auto& item : v.get_array()) {
      std::string here = path + "[" + std::to_string(i++) + "]";
      if (!item.is_string()) error(here, "expected a string");
      else items.emplace_back(item.get_string());
    }
    return items;
  }

  // `approvers:`; each problem is reported at its location.
  Approvers approvers(const json::value& v, const std::filesystem::path& base) {
    Approvers out;
    if (!v.is_object()) {
      error("approvers", "approvers is a mapping of name to {os_user: USER, ssh_key: \"ssh-ed25519 AAAA...\"}");
      return out;
    }
    std::map<std::string, std::string> key_owner, user_owner;
    for (auto& [name_view, spec] : v.get_object()) {
      std::string name(name_view);
      std::string here = "approvers." + name;
      if (!valid_approver_name(name)) {
        error(here + "#key", "approver name '" + name +
                                 "' must be lower-case letters, digits and . _ - @ (it is what people type after --as)");
        continue;
      }
      if (!spec.is_object()) {
        error(here, "an approver is {os_user: USER} and/or {ssh_key: \"KEY LINE\"} or {ssh_key_file: PATH}");
        continue;
      }
      Approver approver;
      approver.name = name;
      std::vector<std::pair<std::string, std::string>> key_lines;  // (where, text)
      for (auto& [field_view, value] : spec.get_object()) {
        std::string field(field_view), at = here + "." + field;
        if (field == "os_user") {
          if (!value.is_string() || value.get_string().empty()) error(at, "os_user is a user name");
          else approver.os_user = std::string(value.get_string());
        } else if (field == "ssh_key") {
          if (!value.is_string()) error(at, "ssh_key is one public key line, as in ~/.ssh/id_ed25519.pub");
          else key_lines.emplace_back(at, std::string(value.get_string()));
        } else if (field == "ssh_key_file") {
          if (!value.is_string()) {
            error(at, "ssh_key_file is the path of a .pub file");
            continue;
          }
          std::filesystem::path file = std::string(value.get_string());
          if (file.is_relative()) file = base / file;
          auto text = read_text_file(file, 64u << 10);
          if (!text) error(at, text.error().message);
          else key_lines.emplace_back(at, *text);
        } else {
          auto hint = closest_match(field, {"os_user", "ssh_key", "ssh_key_file"});
          error(at + "#key", "unknown approver setting '" + field + "'" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
        }
      }
      for (auto& [at, text] : key_lines) {
        auto key = parse_ssh_public_key(text);
        if (!key) {
          error(at, key.error().message);
          continue;
        }
        // One key, one person: otherwise one key could sign as two approvers.
        if (auto [it, fresh] = key_owner.emplace(*key, name); !fresh)
          error(at, "this key is also " + it->second + "'s; one key counts as one person");
        else
          approver.ssh_keys.push_back(*key);
      }
      if (!approver.os_user.empty())
        if (auto [it, fresh] = user_owner.emplace(approver.os_user, name); !fresh)
          error(here + ".os_user", "OS user " + approver.os_user + " is also " + it->second + "'s; one OS user counts as one person");
      if (approver.os_user.empty() && approver.ssh_keys.empty() && key_lines.empty())
        error(here, "approver " + name + " needs ssh_key, ssh_key_file or os_user: something that says who they are");
      out[name] = std::move(approver);
    }
    return out;
  }
};

}  // namespace

Result<Config> load_config(const std::filesystem::path& path, bool must_exist, std::vector<Diagnostic>& diagnostics) {
  Config config;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (must_exist) {
      diagnostics.push_back({path.string(), 0, 0, "configuration file does not exist"});
      return bad_input(diagnostics.back().format());
    }
    return config;
  }
  config.source = path;
  Loader loader{path.string(), {}, diagnostics};
  json::value root;
  // Read and checked as a playbook is: bounded in size, and only YAML's
  // printable characters, located, before yaml-cpp sees the bytes.
  auto read = read_text_file(path, kMaxPlaybookBytes);
  if (!read) {
    diagnostics.push_back({path.string(), 0, 0, "cannot read the configuration file: " + read.error().message});
    return bad_input(diagnostics.back().format());
  }
  std::string text = std::move(*read);
  if (auto bad = first_unprintable(text)) {
    diagnostics.push_back({path.string(), bad->line, bad->column, bad->message});
    return bad_input(diagnostics.back().format());
  }
  try {
    YAML::Node node = YAML::Load(text);
    std::size_t budget = 100000;
    SourcePosition failed_at;
    auto converted = yaml_to_json(node, path.string(), budget, &loader.positions, &failed_at);
    if (!converted) {
      diagnostics.push_back({path.string(), failed_at.line, failed_at.column, converted.error().message});
      return bad_input(diagnostics.back().format());
    }
    root = std::move(*converted);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp stops at 2000 levels with the unhelpful "bad file".
    diagnostics.push_back({path.string(), e.mark.line + 1, e.mark.column + 1, kTooDeep});
    return bad_input(diagnostics.back().format());
  } catch (const YAML::Exception& e) {
    diagnostics.push_back({path.string(), e.mark.line + 1, e.mark.column + 1, e.msg});
    return bad_input(diagnostics.back().format());
  }
  if (root.is_null()) return config;  // an empty file configures nothing
  if (!root.is_object()) {
    diagnostics.push_back({path.string(), 1, 1, "the configuration must be a mapping of settings"});
    return bad_input(diagnostics.back().format());
  }
  std::size_t before = diagnostics.size();
  std::vector<std::string> known = {"management", "contacts", "inventories", "keys", "secrets", "approvers"};
  for (auto& name : SchemaCatalog::instance().section_names()) known.push_back(name);

  for (auto& [key_view, value] : root.get_object()) {
    std::string key(key_view);
    if (key == "management") {
      std::size_t i = 0;
      for (auto& text : loader.string_list(value, key)) {
        auto cidr = parse_cidr(text);
        if (!cidr) loader.error(key + "[" + std::to_string(i) + "]", cidr.error().message);
        else config.management.push_back(*cidr);
        ++i;
      }
    } else if (key == "contacts") {
      if (!value.is_string()) loader.error(key, "contacts is the path of the contacts file");
      else config.contacts = std::string(value.get_string());
    } else if (key == "inventories") {
      for (auto& p : loader.string_list(value, key)) config.inventories.emplace_back(p);
    } else if (key == "keys") {
      if (!value.is_object()) {
        loader.error(key, "keys is a mapping of key name to file path");
        continue;
      }
      for (auto& [name, p] : value.get_object()) {
        if (!p.is_string()) loader.error(key + "." + std::string(name), "expected a file path");
        else config.keys[std::string(name)] = std::string(p.get_string());
      }
    } else if (key == "secrets") {
      if (!value.is_object()) {
        loader.error(key, "secrets is a mapping of secret name to {file: PATH} or {env: VARIABLE}");
        continue;
      }
      for (auto& [name, spec] : value.get_object()) {
        std::string here = key + "." + std::string(name);
        SecretSource source;
        if (spec.is_object() && spec.get_object().size() == 1 && spec.get_object().contains("file") &&
            spec.get_object().at("file").is_string()) {
          source.file = std::string(spec.get_object().at("file").get_string());
        } else if (spec.is_object() && spec.get_object().size() == 1 && spec.get_object().contains("env") &&
                   spec.get_object().at("env").is_string()) {
          source.env = std::string(spec.get_object().at("env").get_string());
        } else {
          loader.error(here, "a secret is {file: PATH} or {env: VARIABLE}; secret values never go in this file");
          continue;
        }
        config.secrets[std::string(name)] = source;
      }
    } else if (key == "approvers") {
      config.approvers = loader.approvers(value, path.parent_path());
    } else if (const ModuleSchema* schema = SchemaCatalog::instance().section(key)) {
      if (!value.is_object()) {
        loader.error(key, key + " must be a mapping");
        continue;
      }
      auto issues = schema->check(value.get_object(), nullptr);
      for (auto& issue : issues) loader.error(issue.path.empty() ? key : key + "." + issue.path, issue.message);
      if (issues.empty()) config.sections[key] = *schema->resolve(value.get_object());
    } else {
      auto hint = closest_match(key, known);
      loader.error(key + "#key", "unknown setting '" + key + "'" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
    }
  }
  if (diagnostics.size() > before) return bad_input(diagnostics[before].format());
  return config;
}

std::filesystem::path Config::beside(const std::filesystem::path& path) const {
  if (path.empty() || path.is_absolute() || source.empty()) return path;
  return source.parent_path() / path;
}

}  // namespace responder
