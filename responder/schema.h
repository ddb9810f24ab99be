// The declared parameter schema of a module (or of a configuration section).
//
// Schemas are written as YAML beside the module (`<name>.schema.yaml`) and
// compiled into the binary; see cmake/ModuleSchemas.cmake. The format:
//
//   module: firewall.block          # or `section: evidence` for configuration
//   summary: Drop traffic to and from addresses and ports.
//   stages: [isolate-and-contain]   # where it is made for; `any` for all
//   undo: exact                     # none | exact | restores | rollback
//   params:
//     addresses: {type: list, items: cidr, description: ...}
//     direction: {type: string, enum: [in, out, both], default: both}
//     port:      {type: int, min: 1, max: 65535, required: true}
//     unit:      {type: string, pattern: '^[A-Za-z0-9@._:-]+$'}  # POSIX ERE
//   one_of: [[addresses, addresses_file, ports]]  # at least one of each group
//   requires:                       # what the process needs (requirements.h)
//     - cap_net_admin               # always
//     - {need: cap_net_raw, with: interface}  # only when the step sets `interface`
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "responder/json.h"
#include "responder/result.h"
#include "responder/text_pattern.h"
#include "responder/value_type.h"

namespace responder {

struct ParamSpec {
  std::string name;
  ValueType type;
  bool required = false;
  std::optional<json::value> default_value;
  std::optional<std::int64_t> min, max;   // for int, and for list length
  std::vector<std::string> allowed;       // `enum`
  std::optional<TextPattern> pattern;     // for strings; see text_pattern.h
  std::string description;
};

// Something a module needs of the process that runs it (requirements.h
// lists the names). With `with_param`, only steps that set that parameter
// need it (traffic.analyze reads a file unprivileged, an interface not).
struct ModuleRequirement {
  std::string need;
  std::string with_param;
};

// One problem in a `with:` mapping; `path` is the parameter name, with
// "[i]" for list items (e.g. "addresses[2]"), or empty for the whole mapping.
struct SchemaIssue {
  std::string path;
  std::string message;
};

// Static type of a `{{ ... }}` value, as far as validation can know it:
// nullopt means "decided at run time".
using TemplateTypeOf = std::function<std::optional<ValueType>(std::string_view whole_template)>;

class ModuleSchema {
 public:
  // Parses the YAML text of a schema file; `origin` names it in errors.
  static Result<ModuleSchema> parse(const std::string& origin, const std::string& text);

  const std::string& name() const { return name_; }        // module or section name
  bool is_section() const { return is_section_; }
  const std::string& summary() const { return summary_; }
  const std::string& undo() const { return undo_; }
  const std::vector<std::string>& stages() const { return stages_; }
  // Names a step's parameters may use as `{{ name }}` that are filled on
  // each host the step runs on (release.push: `{{ artifact }}`, the copy
  // received there), not by the controller's variables.
  const std::vector<std::string>& host_placeholders() const { return host_placeholders_; }
  const std::vector<ParamSpec>& params() const { return params_; }
  const ParamSpec* param(std::string_view name) const;
  const std::vector<ModuleRequirement>& requirements() const { return requirements_; }

  // Checks a `with:` mapping before anything runs. Values that are a whole
  // `{{ x }}` template are checked through `type_of`; values that contain a
  // template inside text are checked at run time.
  std::vector<SchemaIssue> check(const json::object& with, const TemplateTypeOf& type_of) const;
  // Checks fully substituted parameters and fills in defaults.
  Result<json::object> resolve(const json::object& with) const;

 private:
  std::string name_, summary_, undo_ = "none";
  bool is_section_ = false;
  std::vector<std::string> stages_;
  std::vector<std::string> host_placeholders_;
  std::vector<ParamSpec> params_;
  std::vector<std::vector<std::string>> one_of_;
  std::vector<ModuleRequirement> requirements_;
};

// True when the string holds `{{` ... `}}`.
bool has_template(std::string_view text);
// True when the whole string is one `{{ expr }}`.
bool is_whole_template(std::string_view text);

}  // namespace responder
