#include "responder/schema_catalog.h"

#include <mutex>

namespace responder {

SchemaRegistration::SchemaRegistration(const char* origin, const char* text) {
  SchemaCatalog::mutable_instance().pending_.emplace_back(origin, text);
}

SchemaCatalog& SchemaCatalog::mutable_instance() {
  static SchemaCatalog catalog;
  return catalog;
}

const SchemaCatalog& SchemaCatalog::instance() {
  auto& catalog = mutable_instance();
  static std::once_flag once;
  std::call_once(once, [&] { catalog.load(); });
  return catalog;
}

void SchemaCatalog::load() const {
  for (auto& [origin, text] : pending_) {
    auto schema = ModuleSchema::parse(origin, text);
    if (!schema) {
      defects_.push_back(schema.error().message);
      continue;
    }
    auto& target = schema->is_section() ? sections_ : modules_;
    std::string name = schema->name();
    if (target.count(name)) {
      defects_.push_back(origin + ": schema for '" + name + "' is declared twice");
      continue;
    }
    target.emplace(name, std::move(*schema));
  }
  loaded_ = true;
}

const ModuleSchema* SchemaCatalog::module(std::string_view name) const {
  auto it = modules_.find(name);
  return it == modules_.end() ? nullptr : &it->second;
}

const ModuleSchema* SchemaCatalog::section(std::string_view name) const {
  auto it = sections_.find(name);
  return it == sections_.end() ? nullptr : &it->second;
}

std::vector<std::string> SchemaCatalog::module_names() const {
  std::vector<std::string> out;
  for (auto& [name, schema] : modules_) out.push_back(name);
  return out;
}

std::vector<std::string> SchemaCatalog::section_names() const {
  std::vector<std::string> out;
  for (auto& [name, schema] : sections_) out.push_back(name);
  return out;
}

}  // namespace responder
