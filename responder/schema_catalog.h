// Every schema compiled into the binary, by module or section name.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "responder/schema.h"

namespace responder {

// Registers one embedded schema file at start-up (see ModuleSchemas.cmake).
struct SchemaRegistration {
  SchemaRegistration(const char* origin, const char* text);
};

class SchemaCatalog {
 public:
  static const SchemaCatalog& instance();
  // The module schema of that name, or nullptr.
  const ModuleSchema* module(std::string_view name) const;
  // The configuration-section schema of that name, or nullptr.
  const ModuleSchema* section(std::string_view name) const;
  std::vector<std::string> module_names() const;
  std::vector<std::string> section_names() const;
  // Schema files that did not parse: a build defect, reported by tests and
  // by `responder validate`.
  const std::vector<std::string>& defects() const { return defects_; }

 private:
  friend struct SchemaRegistration;
  static SchemaCatalog& mutable_instance();
  void load() const;
  mutable bool loaded_ = false;
  std::vector<std::pair<std::string, std::string>> pending_;
  mutable std::map<std::string, ModuleSchema, std::less<>> modules_, sections_;
  mutable std::vector<std::string> defects_;
};

}  // namespace responder
