// Parts of `responder status` that module folders add (notifications, and
// later hosts and releases), so that the engine's status command does not
// depend on them: each section reads the loaded incident and says what it
// has to say, in lines for people and a JSON value for --json.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "responder/json.h"

namespace responder {

struct LoadedIncident;

struct StatusSection {
  const char* key;  // its key in `status --json`
  // Fills `lines` (printed under the section, already indented) and returns
  // the JSON value; a null value and no lines leave the section out.
  std::function<json::value(const LoadedIncident& incident, std::vector<std::string>& lines)> describe;
};

struct StatusSectionRegistration {
  explicit StatusSectionRegistration(StatusSection section);
};

const std::vector<StatusSection>& registered_status_sections();

}  // namespace responder
