// The patch-compliance rows (patch_compliance.h) as lines for a terminal:
// one line per host under its step, then a count per state.
#pragma once

#include <string>
#include <vector>

#include "responder/json.h"

namespace responder::release {

std::vector<std::string> compliance_lines(const json::array& rows);

// How many rows are still waiting for their host (pending or installing).
std::size_t hosts_waiting(const json::array& rows);
// Rows whose state is `state`.
std::size_t hosts_in(const json::array& rows, std::string_view state);

}  // namespace responder::release
