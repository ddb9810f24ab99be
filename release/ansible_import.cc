#include "release/ansible_import.h"

#include <algorithm>

#include "responder/durable_file.h"
#include "responder/json.h"
#include "responder/printable_text.h"

namespace responder::release {
namespace {

constexpr std::size_t kMaxResultsBytes = 64u << 20;
constexpr std::size_t kMaxField = 1000;

Result<std::string> field(const json::object& o, std::string_view key, const std::string& where, bool required) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) {
    if (required) return bad_input(where + ": `" + std::string(key) + "` is missing");
    return std::string();
  }
  if (!v->is_string()) return bad_input(where + ": `" + std::string(key) + "` is not text");
  std::string text(v->get_string());
  if (text.size() > kMaxField) return bad_input(where + ": `" + std::string(key) + "` is longer than " + std::to_string(kMaxField));
  if (auto bad = first_unprintable(text)) return bad_input(where + ": `" + std::string(key) + "`: " + bad->message);
  return text;
}

Result<ImportedHost> one_result(const json::value& value, const ExportCheck& check, const std::string& where) {
  if (!value.is_object()) return bad_input(where + ": a result is a JSON object");
  const json::object& o = value.get_object();
  ImportedHost h;
  auto incident = field(o, "incident", where, true);
  if (!incident) return incident.error();
  if (*incident != check.incident) return bad_input(where + ": the result is of incident " + *incident + ", not " + check.incident);
  auto step = field(o, "step", where, true);
  if (!step) return step.error();
  if (*step != check.step) return bad_input(where + ": the result is of step " + *step + ", not " + check.step);
  auto sha = field(o, "sha256", where, true);
  if (!sha) return sha.error();
  if (*sha != check.sha256) return bad_input(where + ": the result is of another artifact (sha256 " + *sha + ")");
  for (auto [key, into, required] : {std::tuple{"host", &h.host, true}, std::tuple{"state", &h.state, true},
                                     std::tuple{"version_before", &h.version_before, false},
                                     std::tuple{"version", &h.version, false}, std::tuple{"detail", &h.detail, false},
                                     std::tuple{"backup_dir", &h.backup_dir, false}}) {
    auto text = field(o, key, where, required);
    if (!text) return text.error();
    *into = *text;
  }
  if (!check.hosts.count(h.host)) return bad_input(where + ": host " + h.host + " was not in the export");
  // Versions are journaled and shown: a Debian version's characters only.
  for (auto* v : {&h.version_before, &h.version})
    if (v->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.+~:-_") != std::string::npos)
      return bad_input(where + ": '" + *v + "' is not a version");
  static const std::set<std::string> states{"patched", "already-patched", "not-affected", "failed", "rolled-back", "pending"};
  if (!states.count(h.state)) return bad_input(where + ": unknown state '" + h.state + "'");
  return h;
}

}  // namespace

Result<std::vector<ImportedHost>> parse_ansible_results(const std::string& text, const ExportCheck& check,
                                                        const std::string& origin) {
  json::value value;
  try {
    value = parse_json(text);
  } catch (const std::exception&) {
    return bad_input(origin + " is not JSON");
  }
  std::vector<ImportedHost> out;
  if (value.is_object() && value.get_object().contains("responder_release")) {
    auto& all = value.get_object().at("responder_release");
    if (!all.is_object()) return bad_input(origin + ": responder_release is not an object of hosts");
    for (auto& [host, result] : all.get_object()) {
      auto one = one_result(result, check, origin + ": " + std::string(host));
      if (!one) return one.error();
      if (one->host != host) return bad_input(origin + ": the result under " + std::string(host) + " is of host " + one->host);
      out.push_back(std::move(*one));
    }
    return out;
  }
  auto one = one_result(value, check, origin);
  if (!one) return one.error();
  out.push_back(std::move(*one));
  return out;
}

Result<std::vector<ImportedHost>> read_ansible_results(const std::filesystem::path& path, const ExportCheck& check) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    for (auto& entry : std::filesystem::directory_iterator(path, ec))
      if (entry.path().extension() == ".json") files.push_back(entry.path());
    if (ec) return failure("cannot read " + path.string() + ": " + ec.message());
    std::sort(files.begin(), files.end());
    if (files.empty()) return bad_input(path.string() + " holds no results (*.json)");
  } else {
    files.push_back(path);
  }
  std::vector<ImportedHost> out;
  std::set<std::string> seen;
  for (auto& file : files) {
    auto text = read_text_file(file, kMaxResultsBytes);
    if (!text) return text.error();
    auto results = parse_ansible_results(*text, check, file.string());
    if (!results) return results.error();
    for (auto& r : *results) {
      if (!seen.insert(r.host).second) return bad_input(file.string() + ": a second result for host " + r.host);
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace responder::release
