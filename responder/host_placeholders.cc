#include "responder/host_placeholders.h"

#include "responder/schema.h"

namespace responder {
namespace {

std::string placeholder(const std::string& name) { return "{{ " + name + " }}"; }

}  // namespace

json::object scope_with_host_placeholders(const json::object& scope, const ModuleSchema& schema) {
  if (schema.host_placeholders().empty()) return scope;
  json::object out = scope;
  for (auto& name : schema.host_placeholders()) out[name] = json::string(placeholder(name));
  return out;
}

std::vector<std::string> fill_host_placeholders(const std::vector<std::string>& argv,
                                                const std::map<std::string, std::string>& values) {
  std::vector<std::string> out;
  out.reserve(argv.size());
  for (auto word : argv) {
    for (auto& [name, value] : values) {
      std::string mark = placeholder(name);
      // Left to right, past each inserted value: a value is never read as a
      // placeholder itself.
      for (std::size_t at = word.find(mark); at != std::string::npos; at = word.find(mark, at + value.size()))
        word.replace(at, mark.size(), value);
    }
    out.push_back(std::move(word));
  }
  return out;
}

}  // namespace responder
