// `{{ name }}` in a step's parameters that only the host it runs on can
// fill: where the artifact it received was put, its backup directory, the
// version it had (ModuleSchema::host_placeholders). The controller leaves
// them in place; each host fills them word by word, never through a shell.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "responder/json.h"

namespace responder {

class ModuleSchema;

// `scope` with each of the module's host placeholders standing for itself,
// so substituting a step's parameters leaves `{{ artifact }}` (in that
// spelling) for the host. The same scope when the module has none.
json::object scope_with_host_placeholders(const json::object& scope, const ModuleSchema& schema);

// `argv` with every `{{ name }}` of `values` replaced, word by word; a word
// naming a placeholder not in `values` is kept as written.
std::vector<std::string> fill_host_placeholders(const std::vector<std::string>& argv,
                                                const std::map<std::string, std::string>& values);

}  // namespace responder
