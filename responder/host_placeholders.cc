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
  for (auto& word : argv) {
    // One pass left to right over the word as written: an inserted value
    // is never read for placeholders again.
    std::string filled;
    std::size_t pos = 0;
    while (pos < word.size()) {
      std::size_t next = std::string::npos;
      const std::pair<const std::string, std::string>* found = nullptr;
      for (auto& entry : values) {
        auto at = word.find(placeholder(entry.first), pos);
        if (at < next) {
          next = at;
          found = &entry;
        }
      }
      if (!found) {
        filled.append(word, pos, std::string::npos);
        break;
      }
      filled.append(word, pos, next - pos);
      filled += found->second;
      pos = next + placeholder(found->first).size();
    }
    out.push_back(std::move(filled));
  }
  return out;
}

}  // namespace responder
