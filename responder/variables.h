// Playbook variables from --var K=V, typed by their declarations.
#pragma once

#include <string>
#include <vector>

#include "responder/json.h"
#include "responder/playbook.h"
#include "responder/result.h"

namespace responder {

// Parses each K=V, checks K is declared and V has its type, fills defaults.
// With `require_all`, a required variable without a value is an error;
// otherwise it is left out (for `plan`). Errors name every problem.
Result<json::object> resolve_variables(const Playbook& playbook, const std::vector<std::string>& assignments,
                                       bool require_all, std::vector<std::string>* missing = nullptr);

}  // namespace responder
