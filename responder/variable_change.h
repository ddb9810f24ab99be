// `resume --var K=V`: correcting a playbook variable of a running incident,
// only where no step has acted on its old value.
//
// A step uses a name when its `with`, `when` or `targets` refer to it, when
// its plan says its message template read it (a `reads` list in the plan's
// detail), or when it refers to the output a step using that name
// registered. A change is refused when any such step did more than plan:
// started (even if it then failed), applied, verified, undone, was approved
// by someone, had its `when` decided on the name, chose its hosts from it,
// or went to Ansible.
#pragma once

#include <string>
#include <vector>

#include "responder/incident_state.h"
#include "responder/json.h"
#include "responder/playbook.h"
#include "responder/result.h"

namespace responder {

// The steps that use `name`, directly or through registered outputs, in
// playbook order.
std::vector<const Step*> steps_using(const Playbook& playbook, const IncidentState& state, const std::string& name);

// The variables `assignments` (K=V, typed by the playbook's declarations)
// would change, with their new values; refused, naming the step and what it
// did, when a step already used the old value. Values equal to the current
// ones are left out.
Result<json::object> check_variable_changes(const Playbook& playbook, const IncidentState& state,
                                            const std::vector<std::string>& assignments);

}  // namespace responder
